"""The one guarded CSV reader every CSV ingest reads through (labels, VLASS, simulated sky).

A CSV is untrusted input: it may repeat a column, carry NUL bytes or bytes that are not
UTF-8, hold a field of megabytes, or be a gigabyte of zeros behind a valid header (a
sparse or damaged copy). Each of these is refused here with the project's one error
format (:func:`catalog.ingest.common.cell_error`: file, 1-based line, column), before any
row reaches a writer, so the file's transaction stores nothing.

Memory stays bounded whatever the file: lines are read with a byte bound
(:data:`MAX_LINE_BYTES`), never "up to the next newline", so a file without newlines is
refused after reading one bound's worth of it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from catalog.ingest.common import cell_error, require_columns

#: A physical line longer than this is refused. A CIRADA row is ~1.2 kB and the longest
#: line of any CSV in the shared data is a few kB; the bound also keeps every field below
#: the ``csv`` module's own limit (131072), whose error names neither line nor column.
MAX_LINE_BYTES = 64 << 10
#: A cell longer than this is refused (an expert reason is at most 4000 characters,
#: :data:`catalog.labels.writer.MAX_REASON_CHARS`).
MAX_CELL_CHARS = 8192
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


class _Lines:
    """Physical lines of a binary file as text, each at most :data:`MAX_LINE_BYTES`.

    Undecodable bytes become lone surrogates (``surrogateescape``) so the row they sit in
    can still be split into cells and the error can name the column; ``dirty`` says that
    a line handed out since the last reset held a NUL or such a byte, ``long`` that one was
    long enough to hold an over-long cell (the row's cells are then checked one by one).
    """

    def __init__(self, path: Path, fh: BinaryIO, header: list[str] | None):
        self.path, self.fh, self.header = path, fh, header
        self.line = 0
        self.dirty = self.long = False
        self.span = 0  # bytes handed out since the last reset (one row's lines)

    def reset(self) -> None:
        self.dirty = self.long = False
        self.span = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = self.fh.readline(MAX_LINE_BYTES + 1)
        if not raw:
            raise StopIteration
        self.line += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            nul = raw.find(b"\x00")
            if nul >= 0:  # a run of zeros (a sparse or damaged file) says more than its length
                raise cell_error(self.path, self.line, self._column_at(raw, nul), _NUL)
            raise cell_error(
                self.path,
                self.line,
                self._column_at(raw, len(raw)),
                f"line longer than {MAX_LINE_BYTES} bytes (not a CSV text file, or a field "
                "far too long)",
            )
        self.span += len(raw)
        if self.span > MAX_CELL_CHARS:  # only then can a cell of the row be too long
            self.long = True
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            self.dirty = True
            return raw.decode("utf-8", "surrogateescape")
        if "\x00" in text:
            self.dirty = True
        return text

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
        return _header(path, _Lines(path, fh, None), required)


def _header(path: Path, lines: _Lines, required: Iterable[str]) -> list[str]:
    reader = csv.reader(lines, skipinitialspace=True)
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
    """Line 2 of a file as text (empty if none), read within :data:`MAX_LINE_BYTES`: a
    peek (e.g. at the first name) that cannot pull a huge file into memory."""
    path = Path(path)
    with open(path, "rb") as fh:
        lines = _Lines(path, fh, None)
        for _ in range(2):
            text = next(lines, "")
    return text


def iter_csv_rows(
    path: str | Path, *, required: Iterable[str] = (), skipinitialspace: bool = True
) -> Iterator[tuple[list[str], int, dict[str, str]]]:
    """Stream ``(header, line, {column: cell})`` for every non-blank row of a CSV.

    Lines are 1-based file lines (header = line 1; a row's line is its last physical
    line). Raises :class:`~catalog.ingest.common.IngestError` naming the file, line and,
    where one applies, the column, for: a repeated or missing column, a NUL byte, bytes
    that are not UTF-8, an over-long line or cell, and a row with the wrong number of
    fields (a truncated file).
    """
    path = Path(path)
    with open(path, "rb") as fh:
        lines = _Lines(path, fh, None)
        header = _header(path, lines, required)
        lines.header = header
        lines.reset()
        reader = csv.reader(lines, skipinitialspace=skipinitialspace)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise cell_error(path, lines.line, None, f"unreadable CSV ({exc})") from None
            line = lines.line
            if not row or all(not c.strip() for c in row):
                lines.reset()
                continue
            if lines.dirty or lines.long:
                _row_problem(path, line, header, row)
            lines.reset()
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
