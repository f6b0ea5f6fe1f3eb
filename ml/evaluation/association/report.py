"""The result JSON of ``python -m ml.evaluation.association``: every row and its evidence.

Assembles what :mod:`.run` computed (held-out rows, the final models' Norris-71 and simulated
VLASS checks, the default gate's choice) into ``results/association_real.json``, with the
notes that say how each setting was chosen and its ``summary``.
"""

from __future__ import annotations

import numpy as np

from ml.association.edges import FEATURE_NAMES
from ml.association.learn import (
    DEPTH_DEPENDENT_FEATURES,
    SINGLE_FLOOR,
    SURVEY_DEPENDENT_FEATURES,
    THRESHOLDS,
)
from ml.evaluation.association.ceiling import ceiling
from ml.evaluation.association.checks import (
    ALIGNED_FACTORS,
    BRIGHT_CORE_FRACTIONS,
    CLOSE_PAIRS,
    SIM_VLASS_FIELDS,
    SYMMETRIC_LOBE_RATIOS,
)
from ml.evaluation.association.failures import multi_failures
from ml.evaluation.association.gate import VLASS_SINGLE_TOLERANCE, summary
from ml.evaluation.association.guarded import GUARD_FIELDS, GUARD_SEED0
from ml.evaluation.association.hosts import HOST_FIELDS, HOST_SEED0, SIGN_TEST_ALPHA
from ml.evaluation.association.labels import (
    SIM_BEAM,
    SIM_FIELDS,
    SIM_NOISE_UJY,
    FinalModels,
    HeldoutLabels,
)
from ml.evaluation.association.notes import split_notes
from ml.evaluation.association.scoring import paired_flips, per_fold, score_row

COMMAND = (
    "python -m ml.evaluation.association --data-dir ../shared/data "
    "--out results/association_real.json"
)


def report(
    h,
    rgz,
    k: int,
    lab: HeldoutLabels,
    fits: FinalModels,
    rows,
    n71,
    vlass,
    hosts,
    flips,
    default,
    reason,
) -> dict:
    """The result dict (key order is the JSON's), ``summary`` last."""
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
        "split": split_notes(k, SIM_FIELDS, SIM_BEAM, SIM_NOISE_UJY, lab.sim),
        "folds": lab.folds,
        "rules_core_flux_ratio_chosen_per_fold": lab.ratios_chosen,
        "rules_extended": {
            "bright_core_fractions_tried": list(BRIGHT_CORE_FRACTIONS),
            "aligned_theta_factors_tried": list(ALIGNED_FACTORS),
            "chosen_per_fold": lab.bright_chosen,
            "chosen_on_all_heldout": lab.bright_all,
            "vs_rules_source_by_source": flips,
            "per_fold_heldout": per_fold(h, lambda f: lab.bright_lab[f]),
            "rules_per_fold_heldout": per_fold(h, lambda f: lab.rule_lab),
            "edges_per_fold_heldout": per_fold(h, lambda f: lab.indep_labels[f]),
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
            "chosen_per_fold": lab.close_chosen,
            "chosen_on_all_heldout": lab.close_all,
            "per_fold_heldout": per_fold(h, lambda f: lab.close_lab[f]),
            "vs_rules_extended_source_by_source": paired_flips(
                h, lambda f: lab.bright_lab[f], lambda f: lab.close_lab[f]
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
            "chosen_per_fold": lab.sym_chosen,
            "chosen_on_all_heldout": lab.sym_all,
            "per_fold_heldout": per_fold(h, lambda f: lab.sym_lab[f]),
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
            "folds": lab.guard_folds,
            "threshold_on_all_heldout": lab.final_guard.threshold,
            "table_on_all_heldout": lab.guard_table,
            "per_fold_heldout": per_fold(h, lambda f: lab.guard_labels[f]),
            "edges_on_extended_rules_per_fold_heldout": per_fold(h, lambda f: lab.on_ext_labels[f]),
            "with_class_weight_choice": {
                "rule": "the same, with the logistic fit's class weight (None or balanced) "
                "chosen jointly with the threshold on the training strips (ties: None)",
                "class_weight_chosen_per_fold": [
                    fd["class_weight_chosen_on_train"] for fd in lab.cw_folds
                ],
                "balanced_passes_both_guards_in_folds": [
                    fd["fold"]
                    for fd in lab.cw_folds
                    if any(r["guards_pass"] and r["class_weight"] for r in fd["table"])
                ],
                "per_fold_heldout": per_fold(h, lambda f: lab.cw_labels[f]),
                "heldout": {
                    k: v
                    for k, v in score_row(h, lambda f: lab.cw_labels[f], "peak", rgz).items()
                    if k in ("multi_exact", "single_exact")
                },
            },
        },
        "rows": rows,
        "edge_model": {
            "features": list(FEATURE_NAMES),
            "fitted_on_all_heldout": fits.final.to_dict(),
            "threshold_without_absorb_cores": fits.plain.threshold,
            "threshold_with_compactness": fits.absorb.threshold,
            "excluded_features": list(SURVEY_DEPENDENT_FEATURES),
            "on_extended_rules_survey_independent_fitted_on_all_heldout": fits.final_ext_si.to_dict(),
            "on_extended_rules_survey_independent_excluded_features": list(
                SURVEY_DEPENDENT_FEATURES + DEPTH_DEPENDENT_FEATURES
            ),
        },
        "multi_failures": multi_failures(
            h,
            {
                "rules": lambda f: lab.rule_lab,
                "rules_extended": lambda f: lab.bright_lab[f],
                "rules_extended_close_pairs": lambda f: lab.close_lab[f],
                "edges": lambda f: lab.edge_labels[f],
                "edges_absorb_cores": lambda f: lab.absorb_labels[f],
                "edges_survey_independent": lambda f: lab.indep_labels[f],
                "edges_on_extended_rules": lambda f: lab.on_ext_labels[f],
                "edges_on_extended_rules_survey_independent": lambda f: lab.on_ext_si_labels[f],
                "edges_on_extended_rules_vlass_guarded": lambda f: lab.guard_labels[f],
            },
        ),
        "norris71_correct_by_row": n71,
        "hindsight_bound": {
            "what": "NOT a held-out result: the best held-out multi count a monotone "
            "radio-only pair rule added to the shipped extended rules could reach with singles "
            ">= 619/629, its pairs chosen ON the held-out sources (ml.evaluation."
            "association_ceiling). Above the goal: the features could reach it, but the "
            "training strips hold too few examples of each kind to find the rule nested",
            **ceiling(h, h.sky(lab.bright)),
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
        lab.bright_all,
        lab.bright_chosen,
        result["rules_extended"],
        default,
        reason,
        hosts,
    )
    return result
