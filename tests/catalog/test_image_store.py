"""The image store: cutouts and overlays go through Django's storage API, to MEDIA_ROOT by
default and to whatever storage STORAGES names otherwise; ``Cutout.path`` is the name there."""

from __future__ import annotations

import hashlib
import re

import astropy.units as u
import pytest
from astropy.coordinates import SkyCoord

from catalog.images.cutouts import store_component_cutout
from catalog.images.overlay import render_and_store
from catalog.models import Cutout
from catalog.providers.cutouts import LocalFITSDirectory
from ml.paths import data_dir
from tests.factories import RadioComponentFactory

MIRABEST = data_dir() / "images" / "mirabest_first"


@pytest.fixture
def first(tmp_path, require_real_data):
    """A real FIRST image as a local provider named VLASS (the overlay's radio survey)."""
    require_real_data(MIRABEST.relative_to(data_dir()))
    src = sorted(MIRABEST.glob("*.fits"))[0]
    root = tmp_path / "images"
    root.mkdir()
    (root / src.name).write_bytes(src.read_bytes())
    ra, dec = (float(x) for x in re.match(r"\d+_([\d.]+)([+-][\d.]+)_", src.name).groups())
    return LocalFITSDirectory(root, survey="VLASS"), ra, dec


def _component(ra, dec):
    return RadioComponentFactory(epoch__name="1.1", name="J1", ra=ra, dec=dec)


def _files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.django_db
def test_a_cutout_is_stored_once_under_media_root(first, settings, tmp_path):
    provider, ra, dec = first
    settings.MEDIA_ROOT = str(tmp_path / "media")
    comp = _component(ra, dec)
    want = provider.fetch_bytes(SkyCoord(ra * u.deg, dec * u.deg), 90 * u.arcsec)
    cut, _ = store_component_cutout(provider, comp, 90 * u.arcsec)
    sha = hashlib.sha256(want).hexdigest()
    assert cut.path == f"cutouts/vlass/{sha}.fits" and cut.sha256 == sha
    assert (tmp_path / "media" / cut.path).read_bytes() == want
    again, _ = store_component_cutout(provider, comp, 90 * u.arcsec)
    assert again.pk == cut.pk and again.path == cut.path
    assert _files(tmp_path / "media") == [cut.path]  # no second copy, no alternative name


@pytest.mark.django_db
def test_cutouts_and_overlays_follow_the_storage_that_storages_names(first, settings, tmp_path):
    provider, ra, dec = first
    settings.MEDIA_ROOT = str(tmp_path / "media")
    other = tmp_path / "shared_bucket"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(other), "base_url": "/shared/"},
        },
    }
    comp = _component(ra, dec)
    cut, _ = store_component_cutout(provider, comp, 90 * u.arcsec)
    assert Cutout.objects.get(pk=cut.pk).path == cut.path  # a name in the storage, relative
    png = render_and_store(comp.pk)  # reads the cutout back through the same storage
    assert png.startswith(f"overlays/{comp.pk}/") and png.endswith(".png")
    assert _files(other) == sorted([cut.path, png])
    assert (other / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "media").exists()
    assert render_and_store(comp.pk) == png and _files(other) == sorted([cut.path, png])
