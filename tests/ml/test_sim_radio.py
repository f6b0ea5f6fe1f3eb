"""ml.sim.radio: VLASS geometry, real beams, Gaussian rendering, correlated noise."""

from __future__ import annotations

import math

import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.paths import data_dir
from ml.sim.radio import correlated_noise, fftconvolve_same, render_components
from ml.sim.vlass import Beam, vlass_beams, vlass_wcs

HEADERS = data_dir() / "images" / "vlass_ql_headers"
needs_headers = pytest.mark.real_data("images/vlass_ql_headers")
C0 = SkyCoord(53.1, -27.8, unit="deg")


def test_vlass_wcs_centre_is_geometric_centre_and_sin():
    w = vlass_wcs(C0)
    x, y = w.world_to_pixel(C0)
    assert (float(x), float(y)) == pytest.approx((119.5, 119.5), abs=1e-9)
    assert list(w.wcs.ctype) == ["RA---SIN", "DEC--SIN"]
    assert w.pixel_shape == (240, 240)
    # 1"/px, RA increasing to the left (east = -x)
    assert w.wcs.cdelt[0] == pytest.approx(-1 / 3600)
    east = w.pixel_to_world(118.5, 119.5)
    assert east.ra.deg > C0.ra.deg


def test_vlass_wcs_rejects_bad_input():
    with pytest.raises(ValueError, match="center must be an astropy SkyCoord"):
        vlass_wcs((53.1, -27.8))
    with pytest.raises(ValueError, match="size must be an integer >= 2"):
        vlass_wcs(C0, size=1)
    with pytest.raises(ValueError, match="pixel_scale_arcsec must be > 0"):
        vlass_wcs(C0, pixel_scale_arcsec=0)


@needs_headers
def test_vlass_beams_are_the_real_distinct_beams_and_skip_inf():
    beams = vlass_beams()
    # 12 headers, image + rms map share a beam, T06t24 has BMAJ = 'INF' -> 5 distinct beams
    assert len(beams) == 5
    assert all(2.5 <= b.bmaj_arcsec <= 4.05 for b in beams)
    assert all(np.isfinite(b.as_tuple()).all() for b in beams)
    assert not any("T06t24" in b.source for b in beams)
    bmaj = sorted(round(b.bmaj_arcsec, 2) for b in beams)
    assert bmaj == [2.52, 2.61, 3.29, 3.71, 4.03]


def test_vlass_beams_empty_folder_raises(tmp_path):
    with pytest.raises(ValueError, match="no VLASS QL"):
        vlass_beams.__wrapped__(str(tmp_path))


def test_point_source_flux_and_spectral_index():
    w = vlass_wcs(C0)
    beam = (3.0, 2.0, 30.0)
    img = render_components(
        [C0.ra.deg], [C0.dec.deg], [10.0], [0], [0], [0], wcs=w, beam_arcsec=beam
    )
    area_px = math.pi / (4 * math.log(2)) * 3.0 * 2.0
    expected_jy = 10e-3 * (3.0 / 1.4) ** -0.7
    assert img.sum() / area_px == pytest.approx(expected_jy, rel=1e-3)
    assert img.dtype == np.float32 and img.shape == (240, 240)


@settings(max_examples=25, deadline=None)
@given(
    flux=st.floats(0.1, 500),
    maj=st.floats(0, 20),
    ratio=st.floats(0, 1),
    pa=st.floats(-180, 180),
    alpha=st.floats(-2, 1),
)
def test_integrated_flux_is_conserved(flux, maj, ratio, pa, alpha):
    """Sum / beam area = catalogue flux scaled by nu^alpha, whatever the shape (property)."""
    w = vlass_wcs(C0)
    beam = (2.6, 2.3, -11.4)
    img = render_components(
        [C0.ra.deg], [C0.dec.deg], [flux], [maj], [maj * ratio], [pa], wcs=w,
        beam_arcsec=beam, spectral_index=alpha,
    )  # fmt: skip
    area_px = math.pi / (4 * math.log(2)) * 2.6 * 2.3
    assert img.astype(float).sum() / area_px == pytest.approx(
        flux * 1e-3 * (3.0 / 1.4) ** alpha, rel=2e-3
    )


