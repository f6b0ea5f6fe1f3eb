"""Model-free radio component association and core location from a component catalogue.

Given a radio sky as a list of Gaussian components (here Norris et al. 2006 Table 4: position,
integrated and peak flux, deconvolved size -- *not* its free-text comments, which record the
experts' own association) and the position of one radio component (the VLASS component of a
seed §4.2 test field), decide which catalogue components belong to the same radio source and
where its core (the host position) is. Table 6 (the expert grouping and host) is never read.

The association criteria are the classic catalogue-level ones for double radio sources:

* **doubles** (Magliocchetti et al. 1998, MNRAS 300, 257, §3 -- used for FIRST): two
  components are one source if their separation is below
  ``theta_max = 100" * sqrt(S_total / 100 mJy)`` and their flux ratio lies within
  ``[1/4, 4]``: lobes of one source have comparable fluxes, and brighter (hence more powerful)
  sources may be larger;
* **aligned doubles** (``aligned_theta_factor``, off in the published rules): two
  comparable-flux components, both resolved and elongated along the pair axis, link out to
  ``aligned_theta_factor * theta_max``;
* **close pairs** (opt-in; ``close_theta_fraction``, off in the published and the
  deployed rules): inside ``close_theta_fraction * theta_max`` the flux-ratio cap loosens to
  ``close_max_flux_ratio`` (a core with a one-sided jet or one faint lobe is not a
  comparable-flux pair);
* **triples** (core + two lobes, e.g. Norris 2006 §3.2 examples): a component lying within
  ``0.2 * d`` of the midpoint of a pair of comparable-flux components (``d`` < 120") and fainter
  than both is their core; this captures wide FR-IIs whose lobes alone fail the double
  criterion. With ``bright_core_fraction`` (off by default) a core of any flux
  within a tighter ``f * d`` of the midpoint is accepted too: a core brighter than its lobes.

The core position of a multi-component group is its peak-flux-weighted centroid: peak flux
favours compact components (cores, hot spots near the nucleus) over diffuse lobes. The weighting
(peak vs integrated vs peak^2) was chosen on the host-localisation error of Norris sources
*outside* the 71 test fields (``select_weighting``), never on the test fields; a single
component's position is the VLASS position itself.

The rules are one of two associators: :mod:`ml.association.edges` learns a
pairwise edge score from expert groupings (and reads these rule links as one feature); a
``ComponentSky`` built with its ``EdgeParams`` groups by that model instead. Which one runs is
the method config's ``associator`` (:class:`ml.association.refit.Method`). Links are computed on
k-d tree candidate pairs, so a sky of n components costs O(n log n), not O(n^2).

:func:`ml.association.associate.associate` applies a :class:`ComponentSky` to one radio
position; the criteria's parameters are :mod:`ml.association.params`.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from ml.association.params import (
    ALIGNED_MAX_ANGLE_DEG,
    ALIGNED_MAX_AXIS_RATIO,
    SYMMETRIC_MAX_ARM_RATIO,
    SYMMETRIC_MAX_BEND_DEG,
    AssociationParams,
)
from ml.sky import angle_arcsec, unit_vectors

#: k-d tree queries reach this much farther than a criterion, then the exact angle decides
_MARGIN = 1.001


def _chord(angle_arcsec) -> np.ndarray:
    """Unit-sphere chord length of an angle (arcsec): the k-d tree's metric."""
    return 2 * np.sin(np.radians(np.asarray(angle_arcsec, float) / 3600.0) / 2)


def _pair_pa_deg(ra_i, dec_i, ra_j, dec_j) -> np.ndarray:
    """Position angle (deg, E of N) of j seen from i (flat-sky: pairs are < 3' apart)."""
    dx = (ra_j - ra_i) * np.cos(np.radians(0.5 * (dec_i + dec_j)))
    return np.degrees(np.arctan2(dx, dec_j - dec_i))


def _optional(name: str, values, n: int) -> np.ndarray:
    """An optional per-component column as floats (all NaN when not given)."""
    if values is None:
        return np.full(n, np.nan)
    a = np.atleast_1d(np.asarray(values, dtype=float))
    if a.shape != (n,):
        raise ValueError(f"{name} has shape {a.shape}; all arrays need length {n}")
    return a


