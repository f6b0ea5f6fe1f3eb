"""Untrusted label CSVs (RGZ, expert): refused naming file, line and column; nothing stored.

Run on PostgreSQL by ``make test``; with ``DATABASE_URL=sqlite:///…`` on SQLite.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from catalog.ingest.csv_rows import MAX_CELL_CHARS, MAX_LINE_BYTES
from catalog.ingest.labels_expert import ingest_expert
from catalog.ingest.labels_rgz import CLASSIFICATIONS, HOSTS, ingest_rgz
from catalog.models import Label, RadioComponent, RadioSource
from ml.paths import data_dir

ROOT = data_dir()


def _state():
    return (
        sorted(Label.objects.values_list("pk", "origin", "host_ra", "reason", "supersedes_id")),
        sorted(RadioSource.objects.values_list("origin", "name", "ra")),
    )


def _copy_rgz(tmp_path: Path) -> tuple[Path, Path]:
    c, h = tmp_path / "cls.csv", tmp_path / "hosts.csv"
    shutil.copy(ROOT / CLASSIFICATIONS, c)
    shutil.copy(ROOT / HOSTS, h)
    return c, h


def _lines(p: Path) -> list[bytes]:
    return p.read_bytes().split(b"\n")


def _set_cell(p: Path, line: int, col: str, value: bytes) -> None:
    """Replace one cell (1-based file line; the RGZ files are unquoted CSV)."""
    rows = _lines(p)
    names = rows[0].decode().split(",")
    cells = rows[line - 1].split(b",")
    cells[names.index(col)] = value
    rows[line - 1] = b",".join(cells)
    p.write_bytes(b"\n".join(rows))


def _repeat_column(p: Path, col: str) -> None:
    rows = _lines(p)
    names = rows[0].decode().split(",")
    i = names.index(col)
    p.write_bytes(b"\n".join(r + b"," + (r.split(b",")[i] if r else b"") if r else r for r in rows))


BAD = [
    ("repeated_RA", lambda p: _repeat_column(p, "RA"), "line 1, column 'RA': column name repeated"),
    ("nul", lambda p: _set_cell(p, 4, "RGZID", b"RGZ_J\x00"), "line 4, column 'RGZID': NUL byte"),
    (
        "latin1",
        lambda p: _set_cell(p, 5, "RGZID", b"RGZ_\xe9"),
        "line 5, column 'RGZID': not UTF-8 text (byte 0xe9)",
    ),
    (
        "long_cell",
        lambda p: _set_cell(p, 3, "RGZID", b"R" * (MAX_CELL_CHARS + 1)),
        f"line 3, column 'RGZID': longer than {MAX_CELL_CHARS} characters",
    ),
    (
        "past_line_bound",
        lambda p: _set_cell(p, 3, "RGZID", b"R" * (MAX_LINE_BYTES + 1)),
        f"line 3, column 'RGZID': line longer than {MAX_LINE_BYTES} bytes",
    ),
    (
        "sparse_gigabyte",
        lambda p: (p.write_bytes(_lines(p)[0] + b"\n"), os.truncate(p, 1 << 30)),
        "line 2, column 'CatID': NUL byte",  # the first column
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "edit", "msg"), BAD, ids=[b[0] for b in BAD])
def test_bad_rgz_csv_is_refused_by_name_and_changes_nothing(tmp_path, case, edit, msg):
    c, h = _copy_rgz(tmp_path)
    ingest_rgz(classifications=c, hosts=h)
    before = _state()
    edit(c)
    with pytest.raises(ValueError) as exc:
        ingest_rgz(classifications=c, hosts=h)
    assert str(exc.value).startswith(f"{c}: {msg}"), str(exc.value)[:300]
    assert _state() == before


@pytest.fixture
def component(db):
    from catalog.ingest.vlass_cirada import vlass_epoch

    return RadioComponent.objects.create(
        epoch=vlass_epoch("1"), name="VLASS1QLCIR J033323.70-281147.0", ra=53.34875, dec=-28.1964
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "msg"),
    [
        (
            b"component,host_ra,host_dec,author,reason,reason\n",
            "line 1, column 'reason': column name repeated",
        ),
        (
            b"component,host_ra,host_dec,author,reason\n{name},none,,al\x00ice,x\n",
            "line 2, column 'author': NUL byte",
        ),
        (
            b"component,host_ra,host_dec,author,reason\n{name},none,,alice,caf\xe9 lobe\n",
            "line 2, column 'reason': not UTF-8 text (byte 0xe9)",
        ),
        (
            b"component,host_ra,host_dec,author,reason\n{name},none,,alice,"
            + b"x" * (MAX_CELL_CHARS + 1)
            + b"\n",
            f"line 2, column 'reason': longer than {MAX_CELL_CHARS} characters",
        ),
    ],
    ids=["repeated", "nul", "latin1", "long_reason"],
)
def test_bad_expert_csv_is_refused_by_name_and_changes_nothing(tmp_path, component, body, msg):
    p = tmp_path / "expert.csv"
    p.write_bytes(body.replace(b"{name}", component.name.encode()))
    with pytest.raises(ValueError) as exc:
        ingest_expert(p)
    assert str(exc.value).startswith(f"{p}: {msg}"), str(exc.value)
    assert not Label.objects.exists()


@pytest.mark.django_db
def test_bad_byte_in_the_lou2023_test_set_is_named(tmp_path):
    from catalog.ingest.lou2023_testset import ingest_lou2023_testset
    from ml.data.lou2023 import LOU2023_TESTSET
    from ml.data.norris2006 import NORRIS_TABLE4, NORRIS_TABLE6

    for rel in (LOU2023_TESTSET, NORRIS_TABLE4, NORRIS_TABLE6):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    p = tmp_path / LOU2023_TESTSET
    rows = _lines(p)
    rows[6] = rows[6].replace(b"VLASS1QLCIR", b"VLASS1QL\xe9CIR", 1)
    p.write_bytes(b"\n".join(rows))
    col = rows[0].decode().split(",")[0].strip()
    with pytest.raises(ValueError) as exc:
        ingest_lou2023_testset(tmp_path)
    assert str(exc.value).startswith(f"{p}: line 7, column '{col}': not UTF-8 text (byte 0xe9)")
    assert _state() == ([], [])
