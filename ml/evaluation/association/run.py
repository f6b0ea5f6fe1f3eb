"""Held-out evaluation of component association and core position on real expert groupings.

``python -m ml.evaluation.association --data-dir ../shared/data --out results/association_real.json``

Data (real, CDFS): Norris et al. 2006 Table 4 components are the radio sky; the Table 6
sources whose components all lie >= one 3.6' field from every Norris-71 test position are
the held-out truth (grouping + SWIRE host); RGZ DR1 ATLAS consensus hosts are a second host
set (:mod:`ml.evaluation.association.data`). The 71 test fields are never used for a choice:
the learned associator is fitted and its threshold chosen, and the extended rules' two
settings are chosen, on the other RA strips of a spatial k-fold; Norris-71 is scored once,
at the end, for the record and for the default gate.

Rows: ``nearest_component`` (no association: each component is a source, core = the seed
component), ``rules`` (:mod:`ml.association` published criteria), ``rules_extended`` (+ the
bright-core triple and aligned doubles, settings nested per fold: the default), ``rules_extended_symmetric_triples_nested`` (+ the symmetric-triple test,
nested), ``rules_extended_close_pairs`` (+ the opt-in close pairs, nested), ``edges*`` (:mod:`ml.association.edges`, cross-validated; ``*_vlass_guarded``: the
threshold chosen under both single guards, :mod:`ml.evaluation.association.guarded`) and ``oracle``
(Table 6 grouping with the current core, peak-weighted centroid). For every held-out source the seed is its
brightest component (integrated flux), the component a catalogue query would most likely
return first.

Beside the rows: RGZ DR1's own grouping as a second grouping set (each row's
``rgz_grouping``), host identification on simulated VLASS fields
(:mod:`ml.evaluation.association.hosts`; the default gate refuses a row that loses
significantly more fields than it gains), and a hindsight bound of monotone pair rules
(:mod:`ml.evaluation.association.ceiling`; chosen on the held-out sources, never a result).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ml.association.params import AssociationParams
from ml.evaluation.association.checks import norris71_correct, simulated_vlass_check
from ml.evaluation.association.data import load_heldout, load_rgz_hosts
from ml.evaluation.association.gate import choose_default
from ml.evaluation.association.hosts import simulated_vlass_hosts
from ml.evaluation.association.labels import cross_validated_labels, final_models, score_rows
from ml.evaluation.association.report import report
from ml.evaluation.association.scoring import paired_flips
from ml.paths import REPO_ROOT, data_dir


def run(root: Path, out: Path, k: int = 5) -> dict:
    h = load_heldout(root, k)
    rgz = load_rgz_hosts(root, h)
    lab = cross_validated_labels(h)
    rows = score_rows(h, lab, rgz)
    fits = final_models(h, lab)
    n71 = {
        "rules": norris71_correct(root, AssociationParams()),
        "rules_extended": norris71_correct(root, lab.bright),
        "rules_extended_close_pairs": norris71_correct(root, lab.close),
        "rules_extended_symmetric_triples_nested": norris71_correct(
            root, AssociationParams(**lab.sym_all)
        ),
        "edges": norris71_correct(root, fits.plain),
        "edges_absorb_cores": norris71_correct(root, fits.absorb),
        "edges_survey_independent": norris71_correct(root, fits.final),
        "edges_on_extended_rules": norris71_correct(root, fits.final_ext),
        "edges_on_extended_rules_survey_independent": norris71_correct(root, fits.final_ext_si),
        "edges_on_extended_rules_vlass_guarded": norris71_correct(root, lab.final_guard),
    }
    vlass = simulated_vlass_check(
        {
            "rules": (None, False),
            "rules_extended": (lab.bright, True),
            "rules_extended_close_pairs": (lab.close, True),
            "edges_four_columns": (fits.final, False),
            "edges_with_shapes": (fits.final, True),
            "edges_on_extended_rules_with_shapes": (fits.final_ext, True),
            "edges_on_extended_rules_survey_independent_with_shapes": (fits.final_ext_si, True),
            "edges_on_extended_rules_vlass_guarded_with_shapes": (lab.final_guard, True),
            "edges_absorb_cores_with_shapes": (fits.absorb, True),
            "edges_original_with_shapes": (fits.plain, True),
        }
    )

    # host identification on simulated VLASS fields, each row against the rules it would
    # replace (the deployed extended rules; they themselves against the published rules)
    hosts = simulated_vlass_hosts(
        {
            "rules": None,
            "rules_extended": lab.bright,
            "rules_extended_close_pairs": lab.close,
            "edges_survey_independent": fits.final,
            "edges_on_extended_rules": fits.final_ext,
            "edges_on_extended_rules_survey_independent": fits.final_ext_si,
            "edges_on_extended_rules_vlass_guarded": lab.final_guard,
        },
        {"rules_extended": "rules"}
        | {
            r: "rules_extended"
            for r in (
                "rules_extended_close_pairs",
                "edges_survey_independent",
                "edges_on_extended_rules",
                "edges_on_extended_rules_survey_independent",
                "edges_on_extended_rules_vlass_guarded",
            )
        },
    )
    flips = paired_flips(h, lambda f: lab.rule_lab, lambda f: lab.bright_lab[f])
    default, reason = choose_default(rows, n71, vlass, flips, hosts)
    result = report(h, rgz, k, lab, fits, rows, n71, vlass, hosts, flips, default, reason)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--data-dir", default=None, help="shared data root (default: $RADIOHOST_DATA_DIR)"
    )
    p.add_argument("--out", default=str(REPO_ROOT / "results" / "association_real.json"))
    p.add_argument("--folds", type=int, default=5)
    args = p.parse_args(argv)
    res = run(data_dir(args.data_dir), Path(args.out), args.folds)
    print(json.dumps(res["summary"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
