"""Epoch pipeline benchmark: a SIMULATED 1 % and 3 % VLASS epoch from files to stored
predictions and diff, on PostgreSQL, with 1 and 2 identification worker processes.

Per scale (1 %: ~34,000 science components at the VLASS density, ~100 deg⁻², with the seed's
~18 candidates per 3.6′ box; 3 %: ~102,000):

1. simulate (ml.sim.epoch) and write a CIRADA-format CSV;
2. ingest it (the CIRADA ingest, binary COPY); store the optical sources (COPY);
3. build candidates (catalog.pipeline.candidates.build_candidates);
4. identify: every tile through ``catalog.pipeline.tile.run_tile`` -- the code a Celery tile
   task runs, predictions written included -- by 1 and then 2 worker processes (fresh,
   spawned interpreters pulling tiles from a queue, as prefork workers pull messages); the
   predictions are deleted between the two runs so both write the same rows;
5. a second epoch of the same sky (``ml.sim.epoch.repeat``: jitter, 1 % gone, 1 % new),
   steps 1-4 with 2 workers, then the epoch diff.

Then: the COPY write ceiling (HostPrediction rows/s with 1 and 2 concurrent writers, the
writer the tiles use), table and index sizes per 1 % epoch, and the projection for 3.4 M
components with 8/32/128 workers against one PostgreSQL server, capped by its write ceiling.

Run (a few minutes; 2 cores shared, so ratios are measured side by side in one run):
``DEBUG=1 .venv/bin/python bench/pipeline.py`` (database ``h14_bench`` is created/emptied;
``--db-url`` to choose) -> ``results/pipeline.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.django_setup import ensure_database, setup_django  # noqa: E402

FULL_EPOCH = 3_400_000
TILE_ORDER = 4  # a 1 % patch holds ~10 order-3 tiles: too few to share between 2 workers


def reset() -> None:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if not connection.settings_dict["NAME"].endswith("_bench"):
        raise SystemExit("refusing to empty a database whose name does not end in _bench")
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE catalog_epochdiffentry, catalog_epochdiff, catalog_epochtile, "
            "catalog_hostprediction, catalog_candidate, catalog_label, catalog_cutout, "
            "catalog_radiocomponent, catalog_opticalsource, catalog_epoch, catalog_survey, "
            "catalog_modelversion CASCADE"
        )


# ------------------------------------------------------------------------------------------
# identification workers (spawned: a fresh interpreter, as a worker host runs one)
# ------------------------------------------------------------------------------------------


class _PeakRss:
    """Peak resident memory of this process, sampled from /proc/self/statm every 20 ms by a
    thread. Not ru_maxrss: Linux carries it over fork+exec, so a spawned worker reported its
    parent's peak (measured: 797 MB for an idle worker of an 800 MB parent, 205 MB otherwise)."""

    def __init__(self):
        import threading

        self.peak = 0
        self._stop = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE")
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _now(self) -> int:
        return int(Path("/proc/self/statm").read_text().split()[1]) * self._page

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._now())

    def stop_mb(self) -> float:
        self._stop.set()
        self._t.join()
        return max(self.peak, self._now()) / 2**20


def _worker(db_url: str, tiles, results) -> None:
    rss = _PeakRss()  # before the imports: they are part of a worker's footprint
    setup_django(db_url)
    from catalog.pipeline.tile import run_tile

    t0 = time.time()
    comps = preds = 0
    while True:
        t = tiles.get()
        if t is None:
            break
        out = run_tile(t, worker=f"bench-{os.getpid()}")
        comps += out.get("components", 0)
        preds += out.get("predictions", 0)
    results.put({
        "start": t0, "end": time.time(), "components": comps, "predictions": preds,
        "peak_rss_mb": rss.stop_mb(),
        "torch_imported": "torch" in sys.modules,
    })  # fmt: skip


