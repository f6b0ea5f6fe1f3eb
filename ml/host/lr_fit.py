"""Fit the likelihood-ratio model's n(m), q(m) and Q0 from the data themselves (pure numpy).

* ``n(m)``: the surface density of unrelated objects per magnitude bin, counted in an annulus
  around every radio core beyond any plausible host offset
  (:data:`ml.host.likelihood_ratio.ANNULUS_ARCSEC`), over the annulus area.
* ``Q0`` (Fleuren et al. 2012 §4.2): the fraction of radio positions with *no* object within
  ``r``, over the same fraction at random positions, is ``1 − Q0 F(r)`` with
  ``F(r) = 1 − exp(−r²/2σ²)``; Q0 is its least-squares slope over a grid of radii. The blank
  fraction at random positions is that of a Poisson sky of the measured background density,
  ``exp(−n π r²)`` (what random positions on an unclustered sky give, without placing them).
* ``q(m)`` (Ciliegi et al. 2003 §4; Fleuren et al. 2012 §4.1): the magnitude counts within
  ``r_max`` of the radio cores minus the background expected there, ``n(m) π r_max²`` per
  source, normalised to sum to Q0.
"""

from __future__ import annotations

import numpy as np

from ml.host.likelihood_ratio import ANNULUS_ARCSEC, Q0_MAX, LRModel

#: default magnitude bins (AB for PS1 r/i; 1 mag wide: ~10^2 counterparts a bin for a few
#: hundred fitted fields, the width Ciliegi et al. 2003 used)
DEFAULT_EDGES = tuple(float(x) for x in np.arange(13.0, 24.01, 1.0))
#: q(m) search radius in units of each core's σ (3σ holds 98.9 % of a 2-D Gaussian)
R_MAX_SIGMA = 3.0
#: radii (in units of the median σ) of the Q0 blank-fraction fit
Q0_RADII_SIGMA = tuple(float(x) for x in np.linspace(0.5, 4.0, 15))
#: smallest Q0 kept (a fit on fields without any counterpart is not a model)
Q0_MIN = 0.01


def _counts(b: np.ndarray, sel: np.ndarray, k: int) -> np.ndarray:
    return np.bincount(b[sel], minlength=k).astype(float)


def estimate_q0(sep_arcsec, starts, sigma_arcsec, n_total_arcsec2: float) -> float:
    """Fleuren et al. (2012) §4.2 Q0 from blank fractions, clipped to [Q0_MIN, Q0_MAX].

    ``sep_arcsec``: candidates' offsets from their field's core, field after field
    (``starts``); ``sigma_arcsec``: per-field core σ; ``n_total_arcsec2``: background density.
    """
    sep = np.asarray(sep_arcsec, float)
    starts = np.asarray(starts, np.int64)
    sigma = np.asarray(sigma_arcsec, float)
    if starts.size == 0:
        raise ValueError("estimate_q0 needs at least one field")
    sizes = np.diff(np.append(starts, sep.size))
    nearest = np.minimum.reduceat(sep, starts) if sep.size else np.full(starts.size, np.inf)
    nearest = np.where(sizes > 0, nearest, np.inf)
    s0 = float(np.median(sigma))
    radii = np.asarray(Q0_RADII_SIGMA) * s0
    blank = np.array([np.mean(nearest > r) for r in radii])
    blank_random = np.exp(-n_total_arcsec2 * np.pi * radii**2)
    y = 1.0 - blank / blank_random
    x = np.array([np.mean(1.0 - np.exp(-0.5 * (r / sigma) ** 2)) for r in radii])
    q0 = float(np.sum(x * y) / np.sum(x * x))
    return float(np.clip(q0, Q0_MIN, Q0_MAX))


def fit_lr(
    sep_arcsec,
    starts,
    sigma_arcsec,
    mag=None,
    *,
    band: str | None = None,
    edges=DEFAULT_EDGES,
    annulus_arcsec=ANNULUS_ARCSEC,
    q0: float | None = None,
) -> LRModel:
    """Fit an :class:`~ml.host.likelihood_ratio.LRModel` on fields of candidates.

    Parameters
    ----------
    sep_arcsec : ndarray (M,)
        Every candidate's offset (arcsec) from its field's radio core, field after field.
    starts : ndarray (F,) of int
        Where each field begins (ascending from 0).
    sigma_arcsec : ndarray (F,)
        Each field's core 1σ (arcsec), :func:`ml.host.likelihood_ratio.core_sigma_arcsec`.
    mag : ndarray (M,), optional
        Magnitudes in ``band`` (NaN = none). Left out: one "no magnitude" bin (flat q/n).
    band : str, optional
        ``r``, ``i`` or ``w1``; recorded with the model.
    q0 : float, optional
        A known Q0 instead of the Fleuren estimate.
    """
    sep = np.asarray(sep_arcsec, float)
    starts = np.asarray(starts, np.int64)
    sigma = np.broadcast_to(np.asarray(sigma_arcsec, float), starts.shape)
    nf = starts.size
    if nf == 0 or sep.size == 0:
        raise ValueError("fit_lr needs at least one field with candidates")
    if mag is None:
        edges = ()
        mag = np.full(sep.shape, np.nan)
    mag = np.asarray(mag, float)
    if mag.shape != sep.shape:
        raise ValueError(f"mag has shape {mag.shape}, sep_arcsec {sep.shape}")
    probe = LRModel(edges=tuple(edges), q=(1.0,) * (max(len(edges) - 1, 0) + 1))
    k = len(probe.q)
    b = probe.bin_of(mag)
    sizes = np.diff(np.append(starts, sep.size))
    sig_c = np.repeat(sigma, sizes)

    r_in, r_out = annulus_arcsec
    area = nf * np.pi * (r_out**2 - r_in**2)
    bg = _counts(b, (sep >= r_in) & (sep < r_out), k)
    # an empty bin counts half an object: n(m) must stay > 0 for LR = q f / n
    n = np.maximum(bg, 0.5) / area
    n_total = float(bg.sum() / area)

    if q0 is None:
        q0 = estimate_q0(sep, starts, sigma, n_total)
    r_max = R_MAX_SIGMA * sigma
    near = _counts(b, sep <= R_MAX_SIGMA * sig_c, k)
    real = near - n * np.pi * float(np.sum(r_max**2))
    real = np.maximum(real, 0.0)
    if real.sum() <= 0:
        real = np.ones(k)
    # a floor so that a bin without excess counterparts is improbable, not impossible
    real = real + 1e-3 * real.sum() / k
    q = q0 * real / real.sum()
    return LRModel(
        q0=float(q0),
        band=band,
        edges=tuple(float(e) for e in edges),
        q=tuple(float(x) for x in q),
        n=tuple(float(x) for x in n),
        n_fields=int(nf),
    )
