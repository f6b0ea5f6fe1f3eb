"""Untrusted optical files (bulk catalogues, per-component candidate tables): a repeated
column, magnitudes no star has, a gigabyte of zeros -- refused naming file, line/row and
column, with nothing stored, on both write paths of the bulk ingest.

Run on PostgreSQL by ``make test``; with ``DATABASE_URL=sqlite:///…`` on SQLite.
"""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from catalog.ingest import optical_catalogue as oc
from catalog.ingest.component_candidates import ingest_candidate_files
from catalog.ingest.vlass_cirada import vlass_epoch
from catalog.models import Candidate, OpticalSource, RadioComponent

HEADER = "objID,raMean,decMean,nDetections,gMeanPSFMag,gMeanPSFMagErr"


@pytest.fixture(params=["native", "orm"])
def write_path(request, monkeypatch):
    if request.param == "orm":
        monkeypatch.setattr(oc, "is_postgres", lambda: False)
    return request.param


def _csv(n: int = 5, header: str = HEADER) -> str:
    rows = [
        f"{100000000000000000 + i},150.00{i},2.00{i},3,{19 + i * 0.1:.2f},0.05" for i in range(n)
    ]
    return "\n".join([header, *rows]) + "\n"


def _snap():
    return sorted(OpticalSource.objects.values_list("source_id", "ra", "dec", "g_mag"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "text", "msg"),
    [
        (
            "repeated_ra",
            _csv().replace("\n", ",151.0\n").replace("MagErr,151.0", "MagErr,raMean", 1),
            "line 1, column 'raMean': column name repeated",
        ),
        ("mag_1e308", _csv().replace("19.20", "1e308"), "line 4, column 'gMeanPSFMag': 1e+308"),
        ("mag_60", _csv().replace("19.10", "60.0"), "line 3, column 'gMeanPSFMag': 60.0"),
        ("mag_err_inf", _csv().replace("0.05", "inf", 1), "line 2, column 'gMeanPSFMagErr': inf"),
    ],
    ids=["repeated_ra", "mag_1e308", "mag_60", "mag_err_inf"],
)
def test_bad_optical_csv_is_refused_and_changes_nothing(tmp_path, write_path, case, text, msg):
    oc.ingest_optical_catalogue(_write(tmp_path / "first.csv", _csv(3)), catalogue="ps1dr2")
    before = _snap()
    bad = _write(tmp_path / "bad.csv", text)
    with pytest.raises(ValueError) as exc:
        oc.ingest_optical_catalogue(bad, catalogue="ps1dr2")
    assert str(exc.value).startswith(f"{bad}: {msg}"), str(exc.value)
    if case.startswith("mag"):
        assert ("is not a magnitude in [-5, 40]" in str(exc.value)) != ("inf" in case)
    assert _snap() == before


def _write(p, text: str):
    p.write_text(text)
    return p


@pytest.mark.django_db
def test_repeated_column_in_parquet_is_refused(tmp_path, write_path):
    t = pa.Table.from_arrays(
        [pa.array([1, 2]), pa.array([1.0, 2.0]), pa.array([0.0, 0.0]), pa.array([3.0, 4.0])],
        names=["designation", "ra", "dec", "ra"],
    )
    p = tmp_path / "w.parquet"
    pq.write_table(t, p)
    with pytest.raises(ValueError) as exc:
        oc.ingest_optical_catalogue(p, catalogue="allwise")
    assert str(exc.value).startswith(f"{p}: column 'ra': column name repeated")
    assert OpticalSource.objects.count() == 0


@pytest.mark.django_db
def test_sparse_gigabyte_optical_csv_is_refused_in_bounded_memory(tmp_path, write_path):
    p = _write(tmp_path / "sparse.csv", HEADER + "\n")
    os.truncate(p, 1 << 30)
    with pytest.raises(ValueError) as exc:
        oc.ingest_optical_catalogue(p, catalogue="ps1dr2")
    assert str(exc.value).startswith(f"{p}: line 2: NUL byte"), str(exc.value)
    assert OpticalSource.objects.count() == 0


@pytest.fixture
def component(db):
    return RadioComponent.objects.create(
        epoch=vlass_epoch("1"), name="VLASS1QLCIR J100000.00+020000.0", ra=150.0, dec=2.0
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "edit", "msg"),
    [
        (
            "repeated_ra",
            lambda s: s.replace("gMeanPSFMagErr", "raMean"),
            "line 1, column 'raMean': column name repeated",
        ),
        ("nul", lambda s: s.replace("19.10", "19.\x0010"), "line 3, column 'gMeanPSFMag': NUL"),
        (
            "mag_1e308",
            lambda s: s.replace("19.20", "1e308"),
            "line 4, column 'gMeanPSFMag': 1e+308",
        ),
        ("mag_minus_9", lambda s: s.replace("19.00", "-9.0"), "line 2, column 'gMeanPSFMag': -9.0"),
    ],
    ids=["repeated_ra", "nul", "mag_1e308", "mag_minus_9"],
)
def test_bad_candidate_table_is_refused_and_changes_nothing(tmp_path, component, case, edit, msg):
    p = _write(tmp_path / "ps1.csv", edit(_csv()))
    with pytest.raises(ValueError) as exc:
        ingest_candidate_files(component.name, p)
    assert str(exc.value).startswith(f"{p}: {msg}"), str(exc.value)
    assert Candidate.objects.count() == 0 and OpticalSource.objects.count() == 0
