"""Position-derived Galactic quantities for the catalogue classifier: |b| and a crude E(B-V).

The SDSS DR14 magnitudes of the training sample are model magnitudes *not* corrected for
Galactic extinction, so every colour is reddened by ``(R_j - R_k) E(B-V)`` and stellar density
rises towards the plane.  Both depend on the position only, which is what this module
computes from ``ra``/``dec``.

No dust map is available offline (SFD 1998 / Planck are not in ``../shared/data``), so the
reddening here is a *model*, not a measurement: a plane-parallel dust slab, whose column
grows as ``csc|b|`` (the classical cosecant law, e.g. Sandage 1973, ApJ 183, 711).  Real
dust is patchy — SFD E(B-V) at one |b| varies by a factor of several — so this corrects the
mean trend only.

Caveat: a classifier given |b| also learns the SDSS *targeting footprint* (which plates were
drilled where, e.g. SEGUE stellar plates at low latitude), not only physics; a gain from it
need not carry over to another survey's sky coverage.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from astropy.coordinates import SkyCoord

#: A_lambda / E(B-V) for the SDSS filters, R_V = 3.1 (Schlafly & Finkbeiner 2011, ApJ 737,
#: 103, Table 6) — the coefficients SDSS itself uses from DR8 on.
SDSS_EXTINCTION_COEFF = {"u": 4.239, "g": 3.303, "r": 2.285, "i": 1.698, "z": 1.263}
#: E(B-V) of the slab towards the Galactic pole, mag.  Fixed a priori, not tuned: with the
#: sample's median |b| ~ 50 deg it gives E(B-V) ~ 0.026, the order of SFD values at high
#: latitude in the SDSS footprint.
EBV_POLE = 0.02
#: Below this |b| the slab model is meaningless (csc diverges); latitudes are clipped to it.
B_MIN_DEG = 10.0


def abs_galactic_latitude(coord: SkyCoord) -> np.ndarray:
    """|b| in degrees (IAU 1958 Galactic frame via astropy).

    Parameters
    ----------
    coord : SkyCoord, shape (N,)

    Returns
    -------
    ndarray float64, shape (N,), deg in [0, 90]
    """
    return np.abs(np.asarray(coord.galactic.b.deg, dtype=np.float64))


def ebv_cosecant(abs_b_deg, *, ebv_pole: float = EBV_POLE, b_min_deg: float = B_MIN_DEG):
    """Crude E(B-V) from a plane-parallel dust slab: ``ebv_pole * csc(max(|b|, b_min))``.

    Parameters
    ----------
    abs_b_deg : array_like
        |b|, deg.

    Returns
    -------
    ndarray float64, mag
    """
    b = np.maximum(np.abs(np.asarray(abs_b_deg, dtype=np.float64)), b_min_deg)
    return ebv_pole / np.sin(np.radians(b))


def deredden(mags, bands: Sequence[str], ebv) -> np.ndarray:
    """Subtract ``A_band = R_band * E(B-V)`` (Schlafly & Finkbeiner 2011) from each band.

    Parameters
    ----------
    mags : array_like, shape (N, B)
        Magnitudes in ``bands`` order, mag.
    bands : sequence of str
        Names in :data:`SDSS_EXTINCTION_COEFF`.
    ebv : array_like, shape (N,)
        E(B-V), mag.

    Raises
    ------
    ValueError
        A band without a coefficient, or a shape mismatch.
    """
    unknown = [b for b in bands if b not in SDSS_EXTINCTION_COEFF]
    if unknown:
        raise ValueError(f"no extinction coefficient for band(s) {unknown}")
    m = np.asarray(mags, dtype=np.float64)
    e = np.asarray(ebv, dtype=np.float64)
    if m.ndim != 2 or m.shape[1] != len(bands) or e.shape != (m.shape[0],):
        raise ValueError(f"need mags (N, {len(bands)}) and ebv (N,), got {m.shape} and {e.shape}")
    r = np.array([SDSS_EXTINCTION_COEFF[b] for b in bands])
    return m - e[:, None] * r[None, :]
