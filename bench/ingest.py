"""Benchmark: CIRADA-format VLASS component CSV -> PostgreSQL, vs a raw ``COPY`` of the same file.

Run (PostgreSQL required; ~1 GB of temporary CSV is written under $TMPDIR and removed)::

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/radiohost_ingest \
        nice -n 10 .venv/bin/python bench/ingest.py --rows 100000 1000000

For each size N and each row order it generates N rows in CIRADA's 70-column format (the
real 99-row sample ``vlass_cirada_ql_sample/`` recycled, each row given a new unique name and
a uniformly random sky position so HEALPix and the index see realistic spread), then in
*fresh subprocesses* (so the peak RSS of one does not leak into the other):

Row orders (``--orders``): ``ra`` sorts the rows by RA, as CIRADA's table is (the real
sample is "sorted by RA", see its PROVENANCE.md), so names arrive nearly in index order;
``random`` keeps the draw order, the worst case for the ``(epoch, name)`` and ``hpx``
indexes. The raw ``COPY`` has no index, so the order only matters to the ingest.


* ``raw_copy``: ``COPY`` of the file into a bare table with the same 70 columns (typed:
  float8 / text), no index -- the floor any loader can reach;
* ``ingest``: :func:`catalog.ingest.vlass_cirada.ingest_vlass_cirada` into a new epoch
  (pyarrow parse and numpy checks in a producer thread, binary ``COPY`` straight into
  ``catalog_radiocomponent`` with all its indexes and constraints; see
  ``catalog/ingest/vlass_copy.py``);
* ``reingest``: the same file again: the epoch now has rows, so the path goes through
  a temporary stage and ``INSERT ... ON CONFLICT`` (idempotent: every row unchanged).

Writes ``results/ingest.json``: rows/s of each, the ratio ingest/raw_copy (target >= 0.5)
and the peak RSS (``ru_maxrss``) of each subprocess.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLE = Path("vlass_cirada_ql_sample") / "CIRADA_VLASS1QL_table1_components_v1_head100.csv"


def _jname(ra: float, dec: float) -> str:
    h = ra / 15
    hh, mm = int(h), int((h * 60) % 60)
    ss = (h * 3600) % 60
    sign = "-" if dec < 0 else "+"
    d = abs(dec)
    dd, dm = int(d), int((d * 60) % 60)
    ds = (d * 3600) % 60
    return f"J{hh:02d}{mm:02d}{ss:05.2f}{sign}{dd:02d}{dm:02d}{ds:04.1f}"


def generate(path: Path, n: int, seed: int = 0, order: str = "ra") -> None:
    """N CIRADA-format rows: real sample rows with unique names and random positions,
    in RA order (``order="ra"``, as CIRADA writes its table) or in draw order."""
    from ml.paths import data_dir

    lines = (data_dir() / SAMPLE).read_text().splitlines()
    header, rows = lines[0], [ln.split(",", 5) for ln in lines[1:]]
    rng = np.random.default_rng(seed)
    ra = rng.uniform(0, 360, n)
    dec = np.degrees(np.arcsin(rng.uniform(np.sin(np.radians(-40)), 1, n)))  # VLASS sky
    if order == "ra":
        keep = np.argsort(ra, kind="stable")
        ra, dec = ra[keep], dec[keep]
    ra, dec = ra.tolist(), dec.tolist()
    with open(path, "w") as fh:
        fh.write(header + "\n")
        buf = []
        for i in range(n):
            r = rows[i % len(rows)]
            # unique name (the index i keeps it unique even where positions round alike);
            # Duplicate_flag etc. stay as in the real row, so the science cut is realistic
            name = f"VLASS1QLCIR {_jname(ra[i], dec[i])}_{i}"
            buf.append(f"{name},{i},{i},{ra[i]!r},{dec[i]!r},{r[5]}\n")
            if len(buf) >= 50_000:
                fh.writelines(buf)
                buf = []
        fh.writelines(buf)


def _setup_django():
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "radiohost_site.settings")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("bench/ingest.py needs DATABASE_URL pointing at PostgreSQL")
    return connection


def worker(mode: str, path: Path, epoch: str) -> dict:
    connection = _setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    if mode == "raw_copy":
        from catalog.ingest.vlass_cirada import NUMERIC_COLUMNS

        with open(path) as fh:
            header = fh.readline().strip().split(",")
        cols = ", ".join(f'"{c}" {"float8" if c in NUMERIC_COLUMNS else "text"}' for c in header)
        pg = connection.connection
        with pg.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_raw_copy")
            cur.execute(f"CREATE TABLE bench_raw_copy ({cols})")
            with cur.copy("COPY bench_raw_copy FROM STDIN (FORMAT csv, HEADER true)") as cp:
                with open(path, "rb") as raw:
                    while block := raw.read(1 << 20):
                        cp.write(block)
            pg.commit()
            t = time.perf_counter() - t0
            cur.execute("SELECT count(*) FROM bench_raw_copy")
            n = cur.fetchone()[0]
            cur.execute("DROP TABLE bench_raw_copy")
            pg.commit()
        counts = {"rows": n}
    else:
        from catalog.ingest.vlass_cirada import ingest_vlass_cirada

        rep = ingest_vlass_cirada(path, epoch=epoch, use_copy=True)
        if rep.notes:  # the binary path declined the file: not the path being measured
            raise SystemExit(f"ingest fell back to the ORM path: {rep.notes}")
        t = time.perf_counter() - t0
        counts = dict(rep.counts["RadioComponent"])
        counts["timings_s"] = rep.timings_s
    return {"mode": mode, "seconds": t, "counts": counts, "peak_rss_mb": _peak_rss_mb()}


def _peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM). Not ``ru_maxrss``: Linux carries that over from the
    parent across fork+exec, so a child would report the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # non-Linux fallback


def _cleanup(epoch: str) -> None:
    connection = _setup_django()
    from django.core.management import call_command

    from catalog.models import Epoch, RadioComponent

    call_command("migrate", verbosity=0)  # a fresh database has no tables yet

    # Plain SQL: the ORM's delete() would load a million objects to collect cascades
    # (the benchmark epoch has no candidates, labels or cutouts).
    ids = list(Epoch.objects.filter(name=epoch, survey__name="VLASS").values_list("pk", flat=True))
    if ids:
        with connection.cursor() as cur:
            cur.execute(
                f"DELETE FROM {RadioComponent._meta.db_table} WHERE epoch_id = ANY(%s)", [ids]
            )
        Epoch.objects.filter(pk__in=ids).delete()


def run_child(mode: str, path: Path, epoch: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", mode, "--file", str(path), "--epoch", epoch],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--orders", nargs="+", choices=["ra", "random"], default=["ra", "random"])
    ap.add_argument("--worker", choices=["raw_copy", "ingest"])
    ap.add_argument("--file")
    ap.add_argument("--epoch", default="bench")
    ap.add_argument("--out", default=str(ROOT / "results" / "ingest.json"))
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, Path(args.file), args.epoch)))
        return
    results = []
    load_before = os.getloadavg()[0]
    for n, order in ((n, o) for n in args.rows for o in args.orders):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"cirada_{n}.csv"
            t0 = time.perf_counter()
            generate(path, n, order=order)
            gen_s = time.perf_counter() - t0
            epoch = f"bench-{n}"
            _cleanup(epoch)
            try:
                raw = run_child("raw_copy", path, epoch)
                ing = run_child("ingest", path, epoch)
                again = run_child("ingest", path, epoch)
            finally:
                _cleanup(epoch)
            row = {
                "rows": n,
                "order": order,
                "file_mb": path.stat().st_size / 2**20,
                "generate_s": gen_s,
                "raw_copy_rows_per_s": n / raw["seconds"],
                "ingest_rows_per_s": n / ing["seconds"],
                "reingest_rows_per_s": n / again["seconds"],
                "ingest_over_raw_copy": raw["seconds"] / ing["seconds"],
                "raw_copy_peak_rss_mb": raw["peak_rss_mb"],
                "ingest_peak_rss_mb": ing["peak_rss_mb"],
                "reingest_peak_rss_mb": again["peak_rss_mb"],
                "ingest_counts": ing["counts"],
                "reingest_counts": again["counts"],
            }
            print(json.dumps(row), flush=True)
            results.append(row)
    doc = {
        "benchmark": "CIRADA VLASS CSV -> PostgreSQL (catalog.ingest.vlass_cirada) vs raw COPY",
        "data": "synthetic rows in the real CIRADA 70-column format (real 99-row sample recycled, "
        "unique names, uniform random VLASS-sky positions; rows in RA order as CIRADA writes "
        "them, or in random order)",
        "command": "DEBUG=1 DATABASE_URL=postgres://... .venv/bin/python bench/ingest.py "
        + " ".join(["--rows", *map(str, args.rows), "--orders", *args.orders]),
        "target": "ingest_over_raw_copy >= 0.5; peak RSS independent of rows",
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "loadavg_1min_before": load_before,
            "loadavg_1min_after": os.getloadavg()[0],
        },
        "results": results,
    }
    Path(args.out).parent.mkdir(exist_ok=True)
    Path(args.out).write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
