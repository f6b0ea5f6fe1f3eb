"""PS1 stamp chain on the real SN2006bh PS1 g r i z stamps (no y band exists for them)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from astropy.io import fits
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.paths import data_dir
from ml.preprocess.optical import (
    PS1_BANDS,
    fill_missing_bands,
    load_ps1_band,
    load_ps1_stamps,
    normalise_stamps,
)

PS1_DIR = data_dir() / "images" / "optical_hostphot_SN2006bh"


@pytest.fixture(scope="module")
def griz_paths(require_real_data):
    paths = {b: PS1_DIR / f"PS1_{b}.fits" for b in "griz"}
    require_real_data(*(p.relative_to(data_dir()) for p in paths.values()))
    return paths


def _counts(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fits.getdata(path).astype(float), fits.getheader(path)


def test_load_real_stamps_shape_and_missing_y_copied_from_z(griz_paths):
    stack = load_ps1_stamps(griz_paths)  # y absent -> nearest wavelength band = z
    assert stack.shape == (5, 240, 240)
    assert PS1_BANDS == ("g", "r", "i", "z", "y")
    assert np.array_equal(stack[4], stack[3])
    assert not np.array_equal(stack[0], stack[1])


def test_zero_points_from_headers_put_bands_on_microjansky(griz_paths):
    # PROVENANCE.md: g has EXPTIME 860 s, FPA.ZP 25 -> zp = 32.336 AB for one count.
    counts, header = _counts(griz_paths["g"])
    zp = header["FPA.ZP"] + 2.5 * np.log10(header["EXPTIME"])
    assert zp == pytest.approx(32.336, abs=1e-3)
    ujy = load_ps1_band(griz_paths["g"])
    assert np.allclose(ujy, counts * 10 ** (-0.4 * (zp - 23.9)))
    # i (1860 s) and r (720 s) differ in exposure; per-count scale factors must differ by
    # exactly the exposure ratio, which is what the zero-points correct for.
    ci, _ = _counts(griz_paths["i"])
    cr, _ = _counts(griz_paths["r"])
    si = load_ps1_band(griz_paths["i"])[100, 100] / ci[100, 100]
    sr = load_ps1_band(griz_paths["r"])[100, 100] / cr[100, 100]
    assert si / sr == pytest.approx(720.0 / 1860.0, rel=1e-9)


def test_galaxy_magnitude_is_physical(griz_paths):
    # SN 2006bh's host is a bright, nearby barred spiral; the 60" stamp's total r flux
    # must be that of a ~14th-magnitude galaxy, not counts.
    r = load_ps1_stamps(griz_paths)[1]
    mag = 23.9 - 2.5 * np.log10(np.nansum(r))
    assert 12.0 < mag < 16.0


def test_asinh_compressed_stamp_is_linearised(griz_paths, tmp_path):
    counts, header = _counts(griz_paths["r"])
    bsoften, boffset = 50.0, 10.0
    a = np.log(10) / 2.5
    stored = np.arcsinh((counts - boffset) / (2 * bsoften)) / a  # PS1 asinh encoding
    header = header.copy()
    header["BSOFTEN"], header["BOFFSET"] = bsoften, boffset
    path = tmp_path / "r_asinh.fits"
    fits.PrimaryHDU(stored.astype(np.float64), header=header).writeto(path)
    assert np.allclose(load_ps1_band(path), load_ps1_band(griz_paths["r"]), rtol=1e-6, atol=1e-9)


def test_nearest_band_rule():
    planes = {b: np.full((240, 240), float(i)) for i, b in enumerate(PS1_BANDS)}
    # r missing: g is 136 nm away, i is 135 nm away -> i.
    stack, filled = fill_missing_bands({**planes, "r": None})
    assert filled == ("r",) and stack[1, 0, 0] == 2.0
    # g missing -> r; y and z both missing -> i for both.
    stack, filled = fill_missing_bands({"r": planes["r"], "i": planes["i"], "z": planes["z"]})
    assert filled == ("g", "y") and stack[0, 0, 0] == 1.0 and stack[4, 0, 0] == 3.0
    stack, _ = fill_missing_bands({"g": planes["g"], "r": planes["r"], "i": planes["i"]})
    assert stack[3, 0, 0] == 2.0 and stack[4, 0, 0] == 2.0


def test_all_nan_band_counts_as_missing():
    planes = {b: np.ones((240, 240)) * i for i, b in enumerate(PS1_BANDS)}
    planes["g"] = np.full((240, 240), np.nan)
    stack, filled = fill_missing_bands(planes)
    assert filled == ("g",) and np.all(stack[0] == 1.0)


def test_too_few_bands_raises(griz_paths):
    with pytest.raises(ValueError, match=r"only 2 usable PS1 band\(s\) \(g, r\); need at least 3"):
        load_ps1_stamps({"g": griz_paths["g"], "r": griz_paths["r"], "i": None})


def test_unknown_band_raises(griz_paths):
    with pytest.raises(ValueError, match=r"unknown PS1 band\(s\) \['u'\]"):
        load_ps1_stamps({**griz_paths, "u": griz_paths["g"]})


@pytest.mark.real_data("images/optical_hostphot_SN2006bh/DES_r.fits")
def test_wrong_geometry_raises_naming_the_file():
    des = PS1_DIR / "DES_r.fits"  # a real 241x241 stamp at 0.263"/px: not PS1 geometry
    with pytest.raises(ValueError, match=r"DES_r\.fits: stamp has shape \(241, 241\)"):
        load_ps1_band(des)


def test_missing_zero_point_raises(tmp_path):
    path = tmp_path / "nozp.fits"
    fits.PrimaryHDU(np.ones((240, 240), np.float32)).writeto(path)
    with pytest.raises(ValueError, match=r"nozp\.fits: no zero-point in header"):
        load_ps1_band(path)


def test_unreadable_file_raises(tmp_path):
    path = tmp_path / "junk.fits"
    path.write_text("not a fits file")
    with pytest.raises(ValueError, match=r"junk\.fits: cannot read FITS stamp"):
        load_ps1_band(path)


def test_normalise_real_stamps(griz_paths):
    out = normalise_stamps(load_ps1_stamps(griz_paths))
    assert out.shape == (5, 240, 240) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0
    # ZScale: the sky sits mid-range (not crushed to 0) and the galaxy nucleus saturates.
    for band in out:
        assert 0.05 < np.median(band) < 0.8
        assert band[110:130, 110:130].max() == 1.0


def test_normalise_nan_becomes_zero_and_limits_ignore_it(griz_paths):
    stack = load_ps1_stamps(griz_paths)
    ref = normalise_stamps(stack)
    holed = stack.copy()
    holed[:, :5, :] = np.nan  # skycell edge
    out = normalise_stamps(holed)
    assert np.all(out[:, :5, :] == 0.0)
    assert np.isfinite(out).all()
    assert np.abs(out[:, 100:, :] - ref[:, 100:, :]).max() < 0.05


def test_normalise_wrong_shape_raises():
    with pytest.raises(ValueError, match=r"stack must have shape \(5, 240, 240\)"):
        normalise_stamps(np.zeros((4, 240, 240)))


def test_normalise_all_nan_band_raises():
    stack = np.random.default_rng(0).random((5, 240, 240))
    stack[2] = np.nan
    with pytest.raises(ValueError, match="band 'i' has no finite pixel"):
        normalise_stamps(stack)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(1e-3, 1e6))
def test_normalise_is_scale_free_and_bounded(seed, scale):
    stack = np.random.default_rng(seed).normal(0, 1, (5, 240, 240))
    a = normalise_stamps(stack)
    b = normalise_stamps(stack * scale)
    assert a.min() >= 0.0 and a.max() <= 1.0
    assert np.allclose(a, b, atol=1e-5)  # ZScale depends on ranks/linear fits only
