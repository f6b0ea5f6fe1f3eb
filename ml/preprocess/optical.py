"""Pan-STARRS1 optical stamp chain: load g r i z y, calibrate, stretch (seed §3.1, §3.2).

A candidate's optical input is five PS1 stamps of 60" at 0.25"/px (240 x 240), one per
band in PS1_BANDS order. :func:`load_ps1_stamps` puts every band on one physical scale
(microjansky per pixel) using each stamp's own zero-point; :func:`normalise_stamps`
applies the stretch the seed authors found best.

Stretch choice (evidence: the authors' ablation log,
``lou2023_galaxyclassifier_notes/accuracy_vs_stretch_method.txt``, model A, PS1 stamps):

=============================  ===========  =========================
stretch                        best val acc  run
=============================  ===========  =========================
ZScale                         94.56 %      20k train, 20 epochs
CatWISE MinMax + ZStretch      93.25 %      16k train, 20 epochs
none (linear)                  92.75 %      16k train, 17 epochs
sqrt                           89.98 %      20k train, 10 epochs
squared                        90.34 %      20k train, 10 epochs
=============================  ===========  =========================

ZScale is best; the runs differ in training size/epochs, so the margin over the next
one (1.3 points) is indicative, not a controlled result. We apply astropy's
``ZScaleInterval`` per band (an IRAF zscale, as in the authors' runs), mapping to [0, 1].

Missing-band rule: a band with no file (``None`` or absent from the dict), or whose
pixels are all NaN, is replaced by a copy of the *nearest available band in wavelength*
(ties go to the redder band, whose PSF and depth are closer to y/z in PS1). The real
SN2006bh PS1 set has no y band, so y is filled from z. Fewer than three real bands
raise ValueError: with two or fewer the colours the classifier relies on (seed §3.2) are
not there, and duplicating would fabricate them. Nothing here imports Django.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping

import numpy as np
from astropy.io import fits
from astropy.visualization import ZScaleInterval

PS1_BANDS = ("g", "r", "i", "z", "y")
# Effective wavelengths of the PS1 filters, nm (Tonry et al. 2012, ApJ 750, 99, table 4);
# only their order and spacing matter here (the missing-band rule).
PS1_WAVELENGTH_NM = {"g": 481.0, "r": 617.0, "i": 752.0, "z": 866.0, "y": 962.0}
STAMP_SIZE = 240  # pixels; 60" at 0.25"/px (seed §3.1)
MIN_REAL_BANDS = 3
AB_ZEROPOINT_UJY = 23.9  # m_AB of 1 microjansky


def _stamp_zeropoint(header: fits.Header, path: str) -> float:
    """AB magnitude of one count, from the PS1 stack header.

    PS1 stacks are in counts normalised to ``FPA.ZP`` (= 25) for a 1 s exposure, so the
    zero-point of the stamp is ``FPA.ZP + 2.5 log10(EXPTIME)`` (PS1 image-cutout docs;
    the data folder's PROVENANCE.md gives the same rule). A plain ``ZPT``/``MAGZERO``
    keyword, when present instead, is used as is.
    """
    if "FPA.ZP" in header and "EXPTIME" in header:
        exptime = float(header["EXPTIME"])
        if not exptime > 0:
            raise ValueError(
                f"{path}: EXPTIME must be > 0 to compute the zero-point, got {exptime}"
            )
        return float(header["FPA.ZP"]) + 2.5 * np.log10(exptime)
    for key in ("MAGZERO", "ZPT", "ZP"):
        if key in header:
            return float(header[key])
    raise ValueError(f"{path}: no zero-point in header (need FPA.ZP and EXPTIME, or MAGZERO)")


def _linearise(data: np.ndarray, header: fits.Header) -> np.ndarray:
    """Undo PS1's asinh compression when the header says it was applied.

    Newer PS1 cutouts store ``x`` with ``BSOFTEN``/``BOFFSET`` (PS1 image docs):
    ``counts = BOFFSET + BSOFTEN * 2 * sinh(x * ln(10) / 2.5)``. Older ones (like the
    SN2006bh stamps) are already linear and carry neither keyword.
    """
    if "BSOFTEN" in header and "BOFFSET" in header:
        a = np.log(10.0) / 2.5
        return float(header["BOFFSET"]) + float(header["BSOFTEN"]) * 2.0 * np.sinh(a * data)
    return data


def load_ps1_band(path: str | os.PathLike) -> np.ndarray:
    """One PS1 stamp in microjansky per pixel (NaN kept where the stack had no data).

    Parameters
    ----------
    path : str or PathLike
        FITS file whose primary HDU is a 240 x 240 PS1 stack stamp.

    Returns
    -------
    ndarray, shape (240, 240), float64
        Flux density per pixel, microjansky: ``counts * 10**(-0.4 (zp - 23.9))``.

    Raises
    ------
    ValueError
        File unreadable, wrong shape, or no zero-point in the header.
    """
    path = os.fspath(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", fits.verify.VerifyWarning)
            with fits.open(path, memmap=False) as hdul:
                data = np.asarray(hdul[0].data, dtype=np.float64)
                header = hdul[0].header
    except (OSError, TypeError) as exc:
        raise ValueError(f"{path}: cannot read FITS stamp ({exc})") from exc
    data = np.squeeze(data)
    if data.shape != (STAMP_SIZE, STAMP_SIZE):
        raise ValueError(
            f"{path}: stamp has shape {data.shape}, expected ({STAMP_SIZE}, {STAMP_SIZE}) "
            '(60" at 0.25"/px)'
        )
    zp = _stamp_zeropoint(header, path)
    return _linearise(data, header) * 10.0 ** (-0.4 * (zp - AB_ZEROPOINT_UJY))


def _nearest_band(missing: str, available: list[str]) -> str:
    lam = PS1_WAVELENGTH_NM[missing]
    # Sort key: distance in wavelength, then prefer the redder band on a tie.
    return min(available, key=lambda b: (abs(PS1_WAVELENGTH_NM[b] - lam), -PS1_WAVELENGTH_NM[b]))


def fill_missing_bands(
    bands: Mapping[str, np.ndarray | None],
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Stack bands in PS1_BANDS order, filling absent ones by the missing-band rule.

    Parameters
    ----------
    bands : mapping of band -> ndarray (240, 240) or None
        Calibrated stamps (microjansky / px); None, absent or all-NaN means missing.

    Returns
    -------
    stack : ndarray, shape (5, 240, 240), float64
    filled : tuple of str
        The bands that were copied from a neighbour.

    Raises
    ------
    ValueError
        Unknown band name, or fewer than three real bands.
    """
    unknown = sorted(set(bands) - set(PS1_BANDS))
    if unknown:
        raise ValueError(f"unknown PS1 band(s) {unknown}; expected a subset of {PS1_BANDS}")
    real = [
        b
        for b in PS1_BANDS
        if bands.get(b) is not None and np.isfinite(np.asarray(bands[b], dtype=float)).any()
    ]
    if len(real) < MIN_REAL_BANDS:
        raise ValueError(
            f"only {len(real)} usable PS1 band(s) ({', '.join(real) or 'none'}); "
            f"need at least {MIN_REAL_BANDS} of {PS1_BANDS}"
        )
    filled = tuple(b for b in PS1_BANDS if b not in real)
    stack = np.stack(
        [np.asarray(bands[b if b in real else _nearest_band(b, real)], float) for b in PS1_BANDS]
    )
    return stack, filled


def load_ps1_stamps(paths_by_band: Mapping[str, str | os.PathLike | None]) -> np.ndarray:
    """Load a PS1 g r i z y stamp set on one flux scale (microjansky / px).

    Parameters
    ----------
    paths_by_band : mapping of band -> path or None
        Keys from PS1_BANDS; a missing key or None is a missing band (filled by the rule
        in the module docstring).

    Returns
    -------
    ndarray, shape (5, 240, 240), float64
        PS1_BANDS order; NaN pixels (no stack coverage) kept for :func:`normalise_stamps`.

    Raises
    ------
    ValueError
        Unknown band, unreadable file, wrong shape, no zero-point, < 3 real bands.
    """
    if not isinstance(paths_by_band, Mapping):
        raise ValueError("paths_by_band must be a dict mapping band -> FITS path")
    unknown = sorted(set(paths_by_band) - set(PS1_BANDS))
    if unknown:
        raise ValueError(f"unknown PS1 band(s) {unknown}; expected a subset of {PS1_BANDS}")
    bands = {b: (None if p is None else load_ps1_band(p)) for b, p in paths_by_band.items()}
    stack, _ = fill_missing_bands(bands)
    return stack


_ZSCALE = ZScaleInterval()


def normalise_stamps(stack: np.ndarray) -> np.ndarray:
    """Per-band ZScale stretch to [0, 1] (the authors' best stretch, module docstring).

    Parameters
    ----------
    stack : ndarray, shape (5, 240, 240)
        Calibrated stamps (any linear flux unit; ZScale is scale-free).

    Returns
    -------
    ndarray, shape (5, 240, 240), float32
        Dimensionless, in [0, 1]. NaN pixels (no stack coverage) become 0, the bottom of
        the stretch, so "no data" never looks like a source; the ZScale limits are computed
        from the finite pixels only. A band with no dynamic range (constant) becomes all 0
        rather than dividing by zero.

    Raises
    ------
    ValueError
        Wrong shape, or a band with no finite pixel.
    """
    arr = np.asarray(stack, dtype=np.float64)
    if arr.shape != (len(PS1_BANDS), STAMP_SIZE, STAMP_SIZE):
        raise ValueError(
            f"stack must have shape (5, {STAMP_SIZE}, {STAMP_SIZE}) in {PS1_BANDS} order, "
            f"got {arr.shape}"
        )
    out = np.zeros(arr.shape, dtype=np.float32)
    for i, band in enumerate(PS1_BANDS):
        plane = arr[i]
        finite = np.isfinite(plane)
        if not finite.any():
            raise ValueError(f"band {band!r} has no finite pixel; fill it with fill_missing_bands")
        vmin, vmax = _ZSCALE.get_limits(plane[finite])
        if not vmax > vmin:
            continue
        scaled = (np.where(finite, plane, vmin) - vmin) / (vmax - vmin)
        out[i] = np.clip(scaled, 0.0, 1.0)
    return out
