"""The learned edge associator (ml.association.edges, ml.association.learn): no database."""

from __future__ import annotations

import numpy as np
import pytest

from ml.association.associate import associate
from ml.association.edges import (
    FEATURE_NAMES,
    EdgeParams,
    candidate_pairs,
    default_edge_params,
    pair_features,
)
from ml.association.learn import fit_edges
from ml.association.rules import ComponentSky

ARCSEC = 1 / 3600.0


def _sky(params=None, shapes=True):
    """A wide double (elongated lobes along the pair axis, 60" apart, 20 mJy each), and a
    faint unresolved source 100" away."""
    ra = np.array([50.0, 50.0, 50.0 + 100 * ARCSEC])
    dec = np.array([-28.0, -28.0 + 60 * ARCSEC, -28.0])
    flux, peak = np.array([20.0, 22.0, 0.4]), np.array([4.0, 4.5, 0.4])
    kw = {}
    if shapes:
        kw = dict(
            major_arcsec=[12.0, 14.0, 0.0],
            minor_arcsec=[4.0, 5.0, 0.0],
            pa_deg=[0.0, 180.0, 0.0],
            rms_mjy=[0.03, 0.03, 0.03],
        )
    return ComponentSky(ra, dec, flux, peak, params, **kw)


@pytest.mark.parametrize("shapes", [True, False], ids=["with-shapes", "four-columns"])
def test_default_edge_model_groups_a_double_and_leaves_a_faint_neighbour(shapes):
    sky = _sky(default_edge_params(), shapes)
    a = associate(sky, 50.0, -28.0)
    assert a.members == (0, 1)
    assert associate(sky, 50.0 + 100 * ARCSEC, -28.0).members == (2,)


def test_candidate_pairs_match_brute_force():
    rng = np.random.default_rng(1)
    ra = 50 + rng.uniform(0, 0.2, 300)
    dec = -28 + rng.uniform(0, 0.2, 300)
    sky = ComponentSky(ra, dec, np.ones(300), np.ones(300))
    got = {tuple(p) for p in candidate_pairs(sky.xyz, 150.0)}
    sep = np.degrees(np.arccos(np.clip(sky.xyz @ sky.xyz.T, -1, 1))) * 3600.0
    i, j = np.nonzero(np.triu(sep < 150.0, 1))
    assert got == set(zip(i.tolist(), j.tolist(), strict=True))


def test_missing_shapes_are_nan_features_and_neutral():
    sky = _sky(shapes=False)
    x = pair_features(sky, np.array([[0, 1]]))
    named = dict(zip(FEATURE_NAMES, x[0], strict=True))
    assert np.isnan(named["size_cover"]) and np.isnan(named["log_snr_min"])
    assert named["rule_link"] == 1.0  # 60" < 100" sqrt(42/100): a Magliocchetti double


def test_edge_params_validate_and_round_trip():
    p = default_edge_params()
    assert EdgeParams.from_dict(p.to_dict()) == p
    with pytest.raises(ValueError, match="EdgeParams.coef needs 11 values"):
        EdgeParams(coef=(1.0,), mean=p.mean, scale=p.scale)
    with pytest.raises(ValueError, match="threshold must be in"):
        EdgeParams(coef=p.coef, mean=p.mean, scale=p.scale, threshold=1.5)
    with pytest.raises(ValueError, match="differ from this code's"):
        EdgeParams.from_dict({**p.to_dict(), "features": ["a"]})


def test_fit_edges_learns_links_from_labelled_groups():
    """Simulated sky: 40 doubles (comparable lobes 20-40" apart) and 200 isolated faint
    singles; the fitted model must group most doubles and keep singles alone."""
    rng = np.random.default_rng(7)
    ra, dec, flux, src = [], [], [], []
    for k in range(40):
        r0, d0 = 50 + (k % 8) * 0.05, -28 + (k // 8) * 0.05
        sep = rng.uniform(20, 40) * ARCSEC
        ra += [r0, r0]
        dec += [d0, d0 + sep]
        f = rng.uniform(5, 20)
        flux += [f, f * rng.uniform(0.6, 1.6)]
        src += [k, k]
    for k in range(200):
        ra.append(51 + rng.uniform(0, 0.4))
        dec.append(-28 + rng.uniform(0, 0.4))
        flux.append(rng.uniform(0.1, 1.0))
        src.append(100 + k)
    ra, dec, flux, src = map(np.array, (ra, dec, flux, src))
    sky = ComponentSky(ra, dec, flux, flux)
    params = fit_edges(sky, src, np.ones(len(src), bool))
    labels = ComponentSky(ra, dec, flux, flux, params)._labels
    doubles = sum(labels[2 * k] == labels[2 * k + 1] for k in range(40))
    singles = sum(np.sum(labels == labels[i]) == 1 for i in range(80, len(src)))
    assert doubles >= 36 and singles >= 190


def test_simulated_pairs_are_labelled_by_parent_source():
    from ml.association.learn import simulated_pairs

    x, y = simulated_pairs(20, beam=(11.0, 5.0, 0.0), noise_ujy=30.0)
    assert x.shape == (len(y), len(FEATURE_NAMES)) and len(y) > 0
    assert set(np.unique(y)) <= {0, 1} and 0 < y.sum() < len(y) + 1


def test_guarded_threshold_falls_back_to_the_fewest_links_when_no_threshold_passes():
    """With a simulated guard no threshold can pass (the rules' single rate is 1 and every
    field's target sits in a linked pair), the guarded choice is the highest threshold."""
    from ml.association.edges import FEATURE_NAMES
    from ml.association.params import AssociationParams
    from ml.association.rules import ComponentSky
    from ml.evaluation.association import guarded as g

    k = len(FEATURE_NAMES)
    # an edge model that links every candidate pair (intercept large)
    model = {"coef": (0.0,) * k, "intercept": 10.0, "mean": (0.0,) * k, "scale": (1.0,) * k}
    ra = np.array([10.0, 10.0 + 20 / 3600])
    dec = np.zeros(2)
    sky = ComponentSky(ra, dec, np.ones(2), np.ones(2))
    pairs = g.candidate_pairs(sky.xyz)
    x = g.pair_features(sky, pairs)
    fd = g._SimField(sky, pairs, x, 0, True, {0}, True)
    sources = [np.array([0]), np.array([1])]
    t, table = g.guarded_threshold(sky, model, sources, [fd], AssociationParams(), (0.3, 0.6))
    assert t == 0.6 and not any(r["guards_pass"] for r in table)
    assert table[0]["sim_vlass_single"] == "0/1"
    # a model that links nothing passes both guards at every threshold; ties go to the higher
    model = {**model, "intercept": -10.0}
    t, table = g.guarded_threshold(sky, model, sources, [fd], AssociationParams(), (0.3, 0.6))
    assert t == 0.6 and all(r["guards_pass"] for r in table)
