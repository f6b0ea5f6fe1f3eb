"""Radio chain (seed §3.1): each step, the whole chain on real FIRST pixels, bad inputs."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.paths import data_dir
from ml.preprocess.radio import (
    MODEL_SIZE,
    RADIO_SIZE,
    fill_nans,
    frame_wcs,
    preprocess_radio,
    regrid_to_frame,
    scale_unit,
    sigma_clip_image,
    smooth,
    to_model_input,
)

FIRST_DIR = data_dir() / "images" / "mirabest_first"
# A confident WAT and a compact FR II (LAS 6.3"), both real FIRST cutouts, 300x300 at 1.8"/px.
WAT_FILE = FIRST_DIR / "102_216.568+000.838_0.1250_0092.37.fits"
COMPACT_FILE = FIRST_DIR / "200_137.463+058.784_0.2697_0006.27.fits"
needs_wat = pytest.mark.real_data(WAT_FILE.relative_to(data_dir()))
VLASS_HEADER = (
    "images/vlass_ql_headers/"
    "VLASS1.2.ql.T07t14.J084202-123000.10.2048.v1.I.iter1.image.pbcor.tt0.subim.fits.header"
)


def _read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TAB characters in FIRST COMMENT cards
        with fits.open(path) as hdul:
            return np.asarray(hdul[0].data, float).squeeze(), WCS(hdul[0].header).celestial


def _blob(shape, x, y, sigma=2.0, amp=1.0):
    yy, xx = np.indices(shape)
    return amp * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma**2))


# --- fill_nans ---------------------------------------------------------------------------


def test_fill_nans_interpolates_a_smooth_ramp():
    yy, xx = np.indices((40, 40))
    ramp = 0.1 * xx + 0.05 * yy
    holed = ramp.copy()
    holed[20, 20] = np.nan
    holed[5, 30:32] = np.nan
    out = fill_nans(holed)
    assert np.isfinite(out).all()
    # A symmetric kernel on a linear ramp returns the ramp value at the hole.
    assert out[20, 20] == pytest.approx(ramp[20, 20], abs=1e-6)
    assert np.allclose(out[~np.isnan(holed)], ramp[~np.isnan(holed)])


def test_fill_nans_large_hole_gets_background_median():
    img = np.random.default_rng(0).normal(3.0, 0.1, (60, 60))
    img[:, :30] = np.nan  # half the frame outside the survey footprint
    out = fill_nans(img)
    assert np.isfinite(out).all()
    assert np.median(out[:, :10]) == pytest.approx(np.nanmedian(img), abs=1e-9)


def test_fill_nans_all_nan_raises():
    with pytest.raises(ValueError, match="no finite pixels"):
        fill_nans(np.full((10, 10), np.nan))


def test_fill_nans_wrong_ndim_raises():
    with pytest.raises(ValueError, match=r"must be a 2-D array, got shape \(3, 4, 5\)"):
        fill_nans(np.zeros((3, 4, 5)))


# --- scale_unit --------------------------------------------------------------------------


def test_scale_unit_maps_min_to_0_and_max_to_1():
    out = scale_unit(np.array([[-2.0, 0.0], [1.0, 6.0]]))
    assert out.min() == 0.0 and out.max() == 1.0
    assert out[0, 1] == pytest.approx(0.25)


def test_scale_unit_constant_raises():
    with pytest.raises(ValueError, match=r"image is constant \(every pixel = 0.5\)"):
        scale_unit(np.full((5, 5), 0.5))


def test_scale_unit_nan_raises():
    img = np.ones((4, 4))
    img[0, 0] = np.nan
    img[1, 1] = 2
    with pytest.raises(ValueError, match="call fill_nans first"):
        scale_unit(img)


# --- sigma_clip_image --------------------------------------------------------------------


def test_sigma_clip_zeroes_noise_and_keeps_source_pixels_unchanged():
    rng = np.random.default_rng(1)
    noise = rng.normal(0.2, 0.01, (100, 100))
    img = noise + _blob((100, 100), 50, 50, sigma=3, amp=0.7)
    out = sigma_clip_image(img)
    # Far from the source almost everything is <= median + 3 sigma -> 0.
    assert np.mean(out[:20, :20] == 0) > 0.99
    # The source survives with its original values (no rescaling, no upper clip).
    assert out[50, 50] == img[50, 50]
    kept = out > 0
    assert np.array_equal(out[kept], img[kept])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), sigma=st.floats(0.5, 6.0))
def test_sigma_clip_output_is_input_or_zero(seed, sigma):
    img = np.random.default_rng(seed).random((32, 32))
    out = sigma_clip_image(img, sigma=sigma)
    assert np.all((out == 0) | (out == img))


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan])
def test_sigma_clip_bad_sigma_raises(bad):
    with pytest.raises(ValueError, match="sigma must be a positive finite number"):
        sigma_clip_image(np.random.default_rng(0).random((8, 8)), sigma=bad)


# --- smooth ------------------------------------------------------------------------------


def test_smooth_conserves_flux_and_widens_a_point():
    img = np.zeros((41, 41))
    img[20, 20] = 1.0
    out = smooth(img)
    assert out.sum() == pytest.approx(1.0, abs=1e-9)
    assert out[20, 20] == pytest.approx(1 / (2 * np.pi), rel=0.05)  # peak of a 1-px Gaussian
    assert np.unravel_index(np.argmax(out), out.shape) == (20, 20)


def test_smooth_bad_sigma_raises():
    with pytest.raises(ValueError, match="sigma_px must be a positive finite number"):
        smooth(np.zeros((5, 5)), sigma_px=0)


# --- regridding and the whole chain on real FIRST pixels ---------------------------------


@needs_wat
def test_regrid_puts_the_real_first_peak_at_its_sky_position():
    data, wcs = _read(WAT_FILE)
    centre = wcs.pixel_to_world(149.5, 149.5)
    frame = regrid_to_frame(data, wcs, centre)
    assert frame.shape == (RADIO_SIZE, RADIO_SIZE)
    # The brightest FIRST pixel, mapped through the sky onto the 1"/px frame ...
    r, c = np.unravel_index(np.nanargmax(data), data.shape)
    sky = wcs.pixel_to_world(c, r)
    fx, fy = frame_wcs(centre).world_to_pixel(sky)
    # ... is where the regridded frame peaks (bilinear: within one 1.8" input pixel).
    rr, cc = np.unravel_index(np.nanargmax(frame), frame.shape)
    assert np.hypot(cc - fx, rr - fy) <= 1.8
    # Surface brightness (Jy/beam) is interpolated, not summed: the peak value is kept.
    assert np.nanmax(frame) == pytest.approx(np.nanmax(data), rel=0.1)


@needs_wat
def test_preprocess_radio_real_first_image():
    data, wcs = _read(WAT_FILE)
    out = preprocess_radio(data, wcs=wcs)
    assert out.shape == (240, 240) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    # 3-sigma clip: most of a 4' FIRST field is background and is exactly 0 after it,
    # but smoothing spreads each surviving pixel, so test the far corners only.
    assert np.mean(out == 0) > 0.5
    # The emission is where the source is: the host (frame centre) lies on it.
    assert out[115:125, 115:125].max() > 0.3 * out.max()


@pytest.mark.real_data(COMPACT_FILE.relative_to(data_dir()))
def test_preprocess_radio_fills_blanked_pixels():
    data, wcs = _read(COMPACT_FILE)
    data = data.copy()
    data[140:160, 100:104] = np.nan  # a blanked strip like a VLASS image edge
    out = preprocess_radio(data, wcs=wcs)
    assert np.isfinite(out).all()


def test_preprocess_radio_without_wcs_needs_the_240_frame():
    with pytest.raises(ValueError, match=r"shape \(300, 300\); without a WCS it must already"):
        preprocess_radio(np.random.default_rng(0).random((300, 300)))


def test_preprocess_radio_all_nan_raises():
    with pytest.raises(ValueError, match="no finite pixels"):
        preprocess_radio(np.full((240, 240), np.nan))


def test_preprocess_radio_constant_raises():
    with pytest.raises(ValueError, match="image is constant"):
        preprocess_radio(np.full((240, 240), 3e-4))


def test_preprocess_radio_bad_wcs_raises():
    with pytest.raises(ValueError, match="astropy WCS with celestial axes"):
        preprocess_radio(np.zeros((300, 300)), wcs="not a wcs")


def test_regrid_missing_wcs_raises():
    with pytest.raises(ValueError, match="needs the WCS of the input image"):
        regrid_to_frame(np.zeros((10, 10)), None, SkyCoord(10, 10, unit="deg"))


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(1e-5, 10.0), offset=st.floats(-1, 1))
def test_preprocess_radio_output_in_unit_range(seed, scale, offset):
    rng = np.random.default_rng(seed)
    img = offset + scale * (rng.normal(0, 1, (240, 240)) + _blob((240, 240), 100, 130, 4, 20))
    out = preprocess_radio(img)
    assert out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_preprocess_radio_is_deterministic():
    img = np.random.default_rng(3).normal(0, 1, (240, 240)) + _blob((240, 240), 60, 70, 3, 30)
    assert np.array_equal(preprocess_radio(img), preprocess_radio(img))


# --- 240 -> 217 --------------------------------------------------------------------------


@pytest.mark.parametrize("dx,dy", [(0.0, 0.0), (40.0, -25.0), (-90.0, 60.0)])
def test_to_model_input_keeps_the_centre_and_scales_offsets(dx, dy):
    c240 = (RADIO_SIZE - 1) / 2
    img = _blob((240, 240), c240 + dx, c240 + dy, sigma=3)
    out = to_model_input(img)
    assert out.shape == (MODEL_SIZE, MODEL_SIZE) and out.dtype == np.float32
    c217 = (MODEL_SIZE - 1) / 2  # = 108: the 240 frame centre lands on a pixel centre
    k = MODEL_SIZE / RADIO_SIZE
    yy, xx = np.indices(out.shape)
    w = out / out.sum()
    assert (w * xx).sum() == pytest.approx(c217 + dx * k, abs=0.05)
    assert (w * yy).sum() == pytest.approx(c217 + dy * k, abs=0.05)
    assert 0.0 <= out.min() and out.max() <= 1.0


def test_to_model_input_wrong_shape_raises():
    with pytest.raises(ValueError, match=r"img240 must have shape \(240, 240\), got \(217, 217\)"):
        to_model_input(np.zeros((217, 217)))


def test_smooth_equals_astropy_gaussian_kernel_convolution():
    from astropy.convolution import Gaussian2DKernel, convolve

    img = np.random.default_rng(5).random((60, 50))
    ref = convolve(img, Gaussian2DKernel(x_stddev=1.0), boundary="fill", fill_value=0.0)
    assert np.allclose(smooth(img), ref, atol=1e-12)


def test_smooth_keeps_exact_zero_background():
    img = np.zeros((50, 50))
    img[10, 10] = 1.0
    out = smooth(img)
    assert np.all(out[30:, 30:] == 0.0)


@needs_wat
def test_regrid_matches_plain_reproject_into_the_icrs_frame():
    # The FK5 shortcut and roundtrip_coords=False must not change the answer.
    from reproject import reproject_interp

    data, wcs = _read(WAT_FILE)
    centre = wcs.pixel_to_world(149.5, 149.5).icrs
    ours = regrid_to_frame(data, wcs, centre)
    ref, _ = reproject_interp((data, wcs), frame_wcs(centre), shape_out=(240, 240))
    both = np.isfinite(ours) & np.isfinite(ref)
    assert both.mean() > 0.99
    # FK5 J2000 vs ICRS: < 0.03" at 1"/px, so the images agree to ~1e-6 of the peak.
    assert np.abs(ours[both] - ref[both]).max() < 1e-4 * np.nanmax(ref)


@pytest.mark.real_data(VLASS_HEADER)
def test_preprocess_radio_on_real_vlass_ql_geometry():
    """A 4-D VLASS QL image (SIN, 1"/px, STOKES/FREQ axes) from a real header."""
    hdr_path = data_dir() / VLASS_HEADER
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        header = fits.Header.fromstring(hdr_path.read_text(), sep="\n")
        full = WCS(header)
    assert full.naxis == 4
    # A 300x300 sub-image 500 px off the tile centre (SIN distortion is not negligible there).
    x0, y0 = 1300, 2100
    sub = full[:, :, y0 : y0 + 300, x0 : x0 + 300]
    cel = sub.celestial
    src = cel.pixel_to_world(190.0, 120.0)  # a point source 40 px right, 30 px down
    data = np.zeros((1, 1, 300, 300))
    data[0, 0] = _blob((300, 300), 190.0, 120.0, sigma=1.5, amp=0.05)
    data[0, 0] += np.random.default_rng(2).normal(0, 1.3e-4, (300, 300))
    out = preprocess_radio(data, wcs=sub)
    assert out.shape == (240, 240)
    centre = cel.pixel_to_world(149.5, 149.5)
    ex, ey = frame_wcs(centre).world_to_pixel(src)
    r, c = np.unravel_index(np.argmax(out), out.shape)
    assert np.hypot(c - ex, r - ey) <= 1.0
    assert np.hypot(ex - (119.5 + 40.5), ey - (119.5 - 29.5)) < 1.0  # ~1"/px both ways


def test_non_degenerate_cube_raises():
    with pytest.raises(ValueError, match=r"must be a 2-D array, got shape \(2, 240, 240\)"):
        preprocess_radio(np.zeros((2, 240, 240)))
