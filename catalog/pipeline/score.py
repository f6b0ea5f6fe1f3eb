"""Association + core + scoring over a whole tile in numpy (no Django, no per-component SkyCoord).

The science is the deployed catalogue-level method, reused, not re-implemented:
:class:`ml.association.rules.ComponentSky` / :func:`ml.association.associate.associate` group the radio
components and locate the core, :func:`ml.host.positional.positional_likelihood` turns the
core-candidate separations into likelihoods, and :func:`ml.host.decision.decide_many`
applies the seed §4.2 rule (rank, positive, prime) to every field at once.

What is new is only the batching: one ``ComponentSky`` per association sub-tile (see
:mod:`catalog.pipeline.tiling`) instead of one per component, and all separations and
likelihoods of a tile in a few array operations.

Exactness at tile edges: a component's group is the transitive closure of pair links, so a
sky cut at a disc could miss a member outside it.
:func:`ml.association.params.reach_arcsec` bounds how far any component can link (Magliocchetti double scale with the largest partner the flux-ratio
limit allows; the triple criterion's lobe separation), so a group is provably the one the
whole sky gives when every member lies at least its reach inside the disc; otherwise
:func:`locate_cores` reports the radius the disc needs and the caller re-reads it wider.
The learned edge model (``associator: edges``) has its own bound,
:func:`ml.association.edges.edge_reach_arcsec`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.association.associate import associate_many
from ml.association.edges import EdgeParams, edge_reach_arcsec
from ml.association.params import AssociationParams, reach_arcsec
from ml.association.refit import Method
from ml.association.rules import ComponentSky
from ml.host.decision import decide_many
from ml.host.likelihood_ratio import (
    LRModel,
    core_sigma_arcsec,
    field_reliability,
    source_extent_arcsec,
)
from ml.host.likelihood_ratio import local_density_arcsec2 as local_density
from ml.host.positional import positional_likelihood
from ml.sky import angle_arcsec, unit_vectors

#: A component without a usable flux is weighed as if at this flux (mJy): about the VLASS QL
#: detection limit (5σ of ~0.12-0.14 mJy/beam, Gordon et al. 2021). A fixed value, not a
#: neighbourhood median, so a component's weight never depends on where a tile was cut.
FLUX_FLOOR_MJY = 1.0


def clean_fluxes(total, peak) -> tuple[np.ndarray, np.ndarray]:
    """(integrated, peak) fluxes usable by ``ComponentSky`` (> 0): a missing integrated flux
    takes the peak, then the floor; a missing peak takes the integrated flux."""
    total = np.asarray(total, dtype=float)
    peak = np.asarray(peak, dtype=float)
    ok_t = np.isfinite(total) & (total > 0)
    ok_p = np.isfinite(peak) & (peak > 0)
    flux = np.where(ok_t, total, np.where(ok_p, peak, FLUX_FLOOR_MJY))
    return flux, np.where(ok_p, peak, flux)


SHAPES = ("major", "minor", "pa", "rms")
#: ComponentSky's optional shape keywords, per Sky column (read only by the edge model)
SHAPE_KEYWORDS = {
    "major": "major_arcsec",
    "minor": "minor_arcsec",
    "pa": "pa_deg",
    "rms": "rms_mjy",
}


@dataclass
class Sky:
    """Radio components (sorted by id): the sky a tile reads. The shape columns
    (:data:`SHAPES`; NaN = not measured, the default) feed the edge model."""

    ids: np.ndarray
    ra: np.ndarray
    dec: np.ndarray
    flux: np.ndarray
    peak: np.ndarray
    major: np.ndarray | None = None
    minor: np.ndarray | None = None
    pa: np.ndarray | None = None
    rms: np.ndarray | None = None

    def __post_init__(self):
        order = np.argsort(self.ids, kind="stable")
        for f in SHAPES:
            if getattr(self, f) is None:
                setattr(self, f, np.full(np.shape(self.ids), np.nan))
        for f in ("ids", "ra", "dec", "flux", "peak", *SHAPES):
            setattr(self, f, np.asarray(getattr(self, f))[order])
        self.xyz = unit_vectors(self.ra, self.dec)

    def __len__(self) -> int:
        return int(self.ids.size)

    @classmethod
    def from_rows(cls, ids, ra, dec, total, peak, major=None, minor=None, pa=None, rms=None) -> Sky:
        flux, pk = clean_fluxes(total, peak)
        shapes = {
            f: None if v is None else np.asarray(v, float)
            for f, v in zip(SHAPES, (major, minor, pa, rms), strict=True)
        }
        return cls(
            np.asarray(ids, np.int64),
            np.asarray(ra, float),
            np.asarray(dec, float),
            flux,
            pk,
            **shapes,
        )

    def merged(self, other: Sky) -> Sky:
        ids, first = np.unique(np.concatenate([self.ids, other.ids]), return_index=True)
        cat = {
            f: np.concatenate([getattr(self, f), getattr(other, f)])[first]
            for f in ("ra", "dec", "flux", "peak", *SHAPES)
        }
        return Sky(ids, **cat)


@dataclass
class Cores:
    """Per target component: located core (deg), multi-component or not; ``extent_arcsec``
    (a single's deconvolved major axis, a multi's largest angular size) and the target's
    catalogued ``E_RA``/``E_DEC`` (arcsec) for the core's σ (:func:`core_sigma`)."""

    ra: np.ndarray
    dec: np.ndarray
    is_multi: np.ndarray
    extent_arcsec: np.ndarray | None = None
    e_ra_arcsec: np.ndarray | None = None
    e_dec_arcsec: np.ndarray | None = None


