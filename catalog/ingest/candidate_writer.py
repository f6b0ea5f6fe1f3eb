"""The one writer of ``Candidate`` rows: arrays in, idempotent bulk upsert out.

Used by the set-based join (:mod:`catalog.pipeline.candidates`) and by the per-component path
(:func:`upsert_candidates`, the Lou 2023 test set and per-component candidate files), so both store the same rows the same way.

* PostgreSQL: the rows go over binary ``COPY`` (:mod:`catalog.ingest.pgbinary`). A batch
  whose components have no candidates yet (``fresh``: a new epoch) is copied straight
  into ``catalog_candidate``; otherwise through a temporary stage and one ``INSERT ... ON
  CONFLICT DO UPDATE ... WHERE IS DISTINCT FROM``, so an identical re-run changes nothing
  and a moved geometry updates (the same shape as :mod:`catalog.ingest.vlass_copy`).
* SQLite (the demo): the portable ORM upsert of :func:`catalog.ingest.contract.upsert`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from astropy.wcs import WCS

from catalog.ingest.contract import IngestReport, is_postgres, upsert
from catalog.ingest.pgbinary import HEADER, TRAILER, Field, encode_rows
from catalog.models import Candidate, RadioComponent
from catalog.sky.geometry import candidate_offsets

COLUMNS = ("component_id", "optical_source_id", "dx_px", "dy_px", "distance_px")
_COPY_ROWS = 200_000  # rows per binary block (~12 MB encoded)


def _encoded(cols: list[np.ndarray], lo: int, hi: int) -> bytes:
    kinds = ("int8", "int8", "float8", "float8", "float8")
    return encode_rows([Field(k, c[lo:hi]) for k, c in zip(kinds, cols, strict=True)], hi - lo)


def write_candidates(
    component_id,
    optical_source_id,
    dx,
    dy,
    distance,
    report: IngestReport | None = None,
    *,
    fresh: bool = False,
) -> tuple[int, int, int]:
    """Upsert candidate rows given as equal-length arrays; return (inserted, updated, unchanged).

    ``fresh=True`` promises that none of these (component, optical source) pairs exists
    (the caller checked that their components have no candidates); on PostgreSQL the
    rows are then copied without the upsert stage.
    """
    cols = [
        np.asarray(component_id, np.int64),
        np.asarray(optical_source_id, np.int64),
        *(np.asarray(v, float) for v in (dx, dy, distance)),
    ]
    n = len(cols[0])
    if n == 0:
        return 0, 0, 0
    if not np.isfinite(cols[4]).all():
        raise ValueError("write_candidates: non-finite geometry (a point behind the projection?)")
    if is_postgres():
        ins, upd = _copy(cols, n, fresh=fresh)
        same = n - ins - upd
    else:
        rows = [
            dict(zip(COLUMNS, r, strict=True))
            for r in zip(
                cols[0].tolist(), cols[1].tolist(), *(c.tolist() for c in cols[2:]), strict=True
            )
        ]
        before = IngestReport(source="")
        upsert(Candidate, rows, keys=COLUMNS[:2], report=before)
        c = before.counts["Candidate"]
        ins, upd, same = c["inserted"], c["updated"], c["unchanged"]
    if report is not None:
        report.add("Candidate", inserted=ins, updated=upd, unchanged=same)
    return ins, upd, same


def _copy(cols: list[np.ndarray], n: int, *, fresh: bool) -> tuple[int, int]:
    from django.db import connection

    tbl = Candidate._meta.db_table
    collist = ", ".join(COLUMNS)
    connection.ensure_connection()
    with connection.connection.cursor() as cur:
        target = tbl
        if not fresh:
            target = "rh_cand_stage"
            cur.execute("DROP TABLE IF EXISTS rh_cand_stage")
            cur.execute(
                f"CREATE TEMP TABLE rh_cand_stage ON COMMIT DROP AS "
                f"SELECT {collist} FROM {tbl} WITH NO DATA"
            )
        with cur.copy(f"COPY {target} ({collist}) FROM STDIN (FORMAT BINARY)") as cp:
            cp.write(HEADER)
            for lo in range(0, n, _COPY_ROWS):
                cp.write(_encoded(cols, lo, min(n, lo + _COPY_ROWS)))
            cp.write(TRAILER)
        if fresh:
            return n, 0
        upd = COLUMNS[2:]
        cur.execute(
            f"WITH up AS (INSERT INTO {tbl} AS t ({collist}) SELECT {collist} FROM rh_cand_stage "
            "ON CONFLICT ON CONSTRAINT candidate_unique DO UPDATE SET "
            f"{', '.join(f'{c} = EXCLUDED.{c}' for c in upd)} "
            f"WHERE ({', '.join(f't.{c}' for c in upd)}) IS DISTINCT FROM "
            f"({', '.join(f'EXCLUDED.{c}' for c in upd)}) RETURNING (xmax = 0) AS ins) "
            "SELECT count(*) FILTER (WHERE ins), count(*) FILTER (WHERE NOT ins) FROM up"
        )
        ins, upd_n = cur.fetchone()
        cur.execute("DROP TABLE rh_cand_stage")
    return int(ins), int(upd_n)


def upsert_candidates(
    component: RadioComponent,
    optical_pks: Sequence[int],
    ra: Sequence[float],
    dec: Sequence[float],
    report: IngestReport,
    *,
    wcs: WCS | None = None,
) -> dict[tuple, int]:
    """Create/update the component's candidates with their cutout-frame geometry."""
    dx, dy, d = candidate_offsets(component.ra, component.dec, ra, dec, wcs=wcs)
    pks = np.asarray(optical_pks, np.int64)
    if len(np.unique(pks)) != len(pks):
        raise ValueError(f"upsert_candidates: an optical source twice for {component}")
    # the same writer as the set-based join (catalog.pipeline.candidates)
    write_candidates(np.full(len(pks), component.pk), pks, dx, dy, d, report)
    return {
        (component.pk, o): pk
        for pk, o in Candidate.objects.filter(
            component=component, optical_source_id__in=pks.tolist()
        ).values_list("pk", "optical_source_id")
    }


