"""Position-derived inputs of the catalogue classifier (ml.classifier.galactic, ``position``)."""

from __future__ import annotations

from dataclasses import replace

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord

from ml.classifier.catalogue import (
    CatalogueConfig,
    FittedCatalogueModel,
    catalogue_features,
    fit_catalogue_mlp,
    n_features,
)
from ml.classifier.data import SDSS_FILE, load_sdss_dr14
from ml.classifier.galactic import (
    SDSS_EXTINCTION_COEFF,
    abs_galactic_latitude,
    deredden,
    ebv_cosecant,
)

needs_data = pytest.mark.real_data(SDSS_FILE)


def test_abs_b_of_the_galactic_pole_centre_and_a_southern_point():
    # NGP (ICRS 192.85948, +27.12825) and the Galactic centre (266.40499, -28.93617),
    # Reid & Brunthaler 2004 / astropy's IAU 1958 frame
    c = SkyCoord([192.85948, 266.40499, 0.0] * u.deg, [27.12825, -28.93617, -90.0] * u.deg)
    b = abs_galactic_latitude(c)
    np.testing.assert_allclose(b[:2], [90.0, 0.0], atol=1e-3)
    # the south celestial pole lies at b = -27.13 deg: |b| is its absolute value
    np.testing.assert_allclose(b[2], 27.128, atol=1e-2)


def test_cosecant_law_and_clipping():
    np.testing.assert_allclose(ebv_cosecant([90.0, 30.0, -30.0]), [0.02, 0.04, 0.04])
    # below 10 deg the slab model is clipped, not extrapolated to infinity
    assert (
        ebv_cosecant(2.0)
        == pytest.approx(ebv_cosecant(10.0))
        == pytest.approx(0.02 / 0.17365, rel=1e-4)
    )


def test_deredden_subtracts_r_times_ebv_and_names_bad_bands():
    m = np.array([[20.0, 19.0, 18.5, 18.2, 18.0]])
    out = deredden(m, tuple("ugriz"), [0.1])
    np.testing.assert_allclose(m - out, [[0.4239, 0.3303, 0.2285, 0.1698, 0.1263]])
    assert SDSS_EXTINCTION_COEFF["g"] - SDSS_EXTINCTION_COEFF["r"] == pytest.approx(1.018)
    with pytest.raises(ValueError, match=r"no extinction coefficient for band\(s\) \['y'\]"):
        deredden(np.zeros((1, 2)), ("z", "y"), [0.1])
    with pytest.raises(
        ValueError, match=r"need mags \(N, 5\) and ebv \(N,\), got \(1, 5\) and \(2,\)"
    ):
        deredden(m, tuple("ugriz"), [0.1, 0.2])


def test_catalogue_features_per_position_option():
    m = np.array([[20.0, 19.0, 18.5, 18.2, 18.0], [21.0, 20.5, 20.0, 19.9, 19.8]])
    b = np.array([30.0, 90.0])
    base = catalogue_features(m, CatalogueConfig())
    np.testing.assert_array_equal(base, catalogue_features(m, CatalogueConfig(), b))
    with_b = catalogue_features(m, CatalogueConfig(position="abs_b"), b)
    assert (
        with_b.shape == (2, n_features(5) + 1) == (2, CatalogueConfig(position="abs_b").n_inputs())
    )
    np.testing.assert_array_equal(with_b[:, :-1], base)
    np.testing.assert_array_equal(with_b[:, -1], b)
    der = catalogue_features(m, CatalogueConfig(position="deredden"), b)
    # u-g (column 5) gets bluer by (R_u - R_g) E(B-V), E = 0.04 at |b| = 30 and 0.02 at the pole
    np.testing.assert_allclose(
        base[:, 5] - der[:, 5], (4.239 - 3.303) * np.array([0.04, 0.02]), rtol=1e-5
    )
    both = catalogue_features(m, CatalogueConfig(position="deredden_abs_b"), b)
    np.testing.assert_array_equal(both[:, :-1], der)
    with pytest.raises(ValueError, match=r"position='abs_b' needs abs_b \(Galactic \|b\|, deg\)"):
        catalogue_features(m, CatalogueConfig(position="abs_b"))
    with pytest.raises(ValueError, match=r"abs_b must be 2 finite values, got shape \(3,\)"):
        catalogue_features(m, CatalogueConfig(position="abs_b"), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"position must be one of .*, got 'b'"):
        catalogue_features(m, CatalogueConfig(position="b"))


@needs_data
def test_sdss_loader_gives_positions(sdss):
    assert len(sdss.coord) == len(sdss.labels) == 10_000
    b = abs_galactic_latitude(sdss.coord)
    # SDSS imaging avoids the plane: the lowest object here is at |b| ~ 7 deg, the median ~ 50
    assert b.min() > 5.0 and np.median(b) == pytest.approx(50.0, abs=3.0)
    assert np.mean(b < 10.0) < 0.01


@needs_data
def test_abs_b_model_learns_real_sdss_and_round_trips(sdss, small):
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(sdss.labels))
    tr, te = idx[:1500], idx[1500:2500]
    b = abs_galactic_latitude(sdss.coord)
    cfg = replace(small, position="deredden_abs_b")
    a = fit_catalogue_mlp(sdss.mags[tr], sdss.labels[tr], cfg, abs_b=b[tr])
    assert a.model.trunk[0].in_features == n_features(5) + 1
    assert np.mean(a.predict(sdss.mags[te], b[te]) == sdss.labels[te]) > 0.9
    c = FittedCatalogueModel.from_state(a.state())
    assert c.config.position == "deredden_abs_b"
    np.testing.assert_allclose(
        c.predict_proba(sdss.mags[te], b[te]), a.predict_proba(sdss.mags[te], b[te]), rtol=1e-6
    )
    with pytest.raises(ValueError, match="needs abs_b"):
        a.predict(sdss.mags[te])


@needs_data
def test_variant_study_none_mlp_row_reproduces_cross_validate(sdss, small):
    from ml.evaluation.classifier.cv import cross_validate
    from ml.evaluation.classifier.variants import variant_study

    idx = np.random.default_rng(2).permutation(len(sdss.labels))[:400]
    x, y = sdss.mags[idx], sdss.labels[idx]
    b = abs_galactic_latitude(sdss.coord)[idx]
    study = variant_study(x, y, b, small, n_folds=2)
    assert study["n_variants"] == len(study["variants"]) == 12
    row = next(v for v in study["variants"] if v["name"] == "mlp, position=none")
    folds = cross_validate(x, y, small, n_folds=2)
    np.testing.assert_allclose(row["cv_accuracy"]["folds"], [f["accuracy"] for f in folds])
    assert study["best_by_cv"] in {v["name"] for v in study["variants"]}


def test_loader_positions_are_optional_and_checked(tmp_path):
    d = tmp_path / SDSS_FILE.parent
    d.mkdir(parents=True)
    head = "u,g,r,i,z,class,redshift"
    (tmp_path / SDSS_FILE).write_text(f"{head}\n20,19,18,17,16,STAR,0\n")
    assert load_sdss_dr14(tmp_path).coord is None
    (tmp_path / SDSS_FILE).write_text(
        f"ra,dec,{head}\n10,20,20,19,18,17,16,STAR,0\n11,nan,20,19,18,17,16,STAR,0\n"
    )
    with pytest.raises(ValueError, match=r"row 1, column 'dec': position is not finite"):
        load_sdss_dr14(tmp_path)
