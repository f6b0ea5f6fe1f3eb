"""Seed §4.2 decision rule and the Table-3 layout."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ml.host.decision import decide, decide_field, field_posterior, format_table3


def test_exactly_one_positive_is_prime():
    best, pos, prime = decide([0.1, 0.9, 0.3])
    assert (best, pos.tolist(), prime) == (1, [1], 1)


def test_no_positive_best_is_argmax_no_prime():
    best, pos, prime = decide([0.1, 0.4, 0.3])
    assert (best, pos.tolist(), prime) == (1, [], None)


def test_several_positives_no_prime():
    best, pos, prime = decide([0.6, 0.95, 0.7, 0.2])
    assert (best, pos.tolist(), prime) == (1, [0, 1, 2], None)


def test_threshold_is_strict():
    # seed §4.2: "greater than 0.5"
    assert decide([0.5, 0.2])[1].tolist() == []


@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=40))
def test_rule_properties(lik):
    best, pos, prime = decide(lik)
    arr = np.asarray(lik)
    assert arr[best] == arr.max() and best == int(np.argmax(arr))
    assert pos.tolist() == [i for i, v in enumerate(lik) if v > 0.5]
    if len(pos) == 1:
        assert prime == best == pos[0]
    else:
        assert prime is None


@pytest.mark.parametrize(
    ("bad", "msg"),
    [
        ([], "likelihoods is empty"),
        ([[0.1, 0.2]], r"likelihoods must be 1-D, got shape \(1, 2\)"),
        ([0.1, float("nan")], r"must be finite, got NaN/inf at \[1\]"),
        ([0.1, 1.5], r"must lie in \[0, 1\], got min 0.1 max 1.5"),
    ],
)
def test_bad_likelihoods(bad, msg):
    with pytest.raises(ValueError, match=msg):
        decide(bad)


def test_decide_field_and_table3():
    d = decide_field(
        "J032626.9-275611.2",
        [111, 222, 333],
        [0.2, 0.8, 0.1],
        class_probs=np.array([[0.9, 0.05, 0.05], [0.5, 0.4, 0.1], [0.1, 0.1, 0.8]]),
        ra_deg=np.array([51.6, 51.61, 51.62]),
        dec_deg=np.array([-27.9, -27.91, -27.92]),
        truth_index=0,
    )
    assert d.best_id == "222" and d.prime_index == 1 and d.correct is False
    text = format_table3([d], max_rows_per_field=1)
    lines = text.splitlines()
    assert lines[0].split() == [
        "component", "candidate", "ra_deg", "dec_deg", "p_galaxy", "p_qso", "p_star",
        "host_lik", "pos", "decision", "truth",
    ]  # fmt: skip
    # top row is the prime host; the labelled host is kept although outside the top 1
    assert "222" in lines[2] and "prime" in lines[2] and " Y " in lines[2]
    assert "111" in lines[3] and lines[3].rstrip().endswith("host")
    assert len(lines) == 4


def test_decide_field_errors():
    with pytest.raises(ValueError, match="field F: 2 candidate ids but 3 likelihoods"):
        decide_field("F", [1, 2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="field F: ra_deg has 1 rows for 2 candidates"):
        decide_field("F", [1, 2], [0.1, 0.2], ra_deg=np.array([1.0]))
    with pytest.raises(ValueError, match=r"field F: truth_index 5 out of range 0..1"):
        decide_field("F", [1, 2], [0.1, 0.2], truth_index=5)


def test_field_posterior_is_bayes_over_one_host_per_field():
    lik = np.array([0.9, 0.8, 0.5, 0.1])
    post = field_posterior(lik)
    # balanced training: odds are the likelihood ratios 9, 4, 1, 1/9
    lr = np.array([9.0, 4.0, 1.0, 1.0 / 9.0])
    np.testing.assert_allclose(post, lr / lr.sum())
    assert post.argmax() == lik.argmax() and np.isclose(post.sum(), 1.0)
    # two candidates above 0.5 (no prime host by §4.2) become one positive at most
    assert (lik > 0.5).sum() == 2 and (post > 0.5).sum() == 1
    np.testing.assert_allclose(field_posterior([1.0, 0.3, 1.0]), [0.5, 0.0, 0.5])
    np.testing.assert_allclose(field_posterior([0.0, 0.0]), [0.5, 0.5])
    np.testing.assert_allclose(field_posterior([0.0, 1e-12]), [0.0, 1.0])
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        field_posterior([1.2, 0.1])


@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=30))
def test_field_posterior_sums_to_one_and_keeps_the_best(lik):
    post = field_posterior(lik)
    assert np.isclose(post.sum(), 1.0) and (post > 0.5).sum() <= 1
    # same best candidate (up to rounding between likelihoods that differ by ~1 ulp)
    assert lik[int(np.argmax(post))] >= max(lik) - 1e-12


def test_decide_many_equals_decide_field_by_field():
    from ml.host.decision import decide_many

    rng = np.random.default_rng(3)
    sizes = rng.integers(1, 9, size=400)
    lik = rng.choice([0.0, 0.2, 0.5, 0.51, 0.9, 1.0], size=sizes.sum())  # ties and the threshold
    lik = np.where(rng.random(lik.size) < 0.5, rng.random(lik.size), lik)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank, pos, prime = decide_many(lik, starts)
    for s, n in zip(starts, sizes, strict=True):
        f = lik[s : s + n]
        best, positives, p = decide(f)
        expect = np.empty(n, int)
        expect[np.argsort(-f, kind="stable")] = np.arange(1, n + 1)
        assert rank[s : s + n].tolist() == expect.tolist()
        assert rank[s + best] == 1
        assert np.flatnonzero(pos[s : s + n]).tolist() == positives.tolist()
        assert np.flatnonzero(prime[s : s + n]).tolist() == ([] if p is None else [p])


def test_decide_many_rejects_empty_fields():
    from ml.host.decision import decide_many

    with pytest.raises(ValueError, match="strictly increase"):
        decide_many(np.array([0.1, 0.2]), np.array([0, 1, 1]))
    with pytest.raises(ValueError, match="last field empty"):
        decide_many(np.array([0.1, 0.2]), np.array([0, 2]))