def locate_cores(
    sky: Sky,
    targets: np.ndarray,
    params: AssociationParams | EdgeParams,
    *,
    centre: np.ndarray | None = None,
    radius_arcsec: float = np.inf,
) -> tuple[Cores, np.ndarray]:
    """Associate each target (indices into ``sky``) within the disc (centre, radius) of ``sky``.

    Returns the cores and, per target, the disc radius its group needs to be exact
    (``need > radius_arcsec`` means: re-read a wider disc). Without a centre the whole
    ``sky`` is one ComponentSky (the untiled reference) and ``need`` is 0.
    """
    targets = np.asarray(targets, dtype=np.int64)
    if targets.size == 0:
        e = np.empty(0)
        return Cores(e, e.copy(), np.zeros(0, dtype=bool), e.copy()), e.copy()
    if centre is None:
        sel = np.arange(len(sky))
        d_centre = np.zeros(len(sky))
    else:
        d_all = angle_arcsec(sky.xyz, centre[None, :])
        sel = np.flatnonzero(d_all <= radius_arcsec)
        d_centre = d_all[sel]
    shapes = {kw: getattr(sky, f)[sel] for f, kw in SHAPE_KEYWORDS.items()}
    cs = ComponentSky(sky.ra[sel], sky.dec[sel], sky.flux[sel], sky.peak[sel], params, **shapes)
    if centre is None:
        reach = np.zeros(sel.size)
    elif isinstance(params, EdgeParams):
        reach = np.full(sel.size, edge_reach_arcsec(params))
    else:
        reach = reach_arcsec(cs.flux, params)
    local = np.searchsorted(sel, targets)
    if np.any(local >= sel.size) or np.any(sel[np.minimum(local, sel.size - 1)] != targets):
        raise ValueError("locate_cores: a target lies outside its association disc")
    # every target at once (associate_many == associate per target, tests/ml)
    a = associate_many(cs, sky.ra[targets], sky.dec[targets])
    group_need = np.full(int(cs.labels.max()) + 1, -np.inf)
    np.maximum.at(group_need, cs.labels, d_centre + reach)
    # the core σ's size term: a single's deconvolved major axis, a multi's largest angular size
    major = sky.major[targets] if sky.major is not None else np.full(targets.size, np.nan)
    extent = np.asarray(major, float).copy()
    order = np.argsort(cs.labels, kind="stable")
    bounds = np.searchsorted(cs.labels[order], np.arange(group_need.size + 1))
    for k in np.flatnonzero(a.is_multi):
        g = int(a.label[k])
        extent[k] = source_extent_arcsec(sky.xyz[sel[order[bounds[g] : bounds[g + 1]]]], np.nan)
    return Cores(a.core_ra, a.core_dec, a.is_multi, extent), group_need[a.label]


def score_candidates(
    cand_target: np.ndarray, cand_ra: np.ndarray, cand_dec: np.ndarray, cores: Cores, method: Method
) -> np.ndarray:
    """Positional likelihood of every candidate; ``cand_target`` = its target's index in ``cores``."""
    core_xyz = unit_vectors(cores.ra, cores.dec)
    sep = angle_arcsec(unit_vectors(cand_ra, cand_dec), core_xyz[cand_target])
    multi = cores.is_multi[cand_target]
    lik = np.empty(sep.size)
    for is_multi in (False, True):
        m = multi == is_multi
        if m.any():
            lik[m] = positional_likelihood(
                sep[m], multi_component=is_multi, sigma_arcsec=method.sigma(is_multi)
            )
    return lik


