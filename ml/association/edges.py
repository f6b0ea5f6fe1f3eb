"""Pair features and the learned edge score of the component associator.

The rule-based associator of :mod:`ml.association` links two components when one hand-set
criterion fires (Magliocchetti et al. 1998 doubles; a midpoint core for triples). Here the same
catalogue facts, plus the component shapes the catalogue already measures, are turned into a
few features per candidate pair and combined by a logistic edge score fitted on expert
groupings (Norris et al. 2006 Table 6, only outside the Norris-71 test fields; see
:mod:`ml.evaluation.association`). Components are grouped by connected components of the
edges whose probability exceeds a threshold, as the transitive rule of the original method;
with ``absorb_cores`` a component at the midpoint of a linked lobe pair then joins it.

Why these features (each is a classic visual cue of the experts, e.g. Norris 2006 §3.2):

* separation on the scale of the Magliocchetti double criterion, ``sep / (100" sqrt(S/100 mJy))``:
  brighter sources can be larger;
* the flux ratio: lobes of one source have comparable fluxes;
* the fraction of the separation the two components cover (``(maj_i + maj_j) / 2 / sep``):
  extended lobes touching each other are one source, compact neighbours far apart are not;
* alignment of each component's major axis with the pair vector (elongated lobes point to
  each other or to the core), weighted by their ellipticity;
* the midpoint rule: a third component close to the pair's midpoint (a core);
* compactness (integrated / peak flux) and S/N of the fainter member: noise spikes and
  unresolved star-forming galaxies rarely belong to a multi-component AGN (compactness depends
  on the beam, so the shipped model gives it no weight:
  ``ml.association.learn.SURVEY_DEPENDENT_FEATURES``);
* whether the published rules of :mod:`ml.association` link the pair (a double, or a lobe
  pair / lobe-core pair of a midpoint triple): the model learns when to trust them.

A logistic model (coefficients in the method config, JSON) keeps the pipeline pure numpy and
a ModelVersion self-describing: no pickled estimator is needed at inference time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.spatial import cKDTree

from ml.association.params import CORE_WEIGHTINGS, AssociationParams

#: Pairs farther apart than this are never linked (arcsec): the widest Norris 2006 Table 6
#: source outside the test fields spans 105" between its outer components.
MAX_PAIR_SEPARATION_ARCSEC = 150.0
#: A third component counts as a midpoint core within this fraction of the pair separation.
MIDPOINT_SEARCH_FRACTION = 0.35

FEATURE_NAMES = (
    "log_sep_over_theta",
    "log_sep_arcsec",
    "abs_log_flux_ratio",
    "log_total_flux",
    "size_cover",
    "align_max",
    "align_min",
    "midpoint_core",
    "log_compact_max",
    "log_snr_min",
    "rule_link",
)


def _unit(ra_deg, dec_deg) -> np.ndarray:
    ra, dec = np.radians(ra_deg), np.radians(dec_deg)
    return np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)


def candidate_pairs(xyz: np.ndarray, max_sep_arcsec: float = MAX_PAIR_SEPARATION_ARCSEC):
    """All index pairs ``i < j`` closer than ``max_sep_arcsec`` (a k-d tree on unit vectors,
    so a HEALPix tile of thousands of components costs O(n log n), not O(n^2))."""
    chord = 2 * np.sin(np.radians(max_sep_arcsec / 3600.0) / 2)
    pairs = cKDTree(xyz).query_pairs(chord, output_type="ndarray")
    if pairs.size == 0:
        return np.zeros((0, 2), dtype=int)
    return np.sort(pairs, axis=1)


def _pair_pa_deg(ra_i, dec_i, ra_j, dec_j) -> np.ndarray:
    """Position angle (deg, E of N) of j seen from i (flat-sky: pairs are < 3')."""
    dx = (ra_j - ra_i) * np.cos(np.radians(0.5 * (dec_i + dec_j)))
    dy = dec_j - dec_i
    return np.degrees(np.arctan2(dx, dy))


def pair_features(sky, pairs: np.ndarray) -> np.ndarray:
    """Feature matrix (n_pairs x len(FEATURE_NAMES)) of ``pairs`` on a ComponentSky.

    Shape inputs missing from the sky (no major axis, PA or rms given) give NaN features;
    :func:`edge_probability` sets them to the training mean (a neutral value), so the score
    stays defined for the four-column catalogue of the original interface.
    """
    i, j = pairs[:, 0], pairs[:, 1]
    xi, xj = sky.xyz[i], sky.xyz[j]
    cross = np.linalg.norm(np.cross(xi, xj), axis=-1)
    sep = np.degrees(np.arctan2(cross, np.sum(xi * xj, axis=-1))) * 3600.0
    sep = np.maximum(sep, 0.1)
    fi, fj = sky.flux[i], sky.flux[j]
    total = fi + fj
    theta = 100.0 * np.sqrt(total / 100.0)
    maj = sky.major
    cover = 0.5 * (maj[i] + maj[j]) / sep
    pa_pair = _pair_pa_deg(sky.ra[i], sky.dec[i], sky.ra[j], sky.dec[j])
    ell = np.where(
        maj > 0, 1.0 - np.divide(sky.minor, maj, out=np.ones_like(maj), where=maj > 0), 0
    )
    ell = np.where(np.isnan(maj) | np.isnan(sky.pa), np.nan, ell)
    ali = ell[i] * np.abs(np.cos(np.radians(sky.pa[i] - pa_pair)))
    alj = ell[j] * np.abs(np.cos(np.radians(sky.pa[j] - pa_pair)))
    # midpoint core: the nearest other component to the midpoint, in units of the separation,
    # turned into a bounded score (1 at the midpoint, 0 beyond MIDPOINT_SEARCH_FRACTION)
    mid = xi + xj
    mid /= np.linalg.norm(mid, axis=-1, keepdims=True)
    tree = cKDTree(sky.xyz)
    reach = 2 * np.sin(np.radians(MIDPOINT_SEARCH_FRACTION * sep / 3600.0) / 2)
    midscore = np.zeros(len(pairs))
    for p, nb in enumerate(tree.query_ball_point(mid, reach)):
        nb = [k for k in nb if k != i[p] and k != j[p]]
        if nb:
            d = np.linalg.norm(sky.xyz[nb] - mid[p], axis=-1)
            dk = np.degrees(2 * np.arcsin(np.minimum(d.min() / 2, 1.0))) * 3600.0
            midscore[p] = 1.0 - dk / (MIDPOINT_SEARCH_FRACTION * sep[p])
    compact = np.log10(np.maximum(sky.flux / sky.peak, 1e-3))
    snr = np.log10(np.maximum(sky.peak / sky.rms, 1e-3))
    return np.column_stack(
        [
            np.log10(sep / theta),
            np.log10(sep),
            np.abs(np.log10(fi / fj)),
            np.log10(total),
            np.log10(1e-2 + cover),
            np.maximum(ali, alj),
            np.minimum(ali, alj),
            midscore,
            np.maximum(compact[i], compact[j]),
            np.minimum(snr[i], snr[j]),
            np.asarray(sky.links[i, j]).ravel().astype(float),
        ]
    )


def edge_probability(features: np.ndarray, coef, intercept: float, mean, scale) -> np.ndarray:
    """Logistic edge probability from standardised features (the fitted model's arrays)."""
    z = (features - np.asarray(mean)) / np.asarray(scale)
    z = np.where(np.isfinite(z), z, 0.0)  # a missing input is the training mean
    return 1.0 / (1.0 + np.exp(-(z @ np.asarray(coef) + intercept)))


def connected_groups(n: int, pairs: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Group label per component: connected components of the kept edges (transitive rule)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    e = pairs[keep]
    g = coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n))
    return connected_components(g, directed=False)[1]


