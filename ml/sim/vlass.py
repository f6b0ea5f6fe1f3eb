"""The real VLASS Quick Look anchors of the simulator: restoring beams, geometry, noise range.

* the restoring beams of the 12 real VLASS Quick Look headers in
  ``images/vlass_ql_headers/`` (read at run time by :func:`vlass_beams`);
* the VLASS QL geometry (1"/px, ``RA---SIN``/``DEC--SIN``, Jy/beam, 3 GHz) of the same headers
  (:func:`vlass_wcs`);
* the VLASS QL single-epoch noise, 120-145 uJy/beam (survey specification, quoted in the
  headers' PROVENANCE.md; seed §2.1 uses these Quick Look images).

The pixels drawn with these are rendered by :mod:`ml.sim.radio`.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS

from ml.paths import data_dir

log = logging.getLogger(__name__)


#: VLASS QL single-epoch noise range in uJy/beam (VLASS survey specification).
VLASS_NOISE_UJY = (120.0, 145.0)
VLASS_FREQ_GHZ = 3.0
VLASS_HEADERS = Path("images") / "vlass_ql_headers"


@dataclass(frozen=True)
class Beam:
    """An elliptical Gaussian restoring beam.

    Parameters
    ----------
    bmaj_arcsec, bmin_arcsec : float
        FWHM of the major and minor axes, arcsec.
    bpa_deg : float
        Position angle of the major axis, degrees east of north.
    source : str
        Where the beam comes from (a real header file name, or ``"user"``).
    """

    bmaj_arcsec: float
    bmin_arcsec: float
    bpa_deg: float
    source: str = "user"

    @property
    def area_arcsec2(self) -> float:
        """Beam solid angle in arcsec^2 (``pi / (4 ln 2) * bmaj * bmin``)."""
        return math.pi / (4.0 * math.log(2.0)) * self.bmaj_arcsec * self.bmin_arcsec

    def as_tuple(self) -> tuple[float, float, float]:
        return (self.bmaj_arcsec, self.bmin_arcsec, self.bpa_deg)


def as_beam(beam) -> Beam:
    """A :class:`Beam` from a Beam or a (bmaj, bmin, bpa_deg) triple, validated."""
    if isinstance(beam, Beam):
        return beam
    try:
        bmaj, bmin, bpa = (float(v) for v in beam)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"beam_arcsec must be (bmaj, bmin, bpa_deg) numbers, got {beam!r}"
        ) from exc
    if not (np.isfinite(bmaj) and np.isfinite(bmin) and np.isfinite(bpa)):
        raise ValueError(f"beam_arcsec must be finite, got {beam!r}")
    if bmaj <= 0 or bmin <= 0:
        raise ValueError(f"beam_arcsec FWHMs must be > 0 arcsec, got {beam!r}")
    if bmin > bmaj:
        raise ValueError(f"beam_arcsec needs bmaj >= bmin, got bmaj={bmaj} < bmin={bmin}")
    return Beam(bmaj, bmin, bpa)


@functools.lru_cache(maxsize=4)
def vlass_beams(folder: str | None = None) -> tuple[Beam, ...]:
    """The distinct restoring beams of the real VLASS QL headers.

    Parameters
    ----------
    folder : str, optional
        Folder of ``*.header`` files; default ``data_dir()/images/vlass_ql_headers``.

    Returns
    -------
    tuple of Beam
        One per distinct (BMAJ, BMIN, BPA) -- the image and its rms map share a beam, so the
        12 files give 5 distinct beams.  A header whose BMAJ/BMIN is not a finite number (the
        real ``T06t24`` rms header has ``BMAJ = 'INF'``) is skipped with a log message: a
        beam of infinite size is not a beam a simulated image can be restored with.
    """
    path = Path(folder) if folder else data_dir() / VLASS_HEADERS
    files = sorted(path.glob("*.header"))
    if not files:
        raise ValueError(f"no VLASS QL *.header files in {path}")
    beams: dict[tuple[float, float, float], Beam] = {}
    for f in files:
        # Some dumps start with a "# HDU 0 in <file>:" line, which is not a FITS card.
        text = "\n".join(ln for ln in f.read_text().splitlines() if not ln.startswith("#"))
        hdr = fits.Header.fromstring(text, sep="\n")
        try:
            bmaj = float(hdr["BMAJ"]) * 3600.0
            bmin = float(hdr["BMIN"]) * 3600.0
            bpa = float(hdr["BPA"])
        except (KeyError, TypeError, ValueError):
            log.info("skipping %s: BMAJ/BMIN/BPA missing or not numeric", f.name)
            continue
        if not all(np.isfinite([bmaj, bmin, bpa])):
            # The real T06t24 rms header carries BMAJ = 'INF' (float('INF') parses to inf).
            log.info("skipping %s: non-finite beam (BMAJ=%r)", f.name, hdr["BMAJ"])
            continue
        key = (round(bmaj, 3), round(bmin, 3), round(bpa, 2))
        beams.setdefault(key, Beam(bmaj, bmin, bpa, source=f.name))
    return tuple(beams[k] for k in sorted(beams))


def vlass_wcs(center: SkyCoord, size: int = 240, pixel_scale_arcsec: float = 1.0) -> WCS:
    """A VLASS-QL-like celestial WCS centred on ``center``.

    Parameters
    ----------
    center : SkyCoord
        Sky position of the cutout centre.
    size : int
        Cutout side, pixels (240 = 3.6' at 1"/px, seed §2.1).
    pixel_scale_arcsec : float
        Pixel size, arcsec (VLASS QL: exactly 1.0).

    Returns
    -------
    astropy.wcs.WCS
        ``RA---SIN``/``DEC--SIN``, ICRS, with ``CRPIX = size/2 + 0.5`` so that ``center`` is the
        geometric centre of the array, 0-based pixel ``((size-1)/2, (size-1)/2)``: that point
        is invariant under the flips and 90-degree rotations used for augmentation.
    """
    if not isinstance(center, SkyCoord):
        raise ValueError(f"center must be an astropy SkyCoord, got {type(center).__name__}")
    if int(size) != size or size < 2:
        raise ValueError(f"size must be an integer >= 2 pixels, got {size!r}")
    if not (pixel_scale_arcsec > 0 and np.isfinite(pixel_scale_arcsec)):
        raise ValueError(f"pixel_scale_arcsec must be > 0, got {pixel_scale_arcsec!r}")
    icrs = center.icrs
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---SIN", "DEC--SIN"]
    w.wcs.crval = [float(icrs.ra.deg), float(icrs.dec.deg)]
    w.wcs.crpix = [size / 2.0 + 0.5, size / 2.0 + 0.5]
    w.wcs.cdelt = [-pixel_scale_arcsec / 3600.0, pixel_scale_arcsec / 3600.0]
    w.wcs.cunit = ["deg", "deg"]
    w.wcs.radesys = "ICRS"
    w.wcs.equinox = 2000.0
    w.pixel_shape = (int(size), int(size))
    w.wcs.set()
    return w


def pick_beam(rng: np.random.Generator, beams: Sequence[Beam] | None = None) -> Beam:
    """One of the real VLASS QL beams, uniformly."""
    beams = beams or vlass_beams()
    return beams[int(rng.integers(len(beams)))]
