"""Host identifier network (seed §3.3, Figure 5): geometry, switchable branches, errors."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from ml.host.model import HostConfig, host_identifier, load_checkpoint, save_checkpoint

SMALL = dict(radio_size=32, optical_size=32)


def _inputs(cfg: HostConfig, b: int = 3, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    radio = torch.rand(b, 1, cfg.radio_size, cfg.radio_size, generator=g)
    optical = torch.rand(b, cfg.optical_bands, cfg.optical_size, cfg.optical_size, generator=g)
    probs = torch.softmax(torch.randn(b, cfg.n_classes, generator=g), dim=1)
    xy = torch.randn(b, 2, generator=g) * 10
    return radio, optical, probs, xy


def test_default_is_paper_geometry():
    cfg = HostConfig()
    assert (cfg.radio_size, cfg.optical_size, cfg.optical_bands) == (217, 240, 5)
    m = host_identifier(cfg)
    assert m.radio_net.conv1.in_channels == 1
    assert m.optical_net.conv1.in_channels == 5
    # FC1 joins optical features + 3 class probs; FC2 joins FC1 + radio + x, y, D
    assert m.fc1.in_features == cfg.optical_features + 3
    assert m.fc2[0].in_features == cfg.fc1_width + cfg.radio_features + 3


def test_forward_shape_and_likelihood_range():
    cfg = HostConfig(**SMALL)
    m = host_identifier(cfg).eval()
    out = m.likelihood(*_inputs(cfg))
    assert out.shape == (3,)
    assert torch.all((out >= 0) & (out <= 1))


@pytest.mark.parametrize(
    "off",
    ["use_radio", "use_optical", "use_class_probs", "use_xy", "use_distance"],
)
def test_each_branch_can_be_switched_off(off):
    cfg = HostConfig(**SMALL, **{off: False})
    m = host_identifier(cfg).eval()
    radio, optical, probs, xy = _inputs(cfg)
    kw = dict(
        radio=radio if cfg.use_radio else None,
        optical=optical if cfg.use_optical else None,
        class_probs=probs if cfg.use_class_probs else None,
        xy=xy if (cfg.use_xy or cfg.use_distance) else None,
    )
    assert m(**kw).shape == (3,)
    if off == "use_radio":
        assert m.radio_net is None
    if off == "use_optical":
        assert m.optical_net is None


def test_switched_off_input_is_ignored_and_switched_on_input_matters():
    torch.manual_seed(0)
    cfg_on = HostConfig(**SMALL)
    m = host_identifier(cfg_on).eval()
    radio, optical, probs, xy = _inputs(cfg_on)
    base = m(radio, optical, probs, xy)
    assert not torch.allclose(base, m(radio * 0 + 1, optical, probs, xy))
    assert not torch.allclose(base, m(radio, optical, probs, xy + 5))

    cfg_off = dataclasses.replace(cfg_on, use_radio=False)
    m2 = host_identifier(cfg_off).eval()
    # a radio tensor passed to a no-radio model is never looked at
    assert torch.equal(m2(radio, optical, probs, xy), m2(None, optical, probs, xy))


def test_distance_is_rotation_invariant_input():
    # with only D on, the model is a function of √(x²+y²): rotating (x, y) changes nothing
    cfg = HostConfig(
        **SMALL, use_radio=False, use_optical=False, use_class_probs=False, use_xy=False
    )
    m = host_identifier(cfg).eval()
    xy = torch.tensor([[3.0, 4.0], [0.0, 7.0]])
    rot = torch.tensor([[-4.0, 3.0], [7.0, 0.0]])
    assert torch.allclose(m(xy=xy), m(xy=rot))


def test_config_errors_are_clear():
    with pytest.raises(ValueError, match="at least one candidate input"):
        HostConfig(use_optical=False, use_class_probs=False, use_xy=False, use_distance=False)
    with pytest.raises(ValueError, match=r"HostConfig.radio_size must be an int >= 32 .* got 16"):
        HostConfig(radio_size=16)
    with pytest.raises(ValueError, match="shared_trunk=True needs use_optical=True"):
        HostConfig(use_optical=False, shared_trunk=True)
    with pytest.raises(ValueError, match=r"HostConfig.fc1_width must be a positive int, got 0"):
        HostConfig(fc1_width=0)
    with pytest.raises(ValueError, match=r"unknown keys \['nope'\]"):
        HostConfig.from_dict({"nope": 1})


def test_input_errors_are_clear():
    cfg = HostConfig(**SMALL)
    m = host_identifier(cfg).eval()
    radio, optical, probs, xy = _inputs(cfg)
    with pytest.raises(ValueError, match=r"radio must be \(B, 1, 32, 32\), got \(3, 1, 40, 40\)"):
        m(torch.zeros(3, 1, 40, 40), optical, probs, xy)
    with pytest.raises(ValueError, match=r"optical must be \(B, 5, 32, 32\), got \(3, 3, 32, 32\)"):
        m(radio, optical[:, :3], probs, xy)
    with pytest.raises(ValueError, match="class_probs is required"):
        m(radio, optical, None, xy)
    with pytest.raises(ValueError, match=r"xy must be \(B, 2\), got \(3, 3\)"):
        m(radio, optical, probs, torch.zeros(3, 3))
    with pytest.raises(ValueError, match="disagree on batch size"):
        m(radio[:2], optical, probs, xy)


def test_shared_trunk_supplies_class_probs():
    cfg = HostConfig(**SMALL, shared_trunk=True)
    m = host_identifier(cfg).eval()
    radio, optical, probs, xy = _inputs(cfg)
    assert m.optical_net.fc.out_features == cfg.optical_features + cfg.n_classes
    assert m(radio, optical, None, xy).shape == (3,)
    assert m.class_logits(m.optical_code(optical)).shape == (3, 3)
    with pytest.raises(ValueError, match="class_probs must be None with shared_trunk=True"):
        m(radio, optical, probs, xy)


def test_checkpoint_round_trip(tmp_path):
    torch.manual_seed(1)
    cfg = HostConfig(**SMALL, use_optical=False)
    m = host_identifier(cfg).eval()
    sha = save_checkpoint(tmp_path / "h.pt", m, metrics={"acc": 0.5})
    assert len(sha) == 64
    m2, ckpt = load_checkpoint(tmp_path / "h.pt")
    assert ckpt["metrics"] == {"acc": 0.5} and m2.cfg == cfg
    radio, _, probs, xy = _inputs(cfg)
    assert torch.equal(m(radio, None, probs, xy), m2(radio, None, probs, xy))
    with pytest.raises(ValueError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")


def _fc2_input(m, xy):
    seen = {}

    def hook(mod, inp, out):
        seen["x"] = inp[0]  # returns None: the output is left alone

    h = m.fc2[0].register_forward_hook(hook)
    m(xy=xy)
    h.remove()
    return seen["x"]


def test_log_distance_is_an_opt_in_input_transform_with_the_same_layout():
    only_d = dict(use_radio=False, use_optical=False, use_class_probs=False, use_xy=False)
    xy = torch.tensor([[3.0, 4.0], [0.0, 0.0]])  # D = 5 px and 0 px; half-width 16 px
    lin = host_identifier(HostConfig(**SMALL, **only_d)).eval()
    log = host_identifier(HostConfig(**SMALL, **only_d, log_distance=True)).eval()
    assert torch.allclose(_fc2_input(lin, xy)[:, 0], torch.tensor([5 / 16, 0.0]))
    assert torch.allclose(_fc2_input(log, xy)[:, 0], torch.log1p(torch.tensor([5.0, 0.0])))
    # no parameters added: a checkpoint of either loads into the other
    full = host_identifier(HostConfig(**SMALL))
    full_log = host_identifier(HostConfig(**SMALL, log_distance=True))
    assert full.state_dict().keys() == full_log.state_dict().keys()
    full_log.load_state_dict(full.state_dict())
    # configs saved before the option existed load with the seed's linear D
    old = {k: v for k, v in HostConfig().to_dict().items() if k != "log_distance"}
    assert HostConfig.from_dict(old) == HostConfig() and not HostConfig().log_distance