def identify(db_url: str, epoch, n_workers: int) -> dict:
    """Plan the epoch fresh and run every tile with ``n_workers`` processes."""
    from django.db import connections

    from catalog.models import EpochTile, HostPrediction
    from catalog.pipeline import epoch as pipeline
    from catalog.pipeline.component import current_method_version

    mv = current_method_version()
    HostPrediction.objects.filter(model_version=mv, candidate__component__epoch=epoch).delete()
    tiles = pipeline.plan(epoch, mv, order=TILE_ORDER, force=True)
    # largest tiles first, so the last tile to start is a small one (as a chord's queue would
    # be if sent largest first); the tile order is the same for 1 and 2 workers
    sizes = dict(EpochTile.objects.filter(pk__in=tiles).values_list("pk", "index"))
    connections.close_all()
    ctx = mp.get_context("spawn")
    q, res = ctx.Queue(), ctx.Queue()
    for t in sorted(tiles, key=lambda t: sizes[t]):
        q.put(t)
    for _ in range(n_workers):
        q.put(None)
    procs = [ctx.Process(target=_worker, args=(db_url, q, res)) for _ in range(n_workers)]
    for p in procs:
        p.start()
    outs = [res.get() for _ in procs]
    for p in procs:
        p.join()
    wall = max(o["end"] for o in outs) - min(o["start"] for o in outs)
    comps = sum(o["components"] for o in outs)
    fin = pipeline.finish(epoch.pk)
    return {
        "workers": n_workers,
        "tiles": len(tiles),
        "components": comps,
        "predictions": sum(o["predictions"] for o in outs),
        "wall_s": round(wall, 2),
        "components_per_s": round(comps / wall, 1),
        "components_per_s_per_worker": round(comps / wall / n_workers, 1),
        "peak_rss_mb_per_worker": round(max(o["peak_rss_mb"] for o in outs), 1),
        "torch_imported_by_a_worker": any(o["torch_imported"] for o in outs),
        "epoch_state": fin.get("state"),
    }


# ------------------------------------------------------------------------------------------
# stages
# ------------------------------------------------------------------------------------------


def timed(fn, *a, **k):
    t0 = time.perf_counter()
    out = fn(*a, **k)
    return out, round(time.perf_counter() - t0, 2)


def load_epoch(ep, name: str, workdir: Path, prefix: str) -> tuple:
    from catalog.ingest.vlass_cirada import ingest_vlass_cirada, vlass_epoch
    from catalog.pipeline.candidates import build_candidates
    from catalog.simulated.epoch import store_optical
    from ml.sim.epoch import write_cirada_csv

    st = {}
    path, st["write_csv_s"] = timed(write_cirada_csv, ep, workdir / f"VLASS{name}.csv", name)
    _, st["ingest_components_s"] = timed(ingest_vlass_cirada, path, epoch=name)
    epoch = vlass_epoch(name)
    n_opt, st["store_optical_s"] = timed(store_optical, ep, id_prefix=prefix)
    cands, st["build_candidates_s"] = timed(build_candidates, epoch)
    return epoch, st, n_opt, cands


def sizes() -> dict:
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        for t in ("catalog_candidate", "catalog_hostprediction"):
            cur.execute(
                f"SELECT pg_relation_size(%s), pg_indexes_size(%s), (SELECT count(*) FROM {t})",
                [t, t],
            )
            table, index, rows = cur.fetchone()
            out[t] = {"rows": rows, "table_mb": round(table / 2**20, 1),
                      "index_mb": round(index / 2**20, 1)}  # fmt: skip
    return out


def _copy_writer(db_url: str, mv_id: int, cand_ids, barrier, res) -> None:
    setup_django(db_url)
    import numpy as np
    from django.db import transaction

    from catalog.pipeline.score import Predictions
    from catalog.pipeline.writer import write_predictions

    n = len(cand_ids)
    p = Predictions(np.asarray(cand_ids, np.int64), np.full(n, 0.5), np.ones(n, np.int64),
                    np.zeros(n, bool), np.zeros(n, bool))  # fmt: skip
    barrier.wait()
    t0 = time.time()
    with transaction.atomic():
        write_predictions(p, mv_id, fresh=True)
    res.put((t0, time.time(), n))


