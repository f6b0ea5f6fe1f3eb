"""Benchmark: the guarded CSV reader (catalog.ingest.csv_rows) vs a bare ``csv.reader``.

Run (no database needed)::

    DEBUG=1 nice -n 10 .venv/bin/python bench/csv_guard.py --rows 20000

Writes a CIRADA-format file of ``--rows`` rows (the real 99-row sample recycled, names made
unique) to a temporary directory, then reads it ``--repeats`` times each way: ``bare`` is
``csv.reader`` over a text file plus ``dict(zip(header, row))``, what every ingest did before
the guard; ``guarded`` is :func:`catalog.ingest.csv_rows.iter_csv_chunks` (bounded lines,
strict UTF-8, NUL, repeated-column and cell-length checks). Writes ``results/csv_guard.json``
with the best time of each and their ratio in ``summary``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "radiohost_site.settings")


def _bare(path: Path) -> int:
    n = 0
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh, skipinitialspace=True)
        header = [h.strip() for h in next(reader)]
        for row in reader:
            dict(zip(header, row, strict=True))
            n += 1
    return n


def main(argv=None) -> dict:
    import django

    django.setup()
    from catalog.ingest.csv_rows import iter_csv_chunks
    from ml.paths import data_dir

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    sample = data_dir() / "vlass_cirada_ql_sample"
    lines = (sample / "CIRADA_VLASS1QL_table1_components_v1_head100.csv").read_text().splitlines()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cirada.csv"
        with open(path, "w") as fh:
            fh.write(lines[0] + "\n")
            for i in range(args.rows):
                row = lines[1 + i % (len(lines) - 1)]
                fh.write(row.replace("VLASS1QLCIR J", f"VLASS1QLCIR J{i}_", 1) + "\n")
        best = {"bare": float("inf"), "guarded": float("inf")}
        for _ in range(args.repeats):
            for name, fn in (
                ("bare", _bare),
                ("guarded", lambda p: sum(len(c) for _, c in iter_csv_chunks(p))),
            ):
                t0 = time.perf_counter()
                n = fn(path)
                best[name] = min(best[name], time.perf_counter() - t0)
                assert n == args.rows, (name, n)
        size_mb = path.stat().st_size / 1e6
    out = {
        "summary": {
            "rows": args.rows,
            "file_mb": round(size_mb, 1),
            "bare_rows_per_s": round(args.rows / best["bare"]),
            "guarded_rows_per_s": round(args.rows / best["guarded"]),
            "guarded_over_bare_time": round(best["guarded"] / best["bare"], 2),
        },
        "best_s": {k: round(v, 3) for k, v in best.items()},
        "repeats": args.repeats,
        "note": "one machine, one run; a ratio measured in the same process (2 shared cores)",
    }
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / "csv_guard.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out["summary"]))
    return out


if __name__ == "__main__":
    main()
