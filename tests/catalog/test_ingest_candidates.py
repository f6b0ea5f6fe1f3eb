"""Optical candidates: local VOTable/CSV files, PS1↔AllWISE matching, cutout-frame geometry."""

from __future__ import annotations

import csv

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.table import Table
from hypothesis import given, settings
from hypothesis import strategies as st

from catalog.ingest.component_candidates import ingest_candidate_files
from catalog.ingest.vlass_cirada import vlass_epoch
from catalog.models import Candidate, OpticalSource, RadioComponent
from catalog.sky.geometry import candidate_offsets
from ml.data.jname import parse_j_name
from ml.data.lou2023 import LOU2023_TESTSET
from ml.paths import data_dir

FIELD = "VLASS1QLCIR J33323.71-281146.4"
NAME = "VLASS1QLCIR J033323.71-281146.4"


def _field_rows():
    """The real PS1 candidates (objID, ra, dec) the seed authors logged for one field."""
    out, seen = [], set()
    with open(data_dir() / LOU2023_TESTSET) as fh:
        r = csv.reader(fh, skipinitialspace=True)
        next(r)
        for row in r:
            if row[0] == FIELD and row[1] not in seen:
                seen.add(row[1])
                out.append((int(row[1]), float(row[2]), float(row[3])))
    return out


@pytest.fixture
def component(db):
    ra, dec = parse_j_name(FIELD)
    return RadioComponent.objects.create(epoch=vlass_epoch("1"), name=NAME, ra=ra, dec=dec)


def _ps1_votable(tmp_path, rows, **overrides):
    t = Table(rows=rows, names=("objID", "raMean", "decMean"), dtype=(np.int64, float, float))
    t["gMeanPSFMag"] = np.linspace(19, 22, len(t))
    t["gMeanPSFMagErr"] = 0.05
    t["rMeanPSFMag"] = -999.0  # MAST's "no measurement"
    for k, v in overrides.items():
        t[k] = v
    p = tmp_path / "ps1.xml"
    t.write(p, format="votable")
    return p


def _wise_csv(tmp_path, rows, offsets_arcsec, name="wise.csv"):
    p = tmp_path / name
    with open(p, "w") as fh:
        fh.write("AllWISE,RAJ2000,DEJ2000,W1mag,e_W1mag,W2mag,e_W2mag\n")
        for i, ((_, ra, dec), off) in enumerate(zip(rows, offsets_arcsec, strict=False)):
            fh.write(
                f"J{i:06d},{ra},{dec + off / 3600},{15 + i * 0.1},0.03,{15.5 + i * 0.1},0.05\n"
            )
    return p


@pytest.mark.real_data(LOU2023_TESTSET)
@pytest.mark.django_db
def test_candidates_from_local_files_with_allwise_match(tmp_path, component):
    rows = _field_rows()
    assert len(rows) > 5
    ps1 = _ps1_votable(tmp_path, rows)
    # 1.0″ offset: inside the 2″ PS1↔AllWISE radius; 3.0″: outside.
    wise = _wise_csv(tmp_path, rows[:2], [1.0, 3.0])
    rep = ingest_candidate_files(NAME, ps1, wise)
    n_box = rep.counts["Candidate"]["inserted"]
    assert 0 < n_box <= len(rows)
    o0 = OpticalSource.objects.get(source_id=str(rows[0][0]))
    assert o0.allwise_id == "J000000" and o0.allwise_sep_arcsec == pytest.approx(1.0, abs=1e-3)
    assert o0.w1_mag == pytest.approx(15.0) and o0.g_mag == pytest.approx(19.0)
    assert o0.r_mag is None  # -999 -> missing
    o1 = OpticalSource.objects.get(source_id=str(rows[1][0]))
    assert o1.allwise_id == "" and o1.w1_mag is None
    for c in Candidate.objects.filter(component=component).select_related("optical_source"):
        off = SkyCoord(component.ra * u.deg, component.dec * u.deg).spherical_offsets_to(
            SkyCoord(c.optical_source.ra * u.deg, c.optical_source.dec * u.deg)
        )
        # the 3.6′ box of seed §2.2.2, and x towards decreasing RA (east = -x)
        assert abs(off[0].to_value(u.arcsec)) <= 108 and abs(off[1].to_value(u.arcsec)) <= 108
        assert np.sign(c.dx_px) == -np.sign(off[0].value) or abs(c.dx_px) < 1e-6
    again = ingest_candidate_files(NAME, ps1, wise)
    assert again.total("inserted") == again.total("updated") == 0


