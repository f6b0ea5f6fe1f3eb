"""What the rows and the split of the association evaluation are: the prose
of ``results/association_real.json``'s ``split`` block, kept apart from the code that computes
the rows (:mod:`ml.evaluation.association`)."""

from __future__ import annotations

from ml.association.learn import SINGLE_FLOOR, THRESHOLDS


def split_notes(k: int, sim_fields: int, sim_beam, sim_noise_ujy: float, sim) -> dict:
    """The ``split`` block: the held-out set, the folds, the threshold rule, every row's
    design and how it was chosen. ``sim``: the simulated training pairs (features, labels)."""
    return {
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
        "rules_extended (the new default) keeps the published rules and adds a "
        "core of ANY flux within f d of the midpoint of a comparable-flux lobe pair (d < "
        '120") and aligned doubles (both components resolved, elongated, major axes within '
        "30 deg of the pair axis, comparable flux) out to a times the double scale; f and a "
        "are chosen jointly per fold on the k-1 training strips from the listed values "
        "(ties: the smaller a, then the smaller f). Their DESIGN was chosen after reading the "
        "held-out failure list (collinear triples whose core outshines its lobes; aligned "
        "lobe pairs beyond the double scale), so the gain is optimistic by that selection; "
        "the constants never saw their own held-out strip. rules_extended_close_pairs "
        "(opt-in) adds close pairs, nested the same way (its block). Also tried on the "
        "same folds and NOT kept (no held-out gain, or singles below the floor): edge-model "
        "pair features log min flux, a chance-coincidence probability 1-exp(-pi r^2 "
        "n(>S_min)), size similarity and the product of the two alignments (each 17/26, "
        "singles 508-510); a group-level collinear-triple step inside the edge model, "
        "nested (17/26, 510); the edge model reading the bright-core rules (19/26 but "
        "singles 508/517, below the 619/629 floor); and, with close pairs (exploratory "
        "runs on the same folds, not repeated by this command), a comparable-flux box (flux "
        "ratio <= R3 out to c3 times the double scale, no alignment test) chosen jointly "
        "with them, nested: 20/26 but singles 510/517 (one unrelated pair linked; 530 vs 531 "
        "sources right in all: not kept), and a smooth cap (sep < c theta R^-beta) instead "
        "of the close box, nested: 19/26, singles 510/517",
        "norris71": "scored once per final model (fitted/chosen on all held-out sources), "
        "after every choice was made; it only gates whether a model becomes the default",
        "simulated_training": f"row edges_plus_simulated adds the labelled pairs of {sim_fields} "
        f"simulated fields (ml.sim, beam {sim_beam}, noise {sim_noise_ujy} uJy; "
        f"{len(sim[1])} pairs, {int(sim[1].sum())} linked) to every training fold; the default "
        "edge model uses real Norris sources only, because that row scored lower held out",
    }
