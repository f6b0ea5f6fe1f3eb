"""Untrusted VLASS CSVs on every ingest path: refused naming file, line and column; nothing stored.

Every case is first ingested over an epoch that already holds the real sample (a re-ingest
is where a repeated column used to overwrite every row), on the PostgreSQL binary COPY path
and on the portable ORM path (``--no-copy``; the one SQLite uses: run this module with
``DATABASE_URL=sqlite:///…`` to check it there).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from catalog.ingest.csv_rows import MAX_CELL_CHARS, MAX_LINE_BYTES
from catalog.ingest.vlass_cirada import ingest_vlass_cirada
from catalog.models import Epoch, RadioComponent
from ml.paths import data_dir

SAMPLE = data_dir() / "vlass_cirada_ql_sample" / "CIRADA_VLASS1QL_table1_components_v1_head100.csv"
PATHS = ["copy", "orm"]


def _use_copy(path: str) -> bool:
    if path == "copy" and connection.vendor != "postgresql":
        pytest.skip("COPY path needs PostgreSQL")
    return path == "copy"


def _rows() -> tuple[list[str], list[list[str]]]:
    with open(SAMPLE, newline="") as fh:
        r = list(csv.reader(fh))
    return r[0], r[1:]


def _write(tmp_path: Path, header, rows) -> Path:
    p = tmp_path / "bad.csv"
    with open(p, "w", newline="", encoding="utf-8", errors="surrogateescape") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return p


def _snapshot():
    return (
        sorted(
            RadioComponent.objects.values_list(
                "epoch__name", "name", "ra", "dec", "major_arcsec", "s_code", "tile", "extra"
            )
        ),
        sorted(Epoch.objects.values_list("name", flat=True)),
    )


def _edit(col: str, value: str, row: int = 3):
    def f(header, rows):
        rows[row][header.index(col)] = value
        return header, rows

    return f


def _second_ra(header, rows):
    return [*header, "RA"], [[*r, "1.0"] for r in rows]


def _extra(value: str):
    def f(header, rows):
        return [*header, "Note"], [[*r, value if i == 3 else ""] for i, r in enumerate(rows)]

    return f


# (case, transform, expected message after "<file>: ")
BAD = [
    ("second_RA", _second_ra, "line 1, column 'RA': column name repeated in the header"),
    (
        "nul_in_name",
        lambda h, r: _edit("Component_name", r[3][0] + "\x00")(h, r),
        "line 5, column 'Component_name': NUL byte",
    ),
    ("nul_in_flux", _edit("Peak_flux", "1.5\x00"), "line 5, column 'Peak_flux': NUL byte"),
    (
        "latin1_tile",
        _edit("Tile", "T30t\udce9"),  # the byte 0xe9 (é in Latin-1) written as is
        "line 5, column 'Tile': not UTF-8 text (byte 0xe9)",
    ),
    (
        "long_cell",
        _extra("x" * (MAX_CELL_CHARS + 1)),
        f"line 5, column 'Note': longer than {MAX_CELL_CHARS} characters",
    ),
    (
        "field_past_line_bound",
        _edit("Subtile", "y" * (MAX_LINE_BYTES + 10)),
        f"line 5, column 'Subtile': line longer than {MAX_LINE_BYTES} bytes",
    ),
    ("negative_maj", _edit("Maj", "-2.5"), "line 5, column 'Maj': -2.5 is negative"),
    ("negative_min", _edit("Min", "-0.1"), "line 5, column 'Min': -0.1 is negative"),
    ("negative_e_ra", _edit("E_RA", "-1e-5"), "line 5, column 'E_RA': -1e-05 is negative"),
    (
        "s_code_z",
        _edit("S_Code", "Z"),
        "line 5, column 'S_Code': 'Z' is not a PyBDSF S_Code (C, E, M, S)",
    ),
    ("flux_inf", _edit("Peak_flux", "inf"), "line 5, column 'Peak_flux': inf is not finite"),
    ("flux_huge", _edit("Total_flux", "1e309"), "line 5, column 'Total_flux': inf is not finite"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("case", "transform", "msg"), BAD, ids=[b[0] for b in BAD])
def test_bad_file_is_refused_by_name_and_changes_nothing(tmp_path, path, case, transform, msg):
    use_copy = _use_copy(path)
    ingest_vlass_cirada(SAMPLE, use_copy=use_copy)
    before = _snapshot()
    header, rows = _rows()
    rows[1][header.index("Total_flux")] = "99.0"  # a valid change that must NOT land
    bad = _write(tmp_path, *transform(header, rows))
    with pytest.raises(ValueError) as exc:
        ingest_vlass_cirada(bad, use_copy=use_copy)
    assert str(exc.value).startswith(f"{bad}: {msg}")
    assert _snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_binary_garbage_after_the_header_is_refused_at_its_line(tmp_path, path):
    use_copy = _use_copy(path)
    header, rows = _rows()
    bad = _write(tmp_path, header, rows[:3])
    with open(bad, "ab") as fh:
        fh.write((bytes(range(128, 256)) + bytes(range(1, 128))) * 8)  # no NUL byte
    with pytest.raises(ValueError) as exc:
        ingest_vlass_cirada(bad, use_copy=use_copy, epoch="9")
    msg = str(exc.value)
    assert msg.startswith(f"{bad}: line 5") and "not UTF-8 text" in msg, msg
    assert _snapshot() == ([], [])


@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_gigabyte_sparse_file_is_refused_in_bounded_memory(tmp_path, path):
    """A valid header, then a gigabyte of zeros (a sparse or damaged copy: ``truncate``
    makes it without using disk). The reader holds at most one bounded line of it."""
    use_copy = _use_copy(path)
    ingest_vlass_cirada(SAMPLE, use_copy=use_copy)
    before = _snapshot()
    header, _ = _rows()
    bad = _write(tmp_path, header, [])
    os.truncate(bad, 1 << 30)
    with pytest.raises(ValueError) as exc:
        ingest_vlass_cirada(bad, use_copy=use_copy, epoch="1")
    assert str(exc.value).startswith(f"{bad}: line 2"), str(exc.value)
    assert "NUL byte" in str(exc.value)
    assert _snapshot() == before


@pytest.mark.django_db
def test_command_names_the_repeated_column(tmp_path):
    ingest_vlass_cirada(SAMPLE, use_copy=False)
    before = _snapshot()
    bad = _write(tmp_path, *_second_ra(*_rows()))
    with pytest.raises(CommandError, match=r"line 1, column 'RA': column name repeated"):
        call_command("ingest_vlass_cirada", str(bad), "--no-copy", verbosity=0)
    assert _snapshot() == before
