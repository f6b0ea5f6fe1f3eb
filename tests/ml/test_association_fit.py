"""Refitting the catalogue-level method on labels (ml.association.refit): no database."""

from __future__ import annotations

import numpy as np
import pytest

from ml.association.params import AssociationParams
from ml.association.refit import (
    LabelledField,
    Method,
    better,
    cross_validate,
    fit,
    rayleigh_sigma,
    score,
)


def test_rayleigh_sigma_recovers_the_scale_and_corrects_the_truncation():
    rng = np.random.default_rng(3)
    r = np.hypot(*rng.normal(0, 2.0, (2, 4000)))
    assert rayleigh_sigma(r, cap_arcsec=20) == pytest.approx(2.0, rel=0.04)
    # a cap at 3" cuts a third of the sample; the truncated likelihood still finds 2"
    kept = r[r <= 3.0]
    naive = np.sqrt(np.mean(kept**2) / 2)
    assert naive < 1.6
    assert rayleigh_sigma(r, cap_arcsec=3.0) == pytest.approx(2.0, rel=0.08)
    with pytest.raises(ValueError, match=r"no offsets within 0..1.0 arcsec"):
        rayleigh_sigma([5.0, np.nan], cap_arcsec=1.0)


RULES = Method(associator="rules")
EDGES = Method(associator="edges")


@pytest.mark.parametrize("prior", [RULES, EDGES], ids=["rules", "edges"])
def test_fit_learns_the_weighting_the_labels_show(prior, double_fields):
    fields = double_fields(20)
    assert score(fields, prior)["top1"] == 0.0  # the defaults pick the decoy
    result = fit(fields, prior=prior)
    assert result.method.associator == prior.associator
    assert result.method.params.weighting == "int"
    assert result.train["top1"] == 1.0
    # multi-component offsets are the 0.7" jitter: sigma near 0.7", not the 3" prior
    assert 0.5 < result.method.sigma_multi_arcsec < 1.0
    assert result.n_sigma_samples == {"single": 0, "multi": 20}
    assert result.method.sigma_single_arcsec == Method().sigma_single_arcsec  # no samples


def test_fit_keeps_the_prior_on_ties_and_round_trips_its_config(double_fields):
    fields = double_fields(6)
    prior = Method(AssociationParams(weighting="int"), 1.0, 0.7, "rules")
    assert fit(fields, prior=prior).method.association == prior.association
    for start in (RULES, EDGES):
        m = fit(fields, prior=start).method
        assert Method.from_config(m.to_config()) == m
    # a config written before the edge model existed keeps meaning the rules (the default)
    assert Method.from_config({}) == RULES == Method()
    assert Method.from_config(EDGES.to_config()) == EDGES
    with pytest.raises(ValueError, match="associator must be one of"):
        Method(associator="cnn")
    with pytest.raises(ValueError, match="at least one labelled field"):
        fit([])


def test_cross_validation_is_held_out_and_compares_with_the_baseline(double_fields):
    fields = double_fields(15, seed=1)
    cv = cross_validate(fields, RULES, k=3)
    assert cv["refit"]["n"] == cv["baseline"]["n"] == 15
    assert cv["refit"]["top1"] == 1.0 and cv["baseline"]["top1"] == 0.0
    assert better(cv["refit"], cv["baseline"]) and not better(cv["baseline"], cv["refit"])
    with pytest.raises(ValueError, match="2 labelled fields cannot fill 3 folds"):
        cross_validate(fields[:2], k=3)


def test_labelled_field_checks_its_host_index():
    with pytest.raises(ValueError, match="field 'x': host index 2 not in 0..1"):
        LabelledField(
            np.ones(1),
            np.ones(1),
            np.ones(1),
            np.ones(1),
            1.0,
            1.0,
            np.ones(2),
            np.ones(2),
            2,
            key="x",
        )
