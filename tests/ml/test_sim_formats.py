"""ml.sim.formats: files in the real formats, marked simulated, read back by real readers."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.io.votable import parse
from astropy.wcs import WCS

from ml.paths import data_dir
from ml.sim.catalogues import CIRADA_COLUMNS, allwise_table, cirada_rows, j_name, ps1_table
from ml.sim.field import simulate_field
from ml.sim.fits_files import write_ps1_stamps, write_radio_fits
from ml.sim.formats import field_seed, write_sky

DATA = data_dir()
CIRADA = DATA / "vlass_cirada_ql_sample" / "CIRADA_VLASS1QL_table1_components_v1_head100.csv"
needs_data = pytest.mark.real_data("images/vlass_ql_headers")
FAST = {"template_fraction": 0.0}


@pytest.fixture(scope="module")
def field():
    return simulate_field(42, morphology="FRII", **FAST)


@pytest.mark.real_data(CIRADA.relative_to(DATA))
def test_cirada_columns_are_exactly_the_real_70():
    with open(CIRADA, newline="") as fh:
        header = next(csv.reader(fh))
    assert tuple(header) == CIRADA_COLUMNS
    assert len(CIRADA_COLUMNS) == 70


def test_j_name_truncates_like_survey_names():
    assert j_name(53.5, -27.5) == "J033400.00-273000.0"
    assert j_name(0.0001, 80.01266744553764) == "J000000.02+800045.6"
    assert j_name(359.99999, -0.00001) == "J235959.99-000000.0"


@needs_data
def test_radio_fits_is_vlass_like_and_marked(tmp_path, field):
    p = write_radio_fits(field, tmp_path / "r.fits")
    with fits.open(p) as h:
        h.verify("exception")
        hdr, data = h[0].header, h[0].data
    assert data.shape == (1, 1, 240, 240) and data.dtype.byteorder in ">"
    assert np.array_equal(data[0, 0], field.radio)
    assert hdr["SIMULATE"] is True and hdr["OBJECT"] == "SIMULATED"
    assert hdr["SIMSEED"] == field.seed and hdr["BUNIT"] == "Jy/beam"
    assert hdr["BMAJ"] * 3600 == pytest.approx(field.beam.bmaj_arcsec)
    assert hdr["CTYPE1"] == "RA---SIN" and hdr["CTYPE3"] == "FREQ" and hdr["CRVAL3"] == 3e9
    w = WCS(hdr).celestial
    x, y = w.world_to_pixel(field.center)
    assert (float(x), float(y)) == pytest.approx((119.5, 119.5), abs=1e-6)


@needs_data
def test_radio_fits_goes_through_the_project_radio_loader(tmp_path, field):
    from ml.preprocess import radio as R

    p = write_radio_fits(field, tmp_path / "r.fits")
    with fits.open(p) as h:
        cube = h[0].data.astype(float)
        w = WCS(h[0].header).celestial
    # the 4-D QL-like cube through the WCS path lands on the same 240x240 frame
    via_wcs = R.preprocess_radio(cube, wcs=w)
    direct = R.preprocess_radio(cube)
    assert via_wcs.shape == (240, 240) and np.isfinite(via_wcs).all()
    assert np.allclose(via_wcs, direct, atol=2e-3)


@needs_data
def test_ps1_stamps_read_by_the_project_optical_loader(tmp_path):
    """The project's PS1 loader turns simulated stamps into the right microjansky."""
    from ml.preprocess.optical import load_ps1_stamps

    f = simulate_field(3, morphology="compact", n_background=0, decoy_rate=0.0, **FAST)
    paths = write_ps1_stamps(f, f.host_index, tmp_path)
    assert sorted(paths) == sorted("grizy")
    with fits.open(paths["r"]) as h:
        assert h[0].header["SIMULATE"] is True
        assert h[0].header["FPA.ZP"] == 25.0 and h[0].header["EXPTIME"] > 0
    ujy = load_ps1_stamps(paths)
    assert ujy.shape == (5, 240, 240)
    yy, xx = np.indices((240, 240))
    ap = np.hypot(xx - 119.5, yy - 119.5) < 60
    for b, band in enumerate("grizy"):
        expected = 10 ** (-0.4 * (f._true_mag[band][f.host_index] - 23.9))
        sky = np.std(ujy[b][:60, :60]) * np.sqrt(ap.sum())
        assert abs(ujy[b][ap].sum() - expected) < 4 * sky + 0.02 * expected


@needs_data
def test_catalogue_tables_use_vizier_names(field):
    t = ps1_table(field, "000007")
    for col in ("objID", "RAJ2000", "DEJ2000", "gmag", "e_gmag", "ymag", "e_ymag"):
        assert col in t.colnames
    assert "is_host" not in t.colnames and "true_class" not in t.colnames
    w = allwise_table(field, "000007")
    for col in ("AllWISE", "RAJ2000", "DEJ2000", "W1mag", "e_W1mag", "W2mag", "e_W2mag"):
        assert col in w.colnames
    assert len(w) == int(np.isfinite(np.asarray(field.candidates["w1mag"])).sum())


