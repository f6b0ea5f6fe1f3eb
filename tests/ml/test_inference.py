"""The fast inference engine equals the paper's per-pair forward (|Δ| ≤ 1e-4)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.host.cache import OpticalCache
from ml.host.engine import HostEngine, score_fields
from ml.host.field import HostField
from ml.host.model import HostConfig, host_identifier
from ml.host.naive import naive_score_fields

RS, OS = 64, 32  # small images keep the test fast; the engine is size-agnostic


def _model(seed: int = 0, **kw) -> torch.nn.Module:
    torch.manual_seed(seed)
    m = host_identifier(HostConfig(radio_size=RS, optical_size=OS, **kw)).eval()
    # non-trivial BatchNorm statistics, so folding BN into the convs is really exercised
    g = torch.Generator().manual_seed(seed + 1)
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            n = mod.num_features
            mod.running_mean.copy_(torch.rand(n, generator=g) * 0.4 - 0.2)
            mod.running_var.copy_(torch.rand(n, generator=g) + 0.5)
            mod.weight.data.copy_(torch.rand(n, generator=g) + 0.5)
            mod.bias.data.copy_(torch.rand(n, generator=g) * 0.4 - 0.2)
    return m


def _fields(ids_per_field: list[list[str]], seed: int = 0) -> tuple[list[HostField], dict]:
    rng = np.random.default_rng(seed)
    stamps: dict[str, np.ndarray] = {}
    fields = []
    for k, ids in enumerate(ids_per_field):
        for c in ids:
            stamps.setdefault(c, rng.random((5, OS, OS), dtype=np.float32))
        n = len(ids)
        fields.append(
            HostField(
                field_id=f"F{k}",
                radio=rng.random((RS, RS), dtype=np.float32),
                candidate_ids=ids,
                xy=rng.uniform(-30, 30, size=(n, 2)),
                class_probs=rng.dirichlet([1, 1, 1], size=n),
                optical=np.stack([stamps[c] for c in ids]),
            )
        )
    return fields, stamps


# overlapping fields: "a1" and "b0" appear in two fields each
IDS = [["a0", "a1", "a2", "a3"], ["b0", "a1", "b2"], ["c0", "b0", "c2", "c3", "c4"]]


@pytest.mark.slow
@pytest.mark.parametrize(("batch", "channels_last"), [(2, True), (32, False)])
def test_engine_fp32_equals_naive_per_pair(batch, channels_last):
    m = _model()
    fields, _ = _fields(IDS)
    ref = naive_score_fields(fields, m, per_pair=True)
    got = score_fields(fields, m, batch=batch, channels_last=channels_last)
    assert [g.shape for g in got] == [(4,), (3,), (5,)]
    for r, g in zip(ref, got, strict=True):
        assert np.abs(r - g).max() <= 1e-4
    # the per-field batched naive pass is the same function too
    for r, g in zip(ref, naive_score_fields(fields, m, per_pair=False), strict=True):
        assert np.abs(r - g).max() <= 1e-4
    # the likelihoods are not all the same (the comparison is not vacuous)
    assert np.ptp(np.concatenate(ref)) > 1e-3


@pytest.mark.parametrize(
    "kw",
    [
        dict(use_radio=False),
        dict(use_optical=False),
        dict(use_class_probs=False),
        dict(use_xy=False, use_distance=False),
        dict(shared_trunk=True),
    ],
)
def test_engine_equals_naive_for_every_branch_variant(kw):
    m = _model(**kw)
    fields, _ = _fields(IDS)
    for f in fields:
        if not m.cfg.use_radio:
            f.radio = None
        if not m.cfg.use_optical:
            f.optical = None
        if not m.cfg.needs_class_probs:
            f.class_probs = None
    ref = naive_score_fields(fields, m, per_pair=False)
    got = score_fields(fields, m)
    for r, g in zip(ref, got, strict=True):
        assert np.abs(r - g).max() <= 1e-4


def test_optical_cache_encodes_each_source_once_across_fields_and_calls():
    m = _model()
    fields, stamps = _fields(IDS)
    calls: list[str] = []

    def loader(cid):
        calls.append(cid)
        return stamps[cid]

    for f in fields:
        f.optical = loader
    cache = OpticalCache()
    eng = HostEngine(m, cache=cache, batch=3)
    first = eng.score(fields)
    unique = {c for ids in IDS for c in ids}
    assert sorted(calls) == sorted(unique)  # overlapping sources loaded/encoded once
    assert cache.misses == len(unique) and cache.hits == sum(map(len, IDS)) - len(unique)
    calls.clear()
    second = eng.score(fields[1:])
    assert calls == []  # everything came from the cache
    for a, b in zip(first[1:], second, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)
    # a cache bound to another engine is cleared, never reused with the wrong weights
    HostEngine(_model(seed=5), cache=cache)
    assert len(cache) == 0


def test_small_cache_cap_does_not_lose_codes_within_a_call():
    m = _model()
    fields, _ = _fields(IDS)
    ref = score_fields(fields, m)
    got = score_fields(fields, m, cache=OpticalCache(max_items=1), batch=2)
    for r, g in zip(ref, got, strict=True):
        np.testing.assert_allclose(r, g, atol=1e-6)


def test_cache_size_cap_evicts_lru():
    c = OpticalCache(max_items=2)
    for k in "abc":
        c.put(k, torch.zeros(1))
    assert "a" not in c and "b" in c and "c" in c
    with pytest.raises(ValueError, match="max_items must be >= 1 or None, got 0"):
        OpticalCache(max_items=0)


@given(st.permutations(range(5)))
@settings(max_examples=3, deadline=None)
def test_candidate_order_does_not_matter(perm):
    m = _model()
    fields, _ = _fields([["c0", "c1", "c2", "c3", "c4"]])
    f = fields[0]
    p = np.asarray(perm)
    g = HostField(
        "P", f.radio, [f.candidate_ids[i] for i in p], f.xy[p], f.class_probs[p], f.optical[p]
    )
    a, b = score_fields([f, g], m)
    np.testing.assert_allclose(a[p], b, atol=1e-5)


def test_bf16_mode_runs_and_stays_close():
    m = _model()
    fields, _ = _fields(IDS)
    fp32 = score_fields(fields, m)
    bf16 = score_fields(fields, m, dtype="bf16")
    for a, b in zip(fp32, bf16, strict=True):
        assert np.abs(a - b).max() < 0.05


def test_shared_trunk_returns_class_probs():
    m = _model(shared_trunk=True)
    fields, _ = _fields(IDS)
    for f in fields:
        f.class_probs = None
    lik, probs = HostEngine(m).score(fields, return_class_probs=True)
    assert [p.shape for p in probs] == [(4, 3), (3, 3), (5, 3)]
    np.testing.assert_allclose(np.concatenate(probs).sum(axis=1), 1.0, atol=1e-6)
    with pytest.raises(ValueError, match="needs a shared_trunk model"):
        HostEngine(_model()).score(fields, return_class_probs=True)


def test_input_errors_name_the_field():
    m = _model()
    fields, _ = _fields(IDS)
    bad = fields[1]
    bad.xy = bad.xy[:, :1]
    with pytest.raises(ValueError, match=r"field F1: xy must be \(3, 2\), got \(3, 1\)"):
        score_fields(fields, m)
    fields, _ = _fields(IDS)
    fields[0].class_probs = None
    with pytest.raises(ValueError, match="field F0: class_probs required"):
        score_fields(fields, m)
    fields, _ = _fields(IDS)
    fields[2].radio = np.zeros((10, 10))
    with pytest.raises(ValueError, match=r"field F2: radio must be \(64, 64\) or \(1, 64, 64\)"):
        score_fields(fields, m)
    fields, stamps = _fields(IDS)
    fields[0].optical = lambda cid: np.zeros((5, 8, 8), dtype=np.float32)
    with pytest.raises(ValueError, match=r"optical stamp of 'a0' must be \(5, 32, 32\)"):
        score_fields(fields, m)
    with pytest.raises(ValueError, match="batch must be a positive int, got 0"):
        HostEngine(m, batch=0)
    with pytest.raises(ValueError, match="dtype must be torch.float32 or torch.bfloat16"):
        HostEngine(m, dtype=torch.float16)
    assert score_fields([], m) == []


def test_compiled_engine_equals_naive_and_bounds_batch_shapes():
    # torch.compile with Inductor freezing: same function, so the fp32 contract holds.
    m = _model()
    fields, _ = _fields(IDS)
    ref = naive_score_fields(fields, m, per_pair=False)
    eng = HostEngine(m, batch=4, compile=True)
    for a, b in zip(ref, eng.score(fields), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-4)
    # 11 optical sources at batch 4 -> 4, 4, 2, 1: tails are powers of two when compiled
    assert [b - a for a, b in eng._spans(11)] == [4, 4, 2, 1]
    assert [b - a for a, b in HostEngine(m, batch=4)._spans(11)] == [4, 4, 3]


def test_bf16_near_ties_are_rescored_in_fp32():
    m = _model()
    fields, _ = _fields(IDS)
    fp32 = score_fields(fields, m)
    every = HostEngine(m, dtype="bf16", tie_margin=0.999)  # every field counts as a near tie
    for a, b in zip(fp32, every.score(fields), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert every.fp32_rescored_fields == len(fields)
    off = HostEngine(m, dtype="bf16", tie_margin=0.0)
    off.score(fields)
    assert off.fp32_rescored_fields == 0
    assert HostEngine(m, tie_margin=0.5).tie_margin == 0.0  # fp32 engines never rescore
    with pytest.raises(ValueError, match="tie_margin"):
        HostEngine(m, dtype="bf16", tie_margin=1.0)
