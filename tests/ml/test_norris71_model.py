"""Norris-71 fields as host-identifier inputs (ml.evaluation.norris71.model)."""

from __future__ import annotations

import numpy as np
import pytest

from ml.data.lou2023 import LOU2023_TESTSET
from ml.data.norris71 import Norris71, load_norris71
from ml.evaluation.norris71.model import (
    candidate_xy,
    norris_host_fields,
    render_radio_frame,
    score_with_checkpoint,
    train_checkpoint,
)

pytestmark = pytest.mark.real_data(LOU2023_TESTSET)


@pytest.fixture(scope="module")
def norris():
    return load_norris71()


def test_rendered_frame_peaks_on_a_compact_single_source(norris):
    # S437 / C471: 16.6 mJy unresolved, alone within 2' -> the frame peak is the centre pixel.
    f = next(f for f in norris.fields if f.norris_source.sid == "S437")
    img, wcs = render_radio_frame(norris, f.ra, f.dec, noise_ujy=None)
    assert img.shape == (240, 240)
    y, x = np.unravel_index(np.argmax(img), img.shape)
    assert abs(x - 119.5) <= 1.5 and abs(y - 119.5) <= 1.5


def test_candidate_xy_convention(norris):
    f = norris.fields[0]
    _, wcs = render_radio_frame(norris, f.ra, f.dec, noise_ujy=None)
    xy = candidate_xy(f, wcs, 240)
    a = f.candidate_arrays()
    east = (a["ra"] - f.ra) * np.cos(np.radians(f.dec)) * 3600
    north = (a["dec"] - f.dec) * 3600
    # 1"/px frame, x grows to the west, y to the north (ml.sim.field convention)
    np.testing.assert_allclose(xy[:, 0], -east, atol=0.05)
    np.testing.assert_allclose(xy[:, 1], north, atol=0.05)
    np.testing.assert_allclose(candidate_xy(f, wcs, 217), xy * 217 / 240)


@pytest.mark.slow
def test_host_fields_shapes_and_determinism(norris):
    sub = Norris71(
        norris.fields[:2], norris.components, norris.sources, norris.n_rows, norris._component_index
    )
    a = norris_host_fields(sub, seed=7)
    b = norris_host_fields(sub, seed=7)
    for fa, fb, f in zip(a, b, sub.fields, strict=True):
        assert fa.radio.shape == (217, 217) and fa.radio.min() >= 0 and fa.radio.max() <= 1
        assert fa.xy.shape == (len(f.candidates), 2) and fa.class_probs.shape == (
            len(f.candidates),
            3,
        )
        np.testing.assert_array_equal(fa.radio, fb.radio)
    with pytest.raises(ValueError, match="centre must be one of"):
        norris_host_fields(sub, centre="centroid")
    with pytest.raises(ValueError, match="centre='assoc' needs the association method"):
        norris_host_fields(sub, centre="assoc")


def test_optical_checkpoint_is_refused(norris, tmp_path):
    import torch

    from ml.host.model import HostConfig, host_identifier, save_checkpoint

    torch.manual_seed(0)
    cfg = HostConfig(radio_size=64, optical_size=32, use_radio=False)
    p = tmp_path / "opt.pt"
    save_checkpoint(p, host_identifier(cfg))
    with pytest.raises(ValueError, match="no PS1 stamps exist for the Norris-71 fields"):
        score_with_checkpoint(norris, str(p))


@pytest.mark.slow
def test_train_checkpoint_on_simulated_fields_then_score_norris(norris, tmp_path):
    """End to end on a tiny budget: sim-only training -> checkpoint -> Norris-71 likelihoods."""
    import json

    from ml.host.model import load_checkpoint

    cfg = {
        "model": {
            "use_optical": False,
            "use_class_probs": False,
            "radio_size": 32,
            "optical_size": 32,
        },
        "train": {"epochs": 1, "fields_per_batch": 4, "neg_per_pos": 1, "folds": 2, "seed": 0},
        "data": {
            "n_fields": 4,
            "first_seed": 91000,
            "radio_size": 32,
            "optical_crop": 128,
            "optical_binning": 4,
        },
    }
    cpath = tmp_path / "cfg.json"
    cpath.write_text(json.dumps(cfg))
    out = tmp_path / "m.pt"
    info = train_checkpoint(str(cpath), str(out), cache_dir=str(tmp_path / "cache"))
    assert info["n_training_fields"] >= 3 and "SIMULATED" in info["training_data"]
    model, ckpt = load_checkpoint(out)
    assert ckpt["training"]["training_config_file"] == str(cpath)
    sub = Norris71(
        norris.fields[:2], norris.components, norris.sources, norris.n_rows, norris._component_index
    )
    liks, ck = score_with_checkpoint(sub, str(out), bf16_check=True)
    chk = ck["bf16_check"]
    assert chk["same_best_candidate_fields"].endswith("/2") and chk["max_abs_likelihood_diff"] < 0.1
    for f in sub.fields:
        lik = liks[f.vlass_name]
        assert lik.shape == (len(f.candidates),) and np.all((lik >= 0) & (lik <= 1))
