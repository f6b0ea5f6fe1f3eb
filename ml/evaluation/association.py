"""Held-out evaluation of component association and core position on real expert groupings.

``python -m ml.evaluation.association --data-dir ../shared/data --out results/association_real.json``

Data (real, CDFS): Norris et al. 2006 Table 4 components are the radio sky; the Table 6
sources whose components all lie >= one 3.6' field from every Norris-71 test position are
the held-out truth (grouping + SWIRE host); RGZ DR1 ATLAS consensus hosts are a second host
set (:mod:`ml.evaluation.association_data`). The 71 test fields are never used for a choice:
the learned associator is fitted and its threshold chosen, and the extended rules' two
settings are chosen, on the other RA strips of a spatial k-fold; Norris-71 is scored once,
at the end, for the record and for the default gate.

Rows: ``nearest_component`` (no association: each component is a source, core = the seed
component), ``rules`` (:mod:`ml.association` published criteria), ``rules_extended`` (+ the
bright-core triple and aligned doubles of issue 16, settings nested per fold: the default
since issue 16), ``rules_extended_symmetric_triples_nested`` (+ the symmetric-triple test,
nested), ``edges*`` (:mod:`ml.association_edges`, cross-validated; ``*_vlass_guarded``: the
threshold chosen under both single guards, :mod:`ml.evaluation.association_guarded`) and ``oracle``
(Table 6 grouping with the current core, peak-weighted centroid). For every held-out source the seed is its
brightest component (integrated flux), the component a catalogue query would most likely
return first.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from ml.association import AssociationParams
from ml.association_edges import FEATURE_NAMES, candidate_pairs
from ml.association_learn import (
    SINGLE_FLOOR,
    SURVEY_DEPENDENT_FEATURES,
    THRESHOLDS,
    exact_counts,
    fit_edges,
    simulated_pairs,
)
from ml.evaluation.association_checks import (
    ALIGNED_FACTORS,
    BRIGHT_CORE_FRACTIONS,
    SIM_VLASS_FIELDS,
    SYMMETRIC_LOBE_RATIOS,
    nested_core_flux_ratio,
    nested_rules_extensions,
    nested_symmetric_triples,
    norris71_correct,
    rules_labels,
    simulated_vlass_check,
)
from ml.evaluation.association_data import HeldOut, load_heldout, load_rgz_hosts
from ml.evaluation.association_failures import multi_failures
from ml.evaluation.association_guarded import (
    GUARD_FIELDS,
    GUARD_SEED0,
    cross_validated_guarded,
    simulated_guard_fields,
)
from ml.norris import _sep_arcsec
from ml.paths import REPO_ROOT, data_dir

COMMAND = (
    "python -m ml.evaluation.association --data-dir ../shared/data "
    "--out results/association_real.json"
)
RADII_ARCSEC = (2.0, 5.0, 10.0)
#: simulated training fields of row ``edges_plus_simulated`` (ATLAS-like: Norris 2006 §2)
SIM_FIELDS = 300
SIM_BEAM = (11.0, 5.0, 0.0)
SIM_NOISE_UJY = 30.0
#: how much of the simulated VLASS single-component agreement a default may lose against the
#: rules (619/629 vs 629/629 is 1.6 points)
VLASS_SINGLE_TOLERANCE = 0.01


def seed_of(h: HeldOut, comps: np.ndarray) -> int:
    flux = h.data.component_arrays()["int_flux_mjy"]
    return int(comps[np.argmax(flux[comps])])


def core_position(sky, labels: np.ndarray, seed: int, weighting: str) -> tuple[float, float]:
    """The core of the seed's predicted group: the seed itself when alone (as ``associate``
    uses the VLASS position of a single component), else the weighted centroid."""
    members = np.flatnonzero(labels == labels[seed])
    if members.size == 1:
        return float(sky.ra[seed]), float(sky.dec[seed])
    return sky.core(members, weighting)


def distance_summary(d: np.ndarray) -> dict:
    d = np.asarray(d, float)
    if d.size == 0:
        return {"n": 0}
    out = {"n": int(d.size), "median_arcsec": round(float(np.median(d)), 2)}
    for r in RADII_ARCSEC:
        out[f"within_{r:g}arcsec"] = int(np.sum(d <= r))
        out[f"frac_within_{r:g}arcsec"] = round(float(np.mean(d <= r)), 4)
    return out


def per_fold(h: HeldOut, labels_for_fold) -> list[dict]:
    """Exact-grouping counts of each fold's held-out sources (multi and single)."""
    out = []
    for f in range(h.k):
        srcs = [c for c, sf in zip(h.sources, h.source_fold, strict=True) if sf == f]
        me, mt, se, st = exact_counts(labels_for_fold(f), srcs)
        out.append({"fold": f, "multi_exact": f"{me}/{mt}", "single_exact": f"{se}/{st}"})
    return out


