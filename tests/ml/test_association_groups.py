"""Group-level association steps and the failure analysis (no database)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from ml.association.edges import FEATURE_NAMES, EdgeParams
from ml.association.params import AssociationParams
from ml.association.refit import LabelledField, core_offsets
from ml.association.rules import ComponentSky
from ml.evaluation.association.failures import failure_mode

ARCSEC = 1 / 3600.0
K = len(FEATURE_NAMES)


def _triple(core_flux: float, params=None) -> ComponentSky:
    """Two 5 mJy lobes 80" apart (N-S) and a component 3" off their midpoint."""
    ra = np.array([50.0, 50.0, 50.0 + 3 * ARCSEC / np.cos(np.radians(28.0))])
    dec = np.array([-28.0, -28.0 + 80 * ARCSEC, -28.0 + 40 * ARCSEC])
    flux = np.array([5.0, 5.0, core_flux])
    return ComponentSky(ra, dec, flux, flux, params)


@pytest.mark.parametrize(
    ("core_flux", "ratio", "grouped"),
    [(2.0, 1.0, True), (7.0, 1.0, False), (7.0, 1.5, True), (7.0, 1.3, False)],
)
def test_triple_core_may_be_brighter_than_the_lobes_only_up_to_core_flux_ratio(
    core_flux, ratio, grouped
):
    sky = _triple(core_flux, AssociationParams(core_flux_ratio=ratio))
    assert (sky.group(0).tolist() == [0, 1, 2]) is grouped


def test_core_flux_ratio_must_be_positive():
    with pytest.raises(ValueError, match="core_flux_ratio"):
        AssociationParams(core_flux_ratio=0.0)


def _lobes_only_model(absorb: bool) -> EdgeParams:
    """An edge model that links exactly the pairs the rules' double criterion links (a large
    rule_link coefficient, all others 0): the 80" lobes of ``_triple`` (rule triple off by a
    core brighter than the lobes) are linked only through the midpoint step."""
    coef = [0.0] * K
    coef[FEATURE_NAMES.index("rule_link")] = 20.0
    return EdgeParams(
        coef=tuple(coef),
        intercept=-10.0,
        mean=(0.0,) * K,
        scale=(1.0,) * K,
        absorb_cores=absorb,
        rules=AssociationParams(theta_100mjy_arcsec=400.0, core_flux_ratio=1.0),
    )


@pytest.mark.parametrize("absorb", [False, True])
def test_midpoint_core_of_a_linked_lobe_pair_joins_the_group_only_with_absorb_cores(absorb):
    sky = _triple(25.0, _lobes_only_model(absorb))
    # the lobes link (a double within theta = 400" sqrt(10/100)); the core, 5x brighter than
    # each lobe, fails the rules' flux-ratio and fainter-core tests
    assert sky.group(0).tolist() == ([0, 1, 2] if absorb else [0, 1])


def test_absorb_cores_round_trips_and_old_configs_mean_off():
    p = _lobes_only_model(True)
    assert EdgeParams.from_dict(p.to_dict()) == p
    old = p.to_dict()
    old.pop("absorb_cores")
    assert EdgeParams.from_dict(old).absorb_cores is False


def test_labelled_field_shapes_reach_the_edge_model():
    """Only the size-cover feature counts: two touching extended lobes link when their axes
    are given, and stay apart when the field carries no shapes (NaN = the training mean)."""
    coef = [0.0] * K
    coef[FEATURE_NAMES.index("size_cover")] = 10.0
    mean = [0.0] * K
    mean[FEATURE_NAMES.index("size_cover")] = -1.0
    p = EdgeParams(coef=tuple(coef), intercept=-1.0, mean=tuple(mean), scale=(1.0,) * K)
    ra, dec = np.array([50.0, 50.0]), np.array([-28.0, -28.0 + 30 * ARCSEC])
    base = dict(
        sky_ra=ra,
        sky_dec=dec,
        sky_flux=np.array([1.0, 1.0]),
        sky_peak=np.array([0.5, 0.5]),
        ra=50.0,
        dec=-28.0,
        cand_ra=np.array([50.0]),
        cand_dec=np.array([-28.0 + 15 * ARCSEC]),
        host=0,
    )
    shape = {"major_arcsec": np.array([30.0, 30.0]), "minor_arcsec": np.array([5.0, 5.0])}
    _, multi = core_offsets(LabelledField(**base, sky_shape=shape), p)
    _, bare = core_offsets(LabelledField(**base), p)
    assert multi and not bare


def _arrays() -> dict:
    """Three components: a 30" double (0, 1) and an unrelated neighbour (2) 20" from 1."""
    return {
        "cid": np.array(["C1", "C2", "C3"]),
        "ra": np.array([50.0, 50.0, 50.0]),
        "dec": np.array([-28.0, -28.0 + 30 * ARCSEC, -28.0 + 50 * ARCSEC]),
        "int_flux_mjy": np.array([1.0, 1.0, 1.0]),
        "peak_flux_mjy": np.array([0.5, 0.5, 0.5]),
        "major_arcsec": np.zeros(3),
        "minor_arcsec": np.zeros(3),
        "pa_deg": np.zeros(3),
    }


@pytest.mark.parametrize(
    ("labels", "mode"),
    [
        ([0, 0, 2], None),
        ([0, 1, 2], "split"),
        ([0, 0, 0], "over_merged"),
        ([0, 1, 0], "split_and_over_merged"),
    ],
)
def test_failure_mode_names_split_and_over_merged(labels, mode):
    got = failure_mode(_arrays(), np.array([0, 1]), np.array(labels))
    assert (got if got is None else got["mode"]) == mode
    if mode == "split":
        # 30" apart at 2 mJy total: beyond the 14" Magliocchetti scale
        assert got["missed"] == [{"cid": "C2", "kind": "far_lobe"}]
    if mode == "over_merged":
        assert got["extra_components"] == ["C3"] and got["extra_nearest_sep_arcsec"] == 20.0


def test_replace_keeps_edge_params_valid():
    p = replace(_lobes_only_model(False), absorb_cores=True)
    assert p.absorb_cores and p.threshold == 0.5


def test_survey_dependent_features_get_no_weight_in_the_fit_and_the_shipped_model():
    from ml.association.edges import default_edge_params
    from ml.association.learn import SURVEY_DEPENDENT_FEATURES, fit_logistic

    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, K))
    k = FEATURE_NAMES.index("log_compact_max")
    y = (x[:, k] + 0.3 * rng.normal(size=400) > 0).astype(int)  # only compactness predicts
    assert fit_logistic(x, y)["coef"][k] > 1.0
    assert fit_logistic(x, y, exclude=SURVEY_DEPENDENT_FEATURES)["coef"][k] == 0.0
    shipped = default_edge_params()
    assert shipped.coef[k] == 0.0 and shipped.absorb_cores