def copy_ceiling(db_url: str, rows: int) -> dict:
    """HostPrediction rows/s through the tiles' COPY writer, 1 and 2 concurrent writers
    (each its own model version, so the writers never conflict)."""
    from django.db import connections

    from catalog.models import Candidate, HostPrediction, ModelVersion

    ids = list(Candidate.objects.order_by("pk").values_list("pk", flat=True)[:rows])
    out = {}
    for n_writers in (1, 2):
        mvs = [ModelVersion.objects.create(name=f"bench-copy-{n_writers}-{k}", kind="host")
               for k in range(n_writers)]  # fmt: skip
        connections.close_all()
        ctx = mp.get_context("spawn")
        barrier, res = ctx.Barrier(n_writers), ctx.Queue()
        procs = [ctx.Process(target=_copy_writer, args=(db_url, mv.pk, ids, barrier, res))
                 for mv in mvs]  # fmt: skip
        for p in procs:
            p.start()
        got = [res.get() for _ in procs]
        for p in procs:
            p.join()
        wall = max(g[1] for g in got) - min(g[0] for g in got)
        out[f"{n_writers}_writers_rows_per_s"] = round(sum(g[2] for g in got) / wall)
        HostPrediction.objects.filter(model_version__in=mvs).delete()
        ModelVersion.objects.filter(pk__in=[m.pk for m in mvs]).delete()
    out["rows_per_writer"] = len(ids)
    return out


