"""The CADC VLASS cutout provider runs astroquery's real CADC client against CADC's recorded
responses (astroquery's own test data) served on 127.0.0.1; nothing reaches the internet."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from urllib.parse import unquote

import astropy.units as u
import astroquery.cadc
import pytest
import pyvo
from astropy.coordinates import SkyCoord
from astropy.io import fits

from catalog.providers.cadc import CadcVLASSCutouts
from catalog.providers.cutouts import NoImage
from tests.factories import RadioComponentFactory

ASTROQUERY_DATA = Path(astroquery.cadc.__file__).parent / "tests" / "data"
HERE = Path(__file__).parent / "recorded" / "cadc"
PUBLISHER_ID = (
    "ivo://cadc.nrc.ca/VLASS?VLASS2.1.ql.T10t12.J100000+023000.10.2048.v1/"
    "VLASS2.1.ql.T10t12.J100000+023000.10.2048.v1.I.iter1.image.pbcor.tt0.subim"
)
COORD = SkyCoord(150.0 * u.deg, 2.5 * u.deg)
# pyvo reads the IVOA DataLink vocabulary ("#cutout" and its narrower terms) through astropy's
# download cache; offline, the cache is filled from the copy pyvo records for its own tests.
PYVO_DATALINK_VOCAB = Path(pyvo.__file__).parent / "dal/tests/data/datalink/datalink.desise"


@pytest.fixture(autouse=True)
def offline_datalink_vocabulary(tmp_path):
    from astropy.config.paths import set_temp_cache
    from astropy.utils.data import import_file_to_cache
    from pyvo.utils import vocabularies

    vocabularies.get_vocabulary.cache_clear()
    with set_temp_cache(tmp_path / "astropy-cache"):
        import_file_to_cache(
            vocabularies.IVOA_VOCABULARY_ROOT + "datalink/core",
            str(PYVO_DATALINK_VOCAB),
            remove_original=False,
        )
        yield
    vocabularies.get_vocabulary.cache_clear()


def serve_cadc(replay_server, *, empty: bool = False) -> str:
    """Routes for the registry, TAP, DataLink and SODA; returns the registry URL."""
    base = replay_server.base_url

    def text(path: Path) -> bytes:
        raw = path.read_text()
        raw = raw.replace("https://www.cadc-ccda.hia-iha.nrc-cnrc.gc.ca", base)
        return raw.replace("BASE", base).replace("PUBLISHER_ID", PUBLISHER_ID).encode()

    reg = (
        f"ivo://cadc.nrc.ca/argus = {base}/argus/capabilities\n"
        f"ivo://cadc.nrc.ca/caom2ops = {base}/caom2ops/capabilities\n"
    )
    replay_server.add("/reg/resource-caps", reg.encode(), content_type="text/plain")
    replay_server.add(
        "/argus/capabilities", text(ASTROQUERY_DATA / "tap_caps.xml"), content_type="text/xml"
    )
    tap = text(HERE / ("tap_empty.xml" if empty else "tap_vlass_planes.xml"))
    for path in ("/argus/sync", "/argus//sync"):
        replay_server.add(path, tap, content_type="application/x-votable+xml")
    replay_server.add(
        "/caom2ops/capabilities", text(HERE / "caom2ops_caps.xml"), content_type="text/xml"
    )
    replay_server.add(
        "/caom2ops/datalink",
        text(HERE / "datalink_vlass.xml"),
        content_type="application/x-votable+xml",
    )
    replay_server.add(
        "/caom2ops/sync",
        (ASTROQUERY_DATA / "query_images.fits").read_bytes(),
        content_type="application/fits",
    )
    return f"{base}/reg/resource-caps"


def test_cadc_provider_runs_tap_datalink_and_soda_against_recorded_responses(replay_server):
    provider = CadcVLASSCutouts(registry_url=serve_cadc(replay_server))
    raw = provider.fetch_bytes(COORD, 240 * u.arcsec)
    recorded = fits.getdata(ASTROQUERY_DATA / "query_images.fits")
    assert fits.getdata(io.BytesIO(raw)).shape == recorded.shape
    paths = [p for _, p, _ in replay_server.requests]
    assert "/reg/resource-caps" in paths and "/caom2ops/datalink" in paths
    tap = [q for _, p, q in replay_server.requests if p.endswith("/sync") and "QUERY" in q]
    assert tap, "no TAP query was sent"
    adql = tap[0]["QUERY"][0]
    assert "VLASS" in adql and "CIRCLE" in adql.upper()
    dl = [q for _, p, q in replay_server.requests if p == "/caom2ops/datalink"]
    assert dl[0]["ID"] == [PUBLISHER_ID]
    soda = [q for _, p, q in replay_server.requests if p == "/caom2ops/sync"]
    assert soda[0]["ID"] == [PUBLISHER_ID]
    # the cutout circle is the half-size: 240" square -> 120" = 0.0333 deg radius
    ra, dec, r = (float(v) for v in unquote(soda[0]["POS"][0]).split()[1:])
    assert r == pytest.approx(120 / 3600) and dec == pytest.approx(2.5, abs=1e-3)


def test_cadc_provider_says_no_image_for_an_empty_tap_answer(replay_server):
    provider = CadcVLASSCutouts(registry_url=serve_cadc(replay_server, empty=True))
    with pytest.raises(NoImage, match="no image"):
        provider.fetch_bytes(COORD, 240 * u.arcsec)


def test_cadc_provider_refuses_a_bad_registry_url():
    with pytest.raises(ValueError, match="registry_url must be an http"):
        CadcVLASSCutouts(registry_url="ftp://example")


@pytest.mark.django_db
def test_cutout_task_stores_once_by_sha256_through_storage(replay_server, settings, tmp_path):
    from django.core.files.storage import default_storage

    from catalog.images.cutouts import fetch_component_cutout
    from catalog.models import Cutout

    settings.MEDIA_ROOT = str(tmp_path)
    settings.RADIOHOST_CADC_REGISTRY_URL = serve_cadc(replay_server)
    comp = RadioComponentFactory(epoch__name="2.1", name="c", ra=150.0, dec=2.5)
    path = fetch_component_cutout(comp.pk)
    cut = Cutout.objects.get(component=comp, survey="VLASS")
    raw = default_storage.open(path).read()
    assert cut.sha256 == hashlib.sha256(raw).hexdigest() and path.endswith(f"{cut.sha256}.fits")
    assert (cut.width_px, cut.height_px) == (101, 101)
    n_requests = len(replay_server.requests)
    assert fetch_component_cutout(comp.pk) == path  # cached: no second fetch
    assert len(replay_server.requests) == n_requests
