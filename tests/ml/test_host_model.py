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


def _hooked_inputs(m, *args):
    """Run ``m(*args)`` and return what each backbone's conv1 and FC1/FC2 were given."""
    seen = {}
    mods = {"radio": m.radio_net.conv1, "optical": m.optical_net.conv1, "fc1": m.fc1}
    mods["fc2"] = m.fc2[0]
    hooks = [
        mod.register_forward_hook(lambda _m, inp, out, k=k: seen.__setitem__(k, inp[0]))
        for k, mod in mods.items()
    ]
    out = m(*args)
    for h in hooks:
        h.remove()
    return out, seen


def test_forward_is_the_figure_5_graph():
    # seed §3.3 Figure 5: FC1 joins the optical features and the 3 class probabilities; FC2
    # joins relu(FC1), the radio features, x, y (over the half-width) and D = √(x²+y²)
    torch.manual_seed(0)
    cfg = HostConfig(**SMALL)
    m = host_identifier(cfg).eval()
    radio, optical, probs, xy = _inputs(cfg)
    with torch.no_grad():
        out, seen = _hooked_inputs(m, radio, optical, probs, xy)
        # the two backbones see their own input: radio to the radio net, grizy to the optical
        assert torch.equal(seen["radio"], radio) and torch.equal(seen["optical"], optical)
        opt = m.optical_net(optical)
        fc1 = torch.relu(m.fc1(torch.cat([opt, probs], dim=1)))
        half = cfg.radio_size / 2
        d = torch.linalg.vector_norm(xy, dim=1, keepdim=True) / half
        want = m.fc2(torch.cat([fc1, m.radio_net(radio), xy / half, d], dim=1)).squeeze(1)
        torch.testing.assert_close(seen["fc1"], torch.cat([opt, probs], dim=1))
        torch.testing.assert_close(out, want)
        torch.testing.assert_close(m.likelihood(radio, optical, probs, xy), torch.sigmoid(want))


def test_gradient_reaches_both_backbones_and_each_pair_is_scored_alone():
    torch.manual_seed(0)
    cfg = HostConfig(**SMALL)
    m = host_identifier(cfg).train()
    radio, optical, probs, xy = _inputs(cfg)
    m(radio, optical, probs, xy).sum().backward()
    for net in (m.radio_net, m.optical_net):
        assert net.conv1.weight.grad is not None and net.conv1.weight.grad.abs().sum() > 0
    # eval mode: a (component, candidate) pair scores the same alone as in its batch
    m.eval()
    with torch.no_grad():
        batch = m(radio, optical, probs, xy)
        alone = torch.cat(
            [
                m(radio[i : i + 1], optical[i : i + 1], probs[i : i + 1], xy[i : i + 1])
                for i in range(3)
            ]
        )
    torch.testing.assert_close(batch, alone, rtol=1e-5, atol=1e-5)
    assert len(set(batch.tolist())) == 3


#: how many FC2 inputs each switch removes (the radio features, x and y, D)
_FC2_WIDTH = {"use_radio": HostConfig().radio_features, "use_xy": 2, "use_distance": 1}


@pytest.mark.parametrize(
    "off",
    ["use_radio", "use_optical", "use_class_probs", "use_xy", "use_distance"],
)
def test_each_branch_can_be_switched_off(off):
    full = HostConfig(**SMALL)
    cfg = HostConfig(**SMALL, **{off: False})
    torch.manual_seed(0)
    m = host_identifier(cfg).eval()
    radio, optical, probs, xy = _inputs(cfg)
    kw = dict(
        radio=radio if cfg.use_radio else None,
        optical=optical if cfg.use_optical else None,
        class_probs=probs if cfg.use_class_probs else None,
        xy=xy if (cfg.use_xy or cfg.use_distance) else None,
    )
    with torch.no_grad():
        out = m(**kw)
        # the switched-off input is never read: any value (or none) gives the same scores
        if off == "use_xy":  # only D remains of (x, y): a rotation by 90° changes nothing
            rotated = torch.stack([-xy[:, 1], xy[:, 0]], dim=1)
            torch.testing.assert_close(m(**{**kw, "xy": rotated}), out)
        elif off != "use_distance":
            arg = {"use_radio": "radio", "use_optical": "optical", "use_class_probs": "class_probs"}
            noise = {"radio": radio, "optical": optical, "class_probs": probs}[arg[off]] * 3 + 1
            assert torch.equal(m(**{**kw, arg[off]: noise}), out)
        # the position left on still matters
        assert not torch.allclose(m(**{**kw, "xy": xy + 7}), out)
    if off in _FC2_WIDTH:
        assert m.fc2[0].in_features == host_identifier(full).fc2[0].in_features - _FC2_WIDTH[off]
    elif off == "use_optical":
        assert m.optical_net is None and m.fc1.in_features == full.n_classes
    else:
        assert m.fc1.in_features == full.optical_features
    if off == "use_radio":
        assert m.radio_net is None


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
    # one optical trunk for classifier and identifier: its last n_classes outputs are the
    # classifier's logits, and FC1 gets their softmax in place of given probabilities
    torch.manual_seed(0)
    cfg = HostConfig(**SMALL, shared_trunk=True)
    m = host_identifier(cfg).eval()
    radio, optical, probs, xy = _inputs(cfg)
    assert m.optical_net.fc.out_features == cfg.optical_features + cfg.n_classes
    with torch.no_grad():
        _, seen = _hooked_inputs(m, radio, optical, None, xy)
        code = m.optical_net(optical)
        torch.testing.assert_close(m.class_logits(code), code[:, cfg.optical_features :])
        want = torch.cat(
            [code[:, : cfg.optical_features], torch.softmax(m.class_logits(code), 1)], 1
        )
        torch.testing.assert_close(seen["fc1"], want)
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