def paired_flips(h: HeldOut, base_for_fold, new_for_fold) -> dict:
    """Source-by-source comparison of two rows: held-out sources exact under ``new`` only
    (gained, with their Table 6 ids) and under ``base`` only (lost)."""
    gained, lost = [], []
    for comps, f in zip(h.sources, h.source_fold, strict=True):
        b = exact_counts(base_for_fold(f), [comps])
        n = exact_counts(new_for_fold(f), [comps])
        ok_b, ok_n = b[0] + b[2], n[0] + n[2]
        sid = h.data.sources[int(h.source_of[comps[0]])].sid
        if ok_n > ok_b:
            gained.append(sid)
        elif ok_b > ok_n:
            lost.append(sid)
    return {
        "gained": len(gained),
        "lost": len(lost),
        "gained_sources": gained,
        "lost_sources": lost,
    }


def pairwise(h: HeldOut, labels_for_fold) -> dict:
    """Precision/recall of "these two held-out components are one source" over all
    candidate pairs (< 150") of components of held-out sources in the same fold."""
    sky = h.sky()
    pairs = candidate_pairs(sky.xyz)
    f0, f1 = h.fold[pairs[:, 0]], h.fold[pairs[:, 1]]
    pairs = pairs[(f0 >= 0) & (f0 == f1)]
    truth = h.source_of[pairs[:, 0]] == h.source_of[pairs[:, 1]]
    pred = np.array(
        [labels_for_fold(h.fold[i])[i] == labels_for_fold(h.fold[i])[j] for i, j in pairs]
    )
    tp = int(np.sum(pred & truth))
    return {
        "n_pairs": int(len(pairs)),
        "n_true_links": int(truth.sum()),
        "precision": round(tp / max(int(pred.sum()), 1), 4),
        "recall": round(tp / max(int(truth.sum()), 1), 4),
    }


def score_row(h: HeldOut, labels_for_fold, weighting: str, rgz: list[dict]) -> dict:
    """All held-out figures of one row; ``labels_for_fold(f)`` is the grouping (a label per
    component) the row predicts for the sources of fold ``f``."""
    sky = h.sky()
    me = mt = se = st = 0
    d_all, d_multi = [], []
    for comps, f, host in zip(h.sources, h.source_fold, h.host, strict=True):
        labels = labels_for_fold(f)
        a, b, c, e = exact_counts(labels, [comps])
        me, mt, se, st = me + a, mt + b, se + c, st + e
        if np.isfinite(host[0]):
            ra, dec = core_position(sky, labels, seed_of(h, comps), weighting)
            dist = float(_sep_arcsec(ra, dec, np.array([host[0]]), np.array([host[1]]))[0])
            d_all.append(dist)
            if comps.size > 1:
                d_multi.append(dist)
    d_rgz = []
    for r in rgz:
        ra, dec = core_position(sky, labels_for_fold(h.fold[r["comp"]]), r["comp"], weighting)
        d_rgz.append(
            float(_sep_arcsec(ra, dec, np.array([r["host_ra"]]), np.array([r["host_dec"]]))[0])
        )
    return {
        "multi_exact": f"{me}/{mt}",
        "multi_exact_frac": round(me / max(mt, 1), 4),
        "single_exact": f"{se}/{st}",
        "single_exact_frac": round(se / max(st, 1), 4),
        "pairwise": pairwise(h, labels_for_fold),
        "core_to_swire_host_all": distance_summary(np.array(d_all)),
        "core_to_swire_host_multi": distance_summary(np.array(d_multi)),
        "core_to_rgz_host": distance_summary(np.array(d_rgz)),
    }


def cross_validated_edges(
    h: HeldOut,
    extra=None,
    shapes_at_inference: bool = True,
    shapes_in_training: bool = True,
    absorb_cores: bool = False,
    exclude=(),
    rules: AssociationParams | None = None,
) -> tuple[dict, list[dict]]:
    """Edge models fitted on k-1 RA strips (plus ``extra`` simulated pairs, if given), each
    applied to the whole sky for its own strip; ``shapes_at_inference=False`` applies them to
    the four-column sky (no axes, PA or rms), as a pipeline that passes no shapes would;
    ``shapes_in_training=False`` also fits them without shapes (those features are constant);
    ``absorb_cores`` adds the group-level midpoint-core step (threshold chosen with it);
    ``exclude`` leaves features out of the fit; ``rules``: the rules whose links the model
    reads as its ``rule_link`` feature (default: the published ones)."""
    labels, folds = {}, []
    for f in range(h.k):
        train = h.in_heldout & (h.fold != f)
        sky = h.sky(rules) if shapes_in_training else h.sky_four_columns(rules)
        params = fit_edges(
            sky, h.source_of, train, extra=extra, absorb_cores=absorb_cores, exclude=exclude
        )
        labels[f] = (h.sky(params) if shapes_at_inference else h.sky_four_columns(params))._labels
        folds.append(
            {
                "fold": f,
                "n_train_sources": int(np.sum(h.source_fold != f)),
                "n_test_sources": int(np.sum(h.source_fold == f)),
                "threshold_chosen_on_train": params.threshold,
            }
        )
    return labels, folds


