"""Photometric inputs of the optical classifier: WISE asinh magnitudes, the no-match mask,
and the PS1 -> SDSS colour transformation used for the external check.

WISE W1/W2 enter the image model as Lupton asinh magnitudes (Lupton, Gunn & Szalay 1999,
AJ 118, 1406), not Pogson magnitudes: an asinh magnitude stays finite and smooth down to
zero (and negative) flux, so faint AllWISE detections near the limit do not blow up the
input scale the way ``-2.5 log10 f`` does (seed §3.2 feeds W1/W2 next to the pooled image
features; the seed does not say which magnitude; asinh is our choice and is stated here).

Softening per band (Lupton et al. 1999, eq. 6: ``b = 1.042 sigma`` minimises the variance
of the asinh magnitude at zero flux), with ``sigma`` the AllWISE 1-sigma point-source flux,
i.e. one fifth of the 5-sigma limit of the AllWISE explanatory supplement (Cutri et al.
2013, §2.1): W1 0.054 mJy (16.9 Vega), W2 0.071 mJy (16.0 Vega)::

    b_W1 = 1.042 * 10**(-0.4 * 16.9) / 5 = 3.62e-08   (in units of the Vega zero-point flux)
    b_W2 = 1.042 * 10**(-0.4 * 16.0) / 5 = 8.32e-08

No AllWISE match
----------------
A PS1 object with no AllWISE counterpart (about half of the Norris-71 candidates are fainter
than the AllWISE depth) has *no* measured W1/W2, which is not the same as zero flux.  We
therefore pass a per-band mask (1 = measured, 0 = no match) next to the values; a masked
value is set to 0 (the centre of the standardised scale) and the model multiplies the values
by the mask, so the prediction cannot depend on whatever number sits in a masked slot, and
the mask itself is an input so the head can learn what "no match" implies (faint and/or not
a QSO, Stern et al. 2012).  W2 may be missing while W1 is present, hence one mask per band.
"""

from __future__ import annotations

import numpy as np

#: Class order of every probability vector and label index in this package (seed §3.2).
CLASSES: tuple[str, ...] = ("GALAXY", "QSO", "STAR")
WISE_BANDS: tuple[str, ...] = ("W1", "W2")
#: AllWISE 5-sigma point-source limits, Vega mag (Cutri et al. 2013, AllWISE supplement §2.1).
WISE_5SIGMA_VEGA: dict[str, float] = {"W1": 16.9, "W2": 16.0}
#: Lupton et al. 1999, eq. 6: the softening that minimises the zero-flux variance.
LUPTON_B_PER_SIGMA = 1.042
#: Affine standardisation of the asinh magnitudes fed to the network: (mu - centre) / scale.
#: Centre/scale span the AllWISE range of PS1 counterparts (W1 ~ 11-19 Vega).
PHOT_CENTRE = 15.0
PHOT_SCALE = 2.0

_POGSON = 2.5 / np.log(10.0)


def wise_softening(band: str) -> float:
    """Asinh softening ``b`` of a WISE band, in units of that band's Vega zero-point flux.

    Parameters
    ----------
    band : {"W1", "W2"}

    Returns
    -------
    float
        ``1.042 * sigma``, ``sigma`` = one fifth of the AllWISE 5-sigma flux (dimensionless).

    Raises
    ------
    ValueError
        Unknown band.
    """
    if band not in WISE_5SIGMA_VEGA:
        raise ValueError(f"unknown WISE band {band!r}; expected one of {WISE_BANDS}")
    sigma = 10.0 ** (-0.4 * WISE_5SIGMA_VEGA[band]) / 5.0
    return LUPTON_B_PER_SIGMA * sigma


