"""Norris-71 loaders (ml.data.norris71, norris2006, lou2023, jname) and the benchmark harness (ml.evaluation.norris71)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.data.jname import parse_j_name
from ml.data.lou2023 import LOU2023_TESTSET, read_lou2023_testset
from ml.data.norris71 import load_norris71
from ml.data.norris2006 import NORRIS_TABLE4, NORRIS_TABLE6, load_table4, load_table6
from ml.evaluation.norris71 import run as bench
from ml.evaluation.norris71.methods import build_methods
from ml.evaluation.norris71.rows import AssociationMethod, oracle_centroid, weighted_centroid
from ml.evaluation.norris71.scoring import authors_logged_confusion, evaluate
from ml.paths import data_dir
from ml.sky import separation_arcsec

DATA = data_dir()
needs_data = pytest.mark.real_data(LOU2023_TESTSET, NORRIS_TABLE4, NORRIS_TABLE6)


@pytest.fixture(scope="module")
def norris():
    return load_norris71(DATA)


# ---------------------------------------------------------------- J-names


def test_parse_j_name_leading_zero_dropped_and_short_decimals():
    # The authors' VLASS names drop the RA-hour zero and keep one RA decimal here.
    ra, dec = parse_j_name("VLASS1QLCIR J32626.9-275611.2")
    assert ra == pytest.approx(15 * (3 + 26 / 60 + 26.9 / 3600))
    assert dec == pytest.approx(-(27 + 56 / 60 + 11.2 / 3600))
    assert parse_j_name("SWIRE3_J032603.15-284708.5") == pytest.approx(
        (15 * (3 + 26 / 60 + 3.15 / 3600), -(28 + 47 / 60 + 8.5 / 3600))
    )


@given(
    ra=st.floats(0, 359.99, allow_nan=False),
    dec=st.floats(-89.9, 89.9, allow_nan=False),
    drop_zero=st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_parse_j_name_roundtrip(ra, dec, drop_zero):
    # integer arithmetic: float minutes like 19.9999 would otherwise truncate to 19
    cs = int(np.floor(ra * 240 * 100))  # centiseconds of time
    hh, mm, ss = cs // 360000, (cs // 6000) % 60, (cs % 6000) / 100
    sign = "-" if dec < 0 else "+"
    das = int(np.floor(abs(dec) * 36000))  # deci-arcseconds
    dd, dm, ds = das // 36000, (das // 600) % 60, (das % 600) / 10
    ra_s = f"{hh:02d}{mm:02d}{ss:05.2f}"
    if drop_zero and ra_s.startswith("0"):
        ra_s = ra_s[1:]
    r2, d2 = parse_j_name(f"J{ra_s}{sign}{dd:02d}{dm:02d}{ds:04.1f}")
    assert abs(r2 - ra) * 3600 * np.cos(np.radians(dec)) < 0.16
    assert abs(d2 - dec) * 3600 < 0.11


@pytest.mark.parametrize(
    "bad, msg",
    [
        ("VLASS1QLCIR 33323.71-281146.4", "cannot parse a J-designation"),
        ("J256000.0-100000.0", "out-of-range"),
    ],
)
def test_parse_j_name_errors(bad, msg):
    with pytest.raises(ValueError, match=msg):
        parse_j_name(bad)


# ---------------------------------------------------------------- real files


@needs_data
def test_load_norris71_counts(norris):
    assert len(norris.fields) == 71
    assert norris.n_rows == 1343
    assert norris.n_unique_candidates == 1089
    # 166 rows of 15 fields repeat an identical earlier row of the same field.
    assert norris.n_unique_pairs == 1343 - sum(f.n_duplicate_rows for f in norris.fields) == 1177
    assert sum(f.n_duplicate_rows > 0 for f in norris.fields) == 15
    assert all(sum(c.is_host for c in f.candidates) == 1 for f in norris.fields)
    assert sum(f.norris_source.is_multi_component for f in norris.fields) == 15
    assert max(f.norris_component_sep_arcsec for f in norris.fields) < 7.0
    assert len(norris.components) == 784 and len(norris.sources) == 726


@needs_data
def test_every_host_sits_on_its_norris_host(norris):
    # The test labels are Norris 2006 Table-6 hosts re-identified in PS1 (lou2023 PROVENANCE).
    for f in norris.fields:
        s = f.norris_source
        hra, hdec = (s.host_ra, s.host_dec) if s.host_ra is not None else (s.ra, s.dec)
        d = float(separation_arcsec(f.host.ra, f.host.dec, hra, hdec))
        assert d < 4.0, (f.vlass_name, d)


@needs_data
def test_table_loaders_parse_cds():
    t4 = load_table4(DATA / NORRIS_TABLE4)
    t6 = load_table6(DATA / NORRIS_TABLE6)
    assert t4[0].cid == "C001" and t4[0].dec < 0
    assert sorted(c for s in t6 for c in s.component_ids) == sorted(c.cid for c in t4)
    s011 = next(s for s in t6 if s.sid == "S011")
    assert s011.component_ids == ("C011", "C012") and s011.host_ra is not None


def _write_variant(tmp_path, edit):
    lines = (DATA / LOU2023_TESTSET).read_text().splitlines()[:40]
    lines = edit(lines)
    p = tmp_path / "notes.csv"
    p.write_text("\n".join(lines) + "\n")
    return p


@needs_data
@pytest.mark.parametrize(
    "edit, msg",
    [
        (lambda L: ["a, b"] + L[1:], r"row 1: header"),
        (
            lambda L: L[:1] + [L[1].replace("0.38839858770370483", "abc")] + L[2:],
            r"row 2, column 'Galaxy_prob': not a number",
        ),
        (
            lambda L: L[:1] + [L[1].replace("0.38839858770370483", "1.5")] + L[2:],
            r"row 2, column 'Galaxy_prob': 1.5 is not a probability",
        ),
        (
            lambda L: L[:1] + [L[1][: L[1].rfind(",")] + ", 2"] + L[2:],
            r"row 2, column 'Prediction': '2' is not 0 or 1",
        ),
        (
            lambda L: L[:1] + [L[1].replace("74160533254325863", "7416x")] + L[2:],
            r"row 2, column 'PS source id': not an integer",
        ),
        (
            lambda L: L + [L[1].replace("0.6091260313987732", "0.5")],
            r"repeated in field .* with different values",
        ),
    ],
)
def test_testset_errors_name_file_row_column(tmp_path, edit, msg):
    with pytest.raises(ValueError, match=msg):
        read_lou2023_testset(_write_variant(tmp_path, edit))


@needs_data
def test_testset_field_without_host_is_rejected(tmp_path):
    def drop_hosts(lines):
        return [
            ln
            for ln in lines
            if not ln.rstrip().endswith(", 1, 0") and not ln.rstrip().endswith(", 1, 1")
        ]

    with pytest.raises(ValueError, match=r"column 'Groud_Truth' marks 0 hosts, expected exactly 1"):
        read_lou2023_testset(_write_variant(tmp_path, drop_hosts))


# ---------------------------------------------------------------- the benchmark rows


@needs_data
def test_required_reproductions(norris):
    # nearest neighbour must give 65/71, the authors' logged model 42/71, the
    # integrated-flux centroid of the expert grouping 69/71.
    methods, _ = build_methods(norris)
    got = {
        m.key: evaluate(m, norris)[0]["n_correct"]
        for m in methods
        if not m.key.endswith("gated_core")
    }
    assert got["nn_vlass"] == 65
    assert got["authors_logged"] == 42
    assert got["oracle_centroid_int"] == 69
    assert got["assoc_centroid"] >= 69


@needs_data
def test_association_never_reads_table6(norris):
    """Scrambling Table 6 (grouping and host) must not change the association row's choices."""
    import dataclasses

    m = AssociationMethod(norris)
    before = [m(f).best for f in norris.fields]
    fake = [
        dataclasses.replace(f, norris_source=norris.sources[0], source_components=())
        for f in norris.fields
    ]
    assert [m(f).best for f in fake] == before


