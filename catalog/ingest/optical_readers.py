"""Streamed readers of optical catalogue files: CSV, FITS binary tables, Parquet.

Each reader yields ``(first_row, pyarrow.Table)`` blocks of bounded size, with the
file's own column names; ``first_row`` is what error messages call the first row of the
block: the 1-based file line for CSV (header = line 1), the 1-based table row for FITS
and Parquet. Text columns are strings; FITS/Parquet numbers keep their types. Every
unreadable input (not UTF-8, a NUL byte, binary garbage, a truncated file) raises an
:class:`~catalog.ingest.contract.IngestError` naming the file and, where it can be known,
the line -- never a library traceback.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

from catalog.ingest.contract import IngestError, cell_error
from catalog.ingest.csv_rows import MAX_LINE_BYTES, check_header

BLOCK_BYTES = 4 << 20  # CSV bytes per block (~25k PS1 rows): memory is flat in file size
BLOCK_ROWS = 50_000  # FITS/Parquet rows per block
FORMATS = {
    ".csv": "csv",
    ".fits": "fits",
    ".fit": "fits",
    ".fits.gz": "fits",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def file_format(path: Path) -> str:
    name = path.name.lower()
    for suffix, fmt in sorted(FORMATS.items(), key=lambda kv: -len(kv[0])):
        if name.endswith(suffix):
            return fmt
    raise ValueError(f"{path}: unknown format (expected one of {sorted(FORMATS)})")


def row_error(path, row: int | None, column: str | None, msg: str, *, fmt: str) -> IngestError:
    """``cell_error`` for CSV (file lines); ``row N`` for FITS/Parquet table rows."""
    if fmt == "csv":
        return cell_error(path, row, column, msg)
    where = ", ".join(
        x
        for x in (f"row {row}" if row is not None else "", f"column {column!r}" if column else "")
        if x
    )
    return IngestError(f"{path}: {where}: {msg}" if where else f"{path}: {msg}")


def _check_text(path: Path, block: bytes, first_line: int) -> str:
    """The block as text, or an error naming the line of a NUL byte / invalid UTF-8."""
    nul = block.find(b"\x00")
    if nul >= 0:
        line = first_line + block.count(b"\n", 0, nul)
        raise cell_error(path, line, None, "NUL byte (binary data, not a CSV text file)")
    try:
        return block.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = first_line + block.count(b"\n", 0, exc.start)
        raise cell_error(
            path, line, None, f"not UTF-8 text (byte 0x{block[exc.start]:02x})"
        ) from None


def read_csv(path: Path) -> Iterator[tuple[int, pa.Table, list[str]]]:
    with open(path, "rb") as fh:
        head = fh.readline(MAX_LINE_BYTES + 1)
        text = _check_text(path, head, 1).lstrip("\ufeff").rstrip("\r\n")
        if not text.strip():
            raise cell_error(path, 1, None, "empty file (no header)")
        header = [h.strip() for h in next(csv.reader([text]))]
        check_header(path, header)
        line, rest = 2, b""
        while True:
            chunk = fh.read(BLOCK_BYTES)
            block = rest + chunk
            if not chunk:
                cut = len(block)
            else:
                cut = block.rfind(b"\n") + 1
                if cut == 0:  # no line end yet: a bounded line, or not a text file
                    _check_text(path, block, line)
                    if len(block) > MAX_LINE_BYTES:
                        raise cell_error(
                            path, line, None, f"line longer than {MAX_LINE_BYTES} bytes"
                        )
                    rest = block
                    continue
            rest, block = block[cut:], block[:cut]
            if block.strip():
                _check_text(path, block, line)
                yield line, _parse_csv(path, block, header, line), header
            line += block.count(b"\n")
            if not chunk:
                return


def _parse_csv(path: Path, block: bytes, header: list[str], line: int) -> pa.Table:
    # Blank lines are skipped; every field read as text (numbers are checked cell by
    # cell later, so a bad cell is named rather than failing the whole block).
    lines = block.split(b"\n")
    for k, raw in enumerate(lines):
        s = raw.strip(b"\r")
        if not s.strip():
            continue
        n = s.count(b",") + 1 if b'"' not in s else len(next(csv.reader([s.decode()])))
        if n != len(header):
            raise cell_error(
                path,
                line + k,
                None,
                f"expected {len(header)} fields, got {n} (truncated or malformed row)",
            )
    try:
        t = pcsv.read_csv(
            pa.py_buffer(block),
            read_options=pcsv.ReadOptions(column_names=header, use_threads=False),
            parse_options=pcsv.ParseOptions(ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise cell_error(path, line, None, f"unreadable CSV ({str(exc).splitlines()[0]})") from None
    return t


def read_fits(path: Path) -> Iterator[tuple[int, pa.Table, list[str]]]:
    from astropy.io import fits

    try:
        hdul = fits.open(path, memmap=True)
        hdu = next((h for h in hdul if isinstance(h, fits.BinTableHDU)), None)
        if hdu is None:
            raise ValueError("no binary table extension")
        data = hdu.data
        n = len(data)
        names = list(data.columns.names)
    except Exception as exc:  # astropy raises many types for a damaged file
        raise IngestError(f"{path}: not a readable FITS binary table ({exc})") from None
    try:
        for lo in range(0, n, BLOCK_ROWS):
            part = data[lo : lo + BLOCK_ROWS]
            cols = {}
            for c in names:
                a = np.asarray(part[c])
                if a.dtype.kind in "SU":
                    a = np.char.strip(np.char.decode(a, "utf-8") if a.dtype.kind == "S" else a)
                    cols[c] = pa.array(a.tolist(), pa.string())
                else:
                    cols[c] = pa.array(a.astype(a.dtype.newbyteorder("=")))
            yield lo + 1, pa.table(cols), names
    except IngestError:
        raise
    except Exception as exc:  # a truncated file fails when its rows are read
        raise IngestError(f"{path}: truncated or damaged FITS table ({exc})") from None
    finally:
        hdul.close()


def read_parquet(path: Path) -> Iterator[tuple[int, pa.Table, list[str]]]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        names = pf.schema_arrow.names
    except Exception as exc:
        raise IngestError(f"{path}: not a readable Parquet file ({exc})") from None
    row = 1
    try:
        for batch in pf.iter_batches(batch_size=BLOCK_ROWS):
            t = pa.Table.from_batches([batch])
            yield row, t, names
            row += t.num_rows
    except IngestError:
        raise
    except Exception as exc:
        raise IngestError(
            f"{path}: truncated or damaged Parquet file near row {row} ({exc})"
        ) from None


READERS = {"csv": read_csv, "fits": read_fits, "parquet": read_parquet}


def blocks(path: Path) -> Iterator[tuple[int, pa.Table, list[str]]]:
    """``(first_row, table, header)`` blocks of any supported file."""
    return READERS[file_format(path)](path)
