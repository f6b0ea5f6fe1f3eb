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

import numpy as np

from ml.association.edges import FEATURE_NAMES
from ml.association.learn import (
    DEPTH_DEPENDENT_FEATURES,
    SINGLE_FLOOR,
    SURVEY_DEPENDENT_FEATURES,
    THRESHOLDS,
    fit_edges,
    simulated_pairs,
)
from ml.association.params import AssociationParams
from ml.evaluation.association.ceiling import ceiling
from ml.evaluation.association.checks import (
    ALIGNED_FACTORS,
    BRIGHT_CORE_FRACTIONS,
    CLOSE_PAIRS,
    SIM_VLASS_FIELDS,
    SYMMETRIC_LOBE_RATIOS,
    nested_close_pairs,
    nested_core_flux_ratio,
    nested_rules_extensions,
    nested_symmetric_triples,
    norris71_correct,
    rules_labels,
    simulated_vlass_check,
)
from ml.evaluation.association.data import load_heldout, load_rgz_hosts
from ml.evaluation.association.failures import multi_failures
from ml.evaluation.association.gate import VLASS_SINGLE_TOLERANCE, choose_default, summary
from ml.evaluation.association.guarded import (
    GUARD_FIELDS,
    GUARD_SEED0,
    cross_validated_guarded,
    simulated_guard_fields,
)
from ml.evaluation.association.hosts import (
    HOST_FIELDS,
    HOST_SEED0,
    SIGN_TEST_ALPHA,
    simulated_vlass_hosts,
)
from ml.evaluation.association.notes import split_notes
from ml.evaluation.association.scoring import (
    cross_validated_edges,
    paired_flips,
    per_fold,
    score_row,
)
from ml.paths import REPO_ROOT, data_dir

COMMAND = (
    "python -m ml.evaluation.association --data-dir ../shared/data "
    "--out results/association_real.json"
)
#: simulated training fields of row ``edges_plus_simulated`` (ATLAS-like: Norris 2006 §2)
SIM_FIELDS = 300
SIM_BEAM = (11.0, 5.0, 0.0)
SIM_NOISE_UJY = 30.0


