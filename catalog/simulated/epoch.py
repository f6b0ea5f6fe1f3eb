"""A SIMULATED epoch (:mod:`ml.sim.epoch`) into the catalog through the real ingest paths.

The components go through the CIRADA ingest (a CIRADA-format CSV on disk, as a real new epoch
arrives); the optical sources are stored as ``OpticalSource(catalogue="sim",
is_simulated=True)`` (binary COPY on PostgreSQL, bulk insert elsewhere), idempotently by
``source_id``; the candidates are then made by the set-based join
(:func:`catalog.pipeline.candidates.build_candidates`) when ``candidates=True``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from catalog.ingest.contract import is_postgres
from catalog.ingest.pgbinary import HEADER, TRAILER, Field, encode_rows
from catalog.ingest.vlass_cirada import ingest_vlass_cirada, vlass_epoch
from catalog.models import Epoch, OpticalSource
from catalog.sky.spatial import hpx_index
from ml.sim.epoch import SimEpoch, write_cirada_csv


def store_optical(ep: SimEpoch, *, id_prefix: str = "SIM") -> int:
    """Store the simulated optical sources not stored yet; returns how many were new."""
    ids = np.array([f"{id_prefix}{i}" for i in range(ep.opt_ra.size)])
    have = set(
        OpticalSource.objects.filter(catalogue=OpticalSource.Catalogue.SIMULATED)
        .filter(source_id__startswith=id_prefix)
        .values_list("source_id", flat=True)
    )
    new = np.array([s not in have for s in ids.tolist()], dtype=bool)
    n = int(new.sum())
    if n == 0:
        return 0
    ra, dec, mag = ep.opt_ra[new], ep.opt_dec[new], ep.opt_r_mag[new]
    hpx = hpx_index(ra, dec)
    if not is_postgres():
        OpticalSource.objects.bulk_create(
            [
                OpticalSource(
                    catalogue="sim",
                    source_id=s,
                    ra=r,
                    dec=d,
                    hpx=int(h),
                    r_mag=m,
                    is_simulated=True,
                )  # fmt: skip
                for s, r, d, h, m in zip(
                    ids[new].tolist(),
                    ra.tolist(),
                    dec.tolist(),
                    hpx.tolist(),
                    mag.tolist(),
                    strict=True,
                )  # fmt: skip
            ],
            batch_size=5000,
        )
        return n
    from django.db import connection

    fields = [  # fixed-width columns first (the encoder's row layout)
        Field("float8", ra),
        Field("float8", dec),
        Field("int8", hpx.astype(np.int64)),
        Field("float8", mag),
        Field("bool", np.ones(n, dtype=bool)),
        Field("text", pa.array(["sim"] * n)),
        Field("text", pa.array(ids[new].tolist())),
        Field("text", pa.array([""] * n)),
    ]
    cols = "ra, dec, hpx, r_mag, is_simulated, catalogue, source_id, allwise_id"
    connection.ensure_connection()
    with connection.connection.cursor() as cur:
        with cur.copy(
            f"COPY {OpticalSource._meta.db_table} ({cols}) FROM STDIN (FORMAT BINARY)"
        ) as cp:
            cp.write(HEADER + encode_rows(fields, n) + TRAILER)
    return n


def ingest_sim_epoch(ep: SimEpoch, name: str, workdir: str | Path, *, candidates: bool = True,
                     optical_prefix: str = "SIM") -> Epoch:  # fmt: skip
    """Write ``ep`` as ``<workdir>/VLASS<name>_components.csv``, ingest it as VLASS epoch
    ``name``, store its optical sources and (optionally) build its candidates."""
    path = write_cirada_csv(ep, Path(workdir) / f"VLASS{name}_components.csv", name)
    ingest_vlass_cirada(path, epoch=name)
    epoch = vlass_epoch(name)
    store_optical(ep, id_prefix=optical_prefix)
    if candidates:
        from catalog.pipeline.candidates import build_candidates

        build_candidates(epoch)
        Epoch.objects.filter(pk=epoch.pk, state=Epoch.State.INGESTED).update(
            state=Epoch.State.CANDIDATES_READY
        )
    return epoch