def absorb_midpoint_cores(sky, pairs: np.ndarray, keep: np.ndarray, rules: AssociationParams):
    """Group-level consistency after the pairwise decision: a component at the midpoint of a
    linked lobe pair (within ``rules.midpoint_fraction`` of its separation, the pair closer
    than ``rules.triple_max_sep_arcsec``) is their core, however its own edges scored. The
    pairwise model sees one pair at a time; a linked pair of lobes with an unlinked component
    between them is the configuration the experts resolve as core + lobes (Norris 2006 §3.2).

    Returns the pairs and kept mask with a (lobe, core) edge added per absorbed core.
    """
    e = pairs[keep]
    if len(e) == 0:
        return pairs, keep
    xi, xj = sky.xyz[e[:, 0]], sky.xyz[e[:, 1]]
    cross = np.linalg.norm(np.cross(xi, xj), axis=-1)
    sep = np.degrees(np.arctan2(cross, np.sum(xi * xj, axis=-1))) * 3600.0
    tree = cKDTree(sky.xyz)
    add = []
    for (a, b), d in zip(e, sep, strict=True):
        if d >= rules.triple_max_sep_arcsec:
            continue
        mid = sky.xyz[a] + sky.xyz[b]
        mid /= np.linalg.norm(mid)
        reach = 2 * np.sin(np.radians(rules.midpoint_fraction * d / 3600.0) / 2)
        add += [
            (min(a, k), max(a, k)) for k in tree.query_ball_point(mid, reach) if k not in (a, b)
        ]
    if not add:
        return pairs, keep
    return np.vstack([pairs, np.array(add)]), np.concatenate([keep, np.ones(len(add), bool)])


