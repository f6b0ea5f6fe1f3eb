"""The one guarded CSV reader every CSV ingest reads through (labels, VLASS, simulated sky).

A CSV is untrusted input: it may repeat a column, carry NUL bytes or bytes that are not
UTF-8, hold a field of megabytes, or be a gigabyte of zeros behind a valid header (a
sparse or damaged copy). Each of these is refused here with the project's one error
format (:func:`catalog.ingest.contract.cell_error`: file, 1-based line, column), before any
row reaches a writer, so the file's transaction stores nothing.

Memory stays bounded whatever the file: it is read in blocks, and a line may not exceed
:data:`MAX_LINE_BYTES`, so a file without newlines is refused after one block.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import BinaryIO

from catalog.ingest.contract import cell_error, require_columns

#: A physical line longer than this is refused. A CIRADA row is ~1.2 kB and the longest
#: line of any CSV in the shared data is a few kB; the bound also keeps every field below
#: the ``csv`` module's own limit (131072), whose error names neither line nor column.
MAX_LINE_BYTES = 64 << 10
#: A cell longer than this is refused (an expert reason is at most 4000 characters,
#: :data:`catalog.labels.writer.MAX_REASON_CHARS`).
MAX_CELL_CHARS = 8192
BLOCK_BYTES = 1 << 20  # bytes read and scanned at a time
_BOM = "\ufeff"
_NUL = "NUL byte (binary data, not CSV text)"


def _bad_text(cell: str) -> str | None:
    """Why a decoded cell is not text (NUL, undecodable byte), or ``None``."""
    if "\x00" in cell:
        return _NUL
    for ch in cell:
        if "\udc80" <= ch <= "\udcff":  # surrogateescape's mark of an undecodable byte
            return f"not UTF-8 text (byte 0x{ord(ch) - 0xDC00:02x})"
    return None


class _Text:
    """A binary file as text lines for ``csv.reader``, read in blocks of at most
    :data:`BLOCK_BYTES` (decoded and scanned in C: the checks cost little on valid files).

    A line may not exceed :data:`MAX_LINE_BYTES`. Undecodable bytes become lone surrogates
    (``surrogateescape``) so that the row they sit in can still be split into cells and the
    error name the column: from the first block holding a NUL, such a byte or a line long
    enough for an over-long cell, ``check_from`` is set and rows from that line on are
    checked cell by cell (:func:`_row_problem`).
    """

    def __init__(self, path: Path, fh: BinaryIO):
        self.path, self.fh = path, fh
        self.header: list[str] | None = None
        self.check_from: int | None = None
        self.lines_read = 0  # physical lines in the blocks handed out so far

    def lines(self) -> Iterator[str]:
        return chain.from_iterable(self._blocks())

    def _blocks(self) -> Iterator[io.StringIO]:
        rest = b""
        while True:
            chunk = self.fh.read(BLOCK_BYTES)
            block = rest + chunk
            if not chunk:  # the end: the last line may lack its newline
                if block:
                    if len(block) > MAX_LINE_BYTES and b"\n" not in block:
                        self._too_long(block, self.lines_read + 1)
                    yield self._text(block)
                return
            cut = block.rfind(b"\n") + 1
            rest, block = block[cut:], block[:cut]
            if block:
                yield self._text(block)
            if len(rest) > MAX_LINE_BYTES:  # no newline in sight: not a line of text
                self._too_long(rest, self.lines_read + 1)

    def _text(self, block: bytes) -> io.StringIO:
        first = self.lines_read + 1
        self.lines_read += block.count(b"\n") + (not block.endswith(b"\n"))
        try:
            text = block.decode("utf-8")
            clean = "\x00" not in text
        except UnicodeDecodeError:
            text, clean = block.decode("utf-8", "surrogateescape"), False
        if first == 1 and self.header is None:  # for naming columns before it is checked
            try:
                names = next(csv.reader([text.split("\n", 1)[0].removeprefix(_BOM)]), [])
            except csv.Error:
                names = []
            self.header = [h.strip() for h in names] or None
        longest = max(map(len, text.split("\n")))
        if longest > MAX_LINE_BYTES:
            for k, raw in enumerate(block.split(b"\n")):
                if len(raw) > MAX_LINE_BYTES:
                    self._too_long(raw, first + k)
        if (not clean or longest > MAX_CELL_CHARS) and self.check_from is None:
            self.check_from = first
        return io.StringIO(text, newline="")

    def _too_long(self, raw: bytes, line: int) -> None:
        nul = raw.find(b"\x00")
        if nul >= 0:  # a run of zeros (a sparse or damaged file) says more than its length
            raise cell_error(self.path, line, self._column_at(raw, nul), _NUL)
        raise cell_error(
            self.path,
            line,
            self._column_at(raw, MAX_LINE_BYTES),
            f"line longer than {MAX_LINE_BYTES} bytes (not a CSV text file, or a field "
            "far too long)",
        )

    def _column_at(self, raw: bytes, pos: int) -> str | None:
        """The column of the field holding byte ``pos``: the last field of the prefix."""
        if not self.header:
            return None
        prefix = raw[:pos].decode("utf-8", "replace").replace("\x00", "")
        try:
            n = len(next(csv.reader([prefix]), []))
        except csv.Error:
            return None
        return self.header[min(max(n, 1), len(self.header)) - 1]


def check_header(path: Path, header: list[str], required: Iterable[str] = ()) -> None:
    """A header names every column once: a repeated name would make one column's cells
    overwrite another's (``dict(zip(header, row))``), so it is refused, naming it."""
    for i, name in enumerate(header):
        why = _bad_text(name)
        if why:
            raise cell_error(path, 1, None, f"column name {i + 1}: {why}")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise cell_error(path, 1, name, "column name repeated in the header")
        seen.add(name)
    require_columns(path, header, required)


