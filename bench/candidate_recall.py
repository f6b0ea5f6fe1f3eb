"""Recall of the candidate set: is the true host among a component's candidates?

Run (a scratch database; ~1 min)::

    createdb -h 127.0.0.1 -U postgres radiohost_recall
    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/radiohost_recall \\
        .venv/bin/python bench/candidate_recall.py

Data sets: REAL -- the Norris-71 test set of the seed authors (71 VLASS components, their
1,089 PS1 objects, host = the Norris 2006 host re-identified in PS1; all 71 fields, no
split: nothing is fitted here); SIMULATED -- ``ml.sim`` fields (``--fields``, seed
``--seed``), host = the simulated truth. For each, ``build_candidates`` (the seed's 3.6′
box) runs over the epoch, then recall and candidates per component are read for the box,
for circles of radius r (r <= 108″ lies inside the box, so the circle's set is the box's
rows with D <= r) and for magnitude cuts (PS1 r PSF <= m; an object without r is kept).
The Norris-71 PS1 rows carry no photometry, so the cut's recall cost is measured on the
simulated fields only. Writes ``results/candidate_recall.json`` with a top-level ``summary``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RADII = (10.0, 20.0, 30.0, 60.0, 78.0, 108.0)
MAG_CUTS = (20.0, 21.0, 22.0, 23.0)


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "radiohost_site.settings")
    import django

    django.setup()


def measure(epoch, origin: str) -> dict:
    from catalog.models import Candidate, Label
    from catalog.pipeline.candidates import build_candidates

    built = build_candidates(epoch)
    labels = list(
        Label.objects.current()
        .filter(origin=origin, component__epoch=epoch, host__isnull=False)
        .values_list("component_id", "host_id")
    )
    comp_ids = [c for c, _ in labels]
    rows = list(
        Candidate.objects.filter(component_id__in=comp_ids).values_list(
            "component_id", "optical_source_id", "distance_px", "optical_source__r_mag"
        )
    )
    by_comp: dict[int, list] = {}
    for c, o, d, m in rows:
        by_comp.setdefault(c, []).append((o, d, m))

    def recall(keep) -> tuple[float, float]:
        hit, sizes = 0, []
        for c, h in labels:
            cands = [o for o, d, m in by_comp.get(c, []) if keep(d, m)]
            sizes.append(len(cands))
            hit += h in cands
        return hit / len(labels), float(np.median(sizes))

    out = {"n_components_labelled": len(labels), "build": built}
    r, n = recall(lambda d, m: True)
    out["box_3.6arcmin"] = {"recall": r, "median_candidates": n}
    out["radius"] = {
        f"{rad:g}": dict(
            zip(
                ("recall", "median_candidates"), recall(lambda d, m, rad=rad: d <= rad), strict=True
            )
        )
        for rad in RADII
    }
    out["r_mag_cut"] = {
        f"{cut:g}": dict(
            zip(
                ("recall", "median_candidates"),
                recall(lambda d, m, cut=cut: m is None or m <= cut),
                strict=True,
            )
        )
        for cut in MAG_CUTS
    }
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fields", type=int, default=300)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", default=str(ROOT / "results" / "candidate_recall.json"))
    args = ap.parse_args(argv)
    _setup()
    from django.core.management import call_command

    from catalog.ingest.lou2023_testset import ingest_lou2023_testset
    from catalog.models import Epoch
    from catalog.simulated.sky import EPOCH, ingest_sim_sky
    from ml.paths import data_dir
    from ml.sim.formats import write_sky

    call_command("migrate", verbosity=0)
    ingest_lou2023_testset(data_dir())
    real = measure(Epoch.objects.get(survey__name="VLASS", name="1"), "lou2023")
    with tempfile.TemporaryDirectory() as tmp:
        write_sky(args.fields, tmp, args.seed)
        ingest_sim_sky(tmp)
    sim = measure(Epoch.objects.get(name=EPOCH), "sim")
    summary = {
        "default": "every PS1 DR2 object in the seed's 3.6' box (cutout frame), no cut",
        "recall_real_norris71_box": real["box_3.6arcmin"]["recall"],
        "median_candidates_real_norris71_box": real["box_3.6arcmin"]["median_candidates"],
        "recall_simulated_box": sim["box_3.6arcmin"]["recall"],
        "median_candidates_simulated_box": sim["box_3.6arcmin"]["median_candidates"],
        "recall_simulated_r_le_21": sim["r_mag_cut"]["21"]["recall"],
        "recall_simulated_r_le_22": sim["r_mag_cut"]["22"]["recall"],
        "data": f"REAL Norris-71 (71 fields, all); SIMULATED ml.sim {args.fields} fields seed {args.seed}",
    }
    doc = {
        "summary": summary,
        "real_norris71": real,
        "simulated": sim,
        "command": "DEBUG=1 DATABASE_URL=postgres://.../radiohost_recall .venv/bin/python "
        f"bench/candidate_recall.py --fields {args.fields} --seed {args.seed}",
    }
    Path(args.out).write_text(json.dumps(doc, indent=2, default=str) + "\n")
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
