"""Simulator throughput and disk size (>= 20 fields/s on one core; 10,000 fields size).

Usage::

    nice -n 10 .venv/bin/python -m bench.sim --n 2000 [--out /tmp/radiohost_sim_bench] [--keep]

Measures, in one run and on one thread (wall clock *and* process CPU time: the 2 cores are
shared, so the CPU-time rate is the one-core rate) (``torch`` is not involved; numpy / FFT threads are
pinned to 1 through the environment before numpy is imported):

* ``simulate_field`` alone (fields/s, full 240x240 radio + candidate catalogue);
* ``write_sky`` streaming to disk (fields/s including FITS / CSV / VOTable writing; default
  ``stamps="none"``) and bytes per field, extrapolated to 10,000 fields (or measured, with
  ``--n 10000``);
* the cost of one 5-band PS1 stamp set (``SimField.optical_stamps``), which ``write_sky``
  only writes on request.

The template cache is warmed first (its one-off build is reported separately), and the
machine's load average is recorded, because the 2 shared cores make absolute speeds vary.
Writes ``results/sim_bench.json``.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from ml.checkpoints import git_sha  # noqa: E402
from ml.paths import results_dir  # noqa: E402


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="fields to write (default 2000)")
    ap.add_argument("--n-sim", type=int, default=500, help="fields for simulate-only timing")
    ap.add_argument("--n-stamps", type=int, default=30, help="stamp sets to time")
    ap.add_argument("--seed", type=int, default=20260501)
    ap.add_argument("--out", default=None, help="output dir (default: a temp dir, deleted)")
    ap.add_argument("--keep", action="store_true", help="keep the written sky")
    args = ap.parse_args(argv)
    if args.n < 1 or args.n_sim < 1:
        raise ValueError("--n and --n-sim must be >= 1")

    t0 = time.perf_counter()
    from ml.sim.field import simulate_field
    from ml.sim.formats import write_sky
    from ml.sim.templates import load_templates

    load_templates()
    simulate_field(0)  # imports (skimage, astropy) and caches
    warm = time.perf_counter() - t0

    t, c = time.perf_counter(), time.process_time()
    for s in range(args.n_sim):
        f = simulate_field(10_000 + s)
    sim_dt, sim_cpu = time.perf_counter() - t, time.process_time() - c

    t = time.perf_counter()
    for i in range(args.n_stamps):
        f.optical_stamps(i % len(f.candidates))
    stamp_dt = (time.perf_counter() - t) / args.n_stamps

    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="radiohost_sim_bench_"))
    load0 = os.getloadavg()
    c = time.process_time()
    res = write_sky(args.n, out, args.seed)
    write_cpu = time.process_time() - c
    load1 = os.getloadavg()
    per_field = res["bytes"] / args.n
    result = {
        "what": "ml.sim throughput and disk size (SIMULATED fields)",
        "command": f"nice -n 10 .venv/bin/python -m bench.sim --n {args.n} --n-sim {args.n_sim}",
        "git_sha": (git_sha() or "unknown"),
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "threads": 1,
            "loadavg_before_write": load0,
            "loadavg_after_write": load1,
        },
        "warmup_seconds": warm,
        "simulate_field": {
            "n_fields": args.n_sim,
            "seconds": sim_dt,
            "fields_per_s": args.n_sim / sim_dt,
            "cpu_seconds": sim_cpu,
            "fields_per_cpu_s": args.n_sim / sim_cpu,
        },
        "write_sky": {
            "n_fields": args.n,
            "stamps": "none",
            "seconds": res["seconds"],
            "fields_per_s": res["fields_per_s"],
            "cpu_seconds": write_cpu,
            "fields_per_cpu_s": args.n / write_cpu,
            "bytes": res["bytes"],
            "bytes_per_field": per_field,
            "gb_per_10000_fields": per_field * 10_000 / 1e9,
            "size_10000_measured": args.n >= 10_000,
        },
        "optical_stamps_5band_seconds": stamp_dt,
        "ps1_stamp_set_bytes": 5 * (240 * 240 * 4 + 2880 * 2),
        "target_fields_per_s": 20.0,
    }
    # wall-clock rate depends on how many other jobs share the 2 cores; the CPU-time rate is
    # the single-core rate the issue asks about (one process, one thread)
    result["meets_20_fields_per_s_wall"] = bool(result["write_sky"]["fields_per_s"] >= 20.0)
    result["meets_20_fields_per_cpu_s"] = bool(result["write_sky"]["fields_per_cpu_s"] >= 20.0)
    if not args.keep and not args.out:
        shutil.rmtree(out, ignore_errors=True)
    p = results_dir() / "sim_bench.json"
    p.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
