"""Checks of the association evaluation beyond the held-out rows: the simulated
VLASS transfer check, Norris-71 (scored once, for the record) and the nested choice of the
rules' triple core-flux ratio on the training strips.

Split from :mod:`ml.evaluation.association` (one role per file); every choice here is made on
held-out Norris sources or simulated fields, never on the Norris-71 test fields.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ml.association.associate import associate
from ml.association.edges import default_edge_params
from ml.association.learn import SINGLE_FLOOR, exact_counts
from ml.association.params import AssociationParams
from ml.association.rules import ComponentSky

#: simulated VLASS fields of the transfer check
SIM_VLASS_FIELDS = 400
#: the core-flux ratios of the rules' triple criterion tried, nested, on the training strips
CORE_FLUX_RATIOS = (1.0, 1.5, 2.0, 3.0, 4.0)
#: the bright-core midpoint fractions tried, nested, on the training strips (0 = off; at most
#: the published 0.2 midpoint fraction of the triple rule)
BRIGHT_CORE_FRACTIONS = (0.0, 0.025, 0.05, 0.1, 0.15, 0.2)
#: the aligned-double factors tried, nested, on the training strips (1 = off)
ALIGNED_FACTORS = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0)
#: the close-pair settings tried, nested, on the training strips: (fraction of the double scale,
#: flux-ratio cap) pairs, off first, then the more conservative first
CLOSE_PAIRS = ((0.0, 8.0),) + tuple(
    (c, r) for c in (0.5, 0.6, 0.7, 0.8, 0.9, 1.0) for r in (6.0, 8.0, 12.0, 16.0, 32.0)
)
#: the symmetric-triple lobe flux-ratio caps tried, nested (0 = off; the double cap is 4)
SYMMETRIC_LOBE_RATIOS = (0.0, 6.0, 8.0, 12.0)


def rules_labels(sky) -> np.ndarray:
    """Group label per component of a rules sky (its transitive link groups)."""
    labels = np.full(len(sky), -1)
    for i in range(len(sky)):
        if labels[i] < 0:
            labels[sky.group(i)] = i
    return labels


def _nested_rules_choice(h, name: str, values, closeness) -> tuple[dict, list, float]:
    """Rules with parameter ``name`` chosen from ``values`` on the k-1 training strips of each
    fold (best multi + single rate keeping singles >= SINGLE_FLOOR; ties go to the value with
    the largest ``closeness``, i.e. nearest the published rule), applied to the held-out strip.

    Returns the labels per fold, the choice per fold, and the choice the same procedure makes
    on all held-out sources (what a shipped default would be)."""
    values = sorted(values, key=closeness, reverse=True)  # ties: the first, i.e. closest
    return _nested_choice(h, [{name: v} for v in values], lambda d: d[name])


def _nested_choice(h, settings: list[dict], label=lambda d: d) -> tuple[dict, list, object]:
    """Rules with the keyword ``settings`` (AssociationParams) chosen on the k-1 training
    strips of each fold: best multi + single rate keeping singles >= SINGLE_FLOOR; ties go to
    the earliest setting (list the published rule first, then the most conservative). Returns
    the labels per fold, ``label`` of the choice per fold and of the choice on all sources."""
    labs = [rules_labels(h.sky(AssociationParams(**d))) for d in settings]

    def choose(sources) -> int:
        best, key = 0, None
        for n, lab in enumerate(labs):
            me, mt, se, st = exact_counts(lab, sources)
            rate = se / max(st, 1)
            k = (rate >= SINGLE_FLOOR, me / max(mt, 1) + rate)
            if key is None or k > key:
                best, key = n, k
        return best

    out, chosen = {}, []
    for f in range(h.k):
        best = choose([c for c, sf in zip(h.sources, h.source_fold, strict=True) if sf != f])
        out[f] = labs[best]
        chosen.append(label(settings[best]))
    return out, chosen, label(settings[choose(h.sources)])


def nested_core_flux_ratio(h, ratios=CORE_FLUX_RATIOS) -> tuple[dict, list]:
    """Rules with the triple core-flux ratio chosen on the k-1 training strips of each fold
    (ties go to the ratio nearest the published 1), applied to the held-out strip. Returns
    labels per fold and the choices."""
    out, chosen, _ = _nested_rules_choice(h, "core_flux_ratio", ratios, lambda r: -abs(np.log(r)))
    return out, chosen


def nested_rules_extensions(
    h, fractions=BRIGHT_CORE_FRACTIONS, factors=ALIGNED_FACTORS
) -> tuple[dict, list, dict]:
    """Rules with the two deployed extensions, the bright-core triple
    (:data:`ml.association.rules.BRIGHT_CORE_MIDPOINT_FRACTION`) and aligned doubles
    (:data:`ml.association.rules.ALIGNED_THETA_FACTOR`), their settings chosen jointly on the k-1
    training strips of each fold (ties go to the smaller factor, then the smaller fraction:
    the published rule first), applied to the held-out strip. Returns labels per fold, the
    choices (dicts) and the choice on all held-out sources."""
    settings = [
        {"aligned_theta_factor": a, "bright_core_fraction": f} for a in factors for f in fractions
    ]
    return _nested_choice(h, settings)


def nested_close_pairs(
    h, fractions=BRIGHT_CORE_FRACTIONS, factors=ALIGNED_FACTORS, close=CLOSE_PAIRS
) -> tuple[dict, list, dict]:
    """The two extensions plus the opt-in close pairs
    (:data:`ml.association.rules.CLOSE_THETA_FRACTION` / ``CLOSE_MAX_FLUX_RATIO``), all four
    settings chosen jointly on the k-1 training strips of each fold (ties as
    :func:`nested_rules_extensions`, then close pairs off, then the smaller fraction and cap)."""
    settings = [
        {
            "aligned_theta_factor": a,
            "bright_core_fraction": f,
            "close_theta_fraction": c,
            "close_max_flux_ratio": r,
        }
        for a in factors
        for f in fractions
        for c, r in close
    ]
    return _nested_choice(h, settings)


def nested_symmetric_triples(
    h, ratios=SYMMETRIC_LOBE_RATIOS, fractions=BRIGHT_CORE_FRACTIONS, factors=ALIGNED_FACTORS
) -> tuple[dict, list, dict]:
    """The extended rules plus the symmetric-triple test
    (:data:`ml.association.rules.SYMMETRIC_LOBE_RATIO`: arm-length ratio and bend angle of the
    core + two lobes instead of the pair flux-ratio cap), its lobe-ratio cap chosen jointly
    with the two extension settings on the k-1 training strips of each fold (ties: off
    first, then as :func:`nested_rules_extensions`)."""
    settings = [
        {"symmetric_lobe_ratio": r, "aligned_theta_factor": a, "bright_core_fraction": f}
        for r in ratios
        for a in factors
        for f in fractions
    ]
    return _nested_choice(h, settings)


def simulated_vlass_check(
    configs: dict | None = None, n_fields: int = SIM_VLASS_FIELDS, seed0: int = 20_000
) -> dict:
    """Grouping of each simulated field's catalogued component (ml.sim, VLASS beam and noise:
    the survey the pipeline runs on) vs its true parent source, per associator.

    ``configs`` maps a row name to ``(params, with_shapes)``; the default rows are the rules
    and the shipped edge model with and without the shape columns. The edge model never saw
    these fields (its training is real ATLAS data), so this is a transfer check: Norris
    Table 4 has a ~10" beam, VLASS 2.5".
    """
    if configs is None:
        edges = default_edge_params()
        configs = {
            "rules": (None, False),
            "edges_four_columns": (edges, False),
            "edges_with_shapes": (edges, True),
        }
    rows = {k: [0, 0, 0, 0] for k in configs}
    for s in range(seed0, seed0 + n_fields):
        col, fluxes, shapes, target, truth = simulated_vlass_field(s)
        for name, (params, with_shapes) in configs.items():
            kw = shapes if with_shapes else {}
            sky = ComponentSky(col["ra"], col["dec"], *fluxes, params, **kw)
            got = set(associate(sky, col["ra"][target], col["dec"][target]).members)
            r = rows[name]
            k = 0 if len(truth) > 1 else 2
            r[k] += got == truth
            r[k + 1] += 1
    return {
        name: {
            "multi_exact": f"{r[0]}/{r[1]}",
            "single_exact": f"{r[2]}/{r[3]}",
            "single_exact_frac": round(r[2] / max(r[3], 1), 4),
        }
        for name, r in rows.items()
    }


def norris71_correct(root: Path, params) -> int:
    """Norris-71 fields whose nearest candidate to the associated core is the expert host
    (the harness's ``assoc_centroid`` rule, :mod:`ml.evaluation.norris71`)."""
    from ml.data.norris71 import load_norris71
    from ml.evaluation.norris71.rows import AssociationMethod

    data = load_norris71(root)
    m = AssociationMethod(data, params)
    return sum(m(f).best == f.host_index for f in data.fields)


def simulated_vlass_field(seed: int, field=None):
    """One ml.sim VLASS field as the association checks read it: float columns, the (total,
    peak) fluxes floored at 1 uJy, the shape keywords of ComponentSky, the catalogued
    target's index and its true group (the components of its parent source). ``field``: the
    already simulated ``SimField`` of this seed, if the caller has it."""
    from ml.sim.field import simulate_field

    c = (field if field is not None else simulate_field(seed=seed)).components
    col = {k: np.asarray(c[k], float) for k in c.colnames if c[k].dtype.kind == "f"}
    src = np.asarray(c["source_id"])
    target = int(np.flatnonzero(np.asarray(c["is_target"]))[0])
    truth = set(np.flatnonzero(src == src[target]).tolist())
    shapes = {
        "major_arcsec": col["dc_maj_arcsec"],
        "minor_arcsec": col["dc_min_arcsec"],
        "pa_deg": col["dc_pa_deg"],
        "rms_mjy": col["isl_rms_mjy_beam"],
    }
    fluxes = (
        np.maximum(col["total_flux_mjy"], 1e-3),
        np.maximum(col["peak_flux_mjy_beam"], 1e-3),
    )
    return col, fluxes, shapes, target, truth
