"""Vectorised encoder for PostgreSQL's binary ``COPY`` format (numpy + pyarrow, no Django).

Why: a text ``COPY`` makes the server parse every float from its decimal text, which is
most of what a raw ``COPY`` of a CIRADA file costs; in binary format the server copies
8 bytes per float. Encoding row by row in Python (``psycopg``'s ``write_row``) costs as
much as the server saves, so the rows are laid out with numpy: the fixed-width fields of
all rows that share a null pattern are one structured array, the text fields are
scattered into one buffer per chunk, and only the final interleave is a Python ``join``
of two slices per row.

Format (PostgreSQL docs, "COPY", Binary Format): a 19-byte header, then per row an int16
field count followed by, for each field, an int32 byte length (-1 for NULL) and the
value in network byte order; an int16 -1 trailer ends the stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"

# PostgreSQL binary send formats of the fixed-width types we write.
FIXED = {"float8": ">f8", "int8": ">i8", "int4": ">i4", "bool": "?"}


@dataclass(frozen=True)
class Field:
    """One COPY column: ``kind`` in :data:`FIXED` or ``"text"``/``"jsonb"``.

    ``values`` is a numpy array for fixed kinds (``null`` a boolean mask or ``None``),
    or a pyarrow string array for text (its nulls are the NULLs); for ``jsonb`` the
    strings are JSON texts (the binary jsonb format is a version byte 1 + the text).
    """

    kind: str
    values: object
    null: np.ndarray | None = None


def _text_parts(f: Field, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lengths with -1 for NULL, byte offsets per row, the utf-8 data) of a text field."""
    arr = f.values
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not isinstance(arr, pa.Array):
        arr = pa.array(arr, type=pa.string())
    if f.kind == "jsonb":  # binary jsonb: a version byte 1, then the JSON text
        arr = pc.utf8_replace_slice(arr, 0, 0, "\x01")
    if arr.type == pa.large_string():
        arr = arr.cast(pa.string())
    if len(arr) != n:
        raise ValueError(f"text field has {len(arr)} rows, expected {n}")
    _validity, offs_buf, data_buf = arr.buffers()
    offs = np.frombuffer(offs_buf, dtype=np.int32)[arr.offset : arr.offset + n + 1].astype(np.int64)
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    )
    lens = np.diff(offs)
    if arr.null_count:
        lens = np.where(arr.is_null().to_numpy(zero_copy_only=False), -1, lens)
    return lens, offs, data


def encode_rows(fields: list[Field], n: int) -> bytes:
    """The binary COPY rows (no header/trailer) of ``n`` rows of ``fields``.

    Fixed-width fields must come before text fields (the row layout this encoder
    builds); the COPY column list must follow the same order.
    """
    if n == 0:
        return b""
    kinds = [f.kind for f in fields]
    n_fixed = sum(k in FIXED for k in kinds)
    if any(k in FIXED for k in kinds[n_fixed:]):
        raise ValueError("fixed-width fields must precede text fields")
    fixed, texts = fields[:n_fixed], fields[n_fixed:]

    # -- fixed part: one structured array per null pattern, rows in file order within it
    nullable = [j for j, f in enumerate(fixed) if f.null is not None and f.null.any()]
    if nullable:
        bits = np.packbits(np.stack([fixed[j].null for j in nullable], axis=1), axis=1)
        keys = bits.view(np.dtype((np.void, bits.shape[1]))).ravel()
        patterns, group = np.unique(keys, return_inverse=True)
        group = group.ravel()
    else:
        patterns, group = [None], np.zeros(n, np.int64)
    rec_bufs, rec_size = [], np.empty(len(patterns), np.int64)
    for g, _ in enumerate(patterns):
        rows = np.flatnonzero(group == g) if len(patterns) > 1 else np.arange(n)
        first = rows[0]
        spec, fill = [("n", ">i2")], []
        for j, f in enumerate(fixed):
            is_null = f.null is not None and bool(f.null[first])
            spec.append((f"l{j}", ">i4"))
            if not is_null:
                spec.append((f"v{j}", FIXED[f.kind]))
            fill.append((j, is_null))
        rec = np.empty(len(rows), dtype=np.dtype(spec))
        rec["n"] = len(fields)
        for j, is_null in fill:
            if is_null:
                rec[f"l{j}"] = -1
            else:
                rec[f"l{j}"] = rec.dtype[f"v{j}"].itemsize
                v = np.asarray(fixed[j].values)
                rec[f"v{j}"] = v if len(patterns) == 1 else v[rows]
        rec_bufs.append((rows, rec.view(np.uint8).reshape(len(rows), -1)))
        rec_size[g] = rec.dtype.itemsize

    # -- lay rows out in an (n, widest row) byte matrix, then drop the padding: two
    # vectorised passes instead of a Python loop over rows
    parts = [_text_parts(f, n) for f in texts]
    fixed_size = rec_size[group]
    row_size = fixed_size.copy()
    for lens, _, _ in parts:
        row_size += 4 + np.maximum(lens, 0)
    width = int(row_size.max())
    out = np.zeros((n, width), np.uint8)
    for rows, rec in rec_bufs:
        if len(rec_bufs) == 1:
            out[:, : rec.shape[1]] = rec
        else:
            out[rows, : rec.shape[1]] = rec
    flat = out.reshape(-1)
    pos = np.arange(n, dtype=np.int64) * width + fixed_size  # where each row's next field goes
    four = np.arange(4)
    for lens, offs, data in parts:
        flat[(pos[:, None] + four).ravel()] = lens.astype(">i4").view(np.uint8)
        nz = lens > 0
        if nz.any():
            # byte k of row i goes from data[src0_i + k] to flat[pos_i + 4 + k]
            ln = lens[nz]
            cs = np.cumsum(ln) - ln
            base = np.arange(int(ln.sum()))
            flat[np.repeat(pos[nz] + 4 - cs, ln) + base] = data[
                np.repeat(offs[:-1][nz] - cs, ln) + base
            ]
        pos += 4 + np.maximum(lens, 0)
    return out[np.arange(width) < row_size[:, None]].tobytes()
