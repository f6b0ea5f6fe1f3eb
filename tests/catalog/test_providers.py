"""Providers against recorded responses on 127.0.0.1, and FITS validation on real headers."""

from __future__ import annotations

import io
import re
from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.io import fits

from catalog.providers.catalogs import MastPS1, VizierCatalog, normalise_allwise
from catalog.providers.cutouts import (
    CutoutProvider,
    LocalFITSDirectory,
    PS1Fitscut,
)
from catalog.providers.fits_image import read_fits_image
from catalog.providers.http import make_session
from ml.paths import data_dir

IMAGES = data_dir() / "images"
PS1_G = IMAGES / "optical_hostphot_SN2006bh" / "PS1_g.fits"
HEADERS = IMAGES / "vlass_ql_headers"
INF_HEADER = (
    HEADERS
    / "VLASS1.1.ql.T06t24.J152614-163000.10.2048.v1.I.iter1.image.pbcor.tt0.rms.subim.fits.header"
)
MIRABEST = IMAGES / "mirabest_first"
needs_ps1 = pytest.mark.real_data(PS1_G.relative_to(data_dir()))


def _vlass_like(header_file: Path, n: int = 48, data=None) -> bytes:
    """A small image with a real VLASS QL header (4-D, SIN, 1″/px), reference pixel centred."""
    text = header_file.read_text()
    text = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    h = fits.Header.fromstring(text, sep="\n")
    h["NAXIS1"] = h["NAXIS2"] = n
    h["CRPIX1"] = h["CRPIX2"] = n / 2 + 0.5
    arr = np.ones((1, 1, n, n), np.float32) if data is None else data
    buf = io.BytesIO()
    fits.PrimaryHDU(arr, header=h).writeto(buf, output_verify="silentfix")
    return buf.getvalue()


# ---------------------------------------------------------------------------- FITS checks


@pytest.mark.real_data(INF_HEADER.relative_to(data_dir()))
def test_real_vlass_header_with_bmaj_inf_is_repaired_not_fatal():
    assert "BMAJ    = 'INF" in INF_HEADER.read_text()
    img = read_fits_image(_vlass_like(INF_HEADER), where="inf.fits")
    assert img.data.shape == (48, 48)  # FREQ/STOKES axes squeezed
    assert img.pixel_scale_arcsec == pytest.approx(1.0)
    assert "BMAJ" not in img.header
    assert img.notes == ["inf.fits: header BMAJ = 'INF' is not a finite number; dropped"]


@pytest.mark.real_data("images/vlass_ql_headers")
@pytest.mark.parametrize("header", sorted(HEADERS.glob("*.header"))[:4], ids=lambda p: p.name[:30])
def test_real_vlass_headers_give_a_one_arcsec_sin_wcs(header):
    img = read_fits_image(_vlass_like(header))
    assert img.wcs.wcs.ctype[0] == "RA---SIN" and img.pixel_scale_arcsec == pytest.approx(1.0)


