"""The likelihood-ratio reliability (ml.host.likelihood_ratio, ml.host.lr_fit) against
hand-computed values and a simulated sky whose host magnitudes and Q0 are known."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from ml.host.likelihood_ratio import (
    Q0_MAX,
    LRModel,
    core_sigma_arcsec,
    field_reliability,
    gaussian_fr,
)
from ml.host.lr_fit import fit_lr


def test_lr_and_reliability_by_hand_on_a_three_candidate_field():
    # two magnitude bins [18, 20), [20, 22) and the no-magnitude bin
    model = LRModel(q0=0.8, band="r", edges=(18.0, 20.0, 22.0), q=(0.5, 0.2, 0.1),
                    n=(1e-3, 4e-3, 2e-3))  # fmt: skip
    sep = np.array([0.0, 1.0, 2.0])
    mag = np.array([19.0, 21.0, np.nan])
    sigma = 1.0
    lr = model.likelihood_ratio(sep, sigma, mag)
    # q_shape = q / 0.8 -> q0 * q_shape = q: LR = q(m) f(r) / n(m), f = exp(-r²/2)/(2π)
    f = [1 / (2 * math.pi), math.exp(-0.5) / (2 * math.pi), math.exp(-2.0) / (2 * math.pi)]
    expect = [0.5 * f[0] / 1e-3, 0.2 * f[1] / 4e-3, 0.1 * f[2] / 2e-3]
    np.testing.assert_allclose(lr, expect, rtol=1e-12)
    rel, p_none = field_reliability(lr, [0], 0.8)
    total = sum(expect) + 0.2
    np.testing.assert_allclose(rel, [e / total for e in expect], rtol=1e-12)
    np.testing.assert_allclose(p_none, [0.2 / total], rtol=1e-12)
    assert rel.sum() + p_none[0] == pytest.approx(1.0)


def test_flat_model_uses_the_background_density():
    lr = LRModel(q0=0.5).likelihood_ratio([1.0], 2.0, density=np.array([0.01]))
    assert lr[0] == pytest.approx(0.5 * math.exp(-0.125) / (2 * math.pi * 4.0) / 0.01)
    with pytest.raises(ValueError, match="needs the background density"):
        LRModel(q0=0.5).likelihood_ratio([1.0], 2.0)


def test_implausible_field_is_no_host_while_field_posterior_says_one():
    from ml.host.decision import field_posterior
    from ml.host.positional import positional_likelihood

    sep = np.array([31.0, 40.0, 55.0])  # all far beyond a 1" core error
    lik = positional_likelihood(sep, multi_component=False)
    assert field_posterior(lik)[0] > 0.99  # today's reliability: ~1 for a 31" "host"
    lr = LRModel(q0=0.9).likelihood_ratio(sep, 1.0, density=np.full(3, 1e-3))
    rel, p_none = field_reliability(lr, [0], 0.9)
    assert p_none[0] > 0.999
    assert rel.max() < 1e-6


def test_field_reliability_many_fields_equals_one_by_one():
    rng = np.random.default_rng(3)
    lr = rng.exponential(2.0, 12)
    starts = np.array([0, 3, 4, 9])
    rel, p = field_reliability(lr, starts, 0.7)
    for k, (a, b) in enumerate(zip(starts, [3, 4, 9, 12], strict=True)):
        r1, p1 = field_reliability(lr[a:b], [0], 0.7)
        np.testing.assert_allclose(rel[a:b], r1)
        assert p[k] == pytest.approx(p1[0])


def test_core_sigma_single_adds_fitted_errors_multi_takes_centroid_scale():
    s = core_sigma_arcsec([0.6, np.nan], [0.8, 0.3], multi_component=[False, True],
                          sigma_single_arcsec=1.0, sigma_multi_arcsec=3.0)  # fmt: skip
    assert s[0] == pytest.approx(math.sqrt(1.0 + 0.5 * (0.36 + 0.64)))
    assert s[1] == 3.0


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="q0 must lie in"):
        LRModel(q0=1.5)
    with pytest.raises(ValueError, match="q has 2 entries, expected 3"):
        LRModel(edges=(1.0, 2.0, 3.0), q=(1.0, 1.0), n=(1.0, 1.0, 1.0))
    with pytest.raises(ValueError, match="sigma_arcsec must be > 0"):
        gaussian_fr([1.0], 0.0)
    with pytest.raises(ValueError, match="no empty field"):
        field_reliability([1.0, 2.0], [0, 0], 0.5)


def _sky(rng, n_fields, q0_true, host_mu=19.6, host_sd=1.0, n_bg=150, sigma=1.0, radius=78.0):
    """Fields around radio cores: a uniform Poisson background with steep counts, and with
    probability q0_true a host offset by a 2-D Gaussian of ``sigma``, r ~ N(host_mu, host_sd)."""
    seps, mags, starts, host_mags = [], [], [], []
    for _ in range(n_fields):
        starts.append(sum(len(s) for s in seps))
        k = rng.poisson(n_bg)
        r = radius * np.sqrt(rng.random(k))
        u = rng.random(k)
        a, b = 10 ** (0.35 * 14.0), 10 ** (0.35 * 23.5)
        m = np.log10(a + u * (b - a)) / 0.35
        if rng.random() < q0_true:
            hm = rng.normal(host_mu, host_sd)
            r = np.append(r, np.hypot(*rng.normal(0, sigma, 2)))
            m = np.append(m, hm)
            host_mags.append(hm)
        seps.append(r)
        mags.append(m)
    return np.concatenate(seps), np.concatenate(mags), np.array(starts), np.array(host_mags)


def test_q_of_m_and_q0_recovered_on_a_simulated_sky():
    rng = np.random.default_rng(11)
    sep, mag, starts, host_mags = _sky(rng, 3000, q0_true=0.7)
    model = fit_lr(sep, starts, np.full(starts.size, 1.0), mag, band="r")
    assert model.q0 == pytest.approx(0.7, abs=0.05)
    truth = np.histogram(host_mags, bins=model.edges)[0] / host_mags.size
    got = model.q_shape[:-1]
    # every bin's share within 0.04 of the known host distribution (~2100 hosts)
    np.testing.assert_allclose(got, truth, atol=0.04)
    assert abs(got.argmax() - truth.argmax()) <= 1
    # the background counts are steep: n(m) rises with magnitude over the populated bins
    n = np.asarray(model.n[:-1])
    assert n[-1] > 10 * n[2]
    # stored as JSON with the method version and read back unchanged
    back = LRModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert back == model


def test_q0_is_clipped_below_one_when_every_field_has_a_counterpart():
    rng = np.random.default_rng(5)
    sep, mag, starts, _ = _sky(rng, 800, q0_true=1.0)
    model = fit_lr(sep, starts, np.full(starts.size, 1.0), mag, band="r")
    assert model.q0 == Q0_MAX
