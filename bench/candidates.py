"""Benchmark: bulk optical catalogue ingest and the set-based candidate join.

Run (PostgreSQL required; temporary CSVs under $TMPDIR are removed)::

    createdb -h 127.0.0.1 -U postgres radiohost_candidates
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/radiohost_candidates \\
        nice -n 10 .venv/bin/python bench/candidates.py

A SIMULATED sky per scenario: components uniform at VLASS density (~60 per deg²: 2 M
science components over ~34,000 deg²) in a square patch, and PS1-like objects uniform
at one of two densities over the patch plus a margin:

* ``seed``: the seed's fields, median ~16 objects per 3.6′ box (1.23 per arcmin²);
* ``ps1_full``: PS1 DR2 at full depth, ~20 per arcmin² (~260 per box).

Each step runs in a fresh subprocess (its peak RSS is its own, VmHWM):

* ``raw_copy_optical``: text ``COPY`` of the PS1 CSV into a bare 5-column table, no index;
* ``ingest``: :func:`catalog.ingest.optical_catalogue.ingest_optical_catalogue` of the same
  file (validation, HEALPix, binary COPY into ``catalog_opticalsource`` with its indexes);
* ``join``: :func:`catalog.pipeline.candidates.build_candidates` over the epoch (3.6′ box);
* ``raw_copy_candidates``: ``COPY`` of the very Candidate rows the join wrote (dumped to
  CSV) into a bare table -- the floor for writing them.

Ratios are measured side by side in one run (shared 2-core machine: absolute rates vary
with load; ratios less so). Writes ``results/candidates.json`` with a top-level ``summary``.
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

VLASS_PER_DEG2 = 2_000_000 / 34_000
DENSITY = {"seed": 16 / 3.6**2, "ps1_full": 20.0}  # objects per arcmin²
EPOCH_COMPONENTS = 3_400_000  # ~1% = 34,000
MARGIN_DEG = 0.05


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "radiohost_site.settings")
    import django

    django.setup()
    from django.db import connection

    return connection


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def make_sky(n_comp: int, density: float, tmp: Path, seed: int = 0) -> dict:
    """Components (npy) and a PS1-like CSV (MAST names) of a SIMULATED patch at Dec ~0."""
    rng = np.random.default_rng(seed)
    side = np.sqrt(n_comp / VLASS_PER_DEG2)
    ra0, dec0 = 150.0, -side / 2
    cra = ra0 + rng.uniform(0, side, n_comp)
    cdec = dec0 + rng.uniform(0, side, n_comp)
    np.save(tmp / "comp.npy", np.stack([cra, cdec]))
    s = side + 2 * MARGIN_DEG
    n_opt = int(density * s * s * 3600)
    path = tmp / "ps1.csv"
    with open(path, "w") as fh:
        fh.write("objID,raMean,decMean,rMeanPSFMag,nDetections\n")
        for lo in range(0, n_opt, 500_000):
            k = min(500_000, n_opt - lo)
            ids = 100_000_000_000_000_000 + np.arange(lo, lo + k)
            ra = ra0 - MARGIN_DEG + rng.uniform(0, s, k)
            dec = dec0 - MARGIN_DEG + rng.uniform(0, s, k)
            mag = 24.5 - rng.exponential(1.6, k)
            nd = rng.integers(1, 60, k)
            block = np.char.add(
                np.char.add(ids.astype(str), ","),
                np.char.add(
                    np.char.add(np.char.mod("%.8f,", ra), np.char.mod("%.8f,", dec)),
                    np.char.add(np.char.mod("%.4f,", mag), nd.astype(str)),
                ),
            )
            fh.write("\n".join(block.tolist()) + "\n")
    return {"n_components": n_comp, "n_optical": n_opt, "area_deg2": side * side, "csv": str(path)}


def worker(step: str, tmp: Path) -> dict:
    connection = _setup_django()
    from django.core.management import call_command

    from catalog.models import Candidate, Epoch, OpticalSource, RadioComponent, Survey
    from catalog.sky.spatial import hpx_index

    t0 = time.perf_counter()
    out: dict = {"step": step}
    if step == "reset":
        call_command("migrate", verbosity=0)
        with connection.cursor() as cur:
            cur.execute(
                "TRUNCATE catalog_candidate, catalog_opticalsource, catalog_radiocomponent "
                "RESTART IDENTITY CASCADE"
            )
        s, _ = Survey.objects.get_or_create(name="BENCH")
        ep, _ = Epoch.objects.get_or_create(survey=s, name="bench")
        ra, dec = np.load(tmp / "comp.npy")
        RadioComponent.objects.bulk_create(
            (
                RadioComponent(epoch=ep, name=f"b{i}", ra=a, dec=d, hpx=int(h))
                for i, (a, d, h) in enumerate(zip(ra, dec, hpx_index(ra, dec), strict=True))
            ),
            batch_size=5000,
        )
        with connection.cursor() as cur:
            cur.execute("ANALYZE catalog_radiocomponent")
    elif step == "raw_copy_optical":
        with connection.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_raw_opt")
            cur.execute(
                "CREATE TABLE bench_raw_opt (objid text, ra float8, dec float8, r float8, nd int4)"
            )
        t0 = time.perf_counter()
        with connection.connection.cursor() as cur, open(tmp / "ps1.csv", "rb") as fh:
            with cur.copy("COPY bench_raw_opt FROM STDIN (FORMAT CSV, HEADER true)") as cp:
                while data := fh.read(1 << 20):
                    cp.write(data)
        connection.commit() if not connection.get_autocommit() else None
    elif step == "ingest":
        from catalog.ingest.optical_catalogue import ingest_optical_catalogue

        rep = ingest_optical_catalogue(tmp / "ps1.csv", catalogue="ps1dr2")
        out["counts"] = dict(rep.counts["OpticalSource"])
        out["rows"] = OpticalSource.objects.count()
    elif step == "join":
        from catalog.pipeline.candidates import build_candidates

        r = build_candidates("BENCH bench")
        out.update({k: r[k] for k in ("components", "tiles", "pairs", "inserted")})
        with connection.connection.cursor() as cur, open(tmp / "cand.csv", "wb") as fh:
            with cur.copy(
                "COPY (SELECT component_id, optical_source_id, dx_px, dy_px, distance_px "
                "FROM catalog_candidate) TO STDOUT (FORMAT CSV)"
            ) as cp:
                for data in cp:
                    fh.write(data)
        out["seconds"] = r["seconds"]
        out["rows"] = Candidate.objects.count()
    elif step == "raw_copy_candidates":
        with connection.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_raw_cand")
            cur.execute(
                "CREATE TABLE bench_raw_cand (c int8, o int8, dx float8, dy float8, d float8)"
            )
        t0 = time.perf_counter()
        with connection.connection.cursor() as cur, open(tmp / "cand.csv", "rb") as fh:
            with cur.copy("COPY bench_raw_cand FROM STDIN (FORMAT CSV)") as cp:
                while data := fh.read(1 << 20):
                    cp.write(data)
    out.setdefault("seconds", time.perf_counter() - t0)
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


def run_child(step: str, tmp: Path) -> dict:
    p = subprocess.run(
        [sys.executable, __file__, "--worker", step, "--tmp", str(tmp)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(p.stdout.strip().splitlines()[-1])


def scenario(name: str, n_comp: int) -> dict:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        sky = make_sky(n_comp, DENSITY[name], tmp)
        run_child("reset", tmp)
        raw_o = run_child("raw_copy_optical", tmp)
        ing = run_child("ingest", tmp)
        join = run_child("join", tmp)
        raw_c = run_child("raw_copy_candidates", tmp)
    n_opt, pairs = sky["n_optical"], join["pairs"]
    res = {
        "density": name,
        "objects_per_arcmin2": round(DENSITY[name], 3),
        **{k: v for k, v in sky.items() if k != "csv"},
        "pairs": pairs,
        "pairs_per_component": round(pairs / n_comp, 1),
        "raw_copy_optical_rows_per_s": n_opt / raw_o["seconds"],
        "ingest_rows_per_s": n_opt / ing["seconds"],
        "optical_ingest_ratio_to_copy": raw_o["seconds"] / ing["seconds"],
        "join_components_per_s": n_comp / join["seconds"],
        "join_candidate_rows_per_s": pairs / join["seconds"],
        "raw_copy_candidate_rows_per_s": pairs / raw_c["seconds"],
        "candidate_join_ratio_to_copy": raw_c["seconds"] / join["seconds"],
        "projected_epoch_join_hours": EPOCH_COMPONENTS
        / 100
        * 2
        / (n_comp / join["seconds"])
        / 3600
        * 100
        / 2,
        "peak_rss_mb": {s["step"]: round(s["peak_rss_mb"], 1) for s in (ing, join)},
        "steps": [raw_o, ing, join, raw_c],
    }
    res["projected_epoch_join_hours"] = 2_000_000 / res["join_components_per_s"] / 3600
    res["projected_epoch_optical_ingest_hours"] = (
        DENSITY[name] * 34_000 * 3600 / res["ingest_rows_per_s"] / 3600
    )
    print(
        f"{name} {n_comp}: ingest {res['optical_ingest_ratio_to_copy']:.2f}x copy, join "
        f"{res['candidate_join_ratio_to_copy']:.2f}x copy, {res['join_components_per_s']:.0f} comp/s",
        file=sys.stderr,
    )
    return res


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--worker")
    ap.add_argument("--tmp")
    ap.add_argument(
        "--runs",
        nargs="+",
        default=["seed:34000", "seed:10000", "ps1_full:1000"],
        help="density:components pairs",
    )
    ap.add_argument("--out", default=str(ROOT / "results" / "candidates.json"))
    args = ap.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, Path(args.tmp))))
        return
    t0 = time.perf_counter()
    load = os.getloadavg()[0]
    runs = [scenario(r.split(":")[0], int(r.split(":")[1])) for r in args.runs]
    head = runs[0]
    full = [r for r in runs if r["density"] == "ps1_full"]
    summary = {
        "data": "SIMULATED sky (uniform components at VLASS density, uniform PS1-like objects)",
        "optical_ingest_ratio_to_copy": round(
            min(r["optical_ingest_ratio_to_copy"] for r in runs), 3
        ),
        "candidate_join_ratio_to_copy": round(
            min(r["candidate_join_ratio_to_copy"] for r in runs), 3
        ),
        "join_components_per_s": round(head["join_components_per_s"], 1),
        "join_components_per_s_ps1_full_depth": round(full[0]["join_components_per_s"], 1)
        if full
        else None,
        "peak_rss_mb": round(max(max(r["peak_rss_mb"].values()) for r in runs), 1),
        "peak_rss_mb_by_run": {
            f"{r['density']}:{r['n_components']}": r["peak_rss_mb"] for r in runs
        },
        "projected_epoch_join_hours_seed_density": round(head["projected_epoch_join_hours"], 2),
        "projected_epoch_join_hours_ps1_full_depth": round(full[0]["projected_epoch_join_hours"], 2)
        if full
        else None,
        "headline_run": f"{head['density']}:{head['n_components']}",
    }
    doc = {
        "summary": summary,
        "runs": runs,
        "command": "DEBUG=1 DATABASE_URL=postgres://.../radiohost_candidates nice -n 10 "
        ".venv/bin/python bench/candidates.py " + " ".join(f"--runs {r}" for r in args.runs),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "loadavg_start": load},
        "seconds": round(time.perf_counter() - t0, 1),
    }
    Path(args.out).write_text(json.dumps(doc, indent=2) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
