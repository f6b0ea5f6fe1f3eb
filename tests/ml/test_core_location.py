"""Radio core location (seed §5.2, §5.3, Figure 9) on synthetic shapes: estimators and the gate.

Bent-source rules are in test_core_bent.py, real FIRST images in test_core_location_real.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skimage.draw import disk, line_aa

from ml.core.centres import flux_weighted_centroid, geodesic_centre, source_components
from ml.core.location import locate_core


def _blob(shape, x, y, sigma=2.0, amp=1.0):
    yy, xx = np.indices(shape)
    return amp * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma**2))


def _u_shape(n=120, apex=(60, 30), arm=50, half_width=40):
    """A wide-angle tail: two equal straight tails from the apex (x, y), opening upwards."""
    img = np.zeros((n, n))
    ax, ay = apex
    for end_x in (ax - half_width, ax + half_width):
        rr, cc, val = line_aa(ay, ax, ay + arm, end_x)
        img[rr, cc] = np.maximum(img[rr, cc], val)
    from scipy.ndimage import gaussian_filter

    img = gaussian_filter(img, 2.0)
    return img / img.max()


def test_centroid_of_two_equal_blobs_is_their_midpoint():
    img = _blob((80, 100), 20, 30) + _blob((80, 100), 70, 50)
    x, y = flux_weighted_centroid(img, threshold=0.01)
    assert (x, y) == pytest.approx((45.0, 40.0), abs=1e-3)


def test_centroid_is_flux_weighted():
    img = _blob((80, 100), 20, 40, amp=3.0) + _blob((80, 100), 80, 40, amp=1.0)
    x, _ = flux_weighted_centroid(img, threshold=1e-3)
    assert x == pytest.approx(35.0, abs=0.05)  # 3:1 weights -> a quarter of the way


def test_bent_source_centroid_falls_off_the_emission_but_geodesic_stays_on_it():
    # Seed Figure 9: a WAT's centroid lies in the empty space between its tails.
    img = _u_shape()
    cx, cy = flux_weighted_centroid(img, threshold=0.1)
    assert img[int(round(cy)), int(round(cx))] < 0.05
    gx, gy = geodesic_centre(img, threshold=0.1)
    assert img[int(gy), int(gx)] > 0.1
    # Equal arms: the middle of the skeleton's longest path is the apex, where the host is
    # (the skeleton of a thick V turns a few px inside the apex: within a FIRST beam).
    assert np.hypot(gx - 60, gy - 30) <= 5.0
    core = locate_core(img)
    assert core.method == "geodesic"
    assert np.hypot(core.x - 60, core.y - 30) <= 5.0


@settings(max_examples=25, deadline=None)
@given(
    x0=st.integers(20, 50),
    y0=st.integers(20, 100),
    x1=st.integers(70, 100),
    y1=st.integers(20, 100),
)
def test_geodesic_centre_of_a_straight_jet_is_its_midpoint(x0, y0, x1, y1):
    img = np.zeros((120, 120))
    rr, cc, val = line_aa(y0, x0, y1, x1)
    img[rr, cc] = val
    from scipy.ndimage import gaussian_filter

    img = gaussian_filter(img, 1.5)
    gx, gy = geodesic_centre(img, threshold=0.2 * img.max())
    assert np.hypot(gx - (x0 + x1) / 2, gy - (y0 + y1) / 2) <= 3.0


def test_closeness_criterion_uses_skimage_central_pixel_and_agrees_on_a_line():
    img = np.zeros((50, 120))
    img[24:27, 10:110] = 1.0
    assert geodesic_centre(img, 0.5, criterion="closeness") == pytest.approx((59.5, 25), abs=1.5)
    assert geodesic_centre(img, 0.5) == pytest.approx((59.5, 25), abs=1.5)


def test_compact_source_uses_the_centroid():
    img = _blob((60, 60), 30.3, 27.6, sigma=2.0)
    core = locate_core(img)
    assert core.method == "centroid"
    # Thresholding at 0.2 x peak truncates the pixelised Gaussian: ~0.05 px bias.
    assert (core.x, core.y) == pytest.approx((30.3, 27.6), abs=0.1)


def test_two_lobes_use_the_centroid_between_them():
    # An FR II: two comparable lobes 16 px apart (linked), host in the gap between them.
    img = np.zeros((80, 80))
    for x in (24, 56):
        rr, cc = disk((40, x), 8)
        img[rr, cc] = 1.0
    core = locate_core(img)
    assert core.method == "centroid" and core.n_components == 2
    assert (core.x, core.y) == pytest.approx((40.0, 40.0), abs=0.01)


def test_a_distant_field_source_is_not_part_of_the_source():
    img = _u_shape(n=200)
    rr, cc = disk((180, 180), 4)
    img[rr, cc] = 0.8  # unrelated compact source ~100 px away
    core = locate_core(img)
    assert core.n_components == 1 and core.method == "geodesic"
    assert np.hypot(core.x - 60, core.y - 30) <= 5.0
    # ... whereas the plain centroid is dragged towards it.
    cx, cy = flux_weighted_centroid(img, 0.2)
    assert np.hypot(cx - 60, cy - 30) > 10


def test_source_components_friends_of_friends():
    labels = np.zeros((10, 60), int)
    labels[5, 0] = 1  # brightest
    labels[5, 8] = 2  # 8 px from 1
    labels[5, 20] = 3  # 12 px from 2, 20 from 1: joins through 2
    labels[5, 59] = 4  # far
    flux = np.array([5.0, 1.0, 1.0, 4.0])
    assert list(source_components(labels, flux, link_px=12)) == [1, 2, 3]
    assert list(source_components(labels, flux, link_px=0)) == [1]
    assert list(source_components(labels, flux, link_px=np.inf)) == [1, 2, 3, 4]


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: flux_weighted_centroid(np.zeros((5, 5))), "no pixel above threshold 0"),
        (lambda: flux_weighted_centroid(np.ones((2, 2, 2))), "img must be a 2-D array"),
        (lambda: geodesic_centre(np.ones((5, 5)), 2.0), "no pixel above threshold 2"),
        (lambda: geodesic_centre(np.ones((5, 5)), None), "needs an explicit threshold"),
        (
            lambda: geodesic_centre(np.ones((5, 5)), 0.5, criterion="mean"),
            "criterion must be 'minimax' or 'closeness'",
        ),
        (lambda: locate_core(np.zeros((5, 5))), "img has no positive emission"),
        (lambda: locate_core(np.ones((5, 5)), dominance=1.5), r"dominance must be in \(0, 1\]"),
        (lambda: locate_core(np.ones((5, 5)), link_px=-1), "link_px must be >= 0"),
        (lambda: locate_core(np.full((5, 5), np.nan)), "img has NaN/inf pixels"),
    ],
)
def test_bad_inputs_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()
