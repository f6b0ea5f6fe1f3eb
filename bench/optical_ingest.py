"""Benchmark: PS1 DR2 catalogue files -> PostgreSQL, against a raw ``COPY`` of the same rows.

Run (PostgreSQL required; temporary CSVs are written under $TMPDIR and removed)::

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/radiohost_optical_bench \
        nice -n 10 .venv/bin/python bench/optical_ingest.py --rows 50000 --scale 10

For N rows (1×) and N·scale rows (10×) it writes MAST-named PS1 DR2 CSVs (objIDs unique,
positions uniform over a 10°×10° patch so HEALPix and the index see realistic spread, five
bands of PSF and Kron magnitudes), then, each in a *fresh subprocess* (so one's peak RSS
never leaks into the other's):

* ``raw_copy``: a text ``COPY`` of the file into a bare table with the same columns typed
  (int8 / float8 / int4), no index: the floor any loader can reach;
* ``ingest``: :func:`catalog.ingest.optical_catalogue.ingest_optical_catalogue` into an
  empty catalogue (validation, HEALPix, binary COPY into the stage, the duplicate check in
  SQL, the upsert into ``catalog_opticalsource`` with its indexes and constraints);
* ``reingest``: the same file again (every row unchanged).

The report's phase timings say where the ingest's time goes. Writes
``results/optical_ingest.json`` with a top-level ``summary`` (ratios, RSS growth, load).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BANDS = "grizy"
INT_COLS = ("objID", "nDetections", "qualityFlag")


def columns() -> list[str]:
    mags = [f"{b}{k}" for b in BANDS for k in ("MeanPSFMag", "MeanPSFMagErr", "MeanKronMag")]
    return ["objID", "raMean", "decMean", "nDetections", "qualityFlag", *mags]


def generate(path: Path, n: int, seed: int = 0) -> None:
    """``n`` PS1 DR2 rows in MAST column names, written by pyarrow (fast, exact floats)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    step = 200_000
    with pacsv.CSVWriter(path, pa.schema([(c, _type(c)) for c in columns()])) as w:
        for lo in range(0, n, step):
            m = min(step, n - lo)
            cols = {
                "objID": np.arange(lo, lo + m, dtype=np.int64) + 100_000_000_000_000_000,
                "raMean": 150.0 + rng.uniform(0, 10, m),
                "decMean": rng.uniform(-5, 5, m),
                "nDetections": rng.integers(1, 60, m).astype(np.int64),
                "qualityFlag": np.full(m, 52, np.int64),
            }
            for b in BANDS:
                cols[f"{b}MeanPSFMag"] = rng.uniform(16, 23, m)
                cols[f"{b}MeanPSFMagErr"] = rng.uniform(0.01, 0.2, m)
                cols[f"{b}MeanKronMag"] = rng.uniform(16, 23, m)
            w.write_table(pa.table({c: cols[c] for c in columns()}))


def _type(c: str):
    import pyarrow as pa

    return pa.int64() if c in INT_COLS else pa.float64()


def _setup_django():
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "radiohost_site.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("bench/optical_ingest.py needs DATABASE_URL pointing at PostgreSQL")
    call_command("migrate", verbosity=0)
    return connection


def _peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM; ``ru_maxrss`` carries the parent's over a fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def worker(mode: str, path: Path) -> dict:
    connection = _setup_django()
    t0 = time.perf_counter()
    timings: dict = {}
    if mode == "raw_copy":
        cols = ", ".join(
            f'"{c}" {"int8" if c == "objID" else "int4" if c in INT_COLS else "float8"}'
            for c in columns()
        )
        pg = connection.connection
        with pg.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_optical_raw")
            cur.execute(f"CREATE TABLE bench_optical_raw ({cols})")
            with cur.copy("COPY bench_optical_raw FROM STDIN (FORMAT csv, HEADER true)") as cp:
                with open(path, "rb") as raw:
                    while block := raw.read(1 << 20):
                        cp.write(block)
            pg.commit()
            t = time.perf_counter() - t0
            cur.execute("SELECT count(*) FROM bench_optical_raw")
            counts = {"rows": cur.fetchone()[0]}
            cur.execute("DROP TABLE bench_optical_raw")
            pg.commit()
    else:
        from catalog.ingest.optical_catalogue import ingest_optical_catalogue

        rep = ingest_optical_catalogue(path, catalogue="ps1dr2")
        t = time.perf_counter() - t0
        counts = dict(rep.counts["OpticalSource"])
        timings = rep.timings_s
    return {"mode": mode, "seconds": t, "counts": counts, "timings_s": timings,
            "peak_rss_mb": _peak_rss_mb()}  # fmt: skip