@dataclass(frozen=True)
class EdgeParams:
    """A fitted logistic edge model plus its grouping threshold and core weighting.

    ``coef``, ``mean`` and ``scale`` run over :data:`FEATURE_NAMES`; the defaults are the
    model fitted on every Norris 2006 Table 6 source outside the Norris-71 test fields
    (``python -m ml.evaluation.association``, key ``edge_model.fitted_on_all_heldout``), so a
    ModelVersion config that names ``"associator": "edges"`` is complete without a file.
    """

    coef: tuple[float, ...] = ()
    intercept: float = 0.0
    mean: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()
    threshold: float = 0.5
    weighting: str = "peak"
    max_sep_arcsec: float = MAX_PAIR_SEPARATION_ARCSEC
    rules: AssociationParams = AssociationParams()
    absorb_cores: bool = False

    def __post_init__(self):
        k = len(FEATURE_NAMES)
        for name in ("coef", "mean", "scale"):
            v = getattr(self, name)
            if len(v) != k:
                raise ValueError(
                    f"EdgeParams.{name} needs {k} values ({FEATURE_NAMES}), got {len(v)}"
                )
        if any(s <= 0 for s in self.scale):
            raise ValueError("EdgeParams.scale must be > 0")
        if not 0 < self.threshold < 1:
            raise ValueError(f"EdgeParams.threshold must be in (0, 1), got {self.threshold}")
        if self.weighting not in CORE_WEIGHTINGS:
            raise ValueError(
                f"weighting must be one of {sorted(CORE_WEIGHTINGS)}, got {self.weighting!r}"
            )

    def probabilities(self, sky) -> tuple[np.ndarray, np.ndarray]:
        """Candidate pairs of ``sky`` and their edge probabilities."""
        pairs = candidate_pairs(sky.xyz, self.max_sep_arcsec)
        if len(pairs) == 0:
            return pairs, np.zeros(0)
        x = pair_features(sky, pairs)
        return pairs, edge_probability(x, self.coef, self.intercept, self.mean, self.scale)

    def group_labels(self, sky) -> np.ndarray:
        pairs, p = self.probabilities(sky)
        keep = p > self.threshold
        if self.absorb_cores:
            pairs, keep = absorb_midpoint_cores(sky, pairs, keep, self.rules)
        return connected_groups(len(sky), pairs, keep)

    def to_dict(self) -> dict:
        return {
            "coef": list(self.coef),
            "intercept": self.intercept,
            "mean": list(self.mean),
            "scale": list(self.scale),
            "threshold": self.threshold,
            "weighting": self.weighting,
            "max_sep_arcsec": self.max_sep_arcsec,
            "rules": asdict(self.rules),
            "absorb_cores": self.absorb_cores,
            "features": list(FEATURE_NAMES),
        }

    @classmethod
    def from_dict(cls, d: dict) -> EdgeParams:
        d = dict(d)
        feats = d.pop("features", list(FEATURE_NAMES))
        if list(feats) != list(FEATURE_NAMES):
            raise ValueError(f"edge model features {feats} differ from this code's {FEATURE_NAMES}")
        rules = AssociationParams(**d.pop("rules", {}))
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}, rules=rules)


