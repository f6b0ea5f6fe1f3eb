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


def test_shapes_and_public_trunk(model):
    x = torch.rand(2, 5, 32, 32)
    assert model.features(x).shape == (2, 512)
    assert model.head.in_features == 512 + 2 + 2 and model.head.out_features == 3
    with torch.no_grad():
        out = model(x, torch.zeros(2, 2), torch.ones(2, 2))
    assert out.shape == (2, 3)
    assert model.trunk.conv1.in_channels == 5


def test_resnet18_from_torchvision_without_weights(model):
    # the trunk is torchvision's ResNet (wrapped, not copied), randomly initialised
    import torchvision

    assert isinstance(model.trunk, torchvision.models.ResNet)
    assert len(model.trunk.layer4) == 2


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