def _cleanup() -> None:
    connection = _setup_django()
    from catalog.models import OpticalSource

    with connection.cursor() as cur:  # plain SQL: delete() would load every row
        cur.execute(f"DELETE FROM {OpticalSource._meta.db_table} WHERE catalogue = 'ps1dr2'")


def run_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True,
                         text=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(n: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"ps1_{n}.csv"
        t0 = time.perf_counter()
        generate(path, n)
        gen_s = time.perf_counter() - t0
        run_child("--cleanup")
        try:
            raw = run_child("--worker", "raw_copy", "--file", str(path))
            ing = run_child("--worker", "ingest", "--file", str(path))
            again = run_child("--worker", "ingest", "--file", str(path))
        finally:
            run_child("--cleanup")
        return {
            "rows": n,
            "file_mb": round(path.stat().st_size / 2**20, 1),
            "generate_s": gen_s,
            "raw_copy_rows_per_s": n / raw["seconds"],
            "ingest_rows_per_s": n / ing["seconds"],
            "reingest_rows_per_s": n / again["seconds"],
            "ingest_over_raw_copy": raw["seconds"] / ing["seconds"],
            "reingest_over_raw_copy": raw["seconds"] / again["seconds"],
            "ingest_phases_s": ing["timings_s"],
            "reingest_phases_s": again["timings_s"],
            "raw_copy_peak_rss_mb": raw["peak_rss_mb"],
            "ingest_peak_rss_mb": ing["peak_rss_mb"],
            "reingest_peak_rss_mb": again["peak_rss_mb"],
            "ingest_counts": ing["counts"],
            "reingest_counts": again["counts"],
        }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=50_000, help="rows at 1×")
    ap.add_argument("--scale", type=int, default=10, help="the larger size, in multiples of 1×")
    ap.add_argument("--worker", choices=["raw_copy", "ingest"])
    ap.add_argument("--cleanup", action="store_true")
    ap.add_argument("--file")
    ap.add_argument("--out", default=str(ROOT / "results" / "optical_ingest.json"))
    args = ap.parse_args(argv)
    if args.cleanup:
        _cleanup()
        print("{}")
        return
    if args.worker:
        print(json.dumps(worker(args.worker, Path(args.file))))
        return
    load = [os.getloadavg()]
    results = []
    for n in (args.rows, args.rows * args.scale):
        results.append(measure(n))
        load.append(os.getloadavg())
        print(json.dumps(results[-1]), flush=True)
    one, big = results
    doc = {
        "benchmark": "PS1 DR2 CSV -> PostgreSQL (catalog.ingest.optical_catalogue) vs raw COPY",
        "command": "DEBUG=1 DATABASE_URL=postgres://... .venv/bin/python bench/optical_ingest.py "
        f"--rows {args.rows} --scale {args.scale}",
        "summary": {
            "optical_ingest_ratio_to_copy": one["ingest_over_raw_copy"],
            f"optical_ingest_ratio_to_copy_{args.scale}x": big["ingest_over_raw_copy"],
            "optical_reingest_ratio_to_copy": one["reingest_over_raw_copy"],
            "peak_rss_mb_1x": one["ingest_peak_rss_mb"],
            f"peak_rss_mb_{args.scale}x": big["ingest_peak_rss_mb"],
            "peak_rss_mb_growth_ratio": big["ingest_peak_rss_mb"] / one["ingest_peak_rss_mb"],
            "targets": {
                "optical_ingest_ratio_to_copy": ">= 0.5",
                "peak_rss_mb_growth_ratio": "<= 1.2",
            },
            "loadavg_1_5_15": load,
        },
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "results": results,
    }
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
