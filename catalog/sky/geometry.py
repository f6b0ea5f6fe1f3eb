"""The radio cutout frame in closed form, vectorised over (component, candidate) pairs.

Seed §3.3: a candidate's inputs 4 and 5 are its offsets (dx, dy) and distance D in the
240×240, 1″/px radio cutout centred on the component. :func:`cutout_wcs`
defines that frame (SIN projection, as VLASS QL images); building one astropy WCS per
component costs ~1 ms, i.e. ~30 min per VLASS epoch before any candidate is written. The
SIN projection has a closed form (Calabretta & Greisen 2002, eqs. 5 and 54), so whole
HEALPix tiles of pairs are computed at once here; ``tests/catalog/test_candidates.py``
checks it against the WCS to 1e-6 px, at the poles and the RA 0/360 seam included.

No Django here: numpy, and astropy's WCS for :func:`cutout_wcs` and a given cutout's frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from astropy.wcs import WCS

from ml.seed import CANDIDATE_BOX_ARCMIN, CUTOUT_SCALE_ARCSEC, CUTOUT_SIZE_PX

_RAD_TO_ARCSEC = 180.0 / np.pi * 3600.0


def sin_offsets(
    center_ra, center_dec, ra, dec, *, scale_arcsec: float = CUTOUT_SCALE_ARCSEC
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx, dy, D) in cutout pixels of points (ra, dec) around centres (center_ra, center_dec).

    All arguments broadcast (one centre per pair, or one centre for many points), in ICRS
    degrees. dx is along cutout columns (towards decreasing RA, CDELT1 < 0), dy along rows
    (towards increasing Dec); pixels are ``scale_arcsec`` wide.

    Notes
    -----
    Orthographic (SIN) projection about the centre, native longitude of the celestial
    pole 180° (the FITS default for δ0 < 90°). Exactly at δ0 = +90° the FITS default
    becomes 0° (the frame turns by 180°); that is reproduced so the result equals
    wcslib's for every centre.
    """
    a0, d0, a, d = (np.radians(np.asarray(v, float)) for v in (center_ra, center_dec, ra, dec))
    da = a - a0
    cos_d = np.cos(d)
    x = cos_d * np.sin(da)
    y = np.sin(d) * np.cos(d0) - cos_d * np.sin(d0) * np.cos(da)
    k = _RAD_TO_ARCSEC / scale_arcsec * np.where(np.asarray(center_dec, float) >= 90.0, -1.0, 1.0)
    dx, dy = -x * k, y * k
    return dx, dy, np.hypot(dx, dy)


def selected(
    dx: np.ndarray,
    dy: np.ndarray,
    sep_arcsec: np.ndarray,
    *,
    box_arcmin: float | None = CANDIDATE_BOX_ARCMIN,
    radius_arcsec: float | None = None,
    scale_arcsec: float = CUTOUT_SCALE_ARCSEC,
) -> np.ndarray:
    """Which pairs are candidates: inside the box (cutout frame) or within the radius.

    The box is square in the cutout frame, |dx|, |dy| <= half its side (seed §2.2.2: the
    3.6′ box is the central 216 of the 240 px); a radius is a great-circle separation.
    """
    if radius_arcsec is not None:
        return sep_arcsec <= radius_arcsec
    half = box_arcmin * 60.0 / 2.0 / scale_arcsec
    return (np.abs(dx) <= half) & (np.abs(dy) <= half)


def search_radius_arcsec(box_arcmin: float | None, radius_arcsec: float | None) -> float:
    """The great-circle radius that contains every candidate (a box's half diagonal).

    SIN offsets are sin(θ)·(direction) so a point inside the box lies within
    asin(half·√2) of the centre; 1e-6 relative padding covers rounding.
    """
    if radius_arcsec is not None:
        if not radius_arcsec > 0:
            raise ValueError(f"radius_arcsec must be positive, got {radius_arcsec}")
        return float(radius_arcsec)
    if box_arcmin is None or not box_arcmin > 0:
        raise ValueError(f"box_arcmin must be positive, got {box_arcmin}")
    half_diag = np.radians(box_arcmin / 60.0 / 2.0 * np.sqrt(2.0))
    return float(np.degrees(np.arcsin(min(half_diag, 1.0))) * 3600.0 * (1 + 1e-6))


def cutout_wcs(
    ra: float,
    dec: float,
    *,
    size_px: int = CUTOUT_SIZE_PX,
    scale_arcsec: float = CUTOUT_SCALE_ARCSEC,
) -> WCS:
    """The WCS of a radio cutout centred on (ra, dec): SIN projection, as VLASS QL images.

    Parameters
    ----------
    ra, dec : float
        Centre, ICRS (deg).
    size_px : int
        Cutout width = height (px).
    scale_arcsec : float
        Pixel scale (arcsec/px).
    """
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---SIN", "DEC--SIN"]
    w.wcs.crval = [ra, dec]
    # FITS pixels are 1-based: the centre of an even-sized image sits between pixels.
    w.wcs.crpix = [(size_px + 1) / 2.0, (size_px + 1) / 2.0]
    w.wcs.cdelt = [-scale_arcsec / 3600.0, scale_arcsec / 3600.0]
    w.wcs.radesys = "ICRS"
    return w


def candidate_offsets(
    center_ra: float,
    center_dec: float,
    ra: Sequence[float],
    dec: Sequence[float],
    *,
    wcs: WCS | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidates' (dx, dy, D) in pixels of the radio cutout frame, through its WCS.

    The offsets are pixel coordinates of each candidate minus those of the component
    in the cutout's own WCS (seed §3.3, inputs 4 and 5) -- not a flat-sky
    ``Δα cos δ`` shortcut, which drifts from the projected frame away from the centre
    and near the poles.

    Parameters
    ----------
    center_ra, center_dec : float
        Component position (deg).
    ra, dec : sequence of float
        Candidate positions (deg).
    wcs : astropy.wcs.WCS, optional
        The cutout's WCS (e.g. from its FITS header); default the frame of
        :func:`cutout_wcs`, computed in closed form (:func:`sin_offsets`).

    Returns
    -------
    dx, dy, distance : numpy.ndarray
        Offsets along columns and rows and their Euclidean length (px).
    """
    if wcs is None:
        # the default frame in closed form, the same numbers as the set-based join
        # (equal to cutout_wcs's to 1e-6 px, tests/catalog/test_candidates.py)
        return sin_offsets(center_ra, center_dec, ra, dec, scale_arcsec=CUTOUT_SCALE_ARCSEC)
    w = wcs
    x, y = w.all_world2pix(np.asarray(ra, float), np.asarray(dec, float), 0)
    x0, y0 = w.all_world2pix(np.array([center_ra]), np.array([center_dec]), 0)
    dx, dy = x - x0[0], y - y0[0]
    return dx, dy, np.hypot(dx, dy)
