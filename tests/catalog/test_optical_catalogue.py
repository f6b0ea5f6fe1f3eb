"""Bulk PS1 DR2 / AllWISE ingest: formats, column names, idempotence, bad input, W1/W2 match.

Both write paths (binary COPY on PostgreSQL, the ORM upsert that SQLite uses) run under
the same validator; ``orm`` forces the portable path on PostgreSQL too, and the suite
run with DATABASE_URL=sqlite:// exercises it on SQLite.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from astropy.table import Table
from django.core.management import CommandError, call_command

from catalog.ingest import optical_catalogue as oc
from catalog.models import OpticalSource

PATHS = ["native", "orm"]


@pytest.fixture(params=PATHS)
def write_path(request, monkeypatch):
    if request.param == "orm":
        monkeypatch.setattr(oc, "is_postgres", lambda: False)
    return request.param


def _ps1(n=6, seed=0, names="mast"):
    rng = np.random.default_rng(seed)
    ra = 150.0 + rng.uniform(-0.01, 0.01, n)
    dec = 2.0 + rng.uniform(-0.01, 0.01, n)
    ids = [str(100000000000000000 + i) for i in range(n)]
    if names == "mast":
        cols = {"objID": ids, "raMean": ra, "decMean": dec, "nDetections": np.arange(n) + 1}
        cols["qualityFlag"] = np.full(n, 52)
        for b in "grizy":
            cols[f"{b}MeanPSFMag"] = rng.uniform(18, 22, n)
            cols[f"{b}MeanPSFMagErr"] = np.full(n, 0.05)
            cols[f"{b}MeanKronMag"] = rng.uniform(18, 22, n)
        cols["gMeanPSFMag"][0] = -999.0
    else:  # VizieR II/389
        cols = {"objID": ids, "RAJ2000": ra, "DEJ2000": dec, "Nd": np.arange(n) + 1}
        for b in "grizy":
            cols[f"{b}mag"] = rng.uniform(18, 22, n)
            cols[f"e_{b}mag"] = np.full(n, 0.05)
    return cols


def _write(cols, path):
    fmt = path.suffix
    if fmt == ".csv":
        names = list(cols)
        lines = [",".join(names)]
        for i in range(len(cols[names[0]])):
            lines.append(",".join(str(cols[k][i]) for k in names))
        path.write_text("\n".join(lines) + "\n")
    elif fmt == ".parquet":
        pq.write_table(
            pa.table(
                {
                    k: (pa.array(np.asarray(v, np.int64)) if k == "objID" else pa.array(v))
                    for k, v in cols.items()
                }
            ),
            path,
        )
    else:
        t = Table({k: (np.asarray(v, np.int64) if k == "objID" else v) for k, v in cols.items()})
        t.write(path, format="fits")
    return path


def _snap():
    return sorted(
        OpticalSource.objects.values_list(
            "catalogue", "source_id", "ra", "dec", "g_mag", "n_detections", "w1_mag", "allwise_id"
        )
    )


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".fits"])
@pytest.mark.parametrize("names", ["mast", "vizier"])
def test_formats_and_column_names_store_the_same_rows(tmp_path, write_path, suffix, names):
    cols = _ps1(names=names)
    p = _write(cols, tmp_path / f"ps1{suffix}")
    rep = oc.ingest_optical_catalogue(p, catalogue="ps1dr2")
    assert rep.counts["OpticalSource"]["inserted"] == 6
    rows = {o.source_id: o for o in OpticalSource.objects.all()}
    o = rows["100000000000000003"]
    assert o.ra == pytest.approx(cols["raMean" if names == "mast" else "RAJ2000"][3], abs=1e-12)
    assert o.n_detections == 4
    assert o.hpx != 0
    if names == "mast":
        assert rows["100000000000000000"].g_mag is None  # MAST -999 = no measurement
        assert o.quality_flag == 52 and o.g_kron_mag is not None
    # idempotent: an identical re-run changes nothing
    again = oc.ingest_optical_catalogue(p, catalogue="ps1dr2")
    assert again.counts["OpticalSource"] == {"inserted": 0, "updated": 0, "unchanged": 6}


@pytest.mark.django_db
def test_changed_row_updates(tmp_path, write_path):
    cols = _ps1()
    oc.ingest_optical_catalogue(_write(cols, tmp_path / "a.csv"), catalogue="ps1dr2")
    cols["rMeanPSFMag"][2] = 15.5
    rep = oc.ingest_optical_catalogue(_write(cols, tmp_path / "b.csv"), catalogue="ps1dr2")
    assert rep.counts["OpticalSource"] == {"inserted": 0, "updated": 1, "unchanged": 5}
    assert OpticalSource.objects.get(source_id="100000000000000002").r_mag == 15.5


def _csv_text(tmp_path):
    return _write(_ps1(), tmp_path / "good.csv").read_bytes()


BAD = [
    (
        "nul",
        lambda b: b.replace(b"100000000000000003", b"1000000000000\x0000003"),
        "line 5",
        "NUL byte",
    ),
    (
        "latin1",
        lambda b: b.replace(b"100000000000000002,", b"10000000000000000\xe92,"),
        "line 4",
        "not UTF-8",
    ),
    ("garbage", lambda b: bytes(range(256)) * 4, "line 1", "NUL byte"),
    (
        "bad_number",
        lambda b: b.replace(b"0.05", b"abc", 1),
        "line 2, column 'gMeanPSFMagErr'",
        "not a number: 'abc'",
    ),
    (
        "ra_range",
        lambda b: b.replace(b",150.", b",450.", 1),
        "line 2, column 'raMean'",
        "is not in [0, 360) deg",
    ),
    (
        "bad_id",
        lambda b: b.replace(b"100000000000000004", b"PS1-4"),
        "line 6, column 'objID'",
        "not a PS1 objID",
    ),
    (
        "dup",
        lambda b: b.replace(b"100000000000000004", b"100000000000000001"),
        "line 6, column 'objID'",
        "duplicate id (first on line 3)",
    ),
    ("truncated", lambda b: b[: len(b) * 2 // 3], "line ", "truncated or malformed row"),
    ("missing_col", lambda b: b.replace(b"raMean", b"ra_mean"), "missing required column", "ra"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "edit", "where", "msg"), BAD, ids=[b[0] for b in BAD])
def test_bad_csv_names_file_row_column_and_leaves_db_unchanged(
    tmp_path, write_path, case, edit, where, msg
):
    oc.ingest_optical_catalogue(_write(_ps1(seed=5), tmp_path / "first.csv"), catalogue="ps1dr2")
    before = _snap()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(edit(_csv_text(tmp_path)))
    with pytest.raises(ValueError) as exc:
        oc.ingest_optical_catalogue(bad, catalogue="ps1dr2")
    text = str(exc.value)
    assert text.startswith(f"{bad}: "), text
    assert where in text, text
    assert msg in text, text
    assert _snap() == before


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", [".parquet", ".fits"])
def test_truncated_or_garbage_binary_files_are_refused(tmp_path, write_path, suffix):
    good = _write(_ps1(n=500), tmp_path / f"good{suffix}").read_bytes()
    for name, data in [("trunc", good[: len(good) // 2]), ("garbage", bytes(range(256)) * 40)]:
        bad = tmp_path / f"{name}{suffix}"
        bad.write_bytes(data)
        with pytest.raises(ValueError) as exc:
            oc.ingest_optical_catalogue(bad, catalogue="ps1dr2")
        assert str(exc.value).startswith(f"{bad}: "), str(exc.value)
        assert "Traceback" not in str(exc.value)
        assert OpticalSource.objects.count() == 0


@pytest.mark.django_db
def test_nul_in_a_parquet_text_cell_is_named(tmp_path, write_path):
    cols = {"designation": ["J1", "J\x002"], "ra": [1.0, 2.0], "dec": [0.0, 0.0]}
    p = tmp_path / "w.parquet"
    pq.write_table(pa.table(cols), p)
    with pytest.raises(ValueError, match=r"row 2, column 'designation': NUL byte"):
        oc.ingest_optical_catalogue(p, catalogue="allwise")
    assert OpticalSource.objects.count() == 0


@pytest.mark.django_db
def test_allwise_match_gives_ps1_rows_w1_w2_in_either_order(tmp_path, write_path):
    ps1 = _ps1(n=4)
    ra, dec = ps1["raMean"], ps1["decMean"]
    wise = {
        "AllWISE": ["Jw0", "Jw1", "Jfar"],
        "RAJ2000": [ra[0] + 1.0 / 3600, ra[1] - 3.0 / 3600, ra[2] + 0.01],
        "DEJ2000": [dec[0], dec[1], dec[2]],
        "W1mag": [14.0, 15.0, 16.0],
        "e_W1mag": [0.02, 0.03, 0.04],
        "W2mag": [13.5, 14.5, 15.5],
        "e_W2mag": [0.03, 0.04, 0.05],
        "ccf": ["0000", "0000", "D000"],
        "ex": [0, 1, 0],
    }
    oc.ingest_optical_catalogue(_write(wise, tmp_path / "w.csv"), catalogue="allwise")
    oc.ingest_optical_catalogue(_write(ps1, tmp_path / "p.csv"), catalogue="ps1dr2")
    o = OpticalSource.objects.get(source_id="100000000000000000")
    # cos(dec) shrinks the 1" RA offset: separation is 1" * cos(2 deg)
    assert o.allwise_id == "Jw0" and o.w1_mag == 14.0 and o.e_w2_mag == 0.03
    assert o.allwise_sep_arcsec == pytest.approx(np.cos(np.radians(dec[0])), rel=1e-4)
    assert OpticalSource.objects.get(source_id="100000000000000001").allwise_id == ""  # 3" > 2"
    assert OpticalSource.objects.get(catalogue="allwise", source_id="Jfar").cc_flags == "D000"
    before = _snap()
    rep = oc.ingest_optical_catalogue(tmp_path / "p.csv", catalogue="ps1dr2")
    assert rep.counts["OpticalSource"]["unchanged"] == 4 and _snap() == before


@pytest.mark.django_db
def test_command_ingests_several_files_and_fails_cleanly(tmp_path):
    a = _write(_ps1(n=3, seed=1), tmp_path / "a.parquet")
    cols = _ps1(n=2, seed=2)
    cols["objID"] = [str(200000000000000000 + i) for i in range(2)]  # other objects than a's
    b = _write(cols, tmp_path / "b.csv")
    call_command("ingest_optical_catalogue", str(a), str(b), "--catalogue", "ps1dr2", verbosity=0)
    assert OpticalSource.objects.count() == 3 + 2
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"objID,raMean,decMean\n1,2,\xff\n")
    with pytest.raises(CommandError, match=r"bad.csv: line 2: not UTF-8"):
        call_command("ingest_optical_catalogue", str(bad), "--catalogue", "ps1dr2", verbosity=0)
