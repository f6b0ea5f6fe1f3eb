"""Grouped k-fold fine-tuning of the learned core locator on MiraBest (tiny runs, no timing)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from ml.core.learned.model import GRID, core_locator_net
from ml.evaluation.core_location.data import MIRABEST_DIR, list_sources
from ml.evaluation.core_location.finetune import (
    FinetuneConfig,
    assign_folds,
    cross_validate,
    spatial_groups,
)

torch.set_num_threads(1)
needs_data = pytest.mark.real_data(MIRABEST_DIR)


def test_assign_folds_keeps_groups_together_and_balances_counts():
    groups = np.array([0, 0, 0, 1, 2, 2, 3, 4, 5, 6])
    folds = assign_folds(groups, 3, seed=1)
    for g in np.unique(groups):
        assert len(set(folds[groups == g])) == 1
    counts = np.bincount(folds, minlength=3)
    assert counts.max() - counts.min() <= 1 and counts.sum() == 10
    with pytest.raises(ValueError, match="2 spatial groups cannot fill 3 folds"):
        assign_folds(np.array([0, 0, 1]), 3, seed=0)


@needs_data
def test_real_pair_in_one_cluster_shares_a_group():
    # a WAT and a head-tail of the same cluster, 40" apart: one must never train the other
    sources = list_sources()
    groups = spatial_groups(sources)
    names = [s.path.name for s in sources]
    i = next(k for k, n in enumerate(names) if n.startswith("102_227.489+033.454"))
    j = next(k for k, n in enumerate(names) if n.startswith("104_227.499+033.463"))
    assert groups[i] == groups[j]
    assert len(np.unique(groups)) < len(sources)  # the pair at least
    assert len(np.unique(groups)) > 90  # but almost all sources stand alone


@needs_data
def test_cross_validate_predicts_every_source_held_out():
    sources = [s for s in list_sources() if s.code in ("104", "200")][:6]
    rng = np.random.default_rng(0)
    replay = (
        rng.random((8, GRID, GRID)).astype(np.float16),
        rng.uniform(40, 200, (8, 2)).astype(np.float32),
    )
    cfg = FinetuneConfig(k=2, shifts=2, steps=2, batch_size=4, threads=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = cross_validate(sources, core_locator_net(width=4), replay, cfg, progress=False)
    assert [f["n_train_sources"] + f["n_test_sources"] for f in out["folds"]] == [6, 6]
    assert sorted(r["fold"] for r in out["records"]) == [0, 0, 0, 1, 1, 1]
    assert out["per_group"]["all"]["finetuned_tta"]["n"] == 6
    for r in out["records"]:
        assert 0 <= r["finetuned_offset_arcsec"] < 240 * 1.5
        assert len(r["finetuned_tta_xy_px"]) == 2