def core_sigma(cores: Cores, method: Method) -> np.ndarray:
    """Per field: the core's 1σ (arcsec) from the catalogue (:func:`core_sigma_arcsec`:
    E_RA/E_DEC and the component's size in quadrature with the method's systematic scales)."""
    return core_sigma_arcsec(
        cores.e_ra_arcsec,
        cores.e_dec_arcsec,
        multi_component=cores.is_multi,
        sigma_single_arcsec=method.sigma(False),
        sigma_multi_arcsec=method.sigma(True),
        extent_arcsec=cores.extent_arcsec,
    )


def lr_fields(cand_target, cand_ra, cand_dec, cores: Cores, method: Method):
    """What the likelihood ratio reads (and :func:`ml.host.lr_fit.fit_lr` fits on):
    ``(sep_arcsec, starts, sigma_arcsec)``, candidates grouped by ``cand_target``."""
    cand_target = np.asarray(cand_target)
    starts = np.flatnonzero(np.r_[True, np.diff(cand_target) != 0])
    core_xyz = unit_vectors(cores.ra, cores.dec)
    sep = angle_arcsec(unit_vectors(cand_ra, cand_dec), core_xyz[cand_target])
    return sep, starts, core_sigma(cores, method)[cand_target[starts]]


def lr_reliability(
    cand_target: np.ndarray,
    cand_ra: np.ndarray,
    cand_dec: np.ndarray,
    cores: Cores,
    method: Method,
    lr: LRModel | None = None,
    mag: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Likelihood-ratio reliability and ``p_no_host`` (both per candidate) over every candidate
    of each field (:mod:`ml.host.likelihood_ratio`), before any truncation of the list.

    ``f(r)``: the core's σ from the catalogue (:func:`core_sigma`). ``mag``: the candidates'
    magnitudes in ``lr.band`` (NaN = none); with them and a fitted ``n(m)`` the LR is
    ``q(m) f(r) / n(m)``; without either, ``q/n`` is flat and ``n`` each field's own density
    of candidates far from its core. ``Q0`` is ``lr``'s (the epoch's fit,
    :mod:`catalog.pipeline.lr_epoch`; :data:`ml.host.likelihood_ratio.DEFAULT_Q0` without one).
    Candidates must be grouped by ``cand_target`` (ascending).
    """
    lr = lr or LRModel()
    cand_target = np.asarray(cand_target)
    if cand_target.size == 0:
        return np.empty(0), np.empty(0)
    sep, starts, sigma_f = lr_fields(cand_target, cand_ra, cand_dec, cores, method)
    sizes = np.diff(np.append(starts, sep.size))
    sigma = np.repeat(sigma_f, sizes)
    if lr.n is not None and mag is not None:
        ratio = lr.likelihood_ratio(sep, sigma, mag)
    else:
        density = np.repeat(local_density(sep, starts), sizes)
        ratio = lr.likelihood_ratio(sep, sigma, density=density)
    rel, p_none = field_reliability(ratio, starts, lr.q0)
    return rel, np.repeat(p_none, sizes)


@dataclass
class Predictions:
    """One row per candidate, grouped by component (the HostPrediction columns).

    ``reliability`` / ``p_no_host``: None for a method that does not compute them (written
    as NULL)."""

    candidate_id: np.ndarray
    likelihood: np.ndarray
    rank: np.ndarray
    is_positive: np.ndarray
    is_prime: np.ndarray
    reliability: np.ndarray | None = None
    p_no_host: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.candidate_id.size)


def decide_fields(candidate_id, cand_target, lik, reliability=None) -> Predictions:
    """Seed §4.2 per field; candidates must be grouped by ``cand_target`` (ascending).
    ``reliability``: ``(reliability, p_no_host)`` per candidate (:func:`lr_reliability`)."""
    cand_target = np.asarray(cand_target)
    if cand_target.size == 0:
        e = np.empty(0)
        return Predictions(
            e.astype(np.int64), e, e.astype(np.int64), e.astype(bool), e.astype(bool)
        )
    if np.any(np.diff(cand_target) < 0):
        raise ValueError("decide_fields: candidates are not grouped by component")
    starts = np.flatnonzero(np.r_[True, np.diff(cand_target) != 0])
    rank, pos, prime = decide_many(lik, starts)
    rel, p_none = reliability if reliability is not None else (None, None)
    return Predictions(np.asarray(candidate_id, np.int64), lik, rank, pos, prime, rel, p_none)