#: The edge model fitted on every held-out Norris 2006 source (real CDFS data, 543 sources outside
#: the Norris-71 test fields); reproduced by ``python -m ml.evaluation.association`` (key
#: ``edge_model.fitted_on_all_heldout`` of results/association_real.json).
DEFAULT_EDGE_MODEL = {
    "coef": (
        -1.351051,
        -0.915144,
        -1.068058,
        1.191381,
        -0.182956,
        0.166082,
        0.388205,
        0.620023,
        0.0,
        -0.407223,
        0.503459,
    ),
    "intercept": -3.991071,
    "mean": (
        0.718421,
        1.885567,
        0.490355,
        0.334292,
        -1.263152,
        0.316456,
        0.108047,
        0.072093,
        0.255965,
        1.010428,
        0.094286,
    ),
    "scale": (
        0.409404,
        0.289412,
        0.420417,
        0.48393,
        0.51904,
        0.2642,
        0.166046,
        0.202068,
        0.173338,
        0.275784,
        0.292226,
    ),
    "threshold": 0.7,
    "absorb_cores": True,
}


def default_edge_params() -> EdgeParams:
    """The shipped edge model (:data:`DEFAULT_EDGE_MODEL`)."""
    return EdgeParams(**DEFAULT_EDGE_MODEL)


def edge_reach_arcsec(params: EdgeParams) -> float:
    """Radius (arcsec) around a group member that holds every component its edges depend on,
    for the learned edge model (:mod:`ml.association.edges`); flux-independent.

    With ``S`` = ``max_sep_arcsec`` (pairs farther apart are never scored), ``T`` / ``f`` =
    the rules' ``triple_max_sep_arcsec`` / ``midpoint_fraction``:

    * a scored edge reaches its partner (< ``S``); its features read the pair, the components
      within ``MIDPOINT_SEARCH_FRACTION`` of ``sep`` from its midpoint (< ``0.85 S`` from the
      member) and the rule links of the pair, whose third component (a triple's core or
      other lobe) lies < ``T`` from either member;
    * with ``absorb_cores`` a core within ``f d`` of the midpoint of a kept lobe pair
      (``d`` < ``T``) is linked to a lobe < ``(0.5 + f) T`` away -- and whether that pair
      is kept depends on components < ``T`` from the lobe: ``(1.5 + f) T`` from the core.

    Every edge of every member is then computed as on the whole sky, so the group is the
    whole sky's (the argument of :func:`ml.association.params.reach_arcsec`). A hair of slack covers the chord vs
    angle rounding of the k-d tree queries.
    """
    s, rules = params.max_sep_arcsec, params.rules
    t, f = rules.triple_max_sep_arcsec, rules.midpoint_fraction
    reach = max(s, (0.5 + MIDPOINT_SEARCH_FRACTION) * s, t)
    if params.absorb_cores:
        reach = max(reach, (1.5 + f) * t)
    return reach * 1.001 + 1e-3
