"""Learned core locator: MiraBest exclusion, coordinate conventions, model I/O (no training)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS

from ml.core.learned.data import (
    EXCLUDE_RADIUS_ARCSEC,
    FGD_DIR,
    HOST_CATALOGUES,
    MIRABEST_DIR,
    FgdRow,
    mirabest_positions,
    read_fgd_index,
    select_training_rows,
)
from ml.core.learned.model import (
    GRID,
    core_locator_net,
    decode,
    frame_to_grid,
    grid_to_frame,
    heatmap_loss,
    predict,
    to_input,
)
from ml.core.learned.sim import render, simulate_frame
from ml.core.learned.train import augment, load_locator
from ml.paths import data_dir

torch.set_num_threads(1)

needs_data = pytest.mark.real_data(f"{FGD_DIR}/index_galaxy_data_h5.csv", MIRABEST_DIR)


@pytest.fixture(scope="module")
def test_centres() -> SkyCoord:
    """The 103 test sources' positions, read independently of ml.core.learned.data."""
    ra, dec = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for f in sorted((data_dir() / MIRABEST_DIR).glob("*.fits")):
            h = fits.getheader(f)
            c = WCS(h).celestial.pixel_to_world((h["NAXIS1"] - 1) / 2, (h["NAXIS2"] - 1) / 2)
            ra.append(c.icrs.ra.deg)
            dec.append(c.icrs.dec.deg)
    return SkyCoord(ra, dec, unit="deg")


@needs_data
def test_training_rows_never_near_a_mirabest_test_source(test_centres):
    test = test_centres
    assert len(test) == 103
    rows = select_training_rows(read_fgd_index(), mirabest_positions())
    assert len(rows) > 250  # FRICAT + FRIICAT + FR0CAT minus the exclusions (295)
    assert {r.catalogue for r in rows} <= set(HOST_CATALOGUES)
    assert not any(r.catalogue == "MiraBest" for r in rows)
    pos = SkyCoord([r.ra_deg for r in rows], [r.dec_deg for r in rows], unit="deg")
    _, sep, _ = pos.match_to_catalog_sky(test)
    assert sep.arcsec.min() > EXCLUDE_RADIUS_ARCSEC


@needs_data
def test_exclusion_drops_a_host_catalogue_image_on_a_test_source(test_centres):
    test = test_centres
    near = test[0].directional_offset_by(0.0, 10.0 / 3600.0 * test[0].dec.unit)
    far = test[0].directional_offset_by(0.0, 600.0 / 3600.0 * test[0].dec.unit)
    rows = [
        FgdRow("near", near.ra.deg, near.dec.deg, "FRI", "Capetti2017a"),
        FgdRow("far", far.ra.deg, far.dec.deg, "FRI", "Capetti2017a"),
        FgdRow("radio", far.ra.deg, far.dec.deg, "FRII", "Gendre"),
    ]
    kept = select_training_rows(rows, mirabest_positions())
    assert [r.key for r in kept] == ["far"]


def test_mirabest_positions_refuses_an_empty_folder(tmp_path):
    (tmp_path / MIRABEST_DIR).mkdir(parents=True)
    with pytest.raises(ValueError, match="no MiraBest FITS"):
        mirabest_positions(tmp_path)


def test_render_puts_the_host_at_the_peak_and_east_to_the_left():
    core = np.array([[0.0, 0.0, 1.0, 0.0, 0.0, 0.0]])
    img = render(core, (100.0, 57.0))
    assert np.unravel_index(np.argmax(img), img.shape) == (57, 100)
    east = np.array([[5.0, 0.0, 1.0, 0.0, 0.0, 0.0]])
    img = render(east, (100.0, 57.0))
    assert np.unravel_index(np.argmax(img), img.shape) == (57, 95)


def test_simulated_frame_is_preprocessed_and_host_within_shift():
    rng = np.random.default_rng(3)
    frame, (hx, hy), morph = simulate_frame(rng, max_shift_px=20.0)
    assert frame.shape == (240, 240) and frame.dtype == np.float32
    assert frame.min() >= 0.0 and frame.max() <= 1.0
    assert abs(hx - 119.5) <= 20 and abs(hy - 119.5) <= 20
    assert morph in ("wat", "ht", "bent", "FRI", "FRII", "XZ", "compact")


def test_to_input_pools_two_by_two_and_maps_coordinates():
    frame = np.zeros((240, 240), np.float32)
    frame[60:62, 100:102] = 1.0  # centre (100.5, 60.5) in frame pixels
    x = to_input(frame)
    assert x.shape == (1, GRID, GRID) and x.max() == 1.0
    gy, gx = np.unravel_index(np.argmax(x[0]), x[0].shape)
    np.testing.assert_allclose(frame_to_grid([100.5, 60.5]), [gx, gy])
    np.testing.assert_allclose(grid_to_frame(frame_to_grid([13.2, 201.7])), [13.2, 201.7])
    with pytest.raises(ValueError, match="must be"):
        to_input(np.zeros((3, 200, 200)))