def run(root: Path, out: Path, k: int = 5) -> dict:
    h = load_heldout(root, k)
    rgz = load_rgz_hosts(root, h)
    rule_lab = rules_labels(h.sky(AssociationParams()))
    nested_lab, ratios_chosen = nested_core_flux_ratio(h)
    # the candidate new default: the rules + a core of any flux at the midpoint of
    # a comparable-flux lobe pair + aligned doubles, both settings chosen on the training
    # strips of each fold
    bright_lab, bright_chosen, bright_all = nested_rules_extensions(h)
    bright = AssociationParams(**bright_all)
    # + the group-level symmetric-triple test (arm ratio and bend instead of the lobe pair's
    # flux-ratio cap), its cap chosen jointly with the two extensions, nested
    sym_lab, sym_chosen, sym_all = nested_symmetric_triples(h)
    # + the opt-in close pairs (a looser flux-ratio cap inside a fraction of the double scale),
    # chosen jointly with the two extensions, nested
    close_lab, close_chosen, close_all = nested_close_pairs(h)
    close = AssociationParams(**close_all)
    edge_labels, _ = cross_validated_edges(h)
    # + the group-level midpoint-core step, added after the failure analysis of the plain
    # edges row (multi_failures) showed a linked lobe pair whose core was left out
    absorb_labels, _ = cross_validated_edges(h, absorb_cores=True)
    # the shipped edge model: + without the beam-dependent compactness feature, which made the
    # ATLAS-trained model link unrelated VLASS neighbours (simulated transfer check)
    indep = {"absorb_cores": True, "exclude": SURVEY_DEPENDENT_FEATURES}
    indep_labels, folds = cross_validated_edges(h, **indep)
    # the edge model reading the extended rules (their links are its rule_link feature)
    on_ext = {**indep, "rules": bright}
    on_ext_labels, _ = cross_validated_edges(h, **on_ext)
    # ... and without the depth-dependent S/N feature too: the beam- and depth-free model
    on_ext_si = {**on_ext, "exclude": SURVEY_DEPENDENT_FEATURES + DEPTH_DEPENDENT_FEATURES}
    on_ext_si_labels, _ = cross_validated_edges(h, **on_ext_si)
    # the same model with its threshold chosen per fold under both single guards of the gate
    # (training-strip Norris singles and simulated VLASS singles on fields of its own)
    guard_fields = simulated_guard_fields(bright)
    guard_labels, guard_folds, final_guard, guard_table = cross_validated_guarded(
        h, bright, guard_fields
    )
    # the brief's other knob: the class weight (None or balanced) chosen with the threshold
    cw_labels, cw_folds, _, _ = cross_validated_guarded(
        h, bright, guard_fields, class_weights=(None, "balanced")
    )
    # The suggested extra training set: labelled simulated multi-component sources,
    # rendered with an ATLAS-like beam and noise so their components resemble Table 4.
    sim = simulated_pairs(SIM_FIELDS, beam=SIM_BEAM, noise_ujy=SIM_NOISE_UJY)
    sim_labels, _ = cross_validated_edges(h, extra=sim)
    bare_labels, _ = cross_validated_edges(h, shapes_at_inference=False)
    four_labels, _ = cross_validated_edges(h, shapes_at_inference=False, shapes_in_training=False)
    n = len(h.source_of)
    rows = {
        "nearest_component": score_row(h, lambda f: np.arange(n), "peak", rgz),
        "rules": score_row(h, lambda f: rule_lab, "peak", rgz),
        "rules_core_flux_ratio_nested": score_row(h, lambda f: nested_lab[f], "peak", rgz),
        "rules_extended": score_row(h, lambda f: bright_lab[f], "peak", rgz),
        "rules_extended_symmetric_triples_nested": score_row(h, lambda f: sym_lab[f], "peak", rgz),
        "rules_extended_close_pairs": score_row(h, lambda f: close_lab[f], "peak", rgz),
        "edges": score_row(h, lambda f: edge_labels[f], "peak", rgz),
        "edges_absorb_cores": score_row(h, lambda f: absorb_labels[f], "peak", rgz),
        "edges_survey_independent": score_row(h, lambda f: indep_labels[f], "peak", rgz),
        "edges_on_extended_rules": score_row(h, lambda f: on_ext_labels[f], "peak", rgz),
        "edges_on_extended_rules_survey_independent": score_row(
            h, lambda f: on_ext_si_labels[f], "peak", rgz
        ),
        "edges_on_extended_rules_vlass_guarded": score_row(
            h, lambda f: guard_labels[f], "peak", rgz
        ),
        "edges_plus_simulated": score_row(h, lambda f: sim_labels[f], "peak", rgz),
        "edges_without_shapes_at_inference": score_row(h, lambda f: bare_labels[f], "peak", rgz),
        "edges_four_columns": score_row(h, lambda f: four_labels[f], "peak", rgz),
        "oracle_table6_grouping": score_row(h, lambda f: h.source_of, "peak", rgz),
    }
    plain = fit_edges(h.sky(), h.source_of, h.in_heldout)
    absorb = fit_edges(h.sky(), h.source_of, h.in_heldout, absorb_cores=True)
    final = fit_edges(h.sky(), h.source_of, h.in_heldout, **indep)
    final_ext = fit_edges(h.sky(bright), h.source_of, h.in_heldout, **indep)
    final_ext_si = fit_edges(
        h.sky(bright), h.source_of, h.in_heldout, absorb_cores=True, exclude=on_ext_si["exclude"]
    )
    n71 = {
        "rules": norris71_correct(root, AssociationParams()),
        "rules_extended": norris71_correct(root, bright),
        "rules_extended_close_pairs": norris71_correct(root, close),
        "rules_extended_symmetric_triples_nested": norris71_correct(
            root, AssociationParams(**sym_all)
        ),
        "edges": norris71_correct(root, plain),
        "edges_absorb_cores": norris71_correct(root, absorb),
        "edges_survey_independent": norris71_correct(root, final),
        "edges_on_extended_rules": norris71_correct(root, final_ext),
        "edges_on_extended_rules_survey_independent": norris71_correct(root, final_ext_si),
        "edges_on_extended_rules_vlass_guarded": norris71_correct(root, final_guard),
    }
    vlass = simulated_vlass_check(
        {
            "rules": (None, False),
            "rules_extended": (bright, True),
            "rules_extended_close_pairs": (close, True),
            "edges_four_columns": (final, False),
            "edges_with_shapes": (final, True),
            "edges_on_extended_rules_with_shapes": (final_ext, True),
            "edges_on_extended_rules_survey_independent_with_shapes": (final_ext_si, True),
            "edges_on_extended_rules_vlass_guarded_with_shapes": (final_guard, True),
            "edges_absorb_cores_with_shapes": (absorb, True),
            "edges_original_with_shapes": (plain, True),
        }
    )

    # host identification on simulated VLASS fields, each row against the rules it would
    # replace (the deployed extended rules; they themselves against the published rules)
    hosts = simulated_vlass_hosts(
        {
            "rules": None,
            "rules_extended": bright,
            "rules_extended_close_pairs": close,
            "edges_survey_independent": final,
            "edges_on_extended_rules": final_ext,
            "edges_on_extended_rules_survey_independent": final_ext_si,
            "edges_on_extended_rules_vlass_guarded": final_guard,
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
    flips = paired_flips(h, lambda f: rule_lab, lambda f: bright_lab[f])
    default, reason = choose_default(rows, n71, vlass, flips, hosts)
    result = {
        "benchmark": "component association + core position on real expert groupings",
        "command": COMMAND,
        "data": {
            "radio_sky": "Norris et al. 2006 Table 4: all 784 ATLAS CDFS components (real)",
            "truth": "Norris et al. 2006 Table 6 grouping + SWIRE host (real)",
            "second_host_set": "RGZ DR1 ATLAS consensus hosts (Wong et al. 2025; real)",
            "n_heldout_sources": len(h.sources),
            "n_heldout_multi": int(sum(c.size > 1 for c in h.sources)),
            "n_heldout_with_swire_host": int(np.isfinite(h.host[:, 0]).sum()),
            "n_rgz_hosts_used": len(rgz),
            "rgz_grouping": "RGZ DR1 ATLAS's own grouping (an independent, citizen-science "
            'label set): the held-out Table 4 components within max(5", half the RGZ largest '
            "angular extent) of each used RGZ source; each row's rgz_grouping counts exact "
            "agreement of the seed's predicted group with it (the oracle row: Table 6 vs RGZ)",
            "n_rgz_multi_groupings": sum(len(r["group"]) > 1 for r in rgz),
            "seed": "each source's brightest component (integrated flux)",
        },
        "split": split_notes(k, SIM_FIELDS, SIM_BEAM, SIM_NOISE_UJY, sim),
        "folds": folds,
        "rules_core_flux_ratio_chosen_per_fold": ratios_chosen,
        "rules_extended": {
            "bright_core_fractions_tried": list(BRIGHT_CORE_FRACTIONS),
            "aligned_theta_factors_tried": list(ALIGNED_FACTORS),
            "chosen_per_fold": bright_chosen,
            "chosen_on_all_heldout": bright_all,
            "vs_rules_source_by_source": flips,
            "per_fold_heldout": per_fold(h, lambda f: bright_lab[f]),
            "rules_per_fold_heldout": per_fold(h, lambda f: rule_lab),
            "edges_per_fold_heldout": per_fold(h, lambda f: indep_labels[f]),
        },
        "rules_extended_close_pairs": {
            "rule": "ml.association close_theta_fraction / close_max_flux_ratio: within c times "
            "the double scale two components link at a flux ratio up to R (published cap 4): a "
            "core beside a one-sided jet or faint lobe; chosen jointly with the two extensions "
            "per fold on the training strips (ties: off). Its design follows sources on the "
            'held-out failure list (S134, a 10" pair at flux ratio 6.9; S349, an outer pair at '
            "4.05), so any gain is optimistic by that selection. Opt-in: it fails the "
            "simulated VLASS host guard (simulated_vlass_hosts)",
            "close_pairs_tried": [list(x) for x in CLOSE_PAIRS],
            "chosen_per_fold": close_chosen,
            "chosen_on_all_heldout": close_all,
            "per_fold_heldout": per_fold(h, lambda f: close_lab[f]),
            "vs_rules_extended_source_by_source": paired_flips(
                h, lambda f: bright_lab[f], lambda f: close_lab[f]
            ),
        },
        "rules_extended_symmetric_triples": {
            "rule": "ml.association symmetric_lobe_ratio: a core + two lobes whose lobe flux "
            "ratio exceeds the double cap (4) but stays <= the cap chosen, accepted when the arms "
            "agree within SYMMETRIC_MAX_ARM_RATIO (1.5, fixed a priori) and the bend is within "
            "SYMMETRIC_MAX_BEND_DEG (20 deg, fixed a priori); the cap is chosen jointly with the "
            "two extension settings per fold on the training strips (ties: off). Its design "
            "follows a source on the held-out failure list (S349, outer pair flux ratio 4.05), "
            "so any gain would be optimistic by that selection",
            "symmetric_lobe_ratios_tried": list(SYMMETRIC_LOBE_RATIOS),
            "chosen_per_fold": sym_chosen,
            "chosen_on_all_heldout": sym_all,
            "per_fold_heldout": per_fold(h, lambda f: sym_lab[f]),
        },
        "edges_on_extended_rules_vlass_guarded": {
            "threshold_rule": "per fold, on the k-1 training strips only: thresholds "
            f"{list(THRESHOLDS)}; a threshold passes when the training strips' Norris singles "
            f"stay >= {SINGLE_FLOOR:.4f} AND the fold's model keeps simulated VLASS singles "
            f"({GUARD_FIELDS} ml.sim fields, seeds {GUARD_SEED0}+, disjoint from the gate's "
            f"transfer-check fields) within {VLASS_SINGLE_TOLERANCE:.0%} of the published rules; "
            "of the passing ones the best training multi + single rate, ties to the higher "
            "threshold; none passing: the highest threshold. Designed from the gate (the two "
            "single guards), not from the held-out failure list",
            "folds": guard_folds,
            "threshold_on_all_heldout": final_guard.threshold,
            "table_on_all_heldout": guard_table,
            "per_fold_heldout": per_fold(h, lambda f: guard_labels[f]),
            "edges_on_extended_rules_per_fold_heldout": per_fold(h, lambda f: on_ext_labels[f]),
            "with_class_weight_choice": {
                "rule": "the same, with the logistic fit's class weight (None or balanced) "
                "chosen jointly with the threshold on the training strips (ties: None)",
                "class_weight_chosen_per_fold": [
                    fd["class_weight_chosen_on_train"] for fd in cw_folds
                ],
                "balanced_passes_both_guards_in_folds": [
                    fd["fold"]
                    for fd in cw_folds
                    if any(r["guards_pass"] and r["class_weight"] for r in fd["table"])
                ],
                "per_fold_heldout": per_fold(h, lambda f: cw_labels[f]),
                "heldout": {
                    k: v
                    for k, v in score_row(h, lambda f: cw_labels[f], "peak", rgz).items()
                    if k in ("multi_exact", "single_exact")
                },
            },
        },
        "rows": rows,
        "edge_model": {
            "features": list(FEATURE_NAMES),
            "fitted_on_all_heldout": final.to_dict(),
            "threshold_without_absorb_cores": plain.threshold,
            "threshold_with_compactness": absorb.threshold,
            "excluded_features": list(SURVEY_DEPENDENT_FEATURES),
            "on_extended_rules_survey_independent_fitted_on_all_heldout": final_ext_si.to_dict(),
            "on_extended_rules_survey_independent_excluded_features": list(
                SURVEY_DEPENDENT_FEATURES + DEPTH_DEPENDENT_FEATURES
            ),
        },
        "multi_failures": multi_failures(
            h,
            {
                "rules": lambda f: rule_lab,
                "rules_extended": lambda f: bright_lab[f],
                "rules_extended_close_pairs": lambda f: close_lab[f],
                "edges": lambda f: edge_labels[f],
                "edges_absorb_cores": lambda f: absorb_labels[f],
                "edges_survey_independent": lambda f: indep_labels[f],
                "edges_on_extended_rules": lambda f: on_ext_labels[f],
                "edges_on_extended_rules_survey_independent": lambda f: on_ext_si_labels[f],
                "edges_on_extended_rules_vlass_guarded": lambda f: guard_labels[f],
            },
        ),
        "norris71_correct_by_row": n71,
        "hindsight_bound": {
            "what": "NOT a held-out result: the best held-out multi count a monotone "
            "radio-only pair rule added to the shipped extended rules could reach with singles "
            ">= 619/629, its pairs chosen ON the held-out sources (ml.evaluation."
            "association_ceiling). Above the goal: the features could reach it, but the "
            "training strips hold too few examples of each kind to find the rule nested",
            **ceiling(h, h.sky(bright)),
        },
        "simulated_vlass_hosts": {
            "data": f"SIMULATED: {HOST_FIELDS} ml.sim VLASS fields (seeds {HOST_SEED0}+), the "
            "catalogued component of each; right = the best candidate of the deployed "
            "catalogue-level method (association + core + positional likelihood + seed §4.2) "
            "is the simulated host. gained / lost: fields against the row named in vs; p_lose: "
            "one-sided sign test of losing more than gaining; the gate refuses p_lose < "
            f"{SIGN_TEST_ALPHA}",
            "rows": hosts,
        },
        "simulated_vlass_transfer_check": {
            "data": f"SIMULATED: {SIM_VLASS_FIELDS} ml.sim fields (VLASS beams and noise), the "
            "catalogued component of each; truth = its parent source",
            "rows": vlass,
        },
        "default_associator": default,
        "default_reason": reason,
    }
    result["summary"] = summary(
        rows,
        n71,
        vlass,
        bright_all,
        bright_chosen,
        result["rules_extended"],
        default,
        reason,
        hosts,
    )
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
