"""Cutout providers: a protocol, a local FITS directory and PS1 ``fitscut``.

VLASS Quick Look cutouts come from CADC, the archive that serves them, through astroquery
(:mod:`.cadc`); the earlier hand-written client of the CIRADA cutout web service was never
checked against that service's documentation and is gone.

Every provider returns validated FITS bytes (see :func:`.fits_image.read_fits_image`);
:mod:`catalog.images.store` stores them, content-addressed by sha256, so a re-fetch of
identical bytes is a no-op.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Protocol, runtime_checkable

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord
from astropy.io import ascii as astro_ascii
from astropy.io import fits
from astropy.nddata import Cutout2D
from astropy.utils.exceptions import AstropyWarning

from catalog.providers.fits_image import read_fits_image
from catalog.providers.http import make_session


class NoImage(LookupError):
    """The service holds no image covering the position (not an error of the service)."""


@runtime_checkable
class CutoutProvider(Protocol):
    """Anything that can cut a FITS image of ``size`` around ``coord``."""

    survey: str

    def fetch_bytes(self, coord: SkyCoord, size: u.Quantity, *, band: str = "") -> bytes:
        """FITS bytes of a square cutout (``size`` on a side) centred on ``coord``."""
        ...


def fetch(
    provider: CutoutProvider, coord: SkyCoord, size: u.Quantity, *, band: str = ""
) -> fits.HDUList:
    """A validated cutout as an ``HDUList`` (conventions: ``fetch(coord, size) -> HDUList``)."""
    raw = provider.fetch_bytes(coord, size, band=band)
    read_fits_image(raw, where=f"{provider.survey} cutout at {coord.to_string('decimal')}")
    return fits.open(io.BytesIO(raw))


def _check_size(size: u.Quantity) -> float:
    try:
        arcsec = float(u.Quantity(size).to_value(u.arcsec))
    except (u.UnitConversionError, TypeError) as exc:
        raise ValueError(f"size must be an angle Quantity, got {size!r}") from exc
    if not 0 < arcsec <= 3600:
        raise ValueError(f"size must be in (0, 1] deg, got {arcsec} arcsec")
    return arcsec


class LocalFITSDirectory:
    """Cutouts from FITS images in a local directory (users without network).

    The first image (sorted by name) whose footprint contains ``coord`` is cut with
    ``astropy.nddata.Cutout2D`` (WCS updated); pixels beyond the image edge are NaN.
    """

    def __init__(self, root: str | Path, *, survey: str = "LOCAL", pattern: str = "*.fits"):
        self.root = Path(root)
        if not self.root.is_dir():
            raise ValueError(f"{self.root}: not a directory")
        self.survey, self.pattern = survey, pattern

    def fetch_bytes(self, coord: SkyCoord, size: u.Quantity, *, band: str = "") -> bytes:
        arcsec = _check_size(size)
        for path in sorted(self.root.glob(self.pattern)):
            img = read_fits_image(path)
            x, y = img.wcs.world_to_pixel(coord)
            ny, nx = img.data.shape
            if not (np.isfinite(x) and -0.5 <= x < nx - 0.5 and -0.5 <= y < ny - 0.5):
                continue
            npx = int(round(arcsec / img.pixel_scale_arcsec))
            cut = Cutout2D(
                img.data, coord, (npx, npx), wcs=img.wcs, mode="partial", fill_value=np.nan
            )
            hdr = cut.wcs.to_header()
            for k in ("BUNIT", "BMAJ", "BMIN", "BPA", "TELESCOP", "DATE-OBS"):
                if k in img.header:
                    hdr[k] = img.header[k]
            hdr["ORIGFILE"] = (path.name[:68], "radiohost: local source image")
            buf = io.BytesIO()
            fits.PrimaryHDU(cut.data.astype(np.float32), header=hdr).writeto(buf)
            return buf.getvalue()
        raise ValueError(f"{self.root}: no image contains {coord.to_string('decimal')}")


class _HTTPProvider:
    def __init__(self, base_url: str, *, session=None, retries: int = 3, timeout=(5.0, 60.0)):
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.session = session or make_session(retries=retries, timeout=timeout)

    def _get(self, path: str, params: dict) -> bytes:
        url = f"{self.base_url}/{path.lstrip('/')}" if path else self.base_url
        r = self.session.get(url, params=params)
        if r.status_code != 200:
            raise ValueError(f"{self.survey}: {url} answered HTTP {r.status_code}")
        return r.content


class PS1Fitscut(_HTTPProvider):
    """PS1 stack-image cutouts from STScI's ``ps1filenames.py`` + ``fitscut.cgi``.

    ``ps1filenames.py?ra=&dec=&filters=<band>`` lists the stack images covering the
    position; ``fitscut.cgi?ra=&dec=&size=<px>&format=fits&red=<filename>`` cuts one.
    PS1 stacks are 0.25″/px, so the seed's 60″ stamp is 240 px (§2.2.2).
    """

    survey = "PS1"
    PIXEL_SCALE_ARCSEC = 0.25

    def __init__(self, base_url: str = "https://ps1images.stsci.edu/cgi-bin", **kw):
        super().__init__(base_url, **kw)

    def fetch_bytes(self, coord: SkyCoord, size: u.Quantity, *, band: str = "i") -> bytes:
        if band not in ("g", "r", "i", "z", "y"):
            raise ValueError(f"PS1 band must be one of g, r, i, z, y; got {band!r}")
        arcsec = _check_size(size)
        c = coord.icrs
        pos = {"ra": f"{c.ra.deg:.6f}", "dec": f"{c.dec.deg:.6f}"}
        listing = self._get("ps1filenames.py", {**pos, "filters": band}).decode("utf-8", "replace")
        try:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", AstropyWarning)
                table = astro_ascii.read(listing, format="basic")
        except Exception as exc:
            raise ValueError(f"PS1: unreadable ps1filenames.py answer ({exc})") from None
        if "filename" not in table.colnames or "filter" not in table.colnames:
            raise ValueError("PS1: ps1filenames.py answer has no 'filename'/'filter' columns")
        rows = [r for r in table if str(r["filter"]) == band]
        if not rows:
            raise ValueError(f"PS1: no {band} stack image covers {coord.to_string('decimal')}")
        npx = int(round(arcsec / self.PIXEL_SCALE_ARCSEC))
        raw = self._get(
            "fitscut.cgi", {**pos, "size": npx, "format": "fits", "red": str(rows[0]["filename"])}
        )
        read_fits_image(raw, where=f"{self.base_url} PS1 {band} cutout")
        return raw
