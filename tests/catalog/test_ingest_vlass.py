"""CIRADA VLASS QL ingest: real sample, both code paths, idempotence, every bad-input case."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from catalog.ingest.vlass_cirada import CIRADA_COLUMNS, ScienceCut, ingest_vlass_cirada
from catalog.models import RadioComponent
from ml.paths import data_dir

SAMPLE = data_dir() / "vlass_cirada_ql_sample" / "CIRADA_VLASS1QL_table1_components_v1_head100.csv"
needs_sample = pytest.mark.real_data(SAMPLE.relative_to(data_dir()))
PATHS = ["copy", "orm"]


def _use_copy(path: str) -> bool:
    if path == "copy" and connection.vendor != "postgresql":
        pytest.skip("COPY path needs PostgreSQL")
    return path == "copy"


def _rows() -> tuple[list[str], list[list[str]]]:
    with open(SAMPLE, newline="") as fh:
        r = list(csv.reader(fh))
    return r[0], r[1:]


def _write(tmp_path: Path, header, rows, name="bad.csv") -> Path:
    p = tmp_path / name
    with open(p, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return p


def _snapshot():
    return sorted(
        RadioComponent.objects.values_list("name", "ra", "dec", "total_flux_mjy", "extra")
    )


@needs_sample
@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_real_sample_ingests_with_flags_and_is_idempotent(path):
    use_copy = _use_copy(path)
    rep = ingest_vlass_cirada(SAMPLE, use_copy=use_copy)
    assert rep.counts["RadioComponent"]["inserted"] == 99
    header, rows = _rows()
    assert len(header) == len(CIRADA_COLUMNS) == 70
    # Science sample (seed §2.2.1): Duplicate_flag < 2 and Quality_flag == 0.
    expected = sum(
        1
        for r in rows
        if float(r[header.index("Duplicate_flag")]) < 2
        and float(r[header.index("Quality_flag")]) == 0
    )
    assert RadioComponent.objects.filter(is_science=True).count() == expected
    c = RadioComponent.objects.get(name="VLASS1QLCIR J000000.04+800045.6")
    assert c.epoch.name == "1" and c.epoch.survey.name == "VLASS"
    assert c.ra == pytest.approx(0.00017675657877000002) and c.dec == pytest.approx(
        80.01266744553764
    )
    assert c.e_ra_arcsec == pytest.approx(7.529480945e-05 * 3600)
    assert c.total_flux_mjy == pytest.approx(0.81865200256)
    assert c.s_code == "C" and c.quality_flag == 2 and c.duplicate_flag == 0 and not c.is_science
    # every CIRADA column is a typed field (catalog/models/cirada_columns.py); nothing left for extra
    assert c.tile == "T30t01" and c.beam_pa_deg == pytest.approx(10.809265136719999)
    assert c.component_id == 90 and c.isl_id == 125
    assert c.e_ra_max_arcsec == pytest.approx(7.529480945e-05 * 3600)
    assert c.cirada_source_name == "" and c.ql_cutout_url.startswith("http://legacysurvey.org/")
    assert c.extra == {} and c.hpx > 0
    if use_copy:  # the binary COPY path took the file (no fallback note)
        assert rep.notes == [] and "copy" in rep.timings_s
    # CIRADA repeats a name per overlapping image; flag-2 copies get their subtile.
    assert (
        RadioComponent.objects.filter(name__startswith="VLASS1QLCIR J000001.67-002209.7").count()
        == 3
    )
    again = ingest_vlass_cirada(SAMPLE, use_copy=use_copy)
    assert dict(again.counts["RadioComponent"]) == {"inserted": 0, "updated": 0, "unchanged": 99}
    if use_copy:  # an epoch with rows goes through the stage and ON CONFLICT
        assert again.notes == [] and "upsert" in again.timings_s


@needs_sample
@pytest.mark.django_db
def test_copy_and_orm_paths_store_identical_rows():
    _use_copy("copy")
    ingest_vlass_cirada(SAMPLE, use_copy=True, epoch="1")
    ingest_vlass_cirada(SAMPLE, use_copy=False, epoch="2")
    fields = [
        f.attname
        for f in RadioComponent._meta.concrete_fields
        if f.attname not in ("id", "epoch_id")
    ]
    a = {r["name"]: r for r in RadioComponent.objects.filter(epoch__name="1").values(*fields)}
    b = {r["name"]: r for r in RadioComponent.objects.filter(epoch__name="2").values(*fields)}
    assert a.keys() == b.keys() and len(a) == 99
    for name in a:
        for f in fields:
            x, y = a[name][f], b[name][f]
            if isinstance(x, float):
                assert x == pytest.approx(y, rel=1e-12), (name, f)
            else:
                assert x == y, (name, f)


@needs_sample
@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_changed_row_updates_and_dry_run_writes_nothing(tmp_path, path):
    use_copy = _use_copy(path)
    header, rows = _rows()
    dry = ingest_vlass_cirada(SAMPLE, use_copy=use_copy, dry_run=True)
    assert dry.counts["RadioComponent"]["inserted"] == 99
    assert RadioComponent.objects.count() == 0
    ingest_vlass_cirada(SAMPLE, use_copy=use_copy)
    rows[5][header.index("Total_flux")] = "12.5"
    rep = ingest_vlass_cirada(_write(tmp_path, header, rows), use_copy=use_copy)
    assert dict(rep.counts["RadioComponent"]) == {"inserted": 0, "updated": 1, "unchanged": 98}
    assert RadioComponent.objects.get(name=rows[5][0]).total_flux_mjy == 12.5


@needs_sample
@pytest.mark.django_db
def test_science_cut_is_configurable():
    ingest_vlass_cirada(
        SAMPLE, use_copy=False, cut=ScienceCut(max_duplicate_flag=2, quality_flags=(0, 2))
    )
    header, rows = _rows()
    q = header.index("Quality_flag")
    assert RadioComponent.objects.filter(is_science=True).count() == sum(
        1 for r in rows if float(r[q]) in (0, 2)
    )


def _edit(col: str, value: str, row: int = 3):
    def f(header, rows):
        rows[row][header.index(col)] = value
        return header, rows

    return f


def _dup_name(header, rows):
    rows[7][0] = rows[6][0]
    rows[7][header.index("Duplicate_flag")] = "0.0"
    rows[6][header.index("Duplicate_flag")] = "0.0"
    return header, rows


def _drop_column(header, rows):
    i = header.index("Total_flux")
    return header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in rows]


# (case, transform, expected message after "<file>: ")
BAD = [
    ("nan_ra", _edit("RA", "nan"), "line 5, column 'RA': nan is not finite"),
    ("ra_360", _edit("RA", "360"), "line 5, column 'RA': 360.0 is not in [0, 360) deg"),
    ("dec_out", _edit("DEC", "-91.5"), "line 5, column 'DEC': -91.5 is not in [-90, 90] deg"),
    ("empty_dec", _edit("DEC", ""), "line 5, column 'DEC': missing value"),
    (
        "text_flux",
        _edit("Peak_flux", "1.2mJy"),
        "line 5, column 'Peak_flux': not a number: '1.2mJy'",
    ),
    ("text_extra", _edit("NN_dist", "far"), "line 5, column 'NN_dist': not a number: 'far'"),
    ("inf_extra", _edit("BMAJ", "inf"), "line 5, column 'BMAJ': inf is not finite"),
    ("neg_flux", _edit("Total_flux", "-1"), "line 5, column 'Total_flux': -1.0 is negative"),
    (
        "flag_frac",
        _edit("Quality_flag", "0.5"),
        "line 5, column 'Quality_flag': not an integer: 0.5",
    ),
    ("no_name", _edit("Component_name", ""), "line 5, column 'Component_name': missing value"),
    (
        "flag_huge",
        _edit("Quality_flag", "4e9"),
        "line 5, column 'Quality_flag': 4000000000.0 is out of the 32-bit integer range",
    ),
    (
        "long_tile",
        _edit("Tile", "T" * 17),
        "line 5, column 'Tile': longer than 16 characters",
    ),
    ("dup", _dup_name, "line 9, column 'Component_name': duplicate name"),
    ("missing_col", _drop_column, "line 1: missing required column(s) ['Total_flux']"),
]


@needs_sample
@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("case", "transform", "msg"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_names_file_line_column_and_leaves_db_unchanged(
    tmp_path, path, case, transform, msg
):
    use_copy = _use_copy(path)
    ingest_vlass_cirada(SAMPLE, use_copy=use_copy)
    before = _snapshot()
    header, rows = _rows()
    rows[2][header.index("Total_flux")] = "99.0"  # a valid change that must NOT land
    header, rows = transform(header, rows)
    bad = _write(tmp_path, header, rows)
    with pytest.raises(ValueError) as exc:
        ingest_vlass_cirada(bad, use_copy=use_copy)
    assert str(exc.value).startswith(f"{bad}: {msg}")
    assert _snapshot() == before


@needs_sample
@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_truncated_csv_is_refused(tmp_path, path):
    use_copy = _use_copy(path)
    text = SAMPLE.read_text()
    cut = tmp_path / "truncated.csv"
    cut.write_text(text[: len(text) // 2])  # ends in the middle of a row
    n_lines = cut.read_text().count("\n") + 1
    with pytest.raises(ValueError) as exc:
        ingest_vlass_cirada(cut, use_copy=use_copy)
    msg = str(exc.value)
    assert msg.startswith(f"{cut}: line {n_lines}") and "truncated or malformed row" in msg
    assert RadioComponent.objects.count() == 0


@needs_sample
@pytest.mark.django_db
def test_command_reports_and_fails_cleanly(tmp_path, capsys):
    call_command("ingest_vlass_cirada", str(SAMPLE), "--no-copy", verbosity=0)
    out = capsys.readouterr().out
    assert "inserted 99, updated 0, unchanged 0, rejected 0" in out
    call_command("ingest_vlass_cirada", str(SAMPLE), "--no-copy", "--dry-run", verbosity=0)
    assert "dry run" in capsys.readouterr().out
    header, rows = _rows()
    rows[0][header.index("RA")] = "abc"
    with pytest.raises(CommandError, match=r"line 2, column 'RA': not a number: 'abc'"):
        call_command(
            "ingest_vlass_cirada", str(_write(tmp_path, header, rows)), "--no-copy", verbosity=0
        )
    with pytest.raises(CommandError, match="not a list of integers"):
        call_command("ingest_vlass_cirada", str(SAMPLE), "--quality-flags", "x", verbosity=0)


@needs_sample
@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_columns_beyond_cirada_are_kept_in_extra(tmp_path, path):
    use_copy = _use_copy(path)
    header, rows = _rows()
    header = [*header, "Fit_note"]
    rows = [[*r, " bent " if i == 4 else ""] for i, r in enumerate(rows)]
    rep = ingest_vlass_cirada(_write(tmp_path, header, rows), use_copy=use_copy)
    assert rep.counts["RadioComponent"]["inserted"] == 99 and rep.notes == []
    assert RadioComponent.objects.get(extra={"Fit_note": "bent"}).name.startswith(rows[4][0])
    assert RadioComponent.objects.filter(extra={}).count() == 98


@needs_sample
@pytest.mark.django_db
def test_copy_path_hands_unusual_files_to_the_reference(tmp_path):
    """A spelling the fast reader does not know ("NONE" for a missing value) is valid for
    the reference: the file is stored row by row, with the same values, and says so."""
    _use_copy("copy")
    header, rows = _rows()
    rows[3][header.index("NN_dist")] = "NONE"
    rep = ingest_vlass_cirada(_write(tmp_path, header, rows), use_copy=True, epoch="1")
    assert rep.counts["RadioComponent"]["inserted"] == 99
    assert len(rep.notes) == 1 and "declined" in rep.notes[0]
    assert RadioComponent.objects.get(name=rows[3][0]).nn_dist_arcsec is None


@needs_sample
@pytest.mark.django_db
def test_copy_path_across_blocks_matches_reference_and_catches_duplicates(tmp_path, monkeypatch):
    """Small blocks: a file spans many producer blocks; a name repeated in a later block
    is caught by the unique index and reported by the reference with both lines."""
    from catalog.ingest import vlass_copy

    _use_copy("copy")
    monkeypatch.setattr(vlass_copy, "BLOCK_BYTES", 8 << 10)
    rep = ingest_vlass_cirada(SAMPLE, use_copy=True, epoch="1")
    assert rep.counts["RadioComponent"]["inserted"] == 99 and rep.notes == []
    ingest_vlass_cirada(SAMPLE, use_copy=False, epoch="2")
    for f in ("name", "ra", "hpx", "is_science", "beam_major_arcsec", "subtile"):
        a = sorted(RadioComponent.objects.filter(epoch__name="1").values_list(f, flat=True))
        b = sorted(RadioComponent.objects.filter(epoch__name="2").values_list(f, flat=True))
        assert a == b, f
    header, rows = _rows()
    rows[90][0] = rows[2][0]  # same flags as row 2 (both preferred copies)
    for col in ("Duplicate_flag", "Subtile"):
        rows[90][header.index(col)] = rows[2][header.index(col)]
    bad = _write(tmp_path, header, rows)
    with pytest.raises(ValueError) as exc:
        ingest_vlass_cirada(bad, use_copy=True, epoch="3")
    assert str(exc.value).startswith(f"{bad}: line 92, column 'Component_name': duplicate name")
    assert "(first on line 4)" in str(exc.value)
    assert not RadioComponent.objects.filter(epoch__name="3").exists()


@needs_sample
@pytest.mark.django_db
@pytest.mark.parametrize("path", PATHS)
def test_crlf_and_byte_order_mark_store_the_same_rows(tmp_path, path):
    """A spreadsheet export (BOM, CRLF line ends) is the same catalogue, on both paths."""
    use_copy = _use_copy(path)
    odd = tmp_path / "excel.csv"
    odd.write_bytes(b"\xef\xbb\xbf" + SAMPLE.read_bytes().replace(b"\n", b"\r\n"))
    rep = ingest_vlass_cirada(odd, use_copy=use_copy, epoch="1")
    assert rep.counts["RadioComponent"]["inserted"] == 99 and rep.notes == []
    again = ingest_vlass_cirada(SAMPLE, use_copy=use_copy, epoch="1")
    assert dict(again.counts["RadioComponent"]) == {"inserted": 0, "updated": 0, "unchanged": 99}


@needs_sample
def test_copy_producer_stops_when_the_consumer_gives_up(monkeypatch):
    """Leaving the block iterator early (a server error mid-COPY) must not make the
    producer read the rest of the file."""
    from catalog.ingest import vlass_copy
    from catalog.ingest.vlass_cirada import ScienceCut, _read_header

    header = _read_header(SAMPLE)
    parsed = []
    real_parse = vlass_copy._parse
    monkeypatch.setattr(vlass_copy, "_parse", lambda b, h: parsed.append(1) or real_parse(b, h))
    columns = [("ra", "float8"), ("name", "text")]
    blocks = vlass_copy._blocks(SAMPLE, header, 1, ScienceCut(), columns, 2 << 10)
    next(blocks)
    blocks.close()  # what a `for` loop does when its body raises
    n_blocks = sum(1 for _ in vlass_copy._blocks_of_lines(SAMPLE, 2 << 10))
    assert n_blocks > 20 and len(parsed) <= 4  # one taken, two queued, one in hand
