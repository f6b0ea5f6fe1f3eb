"""The limits bench/epoch.py compares each step with, measured on the same rows in the same run.

* :func:`bare_copy_s`: the rows a step wrote, exported with ``COPY ... TO STDOUT (FORMAT
  BINARY)`` (not timed) and COPYed back into a bare table of the same columns (no index, no
  constraint, no foreign key): what the server takes at best for those bytes.
* :func:`zone_join_s`: the candidate pairs made by one ``INSERT ... SELECT`` inside PostgreSQL
  (declination zones, the seed §2.2.2 box test on the SIN offsets in SQL) into a bare table.
* :func:`write_ceiling`: HostPrediction-shaped rows COPYed by several concurrent writers
  into the real table (indexes, foreign keys) -- the server's write ceiling for projections.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import time

from catalog.sky.geometry import CANDIDATE_BOX_ARCMIN, search_radius_arcsec

_K = 180.0 / math.pi * 3600.0  # arcsec per radian; the cutout is 1″/px (seed §3.3)


def bare_copy_s(table: str, where: str, params: list) -> tuple[float, int]:
    """Seconds to COPY ``table``'s rows matching ``where`` into a bare copy of it; rows."""
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cur:
        buf = bytearray()
        with cur.copy(f"COPY (SELECT * FROM {table} WHERE {where}) TO STDOUT (FORMAT BINARY)",
                      params) as cp:  # fmt: skip
            for chunk in cp:
                buf += chunk
        cur.execute("DROP TABLE IF EXISTS rh_bare")
        cur.execute(f"CREATE UNLOGGED TABLE rh_bare (LIKE {table})")
        raw.commit()
        t0 = time.perf_counter()
        with cur.copy("COPY rh_bare FROM STDIN (FORMAT BINARY)") as cp:
            cp.write(bytes(buf))
        raw.commit()
        dt = time.perf_counter() - t0
        cur.execute("SELECT count(*) FROM rh_bare")
        n = cur.fetchone()[0]
        cur.execute("DROP TABLE rh_bare")
        raw.commit()
    return dt, int(n)


def zone_join_s(epoch_id: int) -> dict:
    """The candidate join as one set-based statement; seconds for the join and its prep."""
    from django.db import connection

    r = search_radius_arcsec(CANDIDATE_BOX_ARCMIN, None) / 3600.0  # deg
    half = CANDIDATE_BOX_ARCMIN * 60.0 / 2.0  # px at 1″/px
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cur:
        cur.execute("ANALYZE catalog_radiocomponent")  # as the tiles' start() does
        raw.commit()
        t0 = time.perf_counter()
        cur.execute("SET jit = off")  # as the tiles' reads (the planner misjudges the ranges)
        cur.execute("DROP TABLE IF EXISTS rh_oz, rh_pairs")
        cur.execute(
            "CREATE UNLOGGED TABLE rh_oz AS SELECT id, ra, dec, floor(dec / %s)::int AS z "
            "FROM catalog_opticalsource WHERE catalogue IN ('ps1', 'sim')",
            [r],
        )
        cur.execute("CREATE INDEX ON rh_oz (z, ra)")
        cur.execute("ANALYZE rh_oz")
        cur.execute(
            "CREATE UNLOGGED TABLE rh_pairs (component_id int8, optical_source_id int8, "
            "dx_px float8, dy_px float8, distance_px float8)"
        )
        raw.commit()
        prep = time.perf_counter() - t0
        t0 = time.perf_counter()
        cur.execute(
            f"""
            INSERT INTO rh_pairs
            SELECT cid, oid, dx, dy, sqrt(dx * dx + dy * dy) FROM (
              SELECT c.id AS cid, o.id AS oid,
                -cos(radians(o.dec)) * sin(radians(o.ra - c.ra)) * {_K} AS dx,
                (sin(radians(o.dec)) * cos(radians(c.dec))
                 - cos(radians(o.dec)) * sin(radians(c.dec)) * cos(radians(o.ra - c.ra))) * {_K}
                  AS dy
              FROM catalog_radiocomponent c
              CROSS JOIN (VALUES (-1), (0), (1)) AS d(dz)
              -- LATERAL: one index probe per (component, zone); a plain join is planned as
              -- a merge join over the whole zone table (8.4 s instead of 0.22 s measured)
              CROSS JOIN LATERAL (
                SELECT o.id, o.ra, o.dec FROM rh_oz o
                WHERE o.z = floor(c.dec / %(r)s)::int + d.dz
                  AND o.ra BETWEEN c.ra - %(r)s / cos(radians(least(89.0, abs(c.dec) + %(r)s)))
                               AND c.ra + %(r)s / cos(radians(least(89.0, abs(c.dec) + %(r)s)))
                OFFSET 0) o
              WHERE c.epoch_id = %(e)s AND c.is_science
            ) p WHERE abs(dx) <= %(h)s AND abs(dy) <= %(h)s
            """,
            {"r": r, "e": epoch_id, "h": half},
        )
        raw.commit()
        join = time.perf_counter() - t0
        cur.execute("SELECT count(*) FROM rh_pairs")
        n = cur.fetchone()[0]
        cur.execute("DROP TABLE rh_oz, rh_pairs")
        cur.execute("RESET jit")
        raw.commit()
    return {"join_s": round(join, 3), "prep_s": round(prep, 3), "pairs": int(n)}


def _writer(db_url: str, ids, mv_id: int, out) -> None:
    from bench.django_setup import setup_django

    setup_django(db_url)
    import numpy as np
    from django.db import transaction

    from catalog.pipeline.score import Predictions
    from catalog.pipeline.writer import write_predictions

    p = Predictions(ids, np.full(ids.size, 0.5), np.ones(ids.size, np.int64),
                    np.zeros(ids.size, bool), np.zeros(ids.size, bool))  # fmt: skip
    t0 = time.time()
    with transaction.atomic():
        write_predictions(p, mv_id, fresh=True)
    out.put((t0, time.time(), int(ids.size)))


def write_ceiling(db_url: str, candidate_ids, writers: int, mv_id: int) -> dict:
    """Rows/s of ``writers`` concurrent fresh prediction COPYs (disjoint candidates)."""
    import numpy as np
    from django.db import connections

    ids = np.sort(np.asarray(candidate_ids, np.int64))
    connections.close_all()
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(db_url, p, mv_id, q))
             for p in np.array_split(ids, writers)]  # fmt: skip
    for p in procs:
        p.start()
    outs = [q.get() for _ in procs]
    for p in procs:
        p.join()
    wall = max(o[1] for o in outs) - min(o[0] for o in outs)
    n = sum(o[2] for o in outs)
    return {"writers": writers, "rows": n, "wall_s": round(wall, 3),
            "rows_per_s": round(n / wall, 1)}  # fmt: skip