class ComponentSky:
    """A catalogue of radio components with the pair links of the association criteria.

    Parameters
    ----------
    ra_deg, dec_deg : array_like
        Component positions (deg).
    int_flux_mjy, peak_flux_mjy : array_like
        Integrated (mJy) and peak (mJy/beam) flux densities, > 0.
    params : AssociationParams or ml.association.edges.EdgeParams, optional
        The rules (default) or a learned edge model; a ModelVersion config chooses which
        (:class:`ml.association.refit.Method`).
    major_arcsec, minor_arcsec, pa_deg, rms_mjy : array_like, optional
        Deconvolved FWHM axes (arcsec; 0 = unresolved), major-axis position angle (deg E of N)
        and local rms (mJy/beam); NaN where not measured. Read by the edge model and by the
        rules' aligned-double criterion (``aligned_theta_factor`` > 1).

    Raises
    ------
    ValueError
        On mismatched lengths, non-finite values or non-positive fluxes.
    """

    def __init__(
        self,
        ra_deg,
        dec_deg,
        int_flux_mjy,
        peak_flux_mjy,
        params=None,
        *,
        major_arcsec=None,
        minor_arcsec=None,
        pa_deg=None,
        rms_mjy=None,
    ):
        arrays = [
            np.atleast_1d(np.asarray(a, dtype=float))
            for a in (ra_deg, dec_deg, int_flux_mjy, peak_flux_mjy)
        ]
        n = arrays[0].size
        for name, a in zip(
            ("ra_deg", "dec_deg", "int_flux_mjy", "peak_flux_mjy"), arrays, strict=True
        ):
            if a.ndim != 1 or a.size != n:
                raise ValueError(f"{name} has shape {a.shape}; all arrays need length {n}")
            if not np.all(np.isfinite(a)):
                raise ValueError(f"{name} contains NaN or inf")
        if n == 0:
            raise ValueError("the component sky is empty")
        self.ra, self.dec, self.flux, self.peak = arrays
        if np.any(self.flux <= 0) or np.any(self.peak <= 0):
            raise ValueError("int_flux_mjy and peak_flux_mjy must be > 0 mJy")
        # Optional shape columns (CIRADA DC_Maj/DC_Min/PA/Isl_rms); NaN = not measured.
        self.major, self.minor, self.pa, self.rms = (
            _optional(name, a, n)
            for name, a in (
                ("major_arcsec", major_arcsec),
                ("minor_arcsec", minor_arcsec),
                ("pa_deg", pa_deg),
                ("rms_mjy", rms_mjy),
            )
        )
        self.params = params or AssociationParams()
        self.xyz = unit_vectors(self.ra, self.dec)
        self._tree = None
        # The rule links are also an input of the learned edge model (its ``rules``).
        rules = self.params if isinstance(self.params, AssociationParams) else self.params.rules
        self.links = self._links(rules)
        self._labels = None
        if not isinstance(self.params, AssociationParams):
            # a learned edge model (ml.association.edges.EdgeParams): grouped once per sky
            self._labels = self.params.group_labels(self)

    def __len__(self) -> int:
        return self.ra.size

    def _links(self, p: AssociationParams) -> sparse.csr_matrix:
        """The rule links as a symmetric sparse boolean matrix.

        Only pairs that can pass a criterion are measured (a k-d tree query per component
        out to its largest possible reach), so a HEALPix tile of thousands of components
        costs O(n log n) instead of the O(n^2) separation matrix; the criteria themselves are
        evaluated exactly as before on those pairs.
        """
        n = len(self)
        # a double needs sep < theta(S_i + S_j) <= theta(2 max(S_i, S_j)): the pair lies in
        # the reach of its brighter member; a triple's lobes lie within triple_max_sep
        reach = np.maximum(
            p.aligned_theta_factor * p.theta_100mjy_arcsec * np.sqrt(2 * self.flux / 100.0),
            p.triple_max_sep_arcsec,
        )
        tree = self._tree = cKDTree(self.xyz)
        balls = tree.query_ball_point(self.xyz, _chord(reach * _MARGIN))
        i = np.repeat(np.arange(n), [len(b) for b in balls])
        j = np.concatenate([np.asarray(b, dtype=int) for b in balls]) if n else i
        keep = i != j  # a pair may sit in the reach of only one member: order, then dedupe
        i, j = np.minimum(i, j)[keep], np.maximum(i, j)[keep]
        pairs = np.unique(np.stack([i, j], axis=1), axis=0) if i.size else np.zeros((0, 2), int)
        i, j = pairs[:, 0], pairs[:, 1]
        sep = angle_arcsec(self.xyz[i], self.xyz[j])
        ratio = self.flux[i] / self.flux[j]
        comparable = (ratio <= p.max_flux_ratio) & (ratio >= 1.0 / p.max_flux_ratio)
        theta_max = p.theta_100mjy_arcsec * np.sqrt((self.flux[i] + self.flux[j]) / 100.0)
        double = (sep < theta_max) & comparable
        if p.aligned_theta_factor > 1:
            pair_pa = _pair_pa_deg(self.ra[i], self.dec[i], self.ra[j], self.dec[j])
            aligned = self._points_along(i, pair_pa) & self._points_along(j, pair_pa)
            double |= comparable & aligned & (sep < p.aligned_theta_factor * theta_max)
        if p.close_theta_fraction > 0:
            # a close pair may be a core and its one-sided jet / faint lobe: a looser cap
            close = (ratio <= p.close_max_flux_ratio) & (ratio >= 1.0 / p.close_max_flux_ratio)
            double |= close & (sep < p.close_theta_fraction * theta_max)
        rows, cols = [i[double]], [j[double]]
        # Triples: a faint component at the midpoint of a comparable-flux pair is their core;
        # with symmetric_lobe_ratio, also of a less comparable pair if the triple is symmetric.
        lobe_cap = max(p.max_flux_ratio, p.symmetric_lobe_ratio)
        lobes = (ratio <= lobe_cap) & (ratio >= 1.0 / lobe_cap)
        for a, b, d, comp in zip(
            *(x[lobes & (sep < p.triple_max_sep_arcsec)] for x in (i, j, sep, comparable)),
            strict=True,
        ):
            mid = self.xyz[a] + self.xyz[b]
            mid /= np.linalg.norm(mid)
            near = np.asarray(tree.query_ball_point(mid, _chord(p.midpoint_fraction * d * _MARGIN)))
            if near.size == 0:
                continue
            dk = angle_arcsec(self.xyz[near], mid[None, :])
            fainter = self.flux[near] < p.core_flux_ratio * min(self.flux[a], self.flux[b])
            # a core of any flux when it sits within bright_core_fraction d of the midpoint
            central = dk < p.bright_core_fraction * d
            core = (dk < p.midpoint_fraction * d) & (fainter | central)
            if not comp:
                core &= self._symmetric(a, b, near)
            ks = near[core]
            ks = ks[(ks != a) & (ks != b)]
            if ks.size:
                rows += [np.array([a]), np.full(ks.size, a), np.full(ks.size, b)]
                cols += [np.array([b]), ks, ks]
        r, c = np.concatenate(rows).astype(int), np.concatenate(cols).astype(int)
        m = sparse.coo_matrix((np.ones(r.size, bool), (r, c)), shape=(n, n)).tocsr()
        return (m + m.T).astype(bool)

    def _symmetric(self, a: int, b: int, ks: np.ndarray) -> np.ndarray:
        """Is each ``ks`` the core of a symmetric lobe pair (a, b): arm lengths within
        ``SYMMETRIC_MAX_ARM_RATIO`` and lobe-core-lobe bend within ``SYMMETRIC_MAX_BEND_DEG``?"""
        xk = self.xyz[ks]
        arm_a = angle_arcsec(xk, self.xyz[a][None, :])
        arm_b = angle_arcsec(xk, self.xyz[b][None, :])
        with np.errstate(divide="ignore", invalid="ignore"):
            arms = np.maximum(arm_a, arm_b) / np.minimum(arm_a, arm_b)
            # the angle at the core between its two arms (3-D chords: pairs are < 2')
            va, vb = self.xyz[a] - xk, self.xyz[b] - xk
            cos = np.sum(va * vb, axis=-1) / (
                np.linalg.norm(va, axis=-1) * np.linalg.norm(vb, axis=-1)
            )
            bend = 180.0 - np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
        return (arms <= SYMMETRIC_MAX_ARM_RATIO) & (bend <= SYMMETRIC_MAX_BEND_DEG)

    def _points_along(self, k: np.ndarray, pair_pa_deg: np.ndarray) -> np.ndarray:
        """Is component ``k`` resolved, elongated and its major axis within
        ``ALIGNED_MAX_ANGLE_DEG`` of the pair axis? False where a shape is not measured."""
        maj, mnr, pa = self.major[k], self.minor[k], self.pa[k]
        with np.errstate(invalid="ignore"):
            elongated = (maj > 0) & (mnr <= ALIGNED_MAX_AXIS_RATIO * maj)
            # axes are undirected: the angle between them is at most 90 deg
            along = np.abs(np.cos(np.radians(pa - pair_pa_deg))) >= np.cos(
                np.radians(ALIGNED_MAX_ANGLE_DEG)
            )
        return elongated & along & np.isfinite(pa)

    def nearest_many(self, ra_deg, dec_deg) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`nearest` for many positions in one k-d tree query (the same tie rule)."""
        v = unit_vectors(np.asarray(ra_deg, float), np.asarray(dec_deg, float)).reshape(-1, 3)
        if self._tree is None:
            self._tree = cKDTree(self.xyz)
        chord, idx = self._tree.query(v, k=min(2, len(self)))
        if idx.ndim == 1:
            i = idx.astype(np.int64)
        else:
            i = np.where(chord[:, 1] > chord[:, 0], idx[:, 0], idx.min(axis=1)).astype(np.int64)
        return i, angle_arcsec(self.xyz[i], v)

    def nearest(self, ra_deg: float, dec_deg: float) -> tuple[int, float]:
        """Index of and separation to (arcsec) the component nearest to a position."""
        v = unit_vectors(np.array(ra_deg), np.array(dec_deg))
        # k-d tree (built once per sky): associate() runs for every component of a tile
        if self._tree is None:
            self._tree = cKDTree(self.xyz)
        chord, idx = self._tree.query(v, k=min(2, len(self)))
        idx = np.atleast_1d(idx)
        chord = np.atleast_1d(chord)
        i = int(idx[0] if idx.size == 1 or chord[1] > chord[0] else min(idx))  # ties: lowest
        return i, float(angle_arcsec(self.xyz[i], v))

    @property
    def labels(self) -> np.ndarray:
        """Group label of every component (the transitive closure of the links, once per sky)."""
        if self._labels is None:
            self._labels = csgraph.connected_components(self.links, directed=False)[1]
        return self._labels

    def group(self, seed: int) -> np.ndarray:
        """Indices (ascending) of the components linked, transitively, to ``seed``."""
        if not 0 <= seed < len(self):
            raise ValueError(f"seed index {seed} out of range 0..{len(self) - 1}")
        labels = self.labels
        return np.flatnonzero(labels == labels[seed])

    def core(self, members: np.ndarray, weighting: str | None = None) -> tuple[float, float]:
        """Weighted centroid (deg) of ``members``: peak, integrated or peak^2 flux weights;
        ``compact``: peak weights times the peak/integrated ratio (favours an unresolved core
        over lobes of similar peak flux)."""
        w = {
            "peak": self.peak,
            "int": self.flux,
            "peak2": self.peak**2,
            "compact": self.peak**2 / self.flux,
        }[weighting or self.params.weighting]
        v = (self.xyz[members] * w[members, None]).sum(axis=0)
        v /= np.linalg.norm(v)
        return float(np.degrees(np.arctan2(v[1], v[0])) % 360.0), float(np.degrees(np.arcsin(v[2])))