@needs_data
def test_cirada_rows_describe_the_components(field):
    rows = cirada_rows(field, "000001")
    assert len(rows) == len(field.components)
    for r in rows:
        assert set(r) == set(CIRADA_COLUMNS)
        assert r["Tile"] == "SIMULATED" and r["QL_cutout"].startswith("simulated://")
        assert r["Component_name"].startswith("VLASS1QLCIR J")
        assert r["Quality_flag"] == 0 and r["Duplicate_flag"] == 0
    tot = sum(r["Total_flux"] for r in rows)
    assert tot == pytest.approx(float(np.sum(field.components["total_flux_mjy"])), rel=1e-5)


def test_field_seed_is_deterministic_and_distinct():
    # the same in a fresh interpreter (no per-process hash salt, no global RNG state)
    code = "from ml.sim.formats import field_seed; print(field_seed(1, 0), field_seed(7, 3))"
    fresh = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert fresh.stdout.split() == [str(field_seed(1, 0)), str(field_seed(7, 3))]
    seeds = {field_seed(1, i) for i in range(1000)} | {field_seed(2, i) for i in range(1000)}
    assert len(seeds) == 2000
    assert all(0 <= s < 2**63 for s in seeds)


@needs_data
def test_write_sky_streams_every_format(tmp_path):
    res = write_sky(5, tmp_path, seed=9, chunk=2, stamps="host", **FAST)
    assert res["n_fields"] == 5 and res["bytes"] > 5 * 230_000
    man = json.loads((tmp_path / "SIMULATED.json").read_text())
    assert man["simulated"] is True and man["seed"] == 9
    assert len(list((tmp_path / "radio").glob("field_*.fits"))) == 5
    assert len(list((tmp_path / "ps1").glob("*.vot"))) == 3  # chunks of 2, 2, 1 fields
    with open(tmp_path / "labels.csv", newline="") as fh:
        labels = list(csv.DictReader(fh))
    assert len(labels) == 5 and all(r["simulated"] == "1" for r in labels)
    with open(tmp_path / "vlass_components.csv", newline="") as fh:
        comps = list(csv.DictReader(fh))
    assert tuple(comps[0].keys()) == CIRADA_COLUMNS
    assert {r["Component_name"] for r in comps} >= {r["component_name"] for r in labels}
    vot = parse(str(tmp_path / "ps1" / "ps1_candidates_0000.vot"))
    infos = {i.name: i.value for i in vot.resources[0].infos}
    assert infos["simulated"] == "true"
    t = vot.get_first_table().to_table()
    assert set(t["field_id"]) == {"000000", "000001"}
    # the labelled host is among that field's candidates, and its stamps were written
    h = labels[0]
    assert int(h["host_objID"]) in set(
        np.asarray(t["objID"])[np.asarray(t["field_id"]) == "000000"]
    )
    assert (tmp_path / "stamps" / "field_000000" / f"{h['host_objID']}_r.fits").exists()
    # the same sky seed writes the same radio bytes
    res2 = write_sky(1, tmp_path / "again", seed=9, **FAST)
    assert res2["n_fields"] == 1
    a = (tmp_path / "radio" / "field_000000.fits").read_bytes()
    b = (tmp_path / "again" / "radio" / "field_000000.fits").read_bytes()
    assert a == b


@pytest.mark.parametrize(
    ("kwargs", "msg"),
    [
        ({"n_fields": 0}, "n_fields must be a positive integer"),
        ({"stamps": "some"}, "stamps must be 'host', 'none' or 'all'"),
        ({"chunk": 0}, "chunk must be a positive integer"),
    ],
)
def test_write_sky_bad_input(tmp_path, kwargs, msg):
    args = {"n_fields": 1, "out_dir": tmp_path, "seed": 1, **kwargs}
    with pytest.raises(ValueError, match=msg):
        write_sky(**args)


def test_write_fits_image_rejects_a_header_that_does_not_match(tmp_path):
    from ml.sim.fits_files import write_fits_image

    hdr = fits.Header([("SIMPLE", True), ("BITPIX", -32), ("NAXIS", 2), ("NAXIS1", 3),
                       ("NAXIS2", 4)])  # fmt: skip
    write_fits_image(tmp_path / "ok.fits", hdr, np.zeros((4, 3)))
    assert fits.getdata(tmp_path / "ok.fits").shape == (4, 3)
    with pytest.raises(ValueError, match=r"bad.fits: header BITPIX/NAXIS do not describe"):
        write_fits_image(tmp_path / "bad.fits", hdr, np.zeros((3, 4)))
