"""WISE asinh magnitudes, the no-match mask and the PS1->SDSS transform (ml.classifier.photometry)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.classifier.photometry import (
    PHOT_CENTRE,
    PHOT_SCALE,
    WISE_5SIGMA_VEGA,
    asinh_mag,
    photometry_inputs,
    ps1_to_sdss,
    wise_softening,
)


def test_softening_is_lupton_1042_sigma_of_allwise_limit():
    # b = 1.042 * (5-sigma flux / 5), fluxes in units of the Vega zero point
    assert wise_softening("W1") == pytest.approx(1.042 * 10 ** (-0.4 * 16.9) / 5, rel=1e-12)
    assert wise_softening("W2") == pytest.approx(1.042 * 10 ** (-0.4 * 16.0) / 5, rel=1e-12)


def test_unknown_band_message():
    with pytest.raises(ValueError, match=r"unknown WISE band 'W3'; expected one of \('W1', 'W2'\)"):
        wise_softening("W3")


@given(st.floats(0.0, 10.0), st.sampled_from(["W1", "W2"]))
def test_asinh_equals_pogson_for_bright_sources(brighter, band):
    # > 2.5 mag above the 5-sigma limit the softening changes the magnitude by < 1e-3 mag
    mag = WISE_5SIGMA_VEGA[band] - 2.5 - brighter
    assert abs(asinh_mag(mag, band) - mag) < 1e-3


@given(st.floats(5.0, 40.0), st.floats(0.01, 3.0), st.sampled_from(["W1", "W2"]))
def test_asinh_monotonic_and_bounded_at_zero_flux(mag, dm, band):
    zero_flux = -2.5 / np.log(10) * np.log(wise_softening(band))
    a, b = asinh_mag(mag, band), asinh_mag(mag + dm, band)
    assert a < b <= zero_flux + 1e-9  # fainter -> larger, never past the zero-flux value


def test_photometry_inputs_mask_and_values():
    values, mask = photometry_inputs([14.0, np.nan, 15.0], [13.0, np.nan, np.nan])
    assert values.dtype == np.float32 and mask.dtype == np.float32
    np.testing.assert_array_equal(mask, [[1, 1], [0, 0], [1, 0]])
    assert values[1].tolist() == [0.0, 0.0] and values[2, 1] == 0.0
    assert values[0, 0] == pytest.approx(
        (asinh_mag(14.0, "W1") - PHOT_CENTRE) / PHOT_SCALE, rel=1e-6
    )


def test_photometry_inputs_errors():
    with pytest.raises(
        ValueError, match=r"w1 and w2 must be 1-D of equal length, got shapes \(2,\) and \(3,\)"
    ):
        photometry_inputs([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="must be finite or NaN"):
        photometry_inputs([np.inf], [1.0])


def test_ps1_to_sdss_offsets_at_zero_colour_are_tonry_a0():
    out = ps1_to_sdss([18.0], [18.0], [18.0], [18.0])
    np.testing.assert_allclose(out[0] - 18.0, [0.013, -0.001, -0.005, 0.013], atol=1e-12)


def test_ps1_to_sdss_shape_error():
    with pytest.raises(ValueError, match="g, r, i, z must have equal shapes"):
        ps1_to_sdss([1.0], [1.0, 2.0], [1.0], [1.0])


@settings(max_examples=30)
@given(st.floats(-0.5, 1.5))
def test_ps1_to_sdss_g_shift_follows_colour(gr):
    out = ps1_to_sdss([20.0 + gr], [20.0], [20.0], [20.0])
    assert out[0, 0] - (20.0 + gr) == pytest.approx(0.013 + 0.145 * gr + 0.019 * gr * gr)
