"""Image model of the optical classifier (seed §3.2 Fig. 4) and its no-AllWISE-match treatment."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.classifier.model import optical_classifier

torch.manual_seed(1)
_HEAD_MODEL = optical_classifier().eval()
with torch.no_grad():
    _HEAD_MODEL.head.weight[:, 512:] = 1.0


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = optical_classifier().eval()
    with torch.no_grad():  # make the photometry and mask weights clearly non-zero
        m.head.weight[:, 512:] = torch.tensor(
            [[1.0, -2.0, 0.5, 0.7], [0.3, 1.0, -1.0, 0.2], [-1.0, 0.4, 2.0, -0.5]]
        )
    return m


def _resnet_by_hand(trunk, x):
    """torchvision's ResNet forward written out (stem, four stages, global average pool)."""
    h = trunk.maxpool(trunk.relu(trunk.bn1(trunk.conv1(x))))
    for stage in (trunk.layer1, trunk.layer2, trunk.layer3, trunk.layer4):
        h = stage(h)
    return torch.flatten(trunk.avgpool(h), 1)


def test_forward_is_figure_4_pooled_features_then_photometry_and_mask(model):
    # seed Figure 4: 512 pooled ResNet-18 features, then [W1, W2] * mask, then the mask
    g = torch.Generator().manual_seed(4)
    x = torch.rand(3, 5, 32, 32, generator=g)
    phot = torch.randn(3, 2, generator=g)
    mask = torch.tensor([[1.0, 1.0], [1.0, 0.0], [0.0, 0.0]])
    with torch.no_grad():
        feats = _resnet_by_hand(model.trunk, x)
        want = model.head(torch.cat([feats, phot * mask, mask], dim=1))
        torch.testing.assert_close(model.features(x), feats)
        torch.testing.assert_close(model(x, phot, mask), want)
        # the pooled features are the public trunk the host identifier shares (512 wide)
        assert feats.shape[1] == model.feature_dim == 512


def test_eval_output_of_a_stamp_does_not_depend_on_its_batch(model):
    # eval-mode BatchNorm uses running statistics: a stamp scores the same alone or in a
    # batch, and a permuted batch gives the permuted scores
    g = torch.Generator().manual_seed(5)
    x = torch.rand(4, 5, 32, 32, generator=g)
    phot = torch.randn(4, 2, generator=g)
    perm = torch.tensor([2, 0, 3, 1])
    with torch.no_grad():
        batch = model(x, phot, torch.ones(4, 2))
        alone = torch.cat(
            [model(x[i : i + 1], phot[i : i + 1], torch.ones(1, 2)) for i in range(4)]
        )
        permuted = model(x[perm], phot[perm], torch.ones(4, 2))
    torch.testing.assert_close(batch, alone, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(permuted, batch[perm])
    assert not torch.allclose(batch[0], batch[1])  # different stamps, different logits


def test_resnet18_from_torchvision_without_weights(model):
    # the trunk is torchvision's ResNet (wrapped, not copied), randomly initialised, with a
    # 5-band conv1 of torchvision's stem geometry and the 1000-class fc removed
    import torchvision

    assert isinstance(model.trunk, torchvision.models.ResNet)
    assert len(model.trunk.layer4) == 2
    c1 = model.trunk.conv1
    assert (c1.in_channels, c1.kernel_size, c1.stride, c1.padding) == (5, (7, 7), (2, 2), (3, 3))
    assert isinstance(model.trunk.fc, torch.nn.Identity)
    torch.manual_seed(1)
    other = optical_classifier()
    assert not torch.equal(other.trunk.layer1[0].conv1.weight, model.trunk.layer1[0].conv1.weight)


@settings(max_examples=40, deadline=None)
@given(
    st.floats(-5, 5),
    st.one_of(st.floats(-1e6, 1e6), st.just(float("nan")), st.just(float("inf"))),
    st.booleans(),
)
def test_masked_value_cannot_change_output(measured, slot, first_masked):
    # the property lives in head_input (forward = head(head_input(features(x), ...))), so the
    # trunk runs once, in test_mask_is_an_input_and_none_means_no_match
    m = _HEAD_MODEL
    feats = torch.linspace(-1, 1, 512).reshape(1, 512)
    k = 0 if first_masked else 1
    mask = torch.ones(1, 2)
    mask[0, k] = 0.0
    ref = torch.full((1, 2), measured)
    ref[0, k] = 0.0
    other = ref.clone()
    other[0, k] = slot
    with torch.no_grad():
        a = m.head(m.head_input(feats, ref, mask))
        b = m.head(m.head_input(feats, other, mask))
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_mask_is_an_input_and_none_means_no_match(model):
    x = torch.rand(1, 5, 32, 32)
    zeros = torch.zeros(1, 2)
    with torch.no_grad():
        measured_at_centre = model(x, zeros, torch.ones(1, 2))
        missing = model(x, zeros, torch.zeros(1, 2))
        nan_default = model(x, torch.full((1, 2), float("nan")))
        none = model(x)
        nan_in_masked_slot = model(
            x, torch.tensor([[0.0, float("nan")]]), torch.tensor([[1.0, 0.0]])
        )
        zero_in_masked_slot = model(x, torch.tensor([[0.0, 0.0]]), torch.tensor([[1.0, 0.0]]))
    assert not torch.allclose(measured_at_centre, missing)  # "no match" != a measured value
    torch.testing.assert_close(missing, nan_default)  # NaN photometry -> masked by default
    torch.testing.assert_close(missing, none)
    assert torch.isfinite(nan_in_masked_slot).all()
    torch.testing.assert_close(nan_in_masked_slot, zero_in_masked_slot)


def test_gradients_reach_conv1_and_photometry_weights():
    m = optical_classifier().train()
    out = m(torch.rand(2, 5, 32, 32), torch.rand(2, 2), torch.ones(2, 2))
    out.sum().backward()
    assert m.trunk.conv1.weight.grad.abs().sum() > 0
    assert m.head.weight.grad[:, 512:514].abs().sum() > 0


def test_bad_inputs(model):
    with pytest.raises(
        ValueError, match=r"images must have shape \(N, 5, H, W\), got \(1, 3, 32, 32\)"
    ):
        model.features(torch.rand(1, 3, 32, 32))
    with pytest.raises(ValueError, match=r"photometry must have shape \(1, 2\), got \(1, 3\)"):
        model(torch.rand(1, 5, 32, 32), torch.zeros(1, 3))
    with pytest.raises(ValueError, match=r"photometry_mask must have shape \(1, 2\), got \(1, 1\)"):
        model(torch.rand(1, 5, 32, 32), torch.zeros(1, 2), torch.ones(1, 1))
    with pytest.raises(ValueError, match="need in_channels >= 1"):
        optical_classifier(in_channels=0)
