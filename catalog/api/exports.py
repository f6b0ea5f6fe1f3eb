"""Streamed table exports: ``?format=csv | votable | parquet | fits`` on the list endpoints.

An export is the whole query, never a page (SkyPortal's and Fink's users' complaint: "CSV
exports only the visible rows"), and is streamed so a million rows keep memory flat
(bench/api_load.py --export-rss measures peak RSS at 10 k and 1 M rows): rows come from the
database in keyset chunks of :data:`CHUNK` and each chunk is written and sent before the
next is read.

Every format carries the provenance record (:mod:`catalog.read.provenance`) and the units.
Formats: CSV as ECSV 1.0 (a ``#`` YAML header with units, types, descriptions and the
provenance, then a CSV header row); VOTable 1.4 TABLEDATA with units and UCDs on every FIELD
(the header is written by ``astropy.io.votable.from_table``, rows as they come); Parquet
(pyarrow, one row group per chunk, units/UCDs in the field metadata and astropy's
``table_meta_yaml`` so ``Table.read`` gives them back); FITS binary table
(``astropy.io.fits`` header; FITS needs the row count up front, so it is counted first
and the stream is held to that many rows).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape

import numpy as np
from django.http import StreamingHttpResponse

from catalog.read.provenance import FITS_KEYS

CHUNK = 2000
FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "votable": ("application/x-votable+xml", "xml"),
    "parquet": ("application/vnd.apache.parquet", "parquet"),
    "fits": ("application/fits", "fits"),
}


@dataclass(frozen=True)
class Col:
    """One exported column. ``kind``: ``int``, ``float``, ``str``, ``bool``; ``width``: FITS
    string width (longer values are cut there)."""

    name: str
    kind: str
    unit: str = ""
    ucd: str = ""
    description: str = ""
    width: int = 32


Chunks = Callable[[], Iterable[list[tuple]]]


def keyset_chunks(queryset, fields: list[str], *, chunk: int = CHUNK) -> Iterator[list[tuple]]:
    """``values_list(*fields)`` of ``queryset`` in id order, ``chunk`` rows per query (the
    first field must be ``id``): each query is an index range, memory stays one chunk."""
    from django.db import connections, transaction

    conn = connections[queryset.db]
    last = None
    while True:
        qs = queryset.order_by("id")
        if last is not None:
            qs = qs.filter(id__gt=last)
        with transaction.atomic(using=queryset.db):
            if conn.vendor == "postgresql":
                # A LIMIT-ed index range scan: PostgreSQL otherwise often plans it with parallel
                # workers whose start-up (~50 ms) cost more than reading the chunk itself.
                with conn.cursor() as cur:
                    cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            rows = list(qs.values_list(*fields)[:chunk])
        if not rows:
            return
        last = rows[-1][0]
        yield rows
        if len(rows) < chunk:
            return


# ---------------------------------------------------------------- writers


_NUMPY = {"int": np.int64, "float": np.float64, "bool": np.bool_}


def _empty_table(cols: list[Col], provenance: dict[str, str]):
    """A zero-row astropy Table with the columns' types, units, UCDs and descriptions and the
    provenance as its ``meta``: astropy itself then writes each format's header."""
    from astropy.table import Table

    t = Table(
        {
            c.name: np.array([], dtype=_NUMPY.get(c.kind, "U1" if c.kind == "str" else "f8"))
            for c in cols
        },
        meta=dict(provenance),
    )
    for c in cols:
        t[c.name].unit = c.unit or None
        t[c.name].description = c.description or None
        if c.ucd:
            t[c.name].meta["ucd"] = c.ucd
    return t


def _csv(cols: list[Col], chunks: Iterable[list[tuple]], provenance) -> Iterator[bytes]:
    """ECSV 1.0 (astropy's ``ascii.ecsv``): a CSV whose ``#`` header carries every column's
    unit, type and description and the provenance, so ``Table.read(f, format="ascii.ecsv")``
    gives units back and a plain CSV reader skips the comment lines."""
    head = io.StringIO()
    _empty_table(cols, provenance).write(head, format="ascii.ecsv", delimiter=",")
    yield head.getvalue().encode("utf-8")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for rows in chunks:
        w.writerows(("" if v is None else v for v in r) for r in rows)
        yield buf.getvalue().encode("utf-8")
        buf.seek(0)
        buf.truncate()


