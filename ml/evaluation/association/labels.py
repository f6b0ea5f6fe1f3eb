"""Every associator's held-out labels, its scored row, and its final fit on all held-out sources.

The first stage of ``python -m ml.evaluation.association`` (:mod:`.run`): each row's groupings
of the held-out Norris 2006 sources, with every setting chosen on the training strips of the
spatial k-fold (:func:`cross_validated_labels`); the rows scored against Table 6 and RGZ
(:func:`score_rows`); and the models refitted on all held-out sources (:func:`final_models`)
that are then checked once on Norris-71 and on simulated VLASS fields. The 71 test fields are
never used for a choice here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ml.association.edges import EdgeParams
from ml.association.learn import (
    DEPTH_DEPENDENT_FEATURES,
    SURVEY_DEPENDENT_FEATURES,
    fit_edges,
    simulated_pairs,
)
from ml.association.params import AssociationParams
from ml.evaluation.association.checks import (
    nested_close_pairs,
    nested_core_flux_ratio,
    nested_rules_extensions,
    nested_symmetric_triples,
    rules_labels,
)
from ml.evaluation.association.guarded import cross_validated_guarded, simulated_guard_fields
from ml.evaluation.association.scoring import cross_validated_edges, score_row

#: simulated training fields of row ``edges_plus_simulated`` (ATLAS-like: Norris 2006 §2)
SIM_FIELDS = 300
SIM_BEAM = (11.0, 5.0, 0.0)
SIM_NOISE_UJY = 30.0


@dataclass(frozen=True)
class HeldoutLabels:
    """Per-fold labels of every row and the settings chosen for them (names as in the JSON)."""

    rule_lab: np.ndarray
    nested_lab: Any
    ratios_chosen: Any
    bright_lab: Any
    bright_chosen: Any
    bright_all: dict
    bright: AssociationParams
    sym_lab: Any
    sym_chosen: Any
    sym_all: dict
    close_lab: Any
    close_chosen: Any
    close_all: dict
    close: AssociationParams
    edge_labels: Any
    absorb_labels: Any
    indep: dict
    indep_labels: Any
    folds: Any
    on_ext_labels: Any
    on_ext_si: dict
    on_ext_si_labels: Any
    guard_labels: Any
    guard_folds: Any
    final_guard: EdgeParams
    guard_table: Any
    cw_labels: Any
    cw_folds: Any
    sim: Any
    sim_labels: Any
    bare_labels: Any
    four_labels: Any


def cross_validated_labels(h) -> HeldoutLabels:
    """Every row's groupings of the held-out sources, settings chosen on training strips."""
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
    return HeldoutLabels(
        rule_lab=rule_lab,
        nested_lab=nested_lab,
        ratios_chosen=ratios_chosen,
        bright_lab=bright_lab,
        bright_chosen=bright_chosen,
        bright_all=bright_all,
        bright=bright,
        sym_lab=sym_lab,
        sym_chosen=sym_chosen,
        sym_all=sym_all,
        close_lab=close_lab,
        close_chosen=close_chosen,
        close_all=close_all,
        close=close,
        edge_labels=edge_labels,
        absorb_labels=absorb_labels,
        indep=indep,
        indep_labels=indep_labels,
        folds=folds,
        on_ext_labels=on_ext_labels,
        on_ext_si=on_ext_si,
        on_ext_si_labels=on_ext_si_labels,
        guard_labels=guard_labels,
        guard_folds=guard_folds,
        final_guard=final_guard,
        guard_table=guard_table,
        cw_labels=cw_labels,
        cw_folds=cw_folds,
        sim=sim,
        sim_labels=sim_labels,
        bare_labels=bare_labels,
        four_labels=four_labels,
    )


def score_rows(h, lab: HeldoutLabels, rgz) -> dict[str, dict]:
    """Each row scored on the held-out sources (Table 6 grouping and host, RGZ hosts)."""
    n = len(h.source_of)
    return {
        "nearest_component": score_row(h, lambda f: np.arange(n), "peak", rgz),
        "rules": score_row(h, lambda f: lab.rule_lab, "peak", rgz),
        "rules_core_flux_ratio_nested": score_row(h, lambda f: lab.nested_lab[f], "peak", rgz),
        "rules_extended": score_row(h, lambda f: lab.bright_lab[f], "peak", rgz),
        "rules_extended_symmetric_triples_nested": score_row(
            h, lambda f: lab.sym_lab[f], "peak", rgz
        ),
        "rules_extended_close_pairs": score_row(h, lambda f: lab.close_lab[f], "peak", rgz),
        "edges": score_row(h, lambda f: lab.edge_labels[f], "peak", rgz),
        "edges_absorb_cores": score_row(h, lambda f: lab.absorb_labels[f], "peak", rgz),
        "edges_survey_independent": score_row(h, lambda f: lab.indep_labels[f], "peak", rgz),
        "edges_on_extended_rules": score_row(h, lambda f: lab.on_ext_labels[f], "peak", rgz),
        "edges_on_extended_rules_survey_independent": score_row(
            h, lambda f: lab.on_ext_si_labels[f], "peak", rgz
        ),
        "edges_on_extended_rules_vlass_guarded": score_row(
            h, lambda f: lab.guard_labels[f], "peak", rgz
        ),
        "edges_plus_simulated": score_row(h, lambda f: lab.sim_labels[f], "peak", rgz),
        "edges_without_shapes_at_inference": score_row(
            h, lambda f: lab.bare_labels[f], "peak", rgz
        ),
        "edges_four_columns": score_row(h, lambda f: lab.four_labels[f], "peak", rgz),
        "oracle_table6_grouping": score_row(h, lambda f: h.source_of, "peak", rgz),
    }


@dataclass(frozen=True)
class FinalModels:
    """The edge models refitted on all held-out sources (then checked once on Norris-71)."""

    plain: EdgeParams
    absorb: EdgeParams
    final: EdgeParams
    final_ext: EdgeParams
    final_ext_si: EdgeParams


def final_models(h, lab: HeldoutLabels) -> FinalModels:
    """Refit each edge row on all held-out sources with the settings of its CV row."""
    return FinalModels(
        plain=fit_edges(h.sky(), h.source_of, h.in_heldout),
        absorb=fit_edges(h.sky(), h.source_of, h.in_heldout, absorb_cores=True),
        final=fit_edges(h.sky(), h.source_of, h.in_heldout, **lab.indep),
        final_ext=fit_edges(h.sky(lab.bright), h.source_of, h.in_heldout, **lab.indep),
        final_ext_si=fit_edges(
            h.sky(lab.bright),
            h.source_of,
            h.in_heldout,
            absorb_cores=True,
            exclude=lab.on_ext_si["exclude"],
        ),
    )
