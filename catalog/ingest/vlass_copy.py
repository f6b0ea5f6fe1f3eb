"""PostgreSQL path of the CIRADA ingest: pyarrow parse, vectorised checks, binary ``COPY``.

Why this shape (``bench/ingest.py``): a text ``COPY`` into a stage
table already costs as much as the raw ``COPY`` the target is measured against, so any
design that stages the file server-side and then moves it stays below half its speed.
Here the client parses the CSV (pyarrow, C++), checks every cell with numpy and sends
finished rows in PostgreSQL's binary format, which the server stores without parsing
text; a producer thread prepares the next block while the server writes the last.

* A new epoch (no components yet) gets the rows ``COPY``-ed straight into
  ``catalog_radiocomponent``: one write per row.
* An epoch that already has components (a re-run, a corrected file) goes through a
  temporary stage and one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE IS DISTINCT
  FROM``, so an identical re-run changes nothing and a changed row updates.

The row-by-row reference (:func:`catalog.ingest.vlass_cirada.row_to_fields`) defines
what is valid. The checks here only decide whether this path can vouch for a file: on
anything they do not accept (a bad cell, an unusual spelling of a missing value, a
duplicate, a server-side constraint) they raise :class:`Declined`, the savepoint is
rolled back and the reference validator reads the file, so messages name the same
line and column on every path and engine.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from catalog.ingest.cirada_rules import NON_NEGATIVE, S_CODES
from catalog.ingest.contract import hpx_for
from catalog.ingest.csv_rows import MAX_CELL_CHARS, MAX_LINE_BYTES
from catalog.ingest.pgbinary import FIXED, HEADER, TRAILER, Field, encode_rows
from catalog.models import RadioComponent
from catalog.models.cirada_columns import BY_NAME, REQUIRED

# What the reference treats as a missing numeric cell (empty, none/null/--, NaN),
# spelled as CIRADA and common writers spell them. Other spellings decline the fast
# path and the reference decides.
NULL_SPELLINGS = ["", "nan", "NaN", "NAN", "-nan", "none", "None", "null", "NULL", "--"]
_NON_NEGATIVE = frozenset(NON_NEGATIVE)
BLOCK_BYTES = 4 << 20  # ~4k CIRADA rows: peak RSS ~240 MB whatever the file size (8 MiB: ~300)
_PG_KIND = {
    "FloatField": "float8",
    "BigIntegerField": "int8",
    "IntegerField": "int4",
    "BooleanField": "bool",
    "CharField": "text",
    "JSONField": "jsonb",
}


class Declined(Exception):
    """This path cannot vouch for the file; the row-by-row reference decides."""


def _model_columns() -> list[tuple[str, str]]:
    """(column, binary kind) of every stored column except ``id``, ``source_id`` and
    ``no_candidates`` (the epoch pipeline's flag; its database default applies), fixed-width
    kinds first (the encoder's row layout)."""
    cols = []
    for f in RadioComponent._meta.concrete_fields:
        if f.attname in ("id", "source_id", "no_candidates"):
            continue
        kind = _PG_KIND["BigIntegerField" if f.attname == "epoch_id" else f.get_internal_type()]
        cols.append((f.column, kind))
    return sorted(cols, key=lambda c: c[1] not in FIXED)


def _blocks_of_lines(path: Path, block_bytes: int) -> Iterator[bytes]:
    """The file after its header, in blocks that end at a line end.

    Read here rather than by pyarrow's streaming reader, whose read-ahead held several
    times the block size (100-150 MB measured): memory is one block per stage.
    """
    with open(path, "rb") as fh:
        fh.readline(MAX_LINE_BYTES + 1)  # the header, read (and checked) separately
        rest = b""
        while chunk := fh.read(block_bytes):
            # NUL bytes and lines past the reader's bound (a sparse or binary file) are the
            # guarded reader's to name (catalog.ingest.csv_rows); decline before buffering more.
            if b"\x00" in chunk:
                raise Declined("NUL byte")
            block = rest + chunk
            cut = block.rfind(b"\n") + 1
            if cut == 0:  # one line longer than a block: keep reading
                if len(block) > MAX_LINE_BYTES:
                    raise Declined(f"a line longer than {MAX_LINE_BYTES} bytes")
                rest = block
                continue
            rest = block[cut:]
            yield block[:cut]
        if rest.strip():
            yield rest


def _parse(block: bytes, header: list[str]) -> pa.RecordBatch:
    """One block of CSV lines as typed columns (numbers float64, text as strings)."""
    # A block cut inside a quoted value would be misread: odd quote counts go to the
    # reference (CIRADA never quotes across lines).
    if block.count(b'"') % 2:
        raise Declined("unbalanced quotes in a block")
    types = {
        c: pa.string() if c not in BY_NAME or BY_NAME[c].kind == "text" else pa.float64()
        for c in header
    }
    try:
        table = pcsv.read_csv(
            pa.py_buffer(block),
            read_options=pcsv.ReadOptions(column_names=header, use_threads=False),
            convert_options=pcsv.ConvertOptions(
                column_types=types,
                null_values=NULL_SPELLINGS,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise Declined(f"CSV reader: {str(exc).splitlines()[0]}") from None
    if not table.num_rows:
        return None
    for name, col in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_string(col.type) and (pc.max(pc.utf8_length(col)).as_py() or 0) > (
            MAX_CELL_CHARS
        ):
            raise Declined(f"column {name!r}: a cell longer than {MAX_CELL_CHARS} characters")
    return table.combine_chunks().to_batches()[0]


def _numeric(batch: pa.RecordBatch, col: str, n: int) -> np.ndarray:
    if col not in batch.schema.names:
        return np.full(n, np.nan)
    return batch.column(col).to_numpy(zero_copy_only=False).astype(float, copy=False)


def _text(batch: pa.RecordBatch, col: str, n: int) -> pa.Array:
    if col not in batch.schema.names:
        return pa.array([""] * n, pa.string())
    arr = pc.utf8_trim_whitespace(batch.column(col))
    # The reference reads with csv.reader(skipinitialspace=True): a quote after a space
    # would be unquoted there and kept here -- let the reference decide such files.
    if pc.any(pc.match_substring(arr, '"')).as_py():
        raise Declined(f"column {col!r}: quote characters")
    return arr


def batch_fields(
    batch: pa.RecordBatch, epoch_id: int, cut, columns: list[tuple[str, str]]
) -> list[Field]:
    """Check one parsed block and turn it into encoder fields, in ``columns`` order.

    Raises :class:`Declined` where the reference would raise (or might disagree).
    """
    n = batch.num_rows
    vals: dict[str, Field] = {}
    for spec in BY_NAME.values():
        if spec.kind == "text":
            arr = _text(batch, spec.name, n)
            if spec.field == "s_code":
                ok = pc.is_in(arr, value_set=pa.array(["", *sorted(S_CODES)]))
                if not pc.all(ok).as_py():
                    raise Declined(f"column {spec.name!r}: not a PyBDSF S_Code")
            elif spec.field != "name" and pc.max(pc.utf8_length(arr)).as_py() > spec.max_length:
                raise Declined(f"column {spec.name!r}: value too long")
            vals[spec.field] = Field("text", arr)
            continue
        x = _numeric(batch, spec.name, n)
        nan = np.isnan(x)
        if np.isinf(x).any():
            raise Declined(f"column {spec.name!r}: infinite value")
        if spec.name in REQUIRED and nan.any():
            raise Declined(f"column {spec.name!r}: missing value")
        if spec.name in _NON_NEGATIVE and (x < 0).any():
            raise Declined(f"column {spec.name!r}: negative value")
        if spec.kind == "int":
            ok = x[~nan]
            if ((ok != np.trunc(ok)) | (ok < -(2**31)) | (ok >= 2**31)).any():
                raise Declined(f"column {spec.name!r}: not a 32-bit integer")
            vals[spec.field] = Field("int", np.where(nan, 0, x).astype(np.int64), nan)
        else:
            vals[spec.field] = Field("float8", x * spec.scale if spec.scale != 1.0 else x, nan)
    ra, dec = vals["ra"].values, vals["dec"].values
    if not ((ra >= 0) & (ra < 360) & (dec >= -90) & (dec <= 90)).all():
        raise Declined("position out of range")
    if (vals["total_flux_mjy"].values < 0).any():
        raise Declined("negative Total_flux")
    dup = vals["duplicate_flag"].values
    qual = vals["quality_flag"].values
    name = vals["name"].values
    if pc.any(pc.equal(pc.utf8_length(name), 0)).as_py():
        raise Declined("empty Component_name")
    # CIRADA's non-preferred copies (Duplicate_flag 2) keep their subtile in the name
    # (catalog.ingest.vlass_cirada module docstring).
    renamed = pc.binary_join_element_wise(name, " [", vals["subtile"].values, "]", "")
    name = pc.if_else(pa.array(dup >= 2), renamed, name)
    if pc.max(pc.utf8_length(name)).as_py() > BY_NAME["Component_name"].max_length:
        raise Declined("Component_name too long")
    if pc.count_distinct(name).as_py() != n:
        raise Declined("duplicate Component_name in one block")
    vals["name"] = Field("text", name)
    vals["epoch_id"] = Field("int8", np.full(n, epoch_id, np.int64))
    vals["hpx"] = Field("int8", hpx_for(ra, dec).astype(np.int64))
    vals["is_science"] = Field("bool", cut.vectorised(dup, qual))
    vals["extra"] = Field("jsonb", _extra_json(batch, n))
    out = []
    for col, kind in columns:
        f = vals[col]
        if f.kind == "int":
            f = Field(kind, f.values.astype(np.int32) if kind == "int4" else f.values, f.null)
        out.append(f)
    return out


def _extra_json(batch: pa.RecordBatch, n: int) -> pa.Array:
    """``extra``: the non-empty cells of columns the table does not know, as JSON text."""
    unknown = [c for c in batch.schema.names if c not in BY_NAME]
    if not unknown:
        return pa.array(["{}"] * n, pa.string())
    cells = {c: pc.utf8_trim_whitespace(batch.column(c)).to_pylist() for c in unknown}
    return pa.array(
        [json.dumps({c: cells[c][i] for c in unknown if cells[c][i]}) for i in range(n)],
        pa.string(),
    )


def _produce(
    path: Path,
    header: list[str],
    epoch_id: int,
    cut,
    columns,
    block_bytes: int,
    out: queue.Queue,
    stop: threading.Event,
) -> None:
    """Producer thread: parse, check and encode blocks; put (n_rows, bytes) or an error.

    Stops at the next block once ``stop`` is set (the consumer gave up).
    """
    try:
        for block in _blocks_of_lines(path, block_bytes):
            if stop.is_set():
                return
            batch = _parse(block, header)
            if batch is not None:
                fields = batch_fields(batch, epoch_id, cut, columns)
                out.put((batch.num_rows, encode_rows(fields, batch.num_rows)))
        out.put(None)
    except BaseException as exc:  # handed to the consumer, which re-raises it
        out.put(exc)


def _blocks(path, header, epoch_id, cut, columns, block_bytes) -> Iterator[tuple[int, bytes]]:
    # Two blocks in flight: the server writes one while this process prepares the next,
    # and memory stays bounded whatever the file size.
    q: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()
    t = threading.Thread(
        target=_produce,
        args=(path, header, epoch_id, cut, columns, block_bytes, q, stop),
        daemon=True,
    )
    t.start()
    try:
        while (item := q.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        # On an early exit (an error, a declined block) the producer stops at its next
        # block instead of reading the rest of the file; draining unblocks a full queue.
        stop.set()
        while t.is_alive():
            try:
                q.get(timeout=0.1)
            except queue.Empty:
                pass
        t.join()


def copy_ingest(
    path: Path, header: list[str], epoch, cut, report, progress
) -> tuple[int, int, int]:
    """Write the file's rows for ``epoch``; return (rows, inserted, updated).

    Runs inside the caller's savepoint; raises :class:`Declined` (or a psycopg error)
    for the caller to roll back and hand the file to the reference.
    """
    from django.db import connection

    columns = _model_columns()
    tbl = RadioComponent._meta.db_table
    collist = ", ".join(f'"{c}"' for c, _ in columns)
    pg = connection.connection
    fresh = not RadioComponent.objects.filter(epoch=epoch).exists()
    t0 = time.perf_counter()
    n_rows = 0
    with pg.cursor() as cur:
        if fresh:
            target = tbl
        else:
            target = "rh_stage"
            cur.execute("DROP TABLE IF EXISTS rh_stage")
            cur.execute(
                f"CREATE TEMP TABLE rh_stage ON COMMIT DROP AS SELECT {collist} FROM {tbl} WITH NO DATA"
            )
        with cur.copy(f"COPY {target} ({collist}) FROM STDIN (FORMAT BINARY)") as cp:
            cp.write(HEADER)
            for n, block in _blocks(path, header, epoch.pk, cut, columns, BLOCK_BYTES):
                cp.write(block)
                n_rows += n
                progress.update(n)
            cp.write(TRAILER)
        report.timings_s["copy"] = time.perf_counter() - t0
        if fresh:
            return n_rows, n_rows, 0
        t0 = time.perf_counter()
        cur.execute("SELECT name FROM rh_stage GROUP BY name HAVING count(*) > 1 LIMIT 1")
        if cur.fetchone():
            raise Declined("duplicate Component_name")
        upd = [c for c, _ in columns if c not in ("epoch_id", "name")]
        cur.execute(
            f"WITH up AS (INSERT INTO {tbl} AS t ({collist}) SELECT {collist} FROM rh_stage "
            "ON CONFLICT ON CONSTRAINT radiocomponent_unique DO UPDATE SET "
            f"{', '.join(f'{c} = EXCLUDED.{c}' for c in upd)} "
            f"WHERE ({', '.join(f't.{c}' for c in upd)}) IS DISTINCT FROM "
            f"({', '.join(f'EXCLUDED.{c}' for c in upd)}) RETURNING (xmax = 0) AS ins) "
            "SELECT count(*) FILTER (WHERE ins), count(*) FILTER (WHERE NOT ins) FROM up"
        )
        n_ins, n_upd = cur.fetchone()
        cur.execute("DROP TABLE rh_stage")
        report.timings_s["upsert"] = time.perf_counter() - t0
    return n_rows, n_ins, n_upd
