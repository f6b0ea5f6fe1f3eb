"""Source-catalogue benchmark: what writing an epoch's sources costs beside identifying it.

A SIMULATED epoch (``ml.sim.epoch``, ``--n`` components at the VLASS density) is ingested into
PostgreSQL, identified tile by tile in this process (``catalog.pipeline.tile.run_tile``, the
code a tile task runs), then its source catalogue is built (``catalog.sources.build``) twice:
the first build, and a rebuild of the same rows (the finishing step run again). Reported: the
summed tile time, the build time, their ratio and the rows; both measured in one run.

Run: ``DEBUG=1 .venv/bin/python bench/sources.py [--n 5000]`` (database ``<name>_bench`` beside
``DATABASE_URL``'s is created/emptied) -> ``results/sources.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.django_setup import ensure_database, setup_django  # noqa: E402

TILE_ORDER = 6


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=5000, help="simulated components")
    p.add_argument("--db-url", default=None)
    p.add_argument("--out", default=str(ROOT / "results" / "sources.json"))
    a = p.parse_args(argv)
    base = a.db_url or os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    url = ensure_database(base, base.rsplit("/", 1)[-1] + "_bench")
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    from catalog.models import EpochTile, Source
    from catalog.pipeline import epoch as pipeline
    from catalog.pipeline.component import current_method_version
    from catalog.pipeline.tile import run_tile
    from catalog.simulated.epoch import ingest_sim_epoch
    from catalog.sources.build import build_sources
    from ml.sim.epoch import simulate_epoch

    call_command("migrate", verbosity=0)
    if not connection.settings_dict["NAME"].endswith("_bench"):
        raise SystemExit("refusing to empty a database whose name does not end in _bench")
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE catalog_source, catalog_epochtile, catalog_hostprediction, "
            "catalog_candidate, catalog_label, catalog_radiocomponent, catalog_opticalsource, "
            "catalog_epoch, catalog_survey, catalog_modelversion CASCADE"
        )
    with tempfile.TemporaryDirectory() as tmp:
        epoch = ingest_sim_epoch(simulate_epoch(a.n, seed=5, ra0=150.0, dec0=2.0), "b", tmp)
    mv = current_method_version()
    pipeline.start(epoch, mv=mv, order=TILE_ORDER)
    t0 = time.perf_counter()
    for tile in EpochTile.objects.filter(epoch=epoch).values_list("pk", flat=True):
        run_tile(tile)
    identify_s = time.perf_counter() - t0
    times, counts = [], []
    for _ in range(2):
        t0 = time.perf_counter()
        counts.append(build_sources(epoch.pk, mv, order=TILE_ORDER))
        times.append(time.perf_counter() - t0)
    epoch.refresh_from_db()
    summary = {
        "data": "SIMULATED epoch (ml.sim.epoch), PostgreSQL, one process",
        "components": epoch.n_components,
        "tiles": epoch.tiles_total,
        "sources": counts[0],
        "multi_component_sources": Source.objects.filter(n_components__gt=1).count(),
        "identify_seconds": round(identify_s, 2),
        "build_seconds": round(times[0], 2),
        "rebuild_seconds": round(times[1], 2),
        "build_over_identify": round(times[0] / identify_s, 3),
        "build_components_per_s": round(epoch.n_components / times[0], 1),
        "rebuild_same_count": counts[0] == counts[1],
    }
    out = {"summary": summary, "load_average": os.getloadavg()}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    return out


if __name__ == "__main__":
    main()