def _votable_frame(cols: list[Col], description: str, provenance) -> tuple[bytes, bytes]:
    from astropy.io.votable.tree import Info, VOTableFile
    from astropy.table import Table

    t = Table(
        {
            c.name: np.array(["x"] if c.kind == "str" else [0], dtype=_NUMPY.get(c.kind, str))
            for c in cols
        }
    )
    vot = VOTableFile.from_table(t)
    table = vot.get_first_table()
    table.description = description
    vot.resources[0].infos.append(Info(name="QUERY_STATUS", value="OK"))
    # the provenance as INFO elements (VOTable 1.4 section 4.7): simulated or real, epochs,
    # method and its real-data figures, software, date
    for key, value in provenance.items():
        if value != "":
            vot.resources[0].infos.append(Info(name=key, value=value))
    for f, c in zip(table.fields, cols, strict=True):
        if c.unit:
            f.unit = c.unit
        if c.ucd:
            f.ucd = c.ucd
        if c.description:
            f.description = c.description
        if c.kind == "str":
            f.arraysize = "*"
        if c.kind == "bool":  # from_table writes numpy bools as "bit"
            f.datatype = "boolean"
    buf = io.BytesIO()
    vot.to_xml(buf, tabledata_format="tabledata")
    xml = buf.getvalue()
    head, _, rest = xml.partition(b"<TABLEDATA>")
    _, _, tail = rest.partition(b"</TABLEDATA>")
    return head + b"<TABLEDATA>\n", b"</TABLEDATA>" + tail


def _td(v, kind: str) -> str:
    if v is None or (kind == "float" and isinstance(v, float) and math.isnan(v)):
        return "<TD/>"
    if kind == "bool":
        return "<TD>T</TD>" if v else "<TD>F</TD>"
    if kind == "float":
        return f"<TD>{float(v)!r}</TD>"
    return f"<TD>{escape(str(v))}</TD>"


def _votable(cols, chunks, description, provenance=None) -> Iterator[bytes]:
    head, tail = _votable_frame(cols, description, provenance or {})
    yield head
    kinds = [c.kind for c in cols]
    for rows in chunks:
        yield "".join(
            "<TR>" + "".join(_td(v, k) for v, k in zip(r, kinds, strict=True)) + "</TR>\n"
            for r in rows
        ).encode("utf-8")
    yield tail


class _Sink(io.RawIOBase):
    """A write-only file that hands what was written to the stream."""

    def __init__(self):
        self.parts: list[bytes] = []

    def writable(self):
        return True

    def write(self, b):
        self.parts.append(bytes(b))
        return len(b)

    def drain(self) -> bytes:
        out, self.parts = b"".join(self.parts), []
        return out


def _parquet_metadata(cols, provenance) -> dict[bytes, bytes]:
    """Schema metadata astropy's own Parquet reader reads (``table_meta_yaml``: units,
    descriptions, UCDs, provenance), plus each provenance key for plain pyarrow readers."""
    from astropy.table import meta

    yaml = "\n".join(meta.get_yaml_from_table(_empty_table(cols, provenance)))
    out = {b"table_meta_yaml": yaml.encode("utf-8")}
    # string widths astropy gives the columns back (the FITS widths; longer values are cut
    # there too), so every format reads back alike
    out.update(
        {f"table::len::{c.name}".encode(): str(c.width).encode() for c in cols if c.kind == "str"}
    )
    out.update({f"radiohost.{k}".encode(): str(v).encode("utf-8") for k, v in provenance.items()})
    return out


def _parquet(cols, chunks, provenance) -> Iterator[bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"int": pa.int64(), "float": pa.float64(), "str": pa.string(), "bool": pa.bool_()}
    schema = pa.schema(
        [
            pa.field(
                c.name,
                types[c.kind],
                metadata={"unit": c.unit, "ucd": c.ucd, "description": c.description},
            )
            for c in cols
        ],
        metadata=_parquet_metadata(cols, provenance),
    )
    sink = _Sink()
    with pq.ParquetWriter(sink, schema) as writer:
        for rows in chunks:
            data = list(zip(*rows, strict=True))
            writer.write_table(
                pa.table(
                    {c.name: pa.array(d, types[c.kind]) for c, d in zip(cols, data, strict=True)},
                    schema=schema,
                )
            )
            yield sink.drain()
    yield sink.drain()


