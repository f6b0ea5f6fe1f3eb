"""Real-data loaders and simulated candidate stamps of the optical classifier (ml.classifier.data)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.classifier.data import (
    SDSS_FILE,
    crop_and_bin,
    load_elqs_quasars,
    load_sdss_dr14,
    load_zgtr4_ulq,
    simulated_candidates,
)
from ml.classifier.photometry import CLASSES

needs_data = pytest.mark.real_data(SDSS_FILE)


@needs_data
def test_sdss_dr14_counts_match_provenance():
    s = load_sdss_dr14()
    assert s.mags.shape == (10_000, 5) and s.bands == ("u", "g", "r", "i", "z")
    counts = np.bincount(s.labels, minlength=3)
    assert dict(zip(CLASSES, counts.tolist(), strict=True)) == {
        "GALAXY": 4998,
        "QSO": 850,
        "STAR": 4152,
    }
    assert np.isfinite(s.mags).all()


@needs_data
def test_external_quasar_samples():
    e = load_elqs_quasars()
    assert e.mags.shape == (128, 5) and set(e.labels.tolist()) == {CLASSES.index("QSO")}
    u = load_zgtr4_ulq()
    assert u.mags.shape == (96, 5) and u.bands == tuple("grizy")
    assert np.isfinite(u.w1).all()
    # g-band dropouts of z > 4 quasars stay NaN (not an error, not a fake value)
    assert np.isnan(u.mags[:, 0]).any() and np.isfinite(u.mags[:, 2:4]).all()


def _write_sdss(tmp_path, rows):
    d = tmp_path / SDSS_FILE.parent
    d.mkdir(parents=True)
    header = "objid,u,g,r,i,z,class,redshift\n"
    (tmp_path / SDSS_FILE).write_text(header + "".join(r + "\n" for r in rows))


def test_loader_errors_name_file_row_and_column(tmp_path):
    with pytest.raises(ValueError, match="file not found"):
        load_sdss_dr14(tmp_path)
    _write_sdss(tmp_path, ["1,20,19,18,17,16,STAR,0", "2,20,19,18,17,16,PLANET,0"])
    with pytest.raises(ValueError, match=r"row 1, column 'class': unknown class 'PLANET'"):
        load_sdss_dr14(tmp_path)


def test_loader_missing_column(tmp_path):
    d = tmp_path / SDSS_FILE.parent
    d.mkdir(parents=True)
    (tmp_path / SDSS_FILE).write_text("u,g,r,i,class,redshift\n1,2,3,4,STAR,0\n")
    with pytest.raises(ValueError, match=r"missing column\(s\) \['z'\]"):
        load_sdss_dr14(tmp_path)


@settings(max_examples=25, deadline=None)
@given(st.sampled_from([(240, 1), (120, 2), (60, 4), (48, 3)]), st.floats(-3, 3))
def test_crop_and_bin_preserves_mean_of_constant(crop_bin, value):
    crop, binning = crop_bin
    out = crop_and_bin(np.full((5, 240, 240), value, np.float32), crop, binning)
    assert out.shape == (5, crop // binning, crop // binning)
    np.testing.assert_allclose(out, value, atol=1e-5)


def test_crop_and_bin_keeps_centre_and_errors():
    stack = np.zeros((1, 240, 240), np.float32)
    stack[0, 119:121, 119:121] = 1.0  # the candidate sits at the centre of the stamp
    out = crop_and_bin(stack, 120, 2)
    assert out[0, 29:31, 29:31].sum() == pytest.approx(1.0)
    with pytest.raises(
        ValueError, match=r"crop must be in \(0, 240\] and a multiple of binning=2, got 121"
    ):
        crop_and_bin(stack, 121, 2)


def test_simulated_candidates_follow_the_simulator():
    from ml.sim.field import simulate_field

    data = simulated_candidates([5], crop=64, binning=4, max_per_field=3)
    f = simulate_field(5)
    assert data.images.shape == (3, 5, 16, 16) and data.images.dtype == np.float32
    assert 0.0 <= data.images.min() and data.images.max() <= 1.0
    host_first = np.argsort(~np.asarray(f.candidates["is_host"]), kind="stable")[:3]
    expected = [CLASSES.index(str(f.candidates["true_class"][i])) for i in host_first]
    assert data.labels.tolist() == expected
    w1 = np.asarray(f.candidates["w1mag"])[host_first]
    np.testing.assert_array_equal(data.photometry_mask[:, 0], np.isfinite(w1).astype(np.float32))
    with pytest.raises(ValueError, match="need at least one simulator seed"):
        simulated_candidates([])
