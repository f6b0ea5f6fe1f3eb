"""Cone search benchmark: HEALPix ranges vs Q3C vs an unindexed scan, on PostgreSQL.

3.4 million VLASS-like components (uniform over Dec > -40 deg, loaded in RA order as
the CIRADA tables are) in a database of their own. For each radius (10", 1', 6') the
same random cones run through: our ``RadioComponent.objects.cone_search`` (the
product, through the ORM, given a ``SkyCoord`` and given the API's ``ConeCentre``; the
pixel-range cache cleared before each), its SQL alone through a cursor, Q3C's
``q3c_radial_query`` (index on ``q3c_ang2ipix(ra, dec)``), and — on a subset, since
each takes seconds — a full scan with the exact haversine test. Methods are
interleaved per cone so machine noise hits all alike, after one untimed query of the cone
so none pays the cold page reads for the others. Result sets are compared, there and on
fixed edge cases (both poles, the RA 0/360 seam, radii up to 5 deg) against a full scan.

For each radius the ORM path's Python is also timed piece by piece (centre, radius, pixel
ranges, QuerySet building, ``values_list``, SQL compilation), the p50 of each recorded, so
the JSON shows where the time beyond the SQL goes.

Run: ``make bench`` or
``DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/cone_search.py``
Needs the Debian package ``postgresql-15-q3c`` (``apt-get install postgresql-15-q3c``);
without it the Q3C column is skipped and the JSON says so.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.django_setup import ensure_database, setup_django  # noqa: E402


def load(n: int, seed: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from catalog.models import Epoch, RadioComponent, Survey
    from catalog.sky.spatial import hpx_index

    call_command("migrate", verbosity=0)
    if RadioComponent.objects.count() == n:
        return
    RadioComponent.objects.all().delete()
    survey, _ = Survey.objects.get_or_create(name="BENCH")
    epoch, _ = Epoch.objects.get_or_create(survey=survey, name="sim")
    rng = np.random.default_rng(seed)
    # uniform on the sphere above Dec -40 (VLASS sky)
    zmin = np.sin(np.radians(-40))
    dec = np.degrees(np.arcsin(rng.uniform(zmin, 1, n)))
    ra = rng.uniform(0, 360, n)
    order = np.argsort(ra)
    ra, dec = ra[order], dec[order]
    t0 = time.perf_counter()
    hpx = hpx_index(ra, dec)
    print(f"hpx for {n} rows: {time.perf_counter() - t0:.1f}s")
    with connection.cursor() as cur:
        raw = cur.connection
        chunk = 500_000
        for start in range(0, n, chunk):
            buf = io.StringIO()
            for i in range(start, min(n, start + chunk)):
                buf.write(
                    f"{epoch.id}\tB{i}\t{float(ra[i])!r}\t{float(dec[i])!r}\t{int(hpx[i])}\tt\t{{}}\t\n"
                )
            with raw.cursor().copy(
                "COPY catalog_radiocomponent (epoch_id, name, ra, dec, hpx, is_science, extra, s_code) FROM STDIN"
            ) as cp:
                cp.write(buf.getvalue())
            print(f"loaded {min(n, start + chunk)}")
        cur.execute("ANALYZE catalog_radiocomponent")


def ensure_q3c() -> bool:
    from django.db import connection

    with connection.cursor() as cur:
        try:
            cur.execute("CREATE EXTENSION IF NOT EXISTS q3c")
        except Exception as exc:  # extension files not installed
            print(f"Q3C unavailable: {exc}")
            return False
        cur.execute(
            "CREATE INDEX IF NOT EXISTS bench_q3c_idx ON catalog_radiocomponent (q3c_ang2ipix(ra, dec))"
        )
        cur.execute("ANALYZE catalog_radiocomponent")
    return True


# (ra, dec, radius) in deg, deg, arcsec: where pixel-range logic most easily goes wrong.
# The simulated sky stops at Dec -40, so the south-pole cones must come back empty.
EDGE_CONES = [
    (0.0, 90.0, 60.0),
    (123.4, 89.99, 3600.0),
    (0.0, 90.0, 18000.0),
    (0.0, -90.0, 360.0),
    (0.0, 0.0, 360.0),
    (359.9999, 12.0, 3600.0),
    (0.0001, -30.0, 18000.0),
    (0.0, 45.0, 10.0),
    (200.0, 41.8, 7200.0),
]


def edge_cases(connection, RadioComponent, ConeCentre, u, SkyCoord) -> list[dict]:
    """ORM (SkyCoord and ConeCentre), its SQL alone and a full scan on :data:`EDGE_CONES`."""
    out = []
    for ra, dec, r_arcsec in EDGE_CONES:
        radius = r_arcsec * u.arcsec
        orm = set(
            RadioComponent.objects.cone_search(
                SkyCoord(ra * u.deg, dec * u.deg), radius
            ).values_list("id", flat=True)
        )
        qs = RadioComponent.objects.cone_search(ConeCentre(ra, dec), radius).values_list(
            "id", flat=True
        )
        centre = set(qs)
        sql, params = qs.query.sql_with_params()
        hav = np.sin(np.radians(r_arcsec / 3600.0) / 2) ** 2
        with connection.cursor() as cur:
            cur.execute(sql, params)
            sql_ids = {r[0] for r in cur.fetchall()}
            cur.execute(
                "SELECT id FROM catalog_radiocomponent WHERE "
                "power(sin(radians(dec - %s) / 2), 2) + cos(radians(dec)) * cos(radians(%s)) "
                "* power(sin(radians(ra - %s) / 2), 2) <= %s",
                (dec, dec, ra, float(hav)),
            )
            scan = {r[0] for r in cur.fetchall()}
        out.append(
            {
                "ra": ra,
                "dec": dec,
                "radius_arcsec": r_arcsec,
                "rows": len(scan),
                "identical": orm == centre == sql_ids == scan,
            }
        )
        print(out[-1])
    return out


def python_pieces(c, radius, RadioComponent) -> dict[str, int]:
    """ns spent in each Python piece of one ORM cone search (pixel-range cache cleared)."""
    from catalog.sky.spatial import cone_ranges_deg, icrs_degrees, radius_degrees

    cone_ranges_deg.cache_clear()
    t = [time.perf_counter_ns()]
    ra0, dec0 = icrs_degrees(c)
    t.append(time.perf_counter_ns())
    r_deg = radius_degrees(radius)
    t.append(time.perf_counter_ns())
    cone_ranges_deg(ra0, dec0, r_deg)
    t.append(time.perf_counter_ns())
    qs = RadioComponent.objects.cone_search(c, radius)  # ranges now cached: the rest
    t.append(time.perf_counter_ns())
    qs = qs.values_list("id", flat=True)
    t.append(time.perf_counter_ns())
    qs.query.get_compiler(qs.db).as_sql()
    t.append(time.perf_counter_ns())
    names = ["centre", "radius", "pixel_ranges", "queryset", "values_list", "sql_compile"]
    d = dict(zip(names, np.diff(t).tolist(), strict=True))
    # cone_search itself repeats the centre and radius steps before the cached ranges
    d["queryset"] -= d["centre"] + d["radius"]
    return d


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=3_400_000)
    ap.add_argument("--cones", type=int, default=200)
    ap.add_argument("--scan-cones", type=int, default=10)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument(
        "--base-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test"),
    )
    ap.add_argument("--db-name", default="radiohost_bench")
    ap.add_argument("--out", default=str(ROOT / "results" / "cone_search.json"))
    args = ap.parse_args(argv)

    setup_django(ensure_database(args.base_url, args.db_name))
    import astropy.units as u
    from astropy.coordinates import SkyCoord
    from django.conf import settings
    from django.db import connection

    from catalog.models import RadioComponent
    from catalog.sky.spatial import ConeCentre, cone_ranges_deg

    load(args.rows, args.seed)
    have_q3c = ensure_q3c()
    load_before = os.getloadavg()
    rng = np.random.default_rng(args.seed + 1)
    zmin = np.sin(np.radians(-40))
    results = {}
    for radius_arcsec in (10.0, 60.0, 360.0):
        cra = rng.uniform(0, 360, args.cones)
        cdec = np.degrees(np.arcsin(rng.uniform(zmin, 1, args.cones)))
        times = {
            "healpix_orm": [],
            "healpix_orm_centre": [],
            "healpix_sql": [],
            "q3c": [],
            "scan": [],
        }
        mismatches = {"q3c": 0, "scan": 0, "orm_centre": 0, "sql": 0}
        n_found = []
        pieces = []
        for k in range(args.cones):
            c = SkyCoord(cra[k] * u.deg, cdec[k] * u.deg)
            # Warm the pages once, untimed, so no method pays the cold read for the others;
            # the pixel-range cache is cleared before each ORM timing (its honest cost).
            list(
                RadioComponent.objects.cone_search(c, radius_arcsec * u.arcsec).values_list(
                    "id", flat=True
                )
            )
            cone_ranges_deg.cache_clear()
            t0 = time.perf_counter()
            ids = set(
                RadioComponent.objects.cone_search(c, radius_arcsec * u.arcsec).values_list(
                    "id", flat=True
                )
            )
            times["healpix_orm"].append(time.perf_counter() - t0)
            n_found.append(len(ids))
            # The API's path: the centre already in ICRS degrees (no SkyCoord per query).
            cone_ranges_deg.cache_clear()
            t0 = time.perf_counter()
            ids_centre = set(
                RadioComponent.objects.cone_search(
                    ConeCentre(float(cra[k]), float(cdec[k])), radius_arcsec * u.arcsec
                ).values_list("id", flat=True)
            )
            times["healpix_orm_centre"].append(time.perf_counter() - t0)
            mismatches["orm_centre"] += ids_centre != ids
            qs = RadioComponent.objects.cone_search(c, radius_arcsec * u.arcsec).values_list(
                "id", flat=True
            )
            sql, params = qs.query.sql_with_params()
            with connection.cursor() as cur:
                t0 = time.perf_counter()
                cur.execute(sql, params)
                sql_ids = {r[0] for r in cur.fetchall()}
                times["healpix_sql"].append(time.perf_counter() - t0)
                mismatches["sql"] += sql_ids != ids
                if have_q3c:
                    t0 = time.perf_counter()
                    cur.execute(
                        "SELECT id FROM catalog_radiocomponent WHERE q3c_radial_query(ra, dec, %s, %s, %s)",
                        (float(cra[k]), float(cdec[k]), radius_arcsec / 3600.0),
                    )
                    q3c_ids = {r[0] for r in cur.fetchall()}
                    times["q3c"].append(time.perf_counter() - t0)
                    mismatches["q3c"] += q3c_ids != ids
                if k < args.scan_cones:
                    hav = np.sin(np.radians(radius_arcsec / 3600.0) / 2) ** 2
                    t0 = time.perf_counter()
                    cur.execute(
                        "SELECT id FROM catalog_radiocomponent WHERE "
                        "power(sin(radians(dec - %s) / 2), 2) + cos(radians(dec)) * cos(radians(%s)) "
                        "* power(sin(radians(ra - %s) / 2), 2) <= %s",
                        (float(cdec[k]), float(cdec[k]), float(cra[k]), float(hav)),
                    )
                    scan_ids = {r[0] for r in cur.fetchall()}
                    times["scan"].append(time.perf_counter() - t0)
                    mismatches["scan"] += scan_ids != ids
            pieces.append(python_pieces(c, radius_arcsec * u.arcsec, RadioComponent))
        row = {"mean_rows_per_cone": float(np.mean(n_found)), "cones": args.cones}
        for key, ts in times.items():
            if ts:
                row[key] = {
                    "n": len(ts),
                    "p50_ms": 1e3 * float(np.percentile(ts, 50)),
                    "p95_ms": 1e3 * float(np.percentile(ts, 95)),
                }
        if have_q3c:
            row["healpix_sql_p50_over_q3c_p50"] = (
                row["healpix_sql"]["p50_ms"] / row["q3c"]["p50_ms"]
            )
            row["healpix_orm_p50_over_q3c_p50"] = (
                row["healpix_orm"]["p50_ms"] / row["q3c"]["p50_ms"]
            )
        row["healpix_orm_p50_over_sql_p50"] = (
            row["healpix_orm"]["p50_ms"] / row["healpix_sql"]["p50_ms"]
        )
        row["healpix_orm_centre_p50_over_sql_p50"] = (
            row["healpix_orm_centre"]["p50_ms"] / row["healpix_sql"]["p50_ms"]
        )
        row["scan_p50_over_healpix_orm_p50"] = row["scan"]["p50_ms"] / row["healpix_orm"]["p50_ms"]
        row["result_set_mismatches"] = mismatches
        row["orm_python_pieces_p50_ms"] = {
            k: round(float(np.median([p[k] for p in pieces])) / 1e6, 4) for k in pieces[0]
        }
        results[f"{radius_arcsec:g}arcsec"] = row
        print(json.dumps({f"{radius_arcsec:g}arcsec": row}, indent=1))
    edges = edge_cases(connection, RadioComponent, ConeCentre, u, SkyCoord)
    load_after = os.getloadavg()
    worst = max(r["healpix_orm_p50_over_sql_p50"] for r in results.values())
    worst_centre = max(r["healpix_orm_centre_p50_over_sql_p50"] for r in results.values())
    identical = all(not any(r["result_set_mismatches"].values()) for r in results.values())
    edges_ok = all(e["identical"] for e in edges)
    per_radius = ", ".join(
        f"{k} {r['healpix_orm_p50_over_sql_p50']:.2f}x/{r['healpix_orm_centre_p50_over_sql_p50']:.2f}x"
        for k, r in results.items()
    )
    out = {
        "summary": (
            f"ORM cone search p50 within {worst:.2f}x of its SQL alone (SkyCoord centre; "
            f"{worst_centre:.2f}x with the API's ConeCentre) at the worst radius "
            f"(SkyCoord/ConeCentre per radius: {per_radius}; target <= 2x); result sets "
            f"identical to the SQL{', Q3C' if have_q3c else ''} and a full scan: {identical}, "
            f"and on {len(edges)} edge cones (poles, RA seam, radii to 5 deg): {edges_ok}. "
            f"{args.rows:,} rows, {args.cones} cones per radius; machine load average "
            f"{load_before[0]:.2f} before / {load_after[0]:.2f} after (1 min; "
            f"{os.cpu_count()} cores shared with other work)"
        ),
        "benchmark": "cone search on PostgreSQL",
        "command": "python " + " ".join(["bench/cone_search.py", *(argv or sys.argv[1:])]),
        "rows": args.rows,
        "sky": "uniform over Dec > -40 deg (VLASS-like), simulated positions, loaded in RA order",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_1_5_15_before": [round(x, 2) for x in load_before],
            "load_average_1_5_15_after": [round(x, 2) for x in load_after],
            "django_debug": bool(settings.DEBUG),
        },
        "postgres": connection.cursor().connection.info.server_version,
        "q3c": have_q3c,
        "results": results,
        "edge_cases": edges,
    }
    out_path = Path(args.out)
    if out_path.exists():  # keep the archived earlier runs (e.g. the last one with Q3C)
        old = json.loads(out_path.read_text())
        out.update({k: v for k, v in old.items() if k.startswith("earlier_")})
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