def store_candidates(
    component_id, optical_source_id, dx, dy, distance, *, fresh: bool
) -> np.ndarray:
    """Write candidate rows (as :func:`write_candidates`) and return their ids, row for row.

    The identification tiles make candidates and then write predictions on them, so they
    need the ids back. ``fresh`` (no such pair stored; the tile's planned state says so) on
    PostgreSQL: ids drawn from the table's sequence in one statement and the rows COPYed with
    them, no read-back. Otherwise the idempotent upsert, then one query for the ids.
    """
    comp = np.asarray(component_id, np.int64)
    opt = np.asarray(optical_source_id, np.int64)
    n = comp.size
    if n == 0:
        return np.zeros(0, np.int64)
    if fresh and is_postgres():
        return _copy_with_ids(comp, opt, dx, dy, distance)
    write_candidates(comp, opt, dx, dy, distance)
    return _ids_of(comp, opt)


def _copy_with_ids(comp, opt, dx, dy, distance) -> np.ndarray:
    from django.db import connection

    tbl = Candidate._meta.db_table
    d = np.asarray(distance, float)
    if not np.isfinite(d).all():
        raise ValueError("store_candidates: non-finite geometry (a point behind the projection?)")
    connection.ensure_connection()
    with connection.connection.cursor() as cur:
        cur.execute(
            f"SELECT nextval(pg_get_serial_sequence('{tbl}', 'id')) FROM generate_series(1, %s)",
            [comp.size],
        )
        ids = np.fromiter((r[0] for r in cur.fetchall()), np.int64, comp.size)
        cols = [ids, comp, opt, *(np.asarray(v, float) for v in (dx, dy, d))]
        kinds = ("int8", "int8", "int8", "float8", "float8", "float8")
        with cur.copy(f"COPY {tbl} (id, {', '.join(COLUMNS)}) FROM STDIN (FORMAT BINARY)") as cp:
            cp.write(HEADER)
            for lo in range(0, comp.size, _COPY_ROWS):
                hi = min(comp.size, lo + _COPY_ROWS)
                cp.write(
                    encode_rows([Field(k, c[lo:hi]) for k, c in zip(kinds, cols, strict=True)],
                                hi - lo)
                )  # fmt: skip
            cp.write(TRAILER)
    return ids


def _ids_of(comp: np.ndarray, opt: np.ndarray) -> np.ndarray:
    got: dict[tuple[int, int], int] = {}
    uniq = np.unique(comp).tolist()
    for lo in range(0, len(uniq), 5000):  # SQLite's bound-parameter limit
        got.update(
            ((c, o), pk)
            for pk, c, o in Candidate.objects.filter(
                component_id__in=uniq[lo : lo + 5000]
            ).values_list("pk", "component_id", "optical_source_id")
        )
    return np.array([got[(c, o)] for c, o in zip(comp.tolist(), opt.tolist(), strict=True)],
                    np.int64)  # fmt: skip
