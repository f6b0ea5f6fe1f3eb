"""FITS image validation shared by every cutout provider (no ORM).

Real quirks handled: 4-D VLASS QL images (RA, Dec, FREQ, STOKES) are reduced to their
celestial plane; a non-numeric beam keyword (``BMAJ = 'INF'`` in a real VLASS QL rms
header, see ``images/vlass_ql_headers/PROVENANCE.md``) is dropped with a note instead of
crashing. Refused with a ``ValueError`` naming the file and the problem: a truncated
file, no image data, no or broken celestial WCS, an all-NaN image.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning


@dataclass
class FitsImage:
    """A validated 2-D image with its celestial WCS (pixel scale in arcsec/px)."""

    data: np.ndarray
    header: fits.Header
    wcs: WCS
    pixel_scale_arcsec: float
    notes: list[str] = field(default_factory=list)


def _beam_fix(header: fits.Header, where: str, notes: list[str]) -> None:
    for key in ("BMAJ", "BMIN", "BPA"):
        if key not in header:
            continue
        v = header[key]
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        if not ok:
            notes.append(f"{where}: header {key} = {v!r} is not a finite number; dropped")
            del header[key]


def read_fits_image(source: bytes | str | Path, *, where: str | None = None) -> FitsImage:
    """Open and validate a FITS image from bytes or a path.

    Raises
    ------
    ValueError
        Truncated/unreadable file, no image HDU, no or broken celestial WCS, all-NaN data.
    """
    where = where or (str(source) if not isinstance(source, bytes) else "<bytes>")
    raw = source if isinstance(source, bytes) else Path(source).read_bytes()
    try:
        with fits.open(io.BytesIO(raw), memmap=False) as hdul:
            hdul.verify("silentfix+ignore")  # e.g. tabs in FIRST COMMENT cards
            hdu = next((h for h in hdul if h.is_image and h.data is not None and h.data.size), None)
            if hdu is None:
                raise ValueError(f"{where}: no image data in any HDU")
            data = np.asarray(hdu.data, dtype=np.float32)
            header = hdu.header.copy()
    except ValueError as exc:
        if str(exc).startswith(where):
            raise
        raise ValueError(f"{where}: unreadable or truncated FITS ({exc})") from None
    except (OSError, TypeError, IndexError) as exc:
        raise ValueError(f"{where}: unreadable or truncated FITS ({exc})") from None
    notes: list[str] = []
    _beam_fix(header, where, notes)
    data = np.squeeze(data)
    if data.ndim != 2:
        raise ValueError(f"{where}: expected a 2-D image after squeezing, got shape {data.shape}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FITSFixedWarning)
            w = WCS(header).celestial
    except Exception as exc:  # astropy raises several types for a broken WCS
        raise ValueError(f"{where}: broken WCS ({exc})") from None
    if not w.has_celestial or w.naxis != 2:
        raise ValueError(f"{where}: no celestial WCS in the header")
    try:
        scales = w.proj_plane_pixel_scales()
        scale = float(np.mean([s.to_value("arcsec") for s in scales]))
        w.all_pix2world([[data.shape[1] / 2, data.shape[0] / 2]], 0)
    except Exception as exc:
        raise ValueError(f"{where}: broken WCS ({exc})") from None
    if not math.isfinite(scale) or scale <= 0:
        raise ValueError(f"{where}: broken WCS (pixel scale {scale})")
    if not np.isfinite(data).any():
        raise ValueError(f"{where}: the image is all NaN")
    return FitsImage(data=data, header=header, wcs=w, pixel_scale_arcsec=scale, notes=notes)
