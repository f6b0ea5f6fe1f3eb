"""Catalogue-feature MLP of the optical classifier (ml.classifier.catalogue) on real SDSS rows."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from ml.classifier.catalogue import (
    CatalogueMLP,
    FittedCatalogueModel,
    colour_features,
    fit_catalogue_mlp,
    n_features,
)
from ml.classifier.data import SDSS_FILE

needs_data = pytest.mark.real_data(SDSS_FILE)


def test_colour_features_values():
    f = colour_features([[20.0, 19.0, 18.5]], ("u", "g", "r"), "adjacent")
    np.testing.assert_allclose(f, [[20.0, 19.0, 18.5, 1.0, 0.5]])
    # default: every pairwise colour u-g, u-r, g-r
    f = colour_features([[20.0, 19.0, 18.5]], ("u", "g", "r"))
    np.testing.assert_allclose(f, [[20.0, 19.0, 18.5, 1.0, 1.5, 0.5]])
    assert n_features(5) == 15 and n_features(5, "adjacent") == 9
    assert colour_features(np.zeros((2, 5)), tuple("ugriz")).shape == (2, n_features(5))
    with pytest.raises(ValueError, match=r"colours must be one of \('adjacent', 'all'\), got 'x'"):
        colour_features([[20.0, 19.0]], ("u", "g"), "x")


def test_colour_features_errors_name_row_and_band():
    with pytest.raises(ValueError, match=r"non-finite magnitude in row 1, band 'g': nan"):
        colour_features([[20.0, 19.0], [20.0, np.nan]], ("u", "g"))
    with pytest.raises(
        ValueError, match=r"mags must have shape \(N, 3\) for bands \('u', 'g', 'r'\), got \(2, 2\)"
    ):
        colour_features(np.zeros((2, 2)), ("u", "g", "r"))


def test_mlp_exposes_features_and_head():
    m = CatalogueMLP(9, hidden=(16, 8))
    assert m.features(torch.zeros(4, 9)).shape == (4, 8)
    assert m.head.in_features == 8 and m.head.out_features == 3
    with pytest.raises(ValueError, match="at least one hidden layer"):
        CatalogueMLP(9, hidden=())


def test_fit_rejects_bad_labels(small):
    mags = np.tile([20.0, 19.0, 18.5, 18.2, 18.0], (4, 1))
    with pytest.raises(ValueError, match=r"labels must be class indices in \[0, 3\), got 0..3"):
        fit_catalogue_mlp(mags, [0, 1, 2, 3], small)
    with pytest.raises(ValueError, match=r"labels must have shape \(4,\)"):
        fit_catalogue_mlp(mags, [0, 1], small)


@needs_data
def test_learns_real_sdss_classes_and_is_deterministic(sdss, small):
    # 1,500 real training rows, 1,000 disjoint real test rows: the MLP must beat the majority
    # class (GALAXY, 50 %) by far; the full 10-fold figure is in results/classifier.json
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(sdss.labels))
    tr, te = idx[:1500], idx[1500:2500]
    a = fit_catalogue_mlp(sdss.mags[tr], sdss.labels[tr], small)
    acc = np.mean(a.predict(sdss.mags[te]) == sdss.labels[te])
    assert acc > 0.9
    b = fit_catalogue_mlp(sdss.mags[tr], sdss.labels[tr], small)
    np.testing.assert_array_equal(a.predict_proba(sdss.mags[te]), b.predict_proba(sdss.mags[te]))
    p = a.predict_proba(sdss.mags[te[:5]])
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    # checkpoint state round trip (plain types + tensors)
    c = FittedCatalogueModel.from_state(a.state())
    np.testing.assert_allclose(
        c.predict_proba(sdss.mags[te]), a.predict_proba(sdss.mags[te]), rtol=1e-6
    )


def test_state_without_colours_key_is_an_adjacent_colour_model(small):
    # checkpoints written before the ``colours`` option (9 inputs for ugriz) still load
    old = fit_catalogue_mlp(
        np.random.default_rng(0).normal(19.0, 1.0, (8, 5)),
        [0, 1, 2, 0, 1, 2, 0, 1],
        replace(small, epochs=1, colours="adjacent"),
    )
    state = old.state()
    del state["config"]["colours"]
    c = FittedCatalogueModel.from_state(state)
    assert c.config.colours == "adjacent" and c.model.trunk[0].in_features == 9


@needs_data
def test_cross_validation_gives_one_report_per_stratified_fold(sdss, small):
    from ml.evaluation.classifier.cv import cross_validate

    idx = np.random.default_rng(1).permutation(len(sdss.labels))[:600]
    reports = cross_validate(sdss.mags[idx], sdss.labels[idx], small, n_folds=3)
    assert len(reports) == 3
    # stratified: every fold holds each class in proportion (QSO ~8.5 % -> ~17 of 200)
    for r in reports:
        assert r["n"] == 200
        assert abs(r["per_class"]["QSO"]["support"] - 200 * np.mean(sdss.labels[idx] == 1)) <= 1
