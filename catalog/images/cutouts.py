"""Radio cutouts for components: fetched by a task through a provider, stored once.

The FITS bytes go to the image store (:mod:`catalog.images.store`, Django's storage API) under
``cutouts/<survey>/<sha256>.fits`` (the same bytes are stored once, whoever asks), and a
``Cutout`` row records the storage name, size, pixel scale and sha256. Nothing here runs inside a page request: pages read stored cutouts only.
"""

from __future__ import annotations

import astropy.units as u
from astropy.coordinates import SkyCoord

from catalog.images import store
from catalog.models import Cutout, RadioComponent
from catalog.providers.cutouts import NoImage
from catalog.providers.fits_image import read_fits_image


def store_component_cutout(provider, component: RadioComponent, size: u.Quantity, *, band=""):
    """Fetch ``size`` around the component from ``provider``, store it, upsert its ``Cutout``.

    Returns ``(cutout, notes)``. Raises ``ValueError`` for a bad image (nothing stored) and
    :class:`NoImage` (from the provider) when there is none.
    """
    coord = SkyCoord(component.ra * u.deg, component.dec * u.deg)
    raw = provider.fetch_bytes(coord, size, band=band)
    where = f"{provider.survey} cutout of {component.name}"
    img = read_fits_image(raw, where=where)
    name, sha = store.store_fits(raw, provider.survey)
    cut, _ = Cutout.objects.update_or_create(
        component=component,
        survey=provider.survey,
        band=band,
        defaults={
            "path": name,
            "width_px": int(img.data.shape[1]),
            "height_px": int(img.data.shape[0]),
            "pixel_scale_arcsec": img.pixel_scale_arcsec,
            "sha256": sha,
        },
    )
    return cut, img.notes


def default_radio_provider():
    """The VLASS Quick Look provider: CADC (the archive serving the QL images) via astroquery."""
    from django.conf import settings

    from catalog.providers.cadc import CadcVLASSCutouts

    return CadcVLASSCutouts(registry_url=getattr(settings, "RADIOHOST_CADC_REGISTRY_URL", None))


def fetch_component_cutout(component_id: int, size_arcsec: float = 240.0, provider=None):
    """The task body: the component's stored VLASS cutout path, fetching it once if missing.

    Returns None when the archive holds no VLASS image at the position.
    """
    comp = RadioComponent.objects.get(pk=component_id)
    existing = Cutout.objects.filter(component=comp, survey="VLASS").first()
    if existing is not None and store.exists(existing.path):
        return existing.path
    try:
        cut, _ = store_component_cutout(
            provider or default_radio_provider(), comp, size_arcsec * u.arcsec
        )
    except NoImage:
        return None
    return cut.path