def test_decode_returns_frame_pixels_of_the_heatmap_mode():
    yy, xx = np.mgrid[0:GRID, 0:GRID]
    logits = -0.5 * ((xx - 37.3) ** 2 + (yy - 80.6) ** 2) / 0.8**2
    # a broad second bump elsewhere must not pull the estimate towards it
    logits = np.logaddexp(logits, -3.0 - 0.5 * ((xx - 90) ** 2 + (yy - 20) ** 2) / 5.0**2)
    xy = decode(torch.tensor(logits[None], dtype=torch.float32))[0]
    np.testing.assert_allclose(xy, grid_to_frame([37.3, 80.6]), atol=0.2)
    # a mode in the corner: the refinement window is cut at the edge, not broken by it (the
    # one-sided window biases the mean inwards by ~0.4 grid px = 0.7 frame px)
    corner = -0.5 * ((xx - GRID + 1) ** 2 + yy**2) / 0.8**2
    xy = decode(torch.tensor(corner[None], dtype=torch.float32))[0]
    np.testing.assert_allclose(xy, grid_to_frame([GRID - 1, 0]), atol=1.0)


@pytest.mark.parametrize("seed", range(8))
def test_augment_moves_the_host_with_the_image(seed):
    x = torch.zeros(2, GRID, GRID)
    xy = torch.tensor([[17.0, 90.0], [100.0, 3.0]])
    for i, (a, b) in enumerate(xy.long()):
        x[i, b, a] = 1.0
    xa, xya = augment(x, xy, np.random.default_rng(seed))
    for i in range(2):
        gy, gx = np.unravel_index(int(torch.argmax(xa[i])), (GRID, GRID))
        assert (gx, gy) == tuple(int(v) for v in xya[i])


def test_model_shapes_loss_and_predict():
    model = core_locator_net(width=4)
    logits = model(torch.rand(2, GRID, GRID))
    assert logits.shape == (2, GRID, GRID)
    loss = heatmap_loss(logits, torch.tensor([[10.0, 20.0], [60.0, 60.0]]))
    assert torch.isfinite(loss) and loss > 0
    xy = predict(model, np.random.default_rng(0).random((3, 240, 240)).astype(np.float32))
    assert xy.shape == (3, 2) and (xy >= 0).all() and (xy <= 239.5).all()


def test_load_locator_names_the_missing_checkpoint(tmp_path):
    with pytest.raises(ValueError, match="no core-locator checkpoint"):
        load_locator(tmp_path / "missing.pt")


def test_learned_core_locator_wraps_a_model_and_reports_a_missing_checkpoint(tmp_path):
    from ml.core.learned.locate import LearnedCoreLocator

    model = core_locator_net(width=4)
    frame = np.zeros((240, 240), np.float32)
    frame[100:104, 30:34] = 1.0
    x, y = LearnedCoreLocator(model=model)(frame)
    np.testing.assert_allclose((x, y), predict(model, frame[None])[0])
    with pytest.raises(ValueError, match="missing.pt: no core-locator checkpoint"):
        LearnedCoreLocator(tmp_path / "missing.pt")(frame)


def test_paired_comparison_counts_discordant_sources():
    from ml.evaluation.core_location.scoring import _paired_vs_gated

    learned = np.array([1.0, 2.0, 9.0, 3.0, 8.0, 1.0])
    gated = np.array([1.0, 9.0, 9.0, 9.0, 2.0, 1.0])
    on = np.array([True, True, False, True, True, False])
    sel = np.array([True, True, True, True, True, False])
    out = _paired_vs_gated(learned, gated, on, sel)
    assert (out["both_within"], out["learned_only"], out["gated_only"], out["neither"]) == (
        1,
        2,
        1,
        1,
    )
    assert out["mcnemar_exact_p"] == 1.0  # 2 vs 1 discordant: no evidence either way
    assert out["learned_within_host_on_emission"] == "3/4"
    assert out["learned_within_host_off_emission"] == "0/1"


@pytest.mark.parametrize("k,flip", [(1, False), (2, False), (3, True), (0, True)])
def test_tta_prediction_turns_with_the_frame(k, flip):
    # averaged over the 8 grid symmetries, the prediction is exactly equivariant even for an
    # untrained network (the inverse transforms of the heat maps are right)
    torch.manual_seed(0)
    model = core_locator_net(width=4)
    frame = np.random.default_rng(1).random((240, 240)).astype(np.float32)
    frame[60:64, 150:154] += 5.0
    moved = np.fliplr(frame) if flip else frame
    moved = np.ascontiguousarray(np.rot90(moved, k))
    x, y = predict(model, frame[None], tta=True)[0]
    if flip:
        x = 239 - x
    for _ in range(k):  # np.rot90 (counter-clockwise) sends (x, y) to (y, 239 - x)
        x, y = y, 239 - x
    np.testing.assert_allclose(predict(model, moved[None], tta=True)[0], (x, y), atol=1e-3)


def test_ensemble_heat_maps_are_the_mean_of_the_members():
    from ml.core.learned.model import heatmaps

    torch.manual_seed(0)
    a, b = core_locator_net(width=4), core_locator_net(width=4)
    x = torch.rand(2, GRID, GRID)
    x = x / x.amax(dim=(1, 2), keepdim=True)  # what to_input gives
    both = heatmaps([a, b], x)
    np.testing.assert_allclose(both, (heatmaps(a, x) + heatmaps(b, x)) / 2, atol=1e-6)
    np.testing.assert_allclose(both.sum(dim=(1, 2)), 1.0, atol=1e-4)
    with pytest.raises(ValueError, match="at least one model"):
        heatmaps([], x)
    # a one-pass prediction is the logits' decode, as before TTA existed
    np.testing.assert_allclose(predict(a, x.numpy().repeat(2, 1).repeat(2, 2)), decode(a(x)))