_FITS_FORMAT = {"int": "K", "float": "D", "bool": "L"}
_INT_NULL = -(2**63)


def _fits_dtype(cols):
    return np.dtype(
        [
            (c.name, {"int": ">i8", "float": ">f8", "bool": "S1"}.get(c.kind, f"S{c.width}"))
            for c in cols
        ]
    )


def _fits_records(cols, rows, dtype) -> bytes:
    arr = np.zeros(len(rows), dtype=dtype)
    for j, c in enumerate(cols):
        vals = [r[j] for r in rows]
        if c.kind == "int":
            arr[c.name] = [_INT_NULL if v is None else v for v in vals]
        elif c.kind == "float":
            arr[c.name] = [np.nan if v is None else v for v in vals]
        elif c.kind == "bool":
            arr[c.name] = [b"\0" if v is None else (b"T" if v else b"F") for v in vals]
        else:
            arr[c.name] = [
                ("" if v is None else str(v)).encode("ascii", "replace")[: c.width] for v in vals
            ]
    return arr.tobytes()


def _fits_provenance(header, provenance) -> None:
    """The provenance as 8-character keywords with comments (long values continue on
    CONTINUE cards, FITS 4.0 section 4.2.1.2); FITS headers are ASCII."""
    for key, value in provenance.items():
        if value == "" or key not in FITS_KEYS:
            continue
        name, comment = FITS_KEYS[key]
        header[name] = (str(value).encode("ascii", "replace").decode("ascii"), comment)


def _fits(cols, chunks, count: int, provenance) -> Iterator[bytes]:
    from astropy.io import fits

    fcols = [
        fits.Column(
            name=c.name,
            format=_FITS_FORMAT.get(c.kind, f"{c.width}A"),
            unit=c.unit or None,
            null=_INT_NULL if c.kind == "int" else None,
        )
        for c in cols
    ]
    hdu = fits.BinTableHDU.from_columns(fcols, nrows=0)
    hdu.header["NAXIS2"] = count
    for i, c in enumerate(cols, start=1):
        if c.ucd:  # not a FITS standard keyword; the VO convention TUCDn
            hdu.header[f"TUCD{i}"] = c.ucd
    primary = fits.PrimaryHDU().header
    _fits_provenance(primary, provenance)
    _fits_provenance(hdu.header, provenance)
    yield primary.tostring().encode("ascii")
    yield hdu.header.tostring().encode("ascii")
    dtype = _fits_dtype(cols)
    sent = 0
    for rows in chunks:
        rows = rows[: count - sent]
        if rows:
            sent += len(rows)
            yield _fits_records(cols, rows, dtype)
        if sent >= count:
            break
    # Rows deleted between the count and the read: keep the header's promise with null rows.
    if sent < count:
        yield _fits_records(cols, [(None,) * len(cols)] * (count - sent), dtype)
    size = count * dtype.itemsize
    yield b"\0" * (-size % 2880)


def export_response(
    fmt: str,
    cols: list[Col],
    chunks: Chunks,
    *,
    filename: str,
    count: Callable[[], int] | None = None,
    description: str = "",
    provenance: dict[str, str],
    progress: Callable[[int], None] | None = None,
) -> StreamingHttpResponse:
    """A streamed download of ``chunks()`` (lists of row tuples in ``cols`` order).

    ``count`` (a row count) is needed for FITS only. ``provenance``
    (:func:`catalog.read.provenance.provenance`) is written into each format's header.
    ``progress(n)`` is told each chunk's row count as it is read (a background export's
    progress, :mod:`catalog.api.export_jobs`).
    """
    content_type, ext = FORMATS[fmt]
    source = chunks

    def tap(rows):
        if progress is not None:
            progress(len(rows))
        return rows

    chunks = lambda: (tap(rows) for rows in source() if rows)  # noqa: E731
    if fmt == "csv":
        body = _csv(cols, chunks(), provenance)
    elif fmt == "votable":
        body = _votable(cols, chunks(), description, provenance)
    elif fmt == "parquet":
        body = _parquet(cols, chunks(), provenance)
    else:
        body = _fits(cols, chunks(), count(), provenance)
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{ext}"'
    return response