def asinh_mag(mag, band: str) -> np.ndarray:
    """Lupton et al. (1999) asinh magnitude of a catalogue (Pogson, Vega) WISE magnitude.

    Parameters
    ----------
    mag : array_like
        AllWISE ``w?mpro`` magnitude, Vega mag.  NaN (no match) stays NaN.
    band : {"W1", "W2"}

    Returns
    -------
    ndarray float64
        ``-(2.5 / ln 10) * (asinh(x / 2b) + ln b)`` with ``x = 10**(-0.4 mag)``, Vega mag.
        Equals ``mag`` to < 1e-3 mag for sources more than 2.5 mag brighter than the 5-sigma
        limit (the difference is ~1.086 (b/x)^2).
    """
    b = wise_softening(band)
    x = 10.0 ** (-0.4 * np.asarray(mag, dtype=np.float64))
    return -_POGSON * (np.arcsinh(x / (2.0 * b)) + np.log(b))


def photometry_inputs(w1, w2) -> tuple[np.ndarray, np.ndarray]:
    """Standardised W1/W2 asinh magnitudes and their no-match mask (module docstring).

    Parameters
    ----------
    w1, w2 : array_like, shape (N,)
        AllWISE W1 and W2 magnitudes, Vega mag; NaN where the object has no AllWISE match
        (or no measurement in that band).

    Returns
    -------
    values : ndarray float32, shape (N, 2)
        ``(asinh_mag - 15) / 2``; 0 where masked.
    mask : ndarray float32, shape (N, 2)
        1 where the band is measured, 0 where not.

    Raises
    ------
    ValueError
        If ``w1`` and ``w2`` differ in shape or are not 1-D, or hold +/-inf.
    """
    a = np.asarray(w1, dtype=np.float64)
    b = np.asarray(w2, dtype=np.float64)
    if a.ndim != 1 or a.shape != b.shape:
        raise ValueError(
            f"w1 and w2 must be 1-D of equal length, got shapes {a.shape} and {b.shape}"
        )
    mags = np.stack([a, b], axis=1)
    if np.isinf(mags).any():
        raise ValueError("W1/W2 magnitudes must be finite or NaN (no match), got inf")
    mask = np.isfinite(mags)
    mu = np.stack([asinh_mag(mags[:, k], band) for k, band in enumerate(WISE_BANDS)], axis=1)
    values = np.where(mask, (mu - PHOT_CENTRE) / PHOT_SCALE, 0.0)
    return values.astype(np.float32), mask.astype(np.float32)


#: Tonry et al. 2012 (ApJ 750, 99), Table 6, quadratic fits x_SDSS - x_P1 = A0 + A1 c + A2 c^2,
#: c = (g - r)_P1.  Fitted on stellar SEDs: valid for about -0.5 < (g - r) < 1.5 only.
_TONRY_P1_TO_SDSS: dict[str, tuple[float, float, float]] = {
    "g": (0.013, 0.145, 0.019),
    "r": (-0.001, 0.004, 0.007),
    "i": (-0.005, 0.011, 0.010),
    "z": (0.013, -0.039, -0.012),
}


def ps1_to_sdss(g, r, i, z) -> np.ndarray:
    """PS1 g, r, i, z (AB) to SDSS g, r, i, z with the Tonry et al. (2012) Table 6 fits.

    Parameters
    ----------
    g, r, i, z : array_like, shape (N,)
        PS1 mean PSF magnitudes, AB mag.

    Returns
    -------
    ndarray float64, shape (N, 4)
        SDSS-system g, r, i, z, AB mag.  Outside -0.5 < (g-r)_P1 < 1.5 (e.g. z > 4 quasars,
        whose g band is eaten by the Lyman-alpha forest) the fit is extrapolated; callers
        must say so when they report on such objects.

    Raises
    ------
    ValueError
        If the inputs differ in shape.
    """
    arrs = [np.asarray(v, dtype=np.float64) for v in (g, r, i, z)]
    if any(a.shape != arrs[0].shape for a in arrs):
        raise ValueError(f"g, r, i, z must have equal shapes, got {[a.shape for a in arrs]}")
    c = arrs[0] - arrs[1]
    out = [
        m + a0 + a1 * c + a2 * c * c
        for m, (a0, a1, a2) in zip(arrs, _TONRY_P1_TO_SDSS.values(), strict=True)
    ]
    return np.stack(out, axis=1)