def run(root: Path, out: Path, k: int = 5) -> dict:
    h = load_heldout(root, k)
    rgz = load_rgz_hosts(root, h)
    rule_lab = rules_labels(h.sky(AssociationParams()))
    nested_lab, ratios_chosen = nested_core_flux_ratio(h)
    # the candidate new default (issue 16): the rules + a core of any flux at the midpoint of
    # a comparable-flux lobe pair + aligned doubles, both settings chosen on the training
    # strips of each fold
    bright_lab, bright_chosen, bright_all = nested_rules_extensions(h)
    bright = AssociationParams(**bright_all)
    # + the group-level symmetric-triple test (arm ratio and bend instead of the lobe pair's
    # flux-ratio cap), its cap chosen jointly with the two extensions, nested
    sym_lab, sym_chosen, sym_all = nested_symmetric_triples(h)
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
        "edges": score_row(h, lambda f: edge_labels[f], "peak", rgz),
        "edges_absorb_cores": score_row(h, lambda f: absorb_labels[f], "peak", rgz),
        "edges_survey_independent": score_row(h, lambda f: indep_labels[f], "peak", rgz),
        "edges_on_extended_rules": score_row(h, lambda f: on_ext_labels[f], "peak", rgz),
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
    n71 = {
        "rules": norris71_correct(root, AssociationParams()),
        "rules_extended": norris71_correct(root, bright),
        "rules_extended_symmetric_triples_nested": norris71_correct(
            root, AssociationParams(**sym_all)
        ),
        "edges": norris71_correct(root, plain),
        "edges_absorb_cores": norris71_correct(root, absorb),
        "edges_survey_independent": norris71_correct(root, final),
        "edges_on_extended_rules": norris71_correct(root, final_ext),
        "edges_on_extended_rules_vlass_guarded": norris71_correct(root, final_guard),
    }
    vlass = simulated_vlass_check(
        {
            "rules": (None, False),
            "rules_extended": (bright, True),
            "edges_four_columns": (final, False),
            "edges_with_shapes": (final, True),
            "edges_on_extended_rules_with_shapes": (final_ext, True),
            "edges_on_extended_rules_vlass_guarded_with_shapes": (final_guard, True),
            "edges_absorb_cores_with_shapes": (absorb, True),
            "edges_original_with_shapes": (plain, True),
        }
    )

    # The default decision (issue 16): a new associator becomes the default only if its
    # held-out multi agreement beats the current rules, Norris-71 stays >= 69/71, held-out
    # singles stay >= SINGLE_FLOOR and (added guard: the pipeline runs on VLASS, where most
    # targets are single components) the simulated VLASS singles lose at most the tolerance.
    def gate(row: str, vlass_row: str) -> tuple[bool, str]:
        r = rows[row]
        better = r["multi_exact_frac"] > rows["rules"]["multi_exact_frac"]
        vlass_ok = (
            vlass[vlass_row]["single_exact_frac"]
            >= vlass["rules"]["single_exact_frac"] - VLASS_SINGLE_TOLERANCE
        )
        singles_ok = r["single_exact_frac"] >= SINGLE_FLOOR
        ok = better and n71[row] >= 69 and vlass_ok and singles_ok
        why = (
            f"{row}: held-out Norris multis {r['multi_exact']} vs rules "
            f"{rows['rules']['multi_exact']} ({'better' if better else 'not better'}); singles "
            f"{r['single_exact']} ({'>=' if singles_ok else '<'} {SINGLE_FLOOR:.4f}); Norris-71 "
            f"{n71[row]}/71 (needs >= 69); simulated VLASS singles "
            f"{vlass[vlass_row]['single_exact']} vs rules {vlass['rules']['single_exact']} "
            f"(may lose at most {VLASS_SINGLE_TOLERANCE:.0%})"
        )
        return ok, why

    flips = paired_flips(h, lambda f: rule_lab, lambda f: bright_lab[f])
    bright_ok, bright_why = gate("rules_extended", "rules_extended")
    edges_ok, edges_why = gate("edges_survey_independent", "edges_with_shapes")
    ext_ok, ext_why = gate("edges_on_extended_rules", "edges_on_extended_rules_with_shapes")
    guard_ok, guard_why = gate(
        "edges_on_extended_rules_vlass_guarded",
        "edges_on_extended_rules_vlass_guarded_with_shapes",
    )
    shipped = rows["rules_extended"]
    goal = shipped["multi_exact_frac"] >= 0.85
    # Of the associators that pass, the best held-out multi then single rate becomes the
    # default; a tie goes to the extended rules (listed first): they add links only in two
    # narrow configurations to the published rules, where the edge model refits everything.
    # The 85% goal is reported, not required (the rule does not ask for it).
    passing = [
        n
        for n, ok in (
            ("rules_extended", bright_ok),
            ("edges_survey_independent", edges_ok),
            ("edges_on_extended_rules", ext_ok),
            ("edges_on_extended_rules_vlass_guarded", guard_ok),
        )
        if ok
    ]
    default = (
        max(passing, key=lambda n: (rows[n]["multi_exact_frac"], rows[n]["single_exact_frac"]))
        if passing
        else "rules"
    )
    reason = (
        f"default {default}. {bright_why}; {'passes' if bright_ok else 'fails'}. "
        f"{edges_why}; {'passes' if edges_ok else 'fails'}. "
        f"{ext_why}; {'passes' if ext_ok else 'fails'}. "
        f"{guard_why}; {'passes' if guard_ok else 'fails'}. Against the rules, source by "
        f"source, rules_extended gets {flips['gained']} more held-out sources right "
        f"({', '.join(flips['gained_sources']) or 'none'}) and {flips['lost']} fewer; the "
        f"issue's goal (>= 85% of held-out multis) is {'met' if goal else 'NOT met'}"
    )
    result = {
        "benchmark": "component association + core position on real expert groupings (issue 16)",
        "command": COMMAND,
        "data": {
            "radio_sky": "Norris et al. 2006 Table 4: all 784 ATLAS CDFS components (real)",
            "truth": "Norris et al. 2006 Table 6 grouping + SWIRE host (real)",
            "second_host_set": "RGZ DR1 ATLAS consensus hosts (Wong et al. 2025; real)",
            "n_heldout_sources": len(h.sources),
            "n_heldout_multi": int(sum(c.size > 1 for c in h.sources)),
            "n_heldout_with_swire_host": int(np.isfinite(h.host[:, 0]).sum()),
            "n_rgz_hosts_used": len(rgz),
            "seed": "each source's brightest component (integrated flux)",
        },
        "split": {
            "heldout": "Table 6 sources whose components all lie >= 216\" (one 3.6' field) from "
            "every Norris-71 test VLASS position",
            "folds": f"{k} RA strips with equal numbers of held-out sources (spatial k-fold); "
            "the edge model and its threshold are fitted on k-1 strips and scored on the last",
            "threshold_rule": f"on the training strips: best multi rate + single rate among "
            f"thresholds {list(THRESHOLDS)} keeping singles >= {SINGLE_FLOOR:.4f} (619/629)",
            "test_fields_used_for_a_choice": False,
            "variants": "edges (shapes in training and inference) was the design fixed before "
            "any held-out figure; the other edges_* rows were scored afterwards on the same "
            "folds to show what the pipeline gets without shape columns and with simulated "
            "training. Their spread (16-19 of 26 multis) is the noise of 26 sources; none of them "
            "was picked from it. edges_absorb_cores (the shipped opt-in model) adds one "
            "group-level step chosen after reading the held-out failure list (multi_failures: "
            "a linked lobe pair with its midpoint core left out); so it was chosen on held-out "
            "Norris sources (never the test fields) and its +1 of 26 is optimistic by that "
            "selection. edges_survey_independent (shipped) also leaves out the compactness "
            "feature (integrated/peak flux depends on the beam); chosen on the SIMULATED VLASS "
            "transfer check (singles 313 -> 326 of 338), not on Norris-71. "
            "rules_core_flux_ratio_nested lets a triple's core be up to r times the "
            "fainter lobe (published: fainter than both), r chosen on the k-1 training strips. "
            "rules_extended (issue 16, the new default) keeps the published rules and adds a "
            "core of ANY flux within f d of the midpoint of a comparable-flux lobe pair (d < "
            '120") and aligned doubles (both components resolved, elongated, major axes within '
            "30 deg of the pair axis, comparable flux) out to a times the double scale; f and a "
            "are chosen jointly per fold on the k-1 training strips from the listed values "
            "(ties: the smaller a, then the smaller f). Their DESIGN was chosen after reading the "
            "held-out failure list (collinear triples whose core outshines its lobes; aligned "
            "lobe pairs beyond the double scale), so the gain is optimistic by that selection; "
            "the constants never saw their own held-out strip. Also tried on the "
            "same folds and NOT kept (no held-out gain, or singles below the floor): edge-model "
            "pair features log min flux, a chance-coincidence probability 1-exp(-pi r^2 "
            "n(>S_min)), size similarity and the product of the two alignments (each 17/26, "
            "singles 508-510); a group-level collinear-triple step inside the edge model, "
            "nested (17/26, 510); the edge model reading the bright-core rules (19/26 but "
            "singles 508/517, below the 619/629 floor)",
            "norris71": "scored once per final model (fitted/chosen on all held-out sources), "
            "after every choice was made; it only gates whether a model becomes the default",
            "simulated_training": f"row edges_plus_simulated adds the labelled pairs of {SIM_FIELDS} "
            f"simulated fields (ml.sim, beam {SIM_BEAM}, noise {SIM_NOISE_UJY} uJy; "
            f"{len(sim[1])} pairs, {int(sim[1].sum())} linked) to every training fold; the default "
            "edge model uses real Norris sources only, because that row scored lower held out",
        },
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
        },
        "multi_failures": multi_failures(
            h,
            {
                "rules": lambda f: rule_lab,
                "rules_extended": lambda f: bright_lab[f],
                "edges": lambda f: edge_labels[f],
                "edges_absorb_cores": lambda f: absorb_labels[f],
                "edges_survey_independent": lambda f: indep_labels[f],
                "edges_on_extended_rules": lambda f: on_ext_labels[f],
                "edges_on_extended_rules_vlass_guarded": lambda f: guard_labels[f],
            },
        ),
        "norris71_correct_by_row": n71,
        "simulated_vlass_transfer_check": {
            "data": f"SIMULATED: {SIM_VLASS_FIELDS} ml.sim fields (VLASS beams and noise), the "
            "catalogued component of each; truth = its parent source",
            "rows": vlass,
        },
        "default_associator": default,
        "default_reason": reason,
    }
    best = shipped
    result["summary"] = {
        "associator": "rules_extended (ml.association published rules + a core of any flux "
        "within f d of a comparable-flux lobe pair's midpoint + aligned doubles out to a "
        f"times the double scale; settings chosen per fold on the training strips, on all "
        f"held-out sources {bright_all}); the headline keys are its figures, the published "
        "rules' and the edge model's sit beside them",
        "default_associator": default,
        "default_reason": reason,
        "multi_exact_heldout": best["multi_exact"],
        "single_exact_heldout": best["single_exact"],
        "core_within_5arcsec_heldout": best["core_to_swire_host_all"]["within_5arcsec"],
        "norris71_correct": f"{n71['rules_extended']}/71",
        "rules_extensions_chosen_per_fold": bright_chosen,
        "multi_exact_heldout_per_fold": result["rules_extended"]["per_fold_heldout"],
        **{
            name: _headline(rows[name], n71.get(name), core=name in _WITH_CORE)
            for name in (
                "rules",
                "edges_survey_independent",
                "edges_on_extended_rules",
                "edges_on_extended_rules_vlass_guarded",
                "edges",
                "edges_absorb_cores",
                "rules_core_flux_ratio_nested",
                "rules_extended_symmetric_triples_nested",
            )
        },
        "nearest_component_core_within_5arcsec_heldout": rows["nearest_component"][
            "core_to_swire_host_all"
        ]["within_5arcsec"],
        "goal_multi_exact_85pct_reached": best["multi_exact_frac"] >= 0.85,
        "simulated_vlass_single_exact": {k: v["single_exact"] for k, v in vlass.items()},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    return result


#: Rows whose core-to-host distance the summary repeats (the others change only grouping).
_WITH_CORE = {
    "rules",
    "edges_survey_independent",
    "edges_on_extended_rules",
    "edges_on_extended_rules_vlass_guarded",
    "edges",
}


def _headline(row: dict, n71: int | None, *, core: bool) -> dict:
    """One method's headline figures for the summary (the issue's keys)."""
    out = {"multi_exact_heldout": row["multi_exact"], "single_exact_heldout": row["single_exact"]}
    if core:
        out["core_within_5arcsec_heldout"] = row["core_to_swire_host_all"]["within_5arcsec"]
    if n71 is not None:
        out["norris71_correct"] = f"{n71}/71"
    return out


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
