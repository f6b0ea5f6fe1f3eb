"""How far a radio-only pair rule could go on the held-out Norris sources, with hindsight:
an upper bound, not a result.

A *monotone* pair rule links a pair whenever it links a pair that is farther, or of more
unequal flux, or worse aligned: its link region is a down-set in the features (separation
over the Magliocchetti double scale, flux ratio, misalignment ...). To gain a true pair the
experts grouped, such a rule must also link every pair that is at least as "double-like" in
every feature, true or not. Added to a row's links, every subset of the pairs that row
misses is tried, and the best held-out multi count that keeps singles >= SINGLE_FLOOR is
reported per feature set.

The subsets are chosen ON the held-out sources themselves, so the figures bound what the
nested procedure could find with these features; they are never a held-out result, and they
say nothing about sources outside this sky. A bound below the goal would mean the features
cannot reach it; a bound above it means the features could, but the training strips hold
too few examples of each kind to find the rule without hindsight.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph

from ml.association.edges import candidate_pairs
from ml.association.learn import SINGLE_FLOOR, exact_counts
from ml.association.params import ALIGNED_MAX_AXIS_RATIO
from ml.association.rules import _pair_pa_deg
from ml.evaluation.association.data import HeldOut
from ml.sky import angle_arcsec

#: pairs farther apart than this are never linked by the bound's rules (arcsec)
MAX_SEP_ARCSEC = 150.0
#: the feature sets of the bound (each a down-set: smaller is more double-like)
FEATURE_SETS = {
    "separation_flux_ratio": ("sep_over_theta", "flux_ratio"),
    "separation_flux_ratio_alignment": ("sep_over_theta", "flux_ratio", "misalignment_deg"),
    "separation_flux_ratio_alignment_arcsec": (
        "sep_over_theta",
        "flux_ratio",
        "misalignment_deg",
        "sep_arcsec",
    ),
}
#: more missed pairs than this would make the subset search too long (2^n groupings)
MAX_MISSED = 14


def pair_table(sky, use: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
    """Candidate pairs (< MAX_SEP_ARCSEC) of components in ``use`` and their features, each
    oriented so that smaller is more double-like."""
    pairs = candidate_pairs(sky.xyz, MAX_SEP_ARCSEC)
    i, j = pairs[:, 0], pairs[:, 1]
    keep = use[i] & use[j]
    i, j = i[keep], j[keep]
    sep = angle_arcsec(sky.xyz[i], sky.xyz[j])
    f = sky.flux
    theta = 100.0 * np.sqrt((f[i] + f[j]) / 100.0)
    pair_pa = _pair_pa_deg(sky.ra[i], sky.dec[i], sky.ra[j], sky.dec[j])

    def misalignment(k):  # 90 deg where a component has no measured elongation
        ang = np.abs((sky.pa[k] - pair_pa + 90.0) % 180.0 - 90.0)
        with np.errstate(invalid="ignore"):
            ok = (sky.major[k] > 0) & (sky.minor[k] <= ALIGNED_MAX_AXIS_RATIO * sky.major[k])
        return np.where(ok & np.isfinite(ang), ang, 90.0)

    features = {
        "sep_over_theta": sep / theta,
        "flux_ratio": np.maximum(f[i], f[j]) / np.minimum(f[i], f[j]),
        "misalignment_deg": np.maximum(misalignment(i), misalignment(j)),
        "sep_arcsec": sep,
    }
    return i, j, features


def ceiling(h: HeldOut, sky, feature_sets: dict[str, tuple[str, ...]] = FEATURE_SETS) -> dict:
    """The hindsight bound of monotone pair rules added to ``sky``'s links, per feature set."""
    n = len(sky)
    base = sky.links.tocoo()
    labels0 = csgraph.connected_components(base, directed=False)[1]
    i, j, feats = pair_table(sky, h.in_heldout)
    same = h.source_of[i] == h.source_of[j]
    missed = np.flatnonzero(same & (labels0[i] != labels0[j]))
    if missed.size > MAX_MISSED:
        raise ValueError(f"{missed.size} missed pairs: more than MAX_MISSED={MAX_MISSED}")
    cid = [str(c.cid) for c in h.data.components]
    out = {
        "base": dict(
            zip(
                ("multi", "n_multi", "single", "n_single"),
                exact_counts(labels0, h.sources),
                strict=True,
            )
        ),
        "missed_pairs": [f"{cid[i[m]]}-{cid[j[m]]}" for m in missed],
    }
    for name, cols in feature_sets.items():
        x = np.stack([feats[c] for c in cols], axis=1)
        best = None
        for k in range(missed.size + 1):
            for subset in itertools.combinations(missed, k):
                add = (x[:, None, :] <= x[list(subset)][None, :, :]).all(axis=2).any(axis=1)
                rows = np.concatenate([base.row, i[add]])
                cols_ = np.concatenate([base.col, j[add]])
                m = sparse.coo_matrix((np.ones(rows.size), (rows, cols_)), shape=(n, n))
                lab = csgraph.connected_components(m, directed=False)[1]
                me, mt, se, st = exact_counts(lab, h.sources)
                if se / st >= SINGLE_FLOOR and (best is None or (me, se) > best[:2]):
                    best = (me, se, mt, st, [f"{cid[i[q]]}-{cid[j[q]]}" for q in subset])
        me, se, mt, st, chosen = best
        out[name] = {
            "features": list(cols),
            "multi_exact": f"{me}/{mt}",
            "single_exact": f"{se}/{st}",
            "pairs_gained_by_the_rule": chosen,
        }
    return out