@pytest.mark.real_data(LOU2023_TESTSET)
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "msg"),
    [
        ("dup", "line 3, column 'objID': duplicate name"),
        ("nan_ra", "line 2, column 'raMean': nan is not in [0, 360) deg"),
        ("text_mag", "line 3, column 'W1mag': not a number: 'bright'"),
        ("no_ra", "missing required column 'ra'"),
    ],
)
def test_candidate_bad_inputs(tmp_path, component, case, msg):
    rows = _field_rows()[:4]
    ps1 = tmp_path / "ps1.csv"
    lines = ["objID,raMean,decMean,gMeanPSFMag"] + [f"{a},{b},{c},20.0" for a, b, c in rows]
    wise = _wise_csv(tmp_path, rows, [0.5] * 4)
    if case == "dup":
        lines[2] = lines[1]
    elif case == "nan_ra":
        lines[1] = f"{rows[0][0]},nan,{rows[0][2]},20.0"
    elif case == "no_ra":
        lines = [ln.replace("raMean", "alpha") for ln in lines]
    ps1.write_text("\n".join(lines) + "\n")
    if case == "text_mag":
        text = wise.read_text().splitlines()
        parts = text[2].split(",")
        parts[3] = "bright"
        text[2] = ",".join(parts)
        wise.write_text("\n".join(text) + "\n")
    with pytest.raises(ValueError) as exc:
        ingest_candidate_files(NAME, ps1, wise)
    assert msg in str(exc.value)
    where = wise if case == "text_mag" else ps1
    assert str(exc.value).startswith(str(where))
    assert Candidate.objects.count() == 0 and OpticalSource.objects.count() == 0


@settings(max_examples=60, deadline=None)
@given(
    ra=st.floats(0, 359.99),
    dec=st.floats(-89.9, 89.9),
    pa=st.floats(0, 360),
    r_arcsec=st.floats(0.5, 108),
)
def test_offsets_follow_the_cutout_wcs(ra, dec, pa, r_arcsec):
    """D equals the angular separation (SIN projection, ≤108″ off-centre), and the
    direction follows the position angle: north = +y, east = -x."""
    c0 = SkyCoord(ra * u.deg, dec * u.deg)
    c1 = c0.directional_offset_by(pa * u.deg, r_arcsec * u.arcsec)
    dx, dy, d = candidate_offsets(ra, dec, [c1.ra.deg], [c1.dec.deg])
    assert d[0] == pytest.approx(r_arcsec, rel=1e-6)
    assert dy[0] == pytest.approx(r_arcsec * np.cos(np.radians(pa)), abs=1e-4 * r_arcsec + 1e-6)
    assert dx[0] == pytest.approx(-r_arcsec * np.sin(np.radians(pa)), abs=1e-4 * r_arcsec + 1e-6)


def test_flat_sky_shortcut_would_be_wrong_near_the_pole():
    # 100″ from a component at Dec 89.98°: Δα·cosδ is off by arcseconds; the WCS is not.
    c0 = SkyCoord(10 * u.deg, 89.98 * u.deg)
    c1 = c0.directional_offset_by(90 * u.deg, 100 * u.arcsec)
    dx, dy, d = candidate_offsets(10, 89.98, [c1.ra.deg], [c1.dec.deg])
    flat_dx = -(c1.ra.deg - 10) * np.cos(np.radians(89.98)) * 3600
    assert d[0] == pytest.approx(100, rel=1e-6)
    assert abs(flat_dx - dx[0]) > 1.0


@pytest.mark.django_db
def test_simulated_sky_ingests_with_the_real_code(tmp_path):
    from catalog.models import Label
    from catalog.simulated.sky import ingest_sim_sky
    from ml.sim.formats import write_sky

    write_sky(2, tmp_path / "sky", seed=11)
    rep = ingest_sim_sky(tmp_path / "sky")
    comps = RadioComponent.objects.filter(epoch__name="sim")
    assert comps.count() == rep.counts["RadioComponent"]["inserted"] > 0
    # simulated rows never enter a real catalogue (the AllWISE-like ones: sim_allwise)
    assert not OpticalSource.objects.exclude(catalogue__in=["sim", "sim_allwise"]).exists()
    assert not OpticalSource.objects.filter(is_simulated=False).exists()
    assert OpticalSource.objects.filter(is_simulated=True, w1_mag__isnull=False).exists()
    labs = Label.objects.filter(origin="sim")
    assert labs.count() == 2 and all(lab.host is not None for lab in labs)
    for lab in labs:
        assert lab.component.candidates.filter(optical_source=lab.host).exists()
    again = ingest_sim_sky(tmp_path / "sky")
    assert again.total("inserted") == again.total("updated") == 0
    with pytest.raises(ValueError, match="no SIMULATED.json"):
        ingest_sim_sky(tmp_path)
