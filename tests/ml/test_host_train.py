"""Host-identifier training: imbalance treatment, metrics, grouped CV on simulated fields."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ml.host.crossval import cross_validate, evaluate
from ml.host.data import LabelledField, SimDataConfig, build_sim_fields
from ml.host.field import HostField
from ml.host.fit import TrainConfig, pos_weight, sample_pairs
from ml.host.model import HostConfig


@given(
    n=st.integers(1, 40),
    k=st.integers(1, 12),
    seed=st.integers(0, 2**16),
)
def test_sample_pairs_keeps_every_host_and_k_negatives(n, k, seed):
    rng = np.random.default_rng(seed)
    is_host = np.zeros(n, dtype=bool)
    is_host[rng.integers(n)] = True
    rows = sample_pairs(is_host, k, np.random.default_rng(seed))
    assert is_host[rows].sum() == 1  # the host is always in
    assert (~is_host[rows]).sum() == min(k, n - 1)  # k negatives, or all there are
    assert len(np.unique(rows)) == len(rows)  # without replacement
    # deterministic given the generator state
    assert np.array_equal(rows, sample_pairs(is_host, k, np.random.default_rng(seed)))


def test_negatives_are_redrawn_each_epoch():
    is_host = np.zeros(19, dtype=bool)
    is_host[4] = True
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(100):
        seen |= set(sample_pairs(is_host, 3, rng).tolist())
    assert seen == set(range(19))  # over epochs every negative is used


def test_pos_weight_balances_total_weight():
    assert pos_weight(2, 6) == 3.0
    # positives x weight == negatives: equal total weight
    assert 5 * pos_weight(5, 17) == pytest.approx(17)
    with pytest.raises(ValueError, match="at least one positive, got n_pos=0"):
        pos_weight(0, 3)
    with pytest.raises(ValueError, match="field has no labelled host"):
        sample_pairs(np.zeros(4, dtype=bool), 3, np.random.default_rng(0))
    with pytest.raises(ValueError, match="neg_per_pos must be >= 1, got 0"):
        sample_pairs(np.array([True, False]), 0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="TrainConfig.neg_per_pos must be >= 1, got 0"):
        TrainConfig(neg_per_pos=0)


def _lf(lik_host: int, sep: list[float], group: int) -> LabelledField:
    n = len(sep)
    is_host = np.zeros(n, dtype=bool)
    is_host[lik_host] = True
    f = HostField(f"F{group}", None, list(range(n)), np.zeros((n, 2)))
    return LabelledField(f, is_host, np.zeros(n, int), np.asarray(sep, float), "compact", group)


def test_evaluate_counts_by_hand():
    fields = [_lf(0, [1.0, 5.0, 9.0], 0), _lf(2, [1.0, 5.0, 9.0], 1)]
    lik = [np.array([0.9, 0.2, 0.1]), np.array([0.7, 0.6, 0.4])]
    m = evaluate(lik, fields)
    # field 0: prime = host (TP 1); field 1: two positives, both wrong (FP 2, FN 1)
    assert m["correct"] == 1 and m["prime_hosts"] == 1
    assert m["precision"] == pytest.approx(1 / 3) and m["recall"] == pytest.approx(1 / 2)
    assert m["nn_correct"] == 1


@pytest.mark.slow
def test_grouped_cv_runs_on_simulated_fields(tmp_path):
    dcfg = SimDataConfig(n_fields=6, first_seed=123, radio_size=32, with_optical=False)
    fields = build_sim_fields(dcfg, cache_dir=tmp_path)
    assert all(lf.is_host.sum() == 1 for lf in fields)
    assert all(lf.field.radio.shape == (32, 32) for lf in fields)
    cfg = HostConfig(use_optical=False, use_class_probs=False, radio_size=32)
    tcfg = TrainConfig(epochs=1, folds=3, fields_per_batch=2)
    cv = cross_validate(fields, cfg, tcfg, bf16_check=False, log=lambda *_: None)
    assert len(cv["folds"]) == 3
    tested = sum(f["n_fields"] for f in cv["folds"])
    assert tested == len(fields)  # every field is a test field exactly once
    assert cv["pooled"]["nn_correct"] <= len(fields)
    with pytest.raises(ValueError, match="6 field groups for 10 folds"):
        cross_validate(fields, cfg, TrainConfig(folds=10), log=lambda *_: None)


def _random_fields(n_fields: int, n_cand: int, size: int, seed: int) -> list[LabelledField]:
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n_fields):
        is_host = np.zeros(n_cand, dtype=bool)
        is_host[rng.integers(n_cand)] = True
        f = HostField(
            f"R{k}",
            rng.random((size, size), dtype=np.float32),
            list(range(k * n_cand, (k + 1) * n_cand)),
            rng.uniform(-10, 10, (n_cand, 2)),
            None,
            rng.random((n_cand, 5, size, size), dtype=np.float32),
        )
        sep = np.hypot(*f.xy.T)
        out.append(LabelledField(f, is_host, rng.integers(0, 3, n_cand), sep, "compact", k))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("shared", [False, True])
def test_fit_with_and_without_shared_trunk(shared):
    import torch

    from ml.host.fit import fit
    from ml.host.model import host_identifier

    fields = _random_fields(4, 5, 32, seed=0)
    cfg = HostConfig(radio_size=32, optical_size=32, use_class_probs=shared, shared_trunk=shared)
    tcfg = TrainConfig(epochs=1, fields_per_batch=2, augment=False)
    model, hist = fit(fields, cfg, tcfg, seed=0)
    assert len(hist) == 1 and np.isfinite(hist[0])
    assert model.optical_net.fc.out_features == 10 + (3 if shared else 0)
    torch.manual_seed(0)
    init = host_identifier(cfg)  # fit() seeds torch the same way before building its model
    assert not torch.allclose(init.optical_net.fc.weight, model.optical_net.fc.weight)
    with pytest.raises(ValueError, match="carry no classifier probabilities"):
        fit(fields, HostConfig(radio_size=32, optical_size=32), tcfg, seed=0)


def test_config_files_load_and_bad_sections_are_named(tmp_path):
    from pathlib import Path

    from ml.host.train import config_from_file, load_json_config

    root = Path(__file__).resolve().parents[2] / "configs"
    for name in ("host_sim_full.json", "host_sim_nooptical.json", "host_sim_shared.json"):
        cfg, tcfg, dcfg = load_json_config(root / name)
        assert cfg.radio_size == dcfg.radio_size
        assert not cfg.use_optical or cfg.optical_size == dcfg.optical_size
    run = config_from_file(root / "host_sim_full.json")
    assert run.out.name == "host_sim_full.json"
    bad = tmp_path / "bad.json"
    bad.write_text('{"model": {}, "optimiser": {}}')
    with pytest.raises(ValueError, match=r"bad.json: unknown sections \['optimiser'\]"):
        config_from_file(bad)


@given(
    flip=st.sampled_from([None, "lr", "ud"]),
    theta=st.floats(0, 360, exclude_max=True),
    seed=st.integers(0, 1000),
)
def test_optical_augmentation_is_exact_and_adds_no_blank_corners(flip, theta, seed):
    from ml.host.augment import Transform
    from ml.host.fit import _exact_flip_rot90

    stamps = np.random.default_rng(seed).random((2, 5, 8, 8), dtype=np.float32) + 0.5
    out = _exact_flip_rot90(stamps, Transform(flip=flip, theta_deg=theta))
    assert out.shape == stamps.shape and out.min() >= 0.5  # no zero-filled corners
    for a, b in zip(stamps.reshape(10, -1), out.reshape(10, -1), strict=True):
        np.testing.assert_array_equal(np.sort(a), np.sort(b))  # a pure pixel permutation


def test_warmup_cosine_rises_then_decays_to_zero():
    from ml.host.fit import warmup_cosine

    f = [warmup_cosine(s, 4, 20) for s in range(22)]
    assert f[:4] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    assert f[4] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(f[4:], f[5:], strict=False))  # monotone after warm-up
    assert f[20] == pytest.approx(0.0) and f[21] == pytest.approx(0.0)


def test_new_schedule_options_are_validated():
    with pytest.raises(ValueError, match=r"warmup_epochs must be in \[0, epochs=4\), got 4"):
        TrainConfig(epochs=4, warmup_epochs=4)
    with pytest.raises(ValueError, match=r"optical_freeze_epochs must be in \[0, epochs=4\)"):
        TrainConfig(epochs=4, optical_freeze_epochs=-1)
    with pytest.raises(ValueError, match="optical_lr_scale must be > 0, got 0"):
        TrainConfig(optical_lr_scale=0)


@pytest.mark.slow
@pytest.mark.parametrize("shared", [False, True])
def test_frozen_optical_backbone_does_not_move_but_the_head_does(shared):
    import copy

    import torch

    from ml.host.fit import train_one_epoch
    from ml.host.model import host_identifier

    fields = _random_fields(4, 5, 32, seed=1)
    cfg = HostConfig(radio_size=32, optical_size=32, use_class_probs=shared, shared_trunk=shared)
    tcfg = TrainConfig(epochs=2, fields_per_batch=2, augment=False)
    torch.manual_seed(0)
    model = host_identifier(cfg)
    before = copy.deepcopy(model.state_dict())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    rng = np.random.default_rng(0)
    train_one_epoch(model, fields, opt, tcfg, rng, torch.device("cpu"), freeze_optical=True)
    after = model.state_dict()
    for name, p in model.optical_net.named_parameters():
        assert torch.equal(p, before[f"optical_net.{name}"]), name
    assert not torch.equal(after["fc2.0.weight"], before["fc2.0.weight"])
    assert not torch.equal(after["radio_net.conv1.weight"], before["radio_net.conv1.weight"])


@pytest.mark.slow
def test_fit_with_warmup_optical_group_and_freeze():
    from ml.host.fit import fit

    fields = _random_fields(5, 5, 32, seed=2)  # 5 fields, 2 per batch: the 1-field tail is skipped
    cfg = HostConfig(radio_size=32, optical_size=32, use_class_probs=False, log_distance=True)
    tcfg = TrainConfig(
        epochs=3,
        fields_per_batch=2,
        augment=False,
        warmup_epochs=1,
        optical_lr_scale=0.1,
        optical_freeze_epochs=1,
    )
    model, hist = fit(fields, cfg, tcfg, seed=0)
    assert len(hist) == 3 and np.all(np.isfinite(hist))
    model2, hist2 = fit(fields, cfg, tcfg, seed=0)
    assert hist == hist2  # still deterministic given the seed