@needs_data
def test_authors_confusion_matches_their_log(norris):
    # PROVENANCE: TP 27, FN 44 on every row; FP 14 on rows = 13 unique + 1 duplicated row.
    c = authors_logged_confusion(norris)
    assert (c["tp"], c["fn"], c["fp"]) == (27, 44, 13)


@needs_data
def test_failure_reason_names_the_multi_component_source(norris):
    m = next(m for m in build_methods(norris)[0] if m.key == "nn_vlass")
    row, _ = evaluate(m, norris)
    s031 = [f for f in row["failures"] if f["norris_source"] == "S031"]
    assert len(s031) == 2
    assert "3 components of Norris source S031 (C030,C034,C038)" in s031[0]["reason"]


def test_weighted_centroid_midpoint_and_error():
    ra, dec = weighted_centroid(np.array([10.0, 10.0]), np.array([-1.0, 1.0]), np.array([1.0, 1.0]))
    assert ra == pytest.approx(10.0) and dec == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="at least one position with positive weight"):
        weighted_centroid(np.array([1.0]), np.array([1.0]), np.array([0.0]))


def test_oracle_centroid_weight_validation():
    with pytest.raises(ValueError, match="weight must be 'int' or 'peak'"):
        oracle_centroid("total")


@needs_data
def test_cli_rejects_unknown_row(tmp_path):
    with pytest.raises(ValueError, match=r"unknown row\(s\) \['bogus'\]"):
        bench.main(
            [
                "--data-dir",
                str(DATA),
                "--out",
                str(tmp_path / "x.json"),
                "--only",
                "bogus",
                "--no-overlays",
            ]
        )


@needs_data
@pytest.mark.slow
def test_cli_writes_json_and_overlays(tmp_path):
    out = tmp_path / "n71.json"
    assert (
        bench.main(
            ["--data-dir", str(DATA), "--out", str(out), "--only", "nn_vlass,assoc_centroid"]
        )
        == 0
    )
    res = json.loads(out.read_text())
    assert set(res["methods"]) == {"nn_vlass", "assoc_centroid"}
    assert res["methods"]["nn_vlass"]["n_correct"] == 65
    assert "no:" in res["split"]["real_candidates_for_non_test_sources_summary"]
    fails = res["methods"]["nn_vlass"]["failures"]
    pngs = sorted(tmp_path.glob("norris71_nn_vlass_*.png"))
    assert len(pngs) == len(fails) == 6
    assert all(p.stat().st_size > 10_000 for p in pngs)