def run_scale(db_url: str, fraction: float, workdir: Path, seed: int, repeats: int = 1) -> dict:
    from catalog.diff.epochs import diff_epochs
    from catalog.models import RadioComponent
    from ml.sim.epoch import repeat, simulate_epoch

    n = int(round(FULL_EPOCH * fraction))
    ep, t_sim = timed(simulate_epoch, n, seed=seed)
    a, st_a, n_opt, cands = load_epoch(ep, "1", workdir, "SIMA")
    st_a["simulate_s"] = t_sim
    n_sci = RadioComponent.objects.filter(epoch=a, is_science=True).count()
    # interleaved repeats, best of each: other sessions' load comes and goes on this machine
    runs = [identify(db_url, a, k) for k in (1, 2) * repeats]
    one = max((r for r in runs if r["workers"] == 1), key=lambda r: r["components_per_s"])
    two = max((r for r in runs if r["workers"] == 2), key=lambda r: r["components_per_s"])
    one["all_runs_components_per_s"] = [r["components_per_s"] for r in runs if r["workers"] == 1]
    two["all_runs_components_per_s"] = [r["components_per_s"] for r in runs if r["workers"] == 2]
    size = sizes()
    b, st_b, _, _ = load_epoch(repeat(ep, seed=seed + 1), "2", workdir, "SIMA")
    b_id = identify(db_url, b, 2)
    diff, t_diff = timed(diff_epochs, a, b)
    return {
        "fraction_of_full_epoch": fraction,
        "science_components": n_sci,
        "optical_sources": n_opt,
        "candidates": cands.get("pairs"),
        "stages_s_epoch_a": st_a
        | {
            "identify_1_worker_s": one["wall_s"],
            "identify_2_workers_s": two["wall_s"],
        },  # fmt: skip
        "stages_s_epoch_b": st_b | {"identify_2_workers_s": b_id["wall_s"], "diff_s": t_diff},
        "identify_1_worker": one,
        "identify_2_workers": two,
        "speedup_2_workers": round(two["components_per_s"] / one["components_per_s"], 2),
        "sizes_after_epoch_a": size,
        "diff": diff.summary,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--db-name", default="h14_bench")
    ap.add_argument("--fractions", default="0.01,0.03")
    ap.add_argument("--out", default=str(ROOT / "results" / "pipeline.json"))
    args = ap.parse_args()
    db_url = ensure_database(args.db_url, args.db_name)
    setup_django(db_url)
    load0 = os.getloadavg()
    t0 = time.time()
    scales = {}
    with tempfile.TemporaryDirectory() as tmp:
        for k, f in enumerate(float(x) for x in args.fractions.split(",")):
            reset()
            scales[f"{f:.0%}"] = run_scale(db_url, f, Path(tmp), seed=100 + k,
                                           repeats=2 if k == 0 else 1)  # fmt: skip
            print(json.dumps(scales[f"{f:.0%}"]["identify_2_workers"]), flush=True)
    ceiling = copy_ceiling(db_url, 300_000)
    first = scales[next(iter(scales))]
    one, _two = first["identify_1_worker"], first["identify_2_workers"]
    per_worker = one["components_per_s_per_worker"]
    rows_per_comp = one["predictions"] / max(one["components"], 1)
    w1, w2 = ceiling["1_writers_rows_per_s"], ceiling["2_writers_rows_per_s"]
    # A larger database server: ASSUMED 8 concurrent COPY writers at the 2-writer efficiency
    # measured here (w2 / 2 w1), i.e. 16+ cores and NVMe storage; WAL and index inserts are
    # what bound it, so it does not grow with more workers beyond that.
    eff = min(1.0, w2 / (2 * w1))
    server_rows_s = w1 * 8 * eff
    cap_comps_s = server_rows_s / rows_per_comp
    proj = {}
    for n in (8, 32, 128):
        rate = min(n * per_worker, cap_comps_s)
        proj[str(n)] = {"components_per_s": round(rate), "epoch_hours": round(FULL_EPOCH / rate / 3600, 2),
                        "write_bound": n * per_worker > cap_comps_s}  # fmt: skip
    size = first["sizes_after_epoch_a"]
    per1 = {t: {k: v for k, v in d.items()} for t, d in size.items()}
    full = {t: {"rows": d["rows"] * 100, "table_gb": round(d["table_mb"] * 100 / 1024, 1),
                "index_gb": round(d["index_mb"] * 100 / 1024, 1)} for t, d in per1.items()}  # fmt: skip
    rss = {k: v["identify_2_workers"]["peak_rss_mb_per_worker"] for k, v in scales.items()}
    out = {
        "summary": {
            "data": "SIMULATED (ml.sim.epoch): VLASS density ~100 deg^-2, seed candidate density",
            "identify_components_per_s_per_worker": per_worker,
            "speedup_2_workers": first["speedup_2_workers"],
            "peak_rss_mb_per_worker": max(max(rss.values()), one["peak_rss_mb_per_worker"]),
            "peak_rss_mb_per_worker_by_scale": rss,
            "epoch_hours_32_workers": proj["32"]["epoch_hours"],
            "epoch_hours_by_workers": {k: v["epoch_hours"] for k, v in proj.items()},
            "copy_rows_per_s_1_writer": w1,
            "copy_rows_per_s_2_writers": w2,
            "predictions_per_component": round(rows_per_comp, 2),
            "torch_imported_by_a_worker": any(
                v[k]["torch_imported_by_a_worker"]
                for v in scales.values()
                for k in ("identify_1_worker", "identify_2_workers")
            ),  # fmt: skip
            "partitioning": "not used (see README 'Epoch pipeline': per-epoch tables stay "
            "tens of GB; reads are per-component index lookups that partitioning does not speed)",
            "machine_load_avg_1min_start_end": [round(load0[0], 2), round(os.getloadavg()[0], 2)],
        },
        "targets": {
            "identify_components_per_s_per_worker": ">= 1500",
            "speedup_2_workers": ">= 1.7",
            "peak_rss_mb_per_worker": "<= 1536, same at 1% and 3%",
        },  # fmt: skip
        "projection": {
            "full_epoch_components": FULL_EPOCH,
            "assumed_server": "8 concurrent COPY writers at the measured 2-writer efficiency "
            f"({eff:.2f}) of the 1-writer rate measured here: {server_rows_s:,.0f} rows/s",
            "server_components_per_s_cap": round(cap_comps_s),
            "by_workers": proj,
        },
        "copy_ceiling": ceiling,
        "sizes_per_1pct_epoch": per1,
        "sizes_full_epoch_projected": full,
        "scales": scales,
        "tile_order": TILE_ORDER,
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "note": "2 cores shared with four other engineers' sessions",
        },  # fmt: skip
        "seconds": round(time.time() - t0, 1),
        "command": "DEBUG=1 .venv/bin/python bench/pipeline.py",
    }
    Path(args.out).write_text(json.dumps(out, indent=2, default=str) + "\n")
    print(json.dumps(out["summary"], indent=2))


if __name__ == "__main__":
    main()
