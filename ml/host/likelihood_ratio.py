"""Likelihood-ratio host reliability with a "no counterpart" term (Sutherland & Saunders 1992).

For a candidate at offset ``r`` from the radio core with magnitude ``m``

    LR = q(m) f(r) / n(m)                                   (S&S 1992, eq. 5)

``f(r)`` is the positional error distribution, a circular 2-D Gaussian of the core's 1σ
uncertainty (per arcsec²); ``n(m)`` the surface density of unrelated objects of magnitude
``m`` (per arcsec², per bin); ``q(m)`` the magnitude distribution of true counterparts,
normalised to ``Q0``, the fraction of radio sources with a counterpart in the catalogue. A
field's reliability (LoTSS DR1, Williams et al. 2019 eq. 3; Fleuren et al. 2012 eq. 6) is

    R_i = LR_i / (Σ_j LR_j + (1 − Q0)),      p_no_host = (1 − Q0) / (Σ_j LR_j + (1 − Q0))

so ``Σ_i R_i + p_no_host = 1``: a field of implausible candidates is "no host" rather than its
best candidate at ~1 (what :func:`ml.host.decision.field_posterior` gives).

Magnitudes are binned; objects without a magnitude in the model's band fall in one extra bin
(the last), with its own ``q`` and ``n``. A model fitted on rows without magnitudes (the
Norris-71 PS1 rows carry positions only) therefore has all its weight there: ``q/n`` flat and
the LR a test of ``f(r)`` and ``Q0`` alone. Fitting lives in :mod:`ml.host.lr_fit`.
Pure numpy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ml.host.positional import SIGMA_MULTI_ARCSEC, SIGMA_SINGLE_ARCSEC

__all__ = [
    "BANDS",
    "DEFAULT_Q0",
    "Q0_MAX",
    "LRModel",
    "core_sigma_arcsec",
    "field_reliability",
    "gaussian_fr",
    "is_no_host",
    "local_density_arcsec2",
]

#: bands a model may use: PS1 r or i (AB), AllWISE W1 (Vega) where only AllWISE matched
BANDS = ("r", "i", "w1")
#: Q0 used until one is fitted on the epoch's data (:func:`ml.host.lr_fit.fit_lr`); below 1
#: so that the no-counterpart hypothesis exists at all
DEFAULT_Q0 = 0.9
#: Q0 is clipped to (0, Q0_MAX]: an estimate of exactly 1 (every radio source has a
#: catalogued counterpart; the simulator's hosts are always listed) would remove the
#: no-counterpart term and turn R back into a field-normalised posterior
Q0_MAX = 0.99
#: background annulus around the core (arcsec) for :func:`local_density_arcsec2`: beyond any
#: plausible host offset (≤ 5 × SIGMA_MULTI_ARCSEC) and inside the seed's 3.6′ box for a core
#: up to 48″ from its component
ANNULUS_ARCSEC = (20.0, 60.0)


def gaussian_fr(sep_arcsec, sigma_arcsec) -> np.ndarray:
    """``f(r)``: circular 2-D Gaussian density (per arcsec²) at offset ``sep_arcsec``.

    ``exp(-r²/2σ²) / (2πσ²)`` (S&S 1992 eq. 3 with equal axes); ``sigma_arcsec`` broadcasts.
    """
    r = np.asarray(sep_arcsec, float)
    s = np.asarray(sigma_arcsec, float)
    if np.any(~np.isfinite(r)) or np.any(r < 0):
        raise ValueError("sep_arcsec must be finite and >= 0 arcsec")
    if np.any(~(s > 0)):
        raise ValueError("sigma_arcsec must be > 0 arcsec")
    return np.exp(-0.5 * (r / s) ** 2) / (2 * np.pi * s**2)


def core_sigma_arcsec(
    e_ra_arcsec=None,
    e_dec_arcsec=None,
    *,
    multi_component,
    sigma_single_arcsec: float = SIGMA_SINGLE_ARCSEC,
    sigma_multi_arcsec: float = SIGMA_MULTI_ARCSEC,
) -> np.ndarray:
    """1σ (arcsec) of the core position, per field.

    A single component: its fitted errors ``E_RA``/``E_DEC`` (mean of the two variances) in
    quadrature with the systematic ``sigma_single_arcsec`` (the VLASS QL astrometric floor,
    :data:`ml.host.positional.SIGMA_SINGLE_ARCSEC`); a missing error leaves the systematic
    term alone. A multi-component core: ``sigma_multi_arcsec`` (the association centroid's own
    uncertainty dominates any component's fitted error).
    """
    multi = np.atleast_1d(np.asarray(multi_component, bool))
    n = multi.size

    def _err(e):
        if e is None:
            return np.zeros(n)
        a = np.broadcast_to(np.asarray(e, float), (n,)).copy()
        a[~np.isfinite(a) | (a < 0)] = 0.0
        return a

    var = 0.5 * (_err(e_ra_arcsec) ** 2 + _err(e_dec_arcsec) ** 2)
    single = np.sqrt(sigma_single_arcsec**2 + var)
    return np.where(multi, sigma_multi_arcsec, single)


def local_density_arcsec2(sep_arcsec, starts, *, annulus_arcsec=ANNULUS_ARCSEC) -> np.ndarray:
    """Per field: the surface density (per arcsec²) of candidates in an annulus around the
    core, far from any plausible host, as that field's background ``n`` when no magnitude
    model is fitted. A field with none there counts half an object (the density is then an
    upper-limit-like floor, never 0, which would make every LR infinite)."""
    sep = np.asarray(sep_arcsec, float)
    starts = np.asarray(starts, np.int64)
    r_in, r_out = annulus_arcsec
    inside = ((sep >= r_in) & (sep < r_out)).astype(float)
    count = np.add.reduceat(inside, starts) if sep.size else np.zeros(0)
    return np.maximum(count, 0.5) / (np.pi * (r_out**2 - r_in**2))


@dataclass(frozen=True)
class LRModel:
    """A fitted (or default) q(m), n(m), Q0 and band: JSON-serialisable via :meth:`to_dict`.

    ``edges``: magnitude bin edges (ascending, K+1 values; may be empty); ``q`` and ``n`` have
    K+1 entries: the K bins, then the "no magnitude in this band" bin. ``q`` sums to ``q0``
    (per radio source); ``n`` is per arcsec². Objects outside the edges go to the nearest bin.
    ``n`` may be None: then the background is each field's local density
    (:func:`local_density_arcsec2`) and q/n flat.
    """

    q0: float = DEFAULT_Q0
    band: str | None = None
    edges: tuple[float, ...] = ()
    q: tuple[float, ...] = (1.0,)
    n: tuple[float, ...] | None = None
    n_fields: int = 0

    def __post_init__(self):
        if not 0 < self.q0 <= 1:
            raise ValueError(f"q0 must lie in (0, 1], got {self.q0}")
        if self.band is not None and self.band not in BANDS:
            raise ValueError(f"band must be one of {BANDS} or None, got {self.band!r}")
        k = max(len(self.edges) - 1, 0) + 1
        if len(self.edges) == 1 or np.any(np.diff(self.edges) <= 0):
            raise ValueError("edges must be empty or at least 2 strictly ascending values")
        if len(self.q) != k:
            raise ValueError(f"q has {len(self.q)} entries, expected {k} (bins + no-magnitude)")
        if np.any(~np.isfinite(self.q)) or np.any(np.asarray(self.q) < 0):
            raise ValueError("q must be finite and >= 0")
        if self.n is not None:
            if len(self.n) != k:
                raise ValueError(f"n has {len(self.n)} entries, expected {k}")
            if np.any(~(np.asarray(self.n) > 0)):
                raise ValueError("n must be > 0 per arcsec² in every bin")

    @property
    def q_shape(self) -> np.ndarray:
        """``q(m)`` divided by ``Q0``: the counterparts' magnitude distribution."""
        q = np.asarray(self.q, float)
        s = q.sum()
        return q / s if s > 0 else np.full(q.size, 1.0 / q.size)

    def bin_of(self, mag) -> np.ndarray:
        """Bin index of each magnitude (NaN → the last, "no magnitude" bin)."""
        m = np.asarray(mag, float)
        k = len(self.edges) - 1
        if k <= 0:
            return np.zeros(m.shape, np.int64)
        b = np.clip(np.searchsorted(self.edges, m, side="right") - 1, 0, k - 1)
        return np.where(np.isfinite(m), b, k).astype(np.int64)

    def likelihood_ratio(self, sep_arcsec, sigma_arcsec, mag=None, density=None) -> np.ndarray:
        """``LR = q(m) f(r) / n(m)`` per candidate (dimensionless).

        ``mag``: the candidates' magnitudes in :attr:`band` (NaN: the "no magnitude" bin).
        ``density``: per-candidate background density (per arcsec²), required when ``mag``
        is None or the model has no ``n``: then ``q/n`` is flat, ``LR = Q0 f(r) / density``.
        """
        sep = np.asarray(sep_arcsec, float)
        fr = gaussian_fr(sep, sigma_arcsec)
        if self.n is None or mag is None:
            # no magnitudes to bin (or no fitted n(m)): q/n flat, n the local density
            if density is None:
                raise ValueError("without magnitudes or n(m), LR needs the background density")
            return self.q0 * fr / np.asarray(density, float)
        b = self.bin_of(mag)
        qn = self.q0 * self.q_shape / np.asarray(self.n, float)
        return qn[b] * fr

    def to_dict(self) -> dict:
        d = asdict(self)
        d["edges"] = list(self.edges)
        d["q"] = list(self.q)
        d["n"] = None if self.n is None else list(self.n)
        return d

    @classmethod
    def from_dict(cls, d: dict | None) -> LRModel:
        """Inverse of :meth:`to_dict`; None or {} gives the default flat model."""
        if not d:
            return cls()
        return cls(
            q0=float(d.get("q0", DEFAULT_Q0)),
            band=d.get("band"),
            edges=tuple(float(x) for x in d.get("edges", ())),
            q=tuple(float(x) for x in d.get("q", (1.0,))),
            n=None if d.get("n") is None else tuple(float(x) for x in d["n"]),
            n_fields=int(d.get("n_fields", 0)),
        )


def field_reliability(lr, starts, q0: float) -> tuple[np.ndarray, np.ndarray]:
    """Reliability of every candidate and ``p_no_host`` of every field.

    Parameters
    ----------
    lr : ndarray (M,)
        Likelihood ratios of all candidates, field after field (>= 0, finite).
    starts : ndarray (F,) of int
        Where each field begins in ``lr`` (ascending from 0, no empty field).
    q0 : float
        Fraction of radio sources with a counterpart, in (0, 1].

    Returns
    -------
    reliability : ndarray (M,)
        ``LR_i / (Σ_j LR_j + 1 − Q0)`` (Williams et al. 2019 eq. 3).
    p_no_host : ndarray (F,)
        ``(1 − Q0) / (Σ_j LR_j + 1 − Q0)``. A field whose LRs all vanish with Q0 = 1 has no
        defined answer; it is given ``p_no_host = 1`` (no candidate is plausible).
    """
    lr = np.asarray(lr, float)
    starts = np.asarray(starts, np.int64)
    if lr.ndim != 1 or np.any(~np.isfinite(lr)) or np.any(lr < 0):
        raise ValueError("lr must be a 1-D array of finite values >= 0")
    if not 0 < q0 <= 1:
        raise ValueError(f"q0 must lie in (0, 1], got {q0}")
    if starts.size == 0:
        return np.zeros(0), np.zeros(0)
    if starts[0] != 0 or np.any(np.diff(starts) <= 0) or starts[-1] >= lr.size:
        raise ValueError("starts must begin at 0 and strictly increase (no empty field)")
    sizes = np.diff(np.append(starts, lr.size))
    denom = np.add.reduceat(lr, starts) + (1.0 - q0)
    empty = denom <= 0
    safe = np.where(empty, 1.0, denom)
    rel = np.where(np.repeat(empty, sizes), 0.0, lr / np.repeat(safe, sizes))
    p_none = np.where(empty, 1.0, (1.0 - q0) / safe)
    return rel, p_none


def is_no_host(best_reliability: float | None, p_no_host: float | None) -> bool:
    """The published answer is "no host found" when the no-counterpart hypothesis is more
    probable than the best candidate (``p_no_host > R_best``; LoTSS DR2, Hardcastle et al.
    2023 §3, take the best match only where it beats that term). Unknown p_no_host: False."""
    if p_no_host is None:
        return False
    return best_reliability is None or p_no_host > best_reliability