@needs_ps1
def test_truncated_fits_is_refused():
    raw = PS1_G.read_bytes()
    with pytest.raises(ValueError, match=r"^cut\.fits: unreadable or truncated FITS"):
        read_fits_image(raw[: len(raw) // 3], where="cut.fits")


def test_fits_without_wcs_is_refused():
    buf = io.BytesIO()
    fits.PrimaryHDU(np.ones((8, 8), np.float32)).writeto(buf)
    with pytest.raises(ValueError, match=r"^nowcs\.fits: no celestial WCS in the header$"):
        read_fits_image(buf.getvalue(), where="nowcs.fits")


@needs_ps1
def test_fits_with_broken_wcs_is_refused():
    h = fits.getheader(PS1_G)
    h["CTYPE1"] = "RA---XYZ"
    buf = io.BytesIO()
    fits.PrimaryHDU(np.ones((8, 8), np.float32), header=h).writeto(buf)
    with pytest.raises(ValueError, match=r"^broken\.fits: broken WCS"):
        read_fits_image(buf.getvalue(), where="broken.fits")


@pytest.mark.real_data("images/vlass_ql_headers")
def test_all_nan_image_is_refused():
    raw = _vlass_like(
        HEADERS / sorted(p.name for p in HEADERS.glob("*.header"))[1],
        data=np.full((1, 1, 48, 48), np.nan, np.float32),
    )
    with pytest.raises(ValueError, match=r"^nan\.fits: the image is all NaN$"):
        read_fits_image(raw, where="nan.fits")


@needs_ps1
def test_real_ps1_stamp_reads():
    img = read_fits_image(PS1_G)
    assert img.data.shape == (240, 240) and img.pixel_scale_arcsec == pytest.approx(0.25, rel=1e-3)


# ---------------------------------------------------------------------------- HTTP


def test_session_retries_5xx_then_succeeds(replay_server):
    route = replay_server.add("/x", b"ok", fail_first=2)
    s = make_session(retries=3, backoff_s=0.0)
    r = s.get(replay_server.base_url + "/x")
    assert r.status_code == 200 and r.content == b"ok" and route.hits == 3
    with pytest.raises(ValueError, match="retries must be >= 0"):
        make_session(retries=-1)


def test_http_provider_reports_http_errors_and_bad_sizes(replay_server):
    replay_server.add("/ps1filenames.py", b"", status=404)
    p = PS1Fitscut(replay_server.base_url, session=make_session(retries=0))
    assert isinstance(p, CutoutProvider)
    with pytest.raises(ValueError, match=r"answered HTTP 404"):
        p.fetch_bytes(SkyCoord(1 * u.deg, 2 * u.deg), 1 * u.arcmin, band="i")
    with pytest.raises(ValueError, match="size must be an angle Quantity"):
        p.fetch_bytes(SkyCoord(1 * u.deg, 2 * u.deg), 3.6, band="i")
    with pytest.raises(ValueError, match="base_url must be an http"):
        PS1Fitscut("ftp://x")


@needs_ps1
def test_ps1_fitscut_provider(replay_server):
    listing = (
        "projcell subcell ra dec filter mjd type filename shortname badflag\n"
        "1784 059 28.0 2.0 g 0 stack /rings.v3.skycell/1784/059/rings.v3.skycell.1784.059.stk.g.unconv.fits x 0\n"
    )
    replay_server.add("/cgi-bin/ps1filenames.py", listing.encode(), content_type="text/plain")
    replay_server.add("/cgi-bin/fitscut.cgi", PS1_G.read_bytes(), content_type="application/fits")
    p = PS1Fitscut(replay_server.base_url + "/cgi-bin", session=make_session(retries=0))
    raw = p.fetch_bytes(SkyCoord(28.0 * u.deg, 2.0 * u.deg), 60 * u.arcsec, band="g")
    assert raw == PS1_G.read_bytes()
    _, path, q = replay_server.requests[-1]
    assert (
        q["size"] == ["240"]
        and q["red"][0].endswith("stk.g.unconv.fits")
        and q["format"] == ["fits"]
    )
    with pytest.raises(ValueError, match="no r stack image covers"):
        p.fetch_bytes(SkyCoord(28.0 * u.deg, 2.0 * u.deg), 60 * u.arcsec, band="r")
    with pytest.raises(ValueError, match="PS1 band must be one of"):
        p.fetch_bytes(SkyCoord(28.0 * u.deg, 2.0 * u.deg), 60 * u.arcsec, band="u")


@pytest.mark.real_data("images/mirabest_first")
def test_local_fits_directory_cuts_real_first_images(tmp_path):
    src = sorted(MIRABEST.glob("*.fits"))[0]
    (tmp_path / src.name).write_bytes(src.read_bytes())
    ra, dec = (float(x) for x in re.match(r"\d+_([\d.]+)([+-][\d.]+)_", src.name).groups())
    p = LocalFITSDirectory(tmp_path, survey="FIRST")
    img = read_fits_image(p.fetch_bytes(SkyCoord(ra * u.deg, dec * u.deg), 90 * u.arcsec))
    assert img.data.shape == (50, 50) and img.pixel_scale_arcsec == pytest.approx(1.8)
    x, y = img.wcs.world_to_pixel(SkyCoord(ra * u.deg, dec * u.deg))
    assert abs(x - 24.5) < 1 and abs(y - 24.5) < 1
    with pytest.raises(ValueError, match="no image contains"):
        p.fetch_bytes(SkyCoord(0 * u.deg, -80 * u.deg), 90 * u.arcsec)
    with pytest.raises(ValueError, match="not a directory"):
        LocalFITSDirectory(tmp_path / "nope")


# ---------------------------------------------------------------------------- catalogues


def test_mast_ps1_harvester_runs_astroquery_against_recorded_response(replay_server, recorded):
    replay_server.add(
        "/api/v0.1/panstarrs/dr2/mean/metadata.json",
        (recorded / "panstarrs_columns.json").read_bytes(),
        content_type="application/json",
    )
    replay_server.add(
        "/api/v0.1/panstarrs/dr2/mean.json",
        (recorded / "panstarrs.json").read_bytes(),
        content_type="application/json",
    )
    h = MastPS1(replay_server.base_url)
    raw = h.query_raw(SkyCoord(10 * u.deg, 10 * u.deg), 0.05 * u.deg)
    assert len(raw) == 35 and "objID" in raw.colnames
    # That recorded answer carries ecliptic coordinates only: refused with a clear message.
    with pytest.raises(ValueError, match=r"^MAST PS1 DR2: missing required column 'ra'"):
        h.query(SkyCoord(10 * u.deg, 10 * u.deg))
    assert [r[1] for r in replay_server.requests][-1] == "/api/v0.1/panstarrs/dr2/mean.json"


def test_vizier_harvester_runs_astroquery_against_recorded_response(replay_server, recorded):
    replay_server.add(
        "/viz-bin/votable", (recorded / "kang2010.xml").read_bytes(), content_type="text/xml"
    )
    t = VizierCatalog("II/328", base_url=replay_server.base_url).query(
        SkyCoord(10 * u.deg, 10 * u.deg)
    )
    assert len(t) == 50 and replay_server.requests[-1][:2] == ("POST", "/viz-bin/votable")
    with pytest.raises(ValueError, match=r"^AllWISE table: missing required column 'source_id'"):
        normalise_allwise(t)
