"""Scoring of one association row on the held-out Norris sources: exact grouping
per source and per fold, pairwise precision/recall, core-to-host distances, and the
cross-validated edge models whose groupings the rows score. Used by
:mod:`ml.evaluation.association`.
"""

from __future__ import annotations

import numpy as np

from ml.association.edges import candidate_pairs
from ml.association.learn import exact_counts, fit_edges
from ml.association.params import AssociationParams
from ml.evaluation.association.data import HeldOut
from ml.sky import separation_arcsec

#: core-to-host distance thresholds reported (arcsec)
RADII_ARCSEC = (2.0, 5.0, 10.0)


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
            dist = float(separation_arcsec(ra, dec, np.array([host[0]]), np.array([host[1]]))[0])
            d_all.append(dist)
            if comps.size > 1:
                d_multi.append(dist)
    d_rgz, rgz_counts = [], [0, 0, 0, 0]
    for r in rgz:
        labels = labels_for_fold(h.fold[r["comp"]])
        got = np.flatnonzero(labels == labels[r["comp"]]).tolist()
        k = 0 if len(r["group"]) > 1 else 2
        rgz_counts[k] += got == r["group"]
        rgz_counts[k + 1] += 1
        ra, dec = core_position(sky, labels_for_fold(h.fold[r["comp"]]), r["comp"], weighting)
        d_rgz.append(
            float(
                separation_arcsec(ra, dec, np.array([r["host_ra"]]), np.array([r["host_dec"]]))[0]
            )
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
        "rgz_grouping": {
            "multi_exact": f"{rgz_counts[0]}/{rgz_counts[1]}",
            "single_exact": f"{rgz_counts[2]}/{rgz_counts[3]}",
        },
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
