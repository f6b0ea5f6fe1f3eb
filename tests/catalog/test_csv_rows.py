"""The guarded CSV reader against the ``csv`` module as reference (no database).

Property: any table of valid text cells that ``csv.writer`` writes is read back unchanged,
row by row with the right line numbers, whatever the block size (lines cross blocks).
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from catalog.ingest import csv_rows

# printable text without NUL or surrogates; no leading spaces (skipinitialspace drops them)
_cell = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00"), max_size=30
).map(lambda s: s.lstrip(" "))


@given(
    rows=st.lists(st.lists(_cell, min_size=3, max_size=3), min_size=0, max_size=40),
    block=st.sampled_from([7, 64, 1 << 20]),
)
@example(rows=[["a", "", "c"], ["", "", "x"]], block=7)
@example(rows=[["multi\nline", "b", "c"], ["x", "quoted, comma", "z\r\nw"]], block=7)
def test_reads_what_csv_writer_wrote(tmp_path_factory, rows, block):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["a", "b", "c"])
    w.writerows(rows)
    p = tmp_path_factory.mktemp("csv") / "t.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    ref = []
    reader = csv.reader(io.StringIO(buf.getvalue(), newline=""), skipinitialspace=True)
    next(reader)
    for row in reader:
        if row and any(c.strip() for c in row):
            ref.append((reader.line_num, dict(zip(["a", "b", "c"], row, strict=True))))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(csv_rows, "BLOCK_BYTES", block)
        got = [(line, row) for _, line, row in csv_rows.iter_csv_rows(p)]
    assert got == ref


def test_cells_are_checked_past_a_flagged_block(tmp_path, monkeypatch):
    """A NUL in a later block is named by line and column even after clean blocks."""
    monkeypatch.setattr(csv_rows, "BLOCK_BYTES", 32)
    p = tmp_path / "t.csv"
    p.write_bytes(b"a,b\n" + b"1,2\n" * 50 + b"3,4\x00\n")
    with pytest.raises(ValueError, match=r"line 52, column 'b': NUL byte"):
        list(csv_rows.iter_csv_rows(p))
