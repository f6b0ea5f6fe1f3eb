"""Co-registered augmentation (seed §3.1 item 4): a point source must follow (x, y)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.host.augment import Transform, apply_transform, augment, random_transform, transform_xy

N = 240
C = (N - 1) / 2  # frame centre, pixels


def _point(shape, x, y, sigma=1.2):
    yy, xx = np.indices(shape[-2:])
    return np.broadcast_to(np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * sigma**2)), shape).astype(
        np.float32
    )


def _argmax_xy(img):
    r, c = np.unravel_index(np.argmax(img), img.shape)
    return float(c), float(r)


@pytest.mark.parametrize(
    "t,expected",
    [
        (Transform(None, 0.0), (30.0, -20.0)),
        (Transform("lr", 0.0), (-30.0, -20.0)),  # x right = +column; lr mirrors columns
        (Transform("ud", 0.0), (30.0, 20.0)),  # y = +row; ud mirrors rows
        (Transform(None, 90.0), (20.0, 30.0)),  # CCW with origin='lower'
        (Transform("lr", 90.0), (20.0, -30.0)),  # flip first, then rotate
    ],
)
def test_exact_cases_move_point_source_and_xy_together(t, expected):
    xy = np.array([30.0, -20.0])
    radio = _point((N, N), C + xy[0], C + xy[1])
    r2, _, xy2 = apply_transform(t, radio, None, xy)
    assert np.allclose(xy2, expected, atol=1e-9)
    px, py = _argmax_xy(r2)
    assert np.hypot(px - (C + xy2[0]), py - (C + xy2[1])) <= 1.0


@settings(max_examples=60, deadline=None)
@given(
    theta=st.floats(0.0, 360.0, exclude_max=True),
    flip=st.sampled_from([None, "lr", "ud"]),
    r=st.floats(0.0, 100.0),
    phi=st.floats(0.0, 2 * np.pi),
)
def test_point_source_lands_on_transformed_xy(theta, flip, r, phi):
    # Integer pixel positions (the brightest pixel is a pixel), within 100 px of the centre
    # so a rotated point never leaves the 240x240 frame.
    x0 = np.round(C + r * np.cos(phi) - 0.5) + 0.0
    y0 = np.round(C + r * np.sin(phi) - 0.5) + 0.0
    xy = np.array([x0 - C, y0 - C])
    radio = _point((N, N), x0, y0)
    optical = _point((5, 64, 64), 31.5, 31.5)  # the candidate at the stamp centre
    t = Transform(flip, theta)
    r2, o2, xy2 = apply_transform(t, radio, optical, xy)
    px, py = _argmax_xy(r2)
    assert np.hypot(px - (C + xy2[0]), py - (C + xy2[1])) <= 1.0
    # Rotation/flip about the stamp centre keeps the candidate at the optical centre, and
    # all five bands get the same transform.
    for band in o2:
        ox, oy = _argmax_xy(band)
        assert np.hypot(ox - 31.5, oy - 31.5) <= 1.0
        assert np.array_equal(band, o2[0])
    # Distances from the centre are preserved (a rigid motion).
    assert np.hypot(*xy2) == pytest.approx(np.hypot(*xy), abs=1e-9)


def test_batch_gets_the_same_transform_as_single_images():
    rng = np.random.default_rng(7)
    t = random_transform(rng)
    radios = rng.random((3, 40, 40)).astype(np.float32)
    opts = rng.random((3, 5, 32, 32)).astype(np.float32)
    xys = rng.normal(0, 5, (3, 2))
    rb, ob, xyb = apply_transform(t, radios, opts, xys)
    for i in range(3):
        r1, o1, xy1 = apply_transform(t, radios[i], opts[i], xys[i])
        assert np.array_equal(rb[i], r1) and np.array_equal(ob[i], o1)
        assert np.allclose(xyb[i], xy1)


def test_augment_is_deterministic_given_the_seed():
    radio = _point((N, N), 150, 80)
    optical = np.random.default_rng(0).random((5, 240, 240)).astype(np.float32)
    xy = np.array([150 - C, 80 - C])
    a = augment(radio, optical, xy, rng=np.random.default_rng(42))
    b = augment(radio, optical, xy, rng=np.random.default_rng(42))
    for u, v in zip(a, b, strict=True):
        assert np.array_equal(u, v)


def test_random_transform_covers_flips_and_angles():
    rng = np.random.default_rng(0)
    ts = [random_transform(rng) for _ in range(600)]
    flips = {t.flip for t in ts}
    assert flips == {None, "lr", "ud"}
    thetas = np.array([t.theta_deg for t in ts])
    assert thetas.min() >= 0.0 and thetas.max() < 360.0
    # Uniform on [0, 360): each quadrant gets roughly a quarter (binomial sd ~ 11).
    counts = np.histogram(thetas, bins=4, range=(0, 360))[0]
    assert np.all(np.abs(counts - 150) < 50)


def test_rotation_keeps_values_in_range():
    img = np.random.default_rng(1).random((60, 60)).astype(np.float32)
    out, _, _ = apply_transform(Transform("ud", 33.0), img, None, np.zeros(2))
    assert out.min() >= 0.0 and out.max() <= 1.0


def test_bad_rng_raises():
    with pytest.raises(ValueError, match="rng must be a numpy.random.Generator"):
        augment(np.zeros((8, 8)), None, np.zeros(2), rng=np.random.RandomState(0))


def test_bad_flip_raises():
    with pytest.raises(ValueError, match=r"flip must be one of \(None, 'lr', 'ud'\), got 'diag'"):
        Transform("diag", 10.0)


def test_bad_xy_raises():
    with pytest.raises(ValueError, match=r"xy must have shape \(2,\) or \(N, 2\)"):
        transform_xy(Transform(None, 0.0), np.zeros(3))


def test_nan_image_raises():
    img = np.zeros((8, 8))
    img[1, 1] = np.nan
    with pytest.raises(ValueError, match="radio has NaN/inf pixels"):
        apply_transform(Transform(None, 0.0), img, None, np.zeros(2))
