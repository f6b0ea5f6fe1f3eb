"""The real Norris-71 benchmark (seed §4.2, Table 3).

``python -m ml.evaluation.norris71 --data-dir ../shared/data --out results/norris71.json``

The test set is the seed authors' own: 71 VLASS components in CDFS, their PS1 candidates, the
authors' class probabilities and host likelihoods, and the Norris et al. 2006 host as ground
truth (loaded by :func:`ml.data.norris71.load_norris71`). No VLASS or PS1 pixels exist for these fields;
the radio sky is Norris et al. 2006 Table 4 (every ATLAS 1.4 GHz component), which can be
rendered at the VLASS beam by :func:`ml.sim.radio.render_components`.

Every method is one row, with the inputs it uses stated and a flag for the Table-6 expert
grouping/host (an *oracle*: never an input of a method, only of reference rows):

1. ``nn_vlass`` -- nearest candidate to the VLASS position (must give 65/71);
2. ``oracle_centroid_int`` / ``oracle_centroid_peak`` -- nearest candidate to the flux-weighted
   centroid of the Table-6 source's components (oracle grouping; integrated-flux weights give
   69/71) and ``oracle_gated_core`` -- same grouping, core from ``ml.core.location.locate_core``
   on the rendered source;
3. ``authors_logged`` -- argmax of the seed authors' logged host likelihood (must give 42/71);
4. ours, never reading Table 6: ``assoc_centroid`` (model-free association of Table-4 components
   around the VLASS component, see :mod:`ml.association`),
   ``assoc_gated_core`` (its group rendered, core by ``locate_core``) and the host identifier
   (``ml.host``) where a trained checkpoint is given.

Scores: accuracy (best candidate == expert host), the prime-host count and precision/recall of
the positive candidates (seed §4.2: likelihood > 0.5). Positional methods have no likelihood;
their positive candidates are those within ``POSITIONAL_MATCH_ARCSEC`` of their predicted host
position (stated per row as ``positive_rule``).

Modules, one role each (imports form a tree, this one at the top): ``norris71_fields`` (field
geometry, rendering), ``norris71_rows`` (per-field decisions of each method),
``norris71_scoring`` (outcomes into JSON rows), ``norris71_checks`` (data checks and the
association figures), ``norris71_figures`` (failure overlays), ``norris71_methods`` (the row
catalogue), ``norris71_model`` (host-identifier checkpoints); this module runs them and writes
the JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np

from ml.association.params import AssociationParams
from ml.data.lou2023 import LOU2023_TESTSET
from ml.data.norris71 import load_norris71
from ml.data.norris2006 import NORRIS_TABLE4, NORRIS_TABLE6
from ml.evaluation.norris71.checks import (
    association_quality,
    association_sensitivity,
    choose_weighting,
    non_test_candidate_check,
)
from ml.evaluation.norris71.figures import overlay_png
from ml.evaluation.norris71.methods import (  # noqa: F401 -- workers.tasks imports it from here
    build_methods,
    checkpoint_summary,
    model_methods,
)
from ml.evaluation.norris71.scoring import authors_logged_confusion, evaluate
from ml.paths import REPO_ROOT, data_dir
from ml.seed import FIELD_SIZE_ARCSEC
from ml.sky import separation_arcsec

log = logging.getLogger(__name__)

COMMAND = "python -m ml.evaluation.norris71 --data-dir ../shared/data --out results/norris71.json"


def run(
    data_root: Path,
    out: Path,
    png_dir: Path | None = None,
    overlays: bool = True,
    only: list[str] | None = None,
    sensitivity: bool = True,
    checkpoints: list[str] | None = None,
) -> dict:
    """Run every available row (or the rows named in ``only``), write the JSON and the
    failure overlays (next to the JSON unless ``png_dir``)."""
    data = load_norris71(data_root)
    png_dir = png_dir or out.parent
    png_dir.mkdir(parents=True, exist_ok=True)
    methods, skipped = build_methods(data)
    assoc = next(m.run for m in methods if m.key == "assoc_centroid")
    if checkpoints:
        methods += model_methods(data, checkpoints, assoc)
    if only:
        unknown = sorted(set(only) - {m.key for m in methods} - set(skipped))
        if unknown:
            raise ValueError(f"unknown row(s) {unknown}; available: {[m.key for m in methods]}")
        methods = [m for m in methods if m.key in only]
    test_sources = {f.norris_source.sid for f in data.fields}
    a = data.component_arrays()
    test_area = np.array(
        [
            separation_arcsec(
                ra,
                dec,
                np.array([f.ra for f in data.fields]),
                np.array([f.dec for f in data.fields]),
            ).min()
            < FIELD_SIZE_ARCSEC
            for ra, dec in zip(a["ra"], a["dec"], strict=True)
        ]
    )
    command = COMMAND + "".join(f" --checkpoint {c}" for c in checkpoints or [])
    result = {
        "benchmark": "Norris-71 (seed §4.2, Table 3): real data",
        "command": command,
        "data": {
            "test_set": str(LOU2023_TESTSET),
            "norris_table4": str(NORRIS_TABLE4),
            "norris_table6": str(NORRIS_TABLE6),
            "n_fields": len(data.fields),
            "n_rows_in_file": data.n_rows,
            "n_unique_pairs": data.n_unique_pairs,
            "n_unique_ps1_candidates": data.n_unique_candidates,
            "n_fields_with_duplicated_rows": sum(f.n_duplicate_rows > 0 for f in data.fields),
            "n_multi_component_norris_sources_in_test": sum(
                f.norris_source.is_multi_component for f in data.fields
            ),
            "n_distinct_norris_sources_in_test": len(test_sources),
            "max_vlass_to_table4_match_arcsec": round(
                max(f.norris_component_sep_arcsec for f in data.fields), 2
            ),
            "pixels": "no VLASS or PS1 pixels exist for these fields; radio fields are rendered from Table 4",
        },
        "split": {
            "test": "the 71 VLASS components of the seed's Norris test set (real data), all candidates",
            "training_for_ours": (
                "the model-free association rows (4a/4b) have no trained parameters: the double/triple "
                "criteria are the published Magliocchetti+98 values; the one choice (centroid weighting) "
                'was made on Norris Table-4/6 sources whose components lie > 216" from every test '
                "VLASS position (real data, grouping + host positions only, no candidates)."
            ),
            "training_for_host_identifier_rows": (
                "SIMULATED fields only (ml.sim via ml.host.data; see each host_* row's "
                "details.training): no Norris field, no Table 6, no real candidate is used for "
                "training; the Norris fields are only rendered from Table 4 for testing"
            ),
            "real_candidates_for_non_test_sources": non_test_candidate_check(data_root, data),
            "real_candidates_for_non_test_sources_summary": (
                "no: every PS1 object in the shared data lies inside the 71 test fields, so a host "
                "identifier can only be trained on simulated fields here"
            ),
        },
        "authors_logged_prediction_confusion": authors_logged_confusion(data),
        "association": {
            "params": AssociationParams().__dict__,
            "weighting_selection_non_test_multi_hits_within_3arcsec": choose_weighting(
                data, assoc, test_area
            ),
            "grouping_vs_table6": association_quality(data, assoc, test_sources),
            "sensitivity_one_at_a_time_on_test": association_sensitivity(data)
            if sensitivity
            else None,
        },
        "rows_not_run": skipped,
        "methods": {},
    }
    figs = []
    for m in methods:
        row, outcomes = evaluate(m, data)
        result["methods"][m.key] = row
        log.info("%-22s %2d/%d", m.key, row["n_correct"], row["n_fields"])
        if overlays and m.details.get("overlays", True):
            # A field that no longer fails must not keep last run's overlay.
            for old in png_dir.glob(f"norris71_{m.key}_*.png"):
                old.unlink()
            for f, o in outcomes:
                if o.best != f.host_index:
                    tag = f.vlass_name.split()[-1].replace(".", "p")
                    p = png_dir / f"norris71_{m.key}_{tag}.png"
                    if overlay_png(data, m, f, o, p):
                        row.setdefault("overlays", []).append(
                            str(p.relative_to(REPO_ROOT)) if p.is_relative_to(REPO_ROOT) else str(p)
                        )
                        figs.append(p)
    result["summary"] = [
        {
            "row": k,
            "correct": f"{v['n_correct']}/{v['n_fields']}",
            "prime": v["n_prime_host"],
            "precision@0.5": v["precision_at_0.5"],
            "recall@0.5": v["recall_at_0.5"],
            "uses_table6": v["uses_table6_expert_grouping_or_host"],
        }
        for k, v in result["methods"].items()
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--data-dir",
        default=None,
        help="shared data root (default: $RADIOHOST_DATA_DIR or ../shared/data)",
    )
    p.add_argument("--out", default=str(REPO_ROOT / "results" / "norris71.json"))
    p.add_argument("--no-overlays", action="store_true", help="skip the failure PNGs")
    p.add_argument("--no-sensitivity", action="store_true", help="skip the association sweep")
    p.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        help="host-identifier checkpoint to evaluate as 'path' or 'path:assoc' (repeatable)",
    )
    p.add_argument("--only", default=None, help="comma-separated row keys to run (default: all)")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    only = [k.strip() for k in args.only.split(",")] if args.only else None
    res = run(
        data_dir(args.data_dir),
        Path(args.out),
        overlays=not args.no_overlays,
        only=only,
        sensitivity=not args.no_sensitivity,
        checkpoints=args.checkpoint,
    )
    for s in res["summary"]:
        print(
            f"{s['row']:<22} {s['correct']:>6}  prime {s['prime']:>2}  P {s['precision@0.5']}  R {s['recall@0.5']}  table6={s['uses_table6']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
