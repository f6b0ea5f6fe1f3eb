"""VLASS Quick Look cutouts from CADC (the archive that serves them), via astroquery.

``astroquery.cadc.Cadc().get_images(coord, radius, collection="VLASS")`` does what the
service documents: a TAP query of CAOM planes overlapping the position, a DataLink request
per plane for its SODA ``#cutout`` service, and a SODA sync cutout (``POS=CIRCLE ra dec r``)
of each. The cutout is the circle's bounding box, so a square of side ``size`` takes
``radius = size / 2``. Images come back as ``HDUList``s; the largest valid celestial image
is kept (VLASS QL planes of several epochs may overlap a position; the ``tt0`` intensity
image is preferred over spectral-index or rms planes when the file names say which).

``registry_url`` points astroquery's service registry elsewhere (tests: a replay server on
127.0.0.1); CADC's own registry is the default.
"""

from __future__ import annotations

import io
import logging
from contextlib import contextmanager

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord

from catalog.providers.cutouts import NoImage, _check_size
from catalog.providers.fits_image import read_fits_image

log = logging.getLogger(__name__)


@contextmanager
def _registry(url: str | None):
    """Use ``url`` as astroquery's CADC registry for the duration (its lookups are cached
    module-wide, so the cache is emptied on the way in and restored on the way out)."""
    if url is None:
        yield
        return
    from astroquery.cadc import conf
    from astroquery.cadc.core import get_access_url

    saved = dict(get_access_url.caps)
    get_access_url.caps.clear()
    try:
        with conf.set_temp("CADC_REGISTRY_URL", url):
            yield
    finally:
        get_access_url.caps.clear()
        get_access_url.caps.update(saved)


def _score(hdul) -> tuple[int, int]:
    """Prefer the total-intensity plane, then the most finite pixels."""
    hdr = hdul[0].header
    name = " ".join(str(hdr.get(k, "")) for k in ("FILENAME", "FILNAM01", "OBJECT")).lower()
    is_alpha_or_rms = any(t in name for t in (".alpha", "rms", ".tt1"))
    data = next((h.data for h in hdul if h.is_image and h.data is not None), None)
    n = 0 if data is None else int(np.isfinite(np.asarray(data, dtype=float)).sum())
    return (0 if is_alpha_or_rms else 1, n)


class CadcVLASSCutouts:
    """``CutoutProvider`` for VLASS QL images at CADC (astroquery's CADC client)."""

    survey = "VLASS"

    def __init__(self, *, collection: str = "VLASS", registry_url: str | None = None):
        if registry_url is not None and not registry_url.startswith(("http://", "https://")):
            raise ValueError(f"registry_url must be an http(s) URL, got {registry_url!r}")
        self.collection, self.registry_url = collection, registry_url

    def fetch_bytes(self, coord: SkyCoord, size: u.Quantity, *, band: str = "") -> bytes:
        """FITS bytes of the best VLASS image cut around ``coord``; :class:`NoImage` if none."""
        from astroquery.cadc import Cadc

        arcsec = _check_size(size)
        where = f"CADC {self.collection} at {coord.icrs.to_string('decimal')}"
        with _registry(self.registry_url):
            try:
                images = Cadc().get_images(
                    coord.icrs, (arcsec / 2) * u.arcsec, collection=self.collection
                )
            except AttributeError as exc:
                # astroquery raises AttributeError('Missing query_result argument') for an
                # empty TAP answer: no plane of the collection overlaps the position
                if "query_result" in str(exc):
                    raise NoImage(f"{where}: no image") from None
                raise
        valid = []
        for hdul in images:
            buf = io.BytesIO()
            hdul.writeto(buf)
            raw = buf.getvalue()
            try:
                read_fits_image(raw, where=where)
            except ValueError as exc:
                log.info("skipping an unusable CADC image: %s", exc)
                continue
            valid.append((_score(hdul), raw))
        if not valid:
            raise NoImage(f"{where}: no usable image among {len(images)} returned")
        return max(valid, key=lambda t: t[0])[1]