def _row_problem(path: Path, line: int, header: list[str], row: list[str]) -> None:
    for name, cell in zip(header, row, strict=False):
        why = _bad_text(cell)
        if why:
            raise cell_error(path, line, name, why)
    for name, cell in zip(header, row, strict=False):
        if len(cell) > MAX_CELL_CHARS:
            raise cell_error(path, line, name, f"longer than {MAX_CELL_CHARS} characters")


def read_header(path: str | Path, required: Iterable[str] = ()) -> list[str]:
    """The checked header (line 1) of a CSV: see :func:`check_header`."""
    path = Path(path)
    with open(path, "rb") as fh:
        text = _Text(path, fh)
        return _header(path, csv.reader(text.lines(), skipinitialspace=True), required)


def _header(path: Path, reader, required: Iterable[str]) -> list[str]:
    try:
        first = next(reader)
    except StopIteration:
        raise cell_error(path, 1, None, "empty file (no header)") from None
    except csv.Error as exc:
        raise cell_error(path, 1, None, f"unreadable CSV header ({exc})") from None
    header = [h.strip() for h in first]
    if header:
        header[0] = header[0].removeprefix(_BOM).strip()
    if not any(header):
        raise cell_error(path, 1, None, "empty file (no header)")
    check_header(path, header, required)
    return header


def second_line(path: str | Path) -> str:
    """Line 2 of a file as text (empty if none), from at most two line bounds of bytes: a
    peek (e.g. at the first name) that cannot pull a huge file into memory."""
    with open(path, "rb") as fh:
        head = fh.read(2 * MAX_LINE_BYTES + 2)
    lines = head.split(b"\n")
    return lines[1].decode("utf-8", "replace") if len(lines) > 1 else ""


def iter_csv_rows(
    path: str | Path, *, required: Iterable[str] = (), skipinitialspace: bool = True
) -> Iterator[tuple[list[str], int, dict[str, str]]]:
    """Stream ``(header, line, {column: cell})`` for every non-blank row of a CSV.

    Lines are 1-based file lines (header = line 1; a row's line is its last physical
    line). Raises :class:`~catalog.ingest.contract.IngestError` naming the file, line and,
    where one applies, the column, for: a repeated or missing column, a NUL byte, bytes
    that are not UTF-8, an over-long line or cell, and a row with the wrong number of
    fields (a truncated file).
    """
    path = Path(path)
    with open(path, "rb") as fh:
        text = _Text(path, fh)
        reader = csv.reader(text.lines(), skipinitialspace=skipinitialspace)
        header = _header(path, reader, required)
        text.header = header
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise cell_error(path, reader.line_num, None, f"unreadable CSV ({exc})") from None
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if text.check_from is not None and line >= text.check_from:
                _row_problem(path, line, header, row)
            if len(row) != len(header):
                raise cell_error(
                    path,
                    line,
                    header[min(len(row), len(header) - 1)] if len(row) < len(header) else None,
                    f"expected {len(header)} fields, got {len(row)} (truncated or malformed row)",
                )
            yield header, line, dict(zip(header, row, strict=True))


def iter_csv_chunks(
    path: str | Path,
    *,
    required: Iterable[str] = (),
    chunk_rows: int = 20_000,
    skipinitialspace: bool = True,
) -> Iterator[tuple[list[str], list[tuple[int, dict[str, str]]]]]:
    """:func:`iter_csv_rows` as ``(header, [(line, row), ...])`` chunks (bounded memory)."""
    chunk: list[tuple[int, dict[str, str]]] = []
    header: list[str] = []
    for header, line, row in iter_csv_rows(
        path, required=required, skipinitialspace=skipinitialspace
    ):
        chunk.append((line, row))
        if len(chunk) >= chunk_rows:
            yield header, chunk
            chunk = []
    if chunk:
        yield header, chunk