def test_position_angle_is_east_of_north():
    w = vlass_wcs(C0)
    yy, xx = np.mgrid[:240, :240]
    for pa, sign in ((45.0, -1), (-45.0, 1)):
        img = render_components([C0.ra.deg], [C0.dec.deg], [5], [15], [1], [pa], wcs=w,
                                beam_arcsec=(2.5, 2.5, 0))  # fmt: skip
        m = img > img.max() / 2
        # PA 45 = north-east: x (west) decreases as y (north) increases -> negative correlation
        assert np.sign(np.corrcoef(xx[m], yy[m])[0, 1]) == sign
    img = render_components([C0.ra.deg], [C0.dec.deg], [5], [15], [1], [0.0], wcs=w,
                            beam_arcsec=(2.5, 2.5, 0))  # fmt: skip
    ys, xs = np.nonzero(img > img.max() / 2)
    assert np.ptp(ys) > 3 * np.ptp(xs)  # PA 0: elongated north-south


def test_offset_component_lands_at_its_pixel():
    w = vlass_wcs(C0)
    target = w.pixel_to_world(150.0, 80.0)
    img = render_components([target.ra.deg], [target.dec.deg], [5], [0], [0], [0], wcs=w,
                            beam_arcsec=(2.5, 2.5, 0))  # fmt: skip
    assert np.unravel_index(np.argmax(img), img.shape) == (80, 150)


def test_noise_is_seeded_and_has_the_requested_rms():
    w = vlass_wcs(C0)
    a = render_components([], [], [], [], [], [], wcs=w, beam_arcsec=(2.6, 2.3, 0),
                          noise_ujy=130.0, rng=3)  # fmt: skip
    b = render_components([], [], [], [], [], [], wcs=w, beam_arcsec=(2.6, 2.3, 0),
                          noise_ujy=130.0, rng=3)  # fmt: skip
    assert np.array_equal(a, b)
    assert a.std() * 1e6 == pytest.approx(130.0, rel=0.05)


def test_noise_is_correlated_on_the_beam_scale():
    n = correlated_noise((240, 240), 1.0, Beam(3.0, 3.0, 0.0), 1.0, np.random.default_rng(0))
    r1 = np.corrcoef(n[:, :-1].ravel(), n[:, 1:].ravel())[0, 1]
    r10 = np.corrcoef(n[:, :-10].ravel(), n[:, 10:].ravel())[0, 1]
    assert r1 > 0.5  # neighbouring pixels inside one beam are strongly correlated
    assert abs(r10) < 0.05  # 10" apart: independent


@pytest.mark.parametrize(
    ("kwargs", "msg"),
    [
        ({"flux_mjy": [-1.0]}, "flux_mjy must be >= 0"),
        ({"major_arcsec": [1.0], "minor_arcsec": [2.0]}, "minor_arcsec 2.0 > major_arcsec 1.0"),
        ({"dec_deg": [1.0, 2.0]}, r"dec_deg has shape \(2,\); all component arrays need length 1"),
        ({"dec_deg": [np.nan]}, "dec_deg contains NaN"),
        ({"beam_arcsec": (2.0, 3.0, 0.0)}, "bmaj >= bmin"),
        ({"beam_arcsec": (0.0, 0.0, 0.0)}, "FWHMs must be > 0"),
        ({"beam_arcsec": "wide"}, "beam_arcsec must be"),
        ({"noise_ujy": -5.0}, "noise_ujy must be >= 0"),
        ({"freq_from_ghz": 0.0}, "must be > 0 GHz"),
    ],
)
def test_render_components_bad_input(kwargs, msg):
    args = {
        "ra_deg": [C0.ra.deg], "dec_deg": [C0.dec.deg], "flux_mjy": [1.0],
        "major_arcsec": [0.0], "minor_arcsec": [0.0], "pa_deg": [0.0],
    }  # fmt: skip
    opts = {"wcs": vlass_wcs(C0), "beam_arcsec": (2.6, 2.3, 0.0)}
    for k, v in kwargs.items():
        (args if k in args else opts)[k] = v
    with pytest.raises(ValueError, match=msg):
        render_components(*args.values(), **opts)


def test_fftconvolve_same_matches_direct_convolution():
    from scipy.ndimage import convolve

    rng = np.random.default_rng(1)
    a = rng.random((31, 40))
    k = rng.random((5, 7))
    direct = convolve(a, k, mode="constant")
    assert np.allclose(fftconvolve_same(a, k), direct)
