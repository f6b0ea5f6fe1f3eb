"""Bulk PS1 DR2 / AllWISE catalogue ingest (``manage.py ingest_optical_catalogue``).

candidates come from a spatial join against the optical catalogue of the
footprint held in the database (:mod:`catalog.pipeline.candidates`), so the catalogue itself must
load at bulk speed. Files (CSV, FITS binary table, Parquet; MAST or VizieR column names,
:mod:`catalog.ingest.optical_schema`) are streamed in blocks
(:mod:`catalog.ingest.optical_readers`), every block is validated by the one validator,
HEALPix indices are computed in bulk, and rows are written:

* PostgreSQL: binary ``COPY`` (:mod:`catalog.ingest.pgbinary`), straight into
  ``catalog_opticalsource`` while the catalogue has no rows yet, otherwise through a
  temporary stage and ``INSERT ... ON CONFLICT (catalogue, source_id) DO UPDATE ... WHERE
  IS DISTINCT FROM`` (identical re-run: nothing changes; a changed row updates);
* SQLite: the portable ORM upsert (:func:`catalog.ingest.contract.upsert`).

One transaction per file: any bad cell raises naming file, row and column, and the
database is as before. After each file the PS1↔AllWISE 2″ match is redone on the
HEALPix tiles it touched (:mod:`catalog.ingest.optical_match`), so a PS1 candidate
carries its W1/W2; the table is ANALYZEd at the end.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from catalog.ingest.contract import (
    IngestError,
    IngestReport,
    analyze,
    existing_file,
    hpx_for,
    is_postgres,
    run_ingest,
    upsert,
)
from catalog.ingest.optical_copy import StageWriter
from catalog.ingest.optical_match import match_tiles, tiles_of
from catalog.ingest.optical_readers import blocks, file_format, row_error
from catalog.ingest.optical_schema import (
    FLOAT_FIELDS,
    INT_FIELDS,
    SCHEMAS,
    TEXT_FIELDS,
    resolve,
    validate,
)
from catalog.ingest.pgbinary import Field
from catalog.models import OpticalSource

CATALOGUES = tuple(SCHEMAS)
# binary COPY layout: fixed-width fields first (the encoder's row layout)
COPY_COLUMNS = (
    [("hpx", "int8"), ("is_simulated", "bool")]
    + [(f, "float8") for f in FLOAT_FIELDS]
    + [(f, "int4") for f in INT_FIELDS]
    + [("catalogue", "text"), ("allwise_id", "text")]
    + [(f, "text") for f in TEXT_FIELDS]
)


def _fields(vals: dict, catalogue: str, hpx: np.ndarray, n: int, simulated: bool) -> list[Field]:
    out = []
    for col, kind in COPY_COLUMNS:
        if col == "hpx":
            out.append(Field("int8", hpx))
        elif col == "is_simulated":
            out.append(Field("bool", np.full(n, simulated)))
        elif col == "catalogue":
            out.append(Field("text", pa.array([catalogue] * n, pa.string())))
        elif col == "allwise_id":
            out.append(Field("text", pa.array([""] * n, pa.string())))
        elif kind == "text":
            v = vals.get(col)
            out.append(Field("text", pa.array(v if v is not None else [""] * n, pa.string())))
        else:
            x = vals.get(col, np.full(n, np.nan))
            nan = np.isnan(x)
            if kind == "int4":
                out.append(Field("int4", np.where(nan, 0, x).astype(np.int32), nan))
            else:
                out.append(Field("float8", x, nan))
    return out


def _rows(vals: dict, catalogue: str, n: int, simulated: bool) -> list[dict]:
    def py(x):
        return None if x != x else x  # NaN -> NULL

    rows = []
    for i in range(n):
        r = {
            "catalogue": catalogue,
            "source_id": vals["source_id"][i],
            "cc_flags": vals["cc_flags"][i] if "cc_flags" in vals else "",
            "is_simulated": simulated,
        }
        for f in FLOAT_FIELDS:
            if f in vals:
                r[f] = py(float(vals[f][i]))
        for f in INT_FIELDS:
            if f in vals:
                v = vals[f][i]
                r[f] = None if v != v else int(v)
        rows.append(r)
    return rows


def _validated(path: Path, catalogue: str, fmt: str, progress):
    cols = None
    for first, table, header in blocks(path):
        if cols is None:
            # FITS and Parquet may repeat a column name too (CSV headers: optical_readers)
            dup = next((h for i, h in enumerate(header) if h in header[:i]), None)
            if dup is not None:
                raise row_error(path, None, dup, "column name repeated in the table", fmt=fmt)
            cols = resolve(path, header, catalogue)
        vals = validate(table, cols, catalogue, path, first, fmt)
        if progress is not None:
            progress.update(table.num_rows)
        yield first, vals, table.num_rows
    if cols is None:
        raise IngestError(f"{path}: no rows")


class _Duplicates:
    """Ids seen in one file as two independent 64-bit hashes (16 bytes a row, so memory
    stays small for a whole-sky file; a false match needs both to collide, ~2^-128)."""

    def __init__(self):
        self.h1: list[np.ndarray] = []
        self.h2: list[np.ndarray] = []
        self.rows: list[np.ndarray] = []

    def add(self, ids: list[str], first: int) -> None:
        self.h1.append(np.fromiter((hash(s) for s in ids), np.int64, len(ids)))
        self.h2.append(np.fromiter((hash(s + "\x01") for s in ids), np.int64, len(ids)))
        self.rows.append(np.arange(first, first + len(ids)))

    def check(self, path, column: str, fmt: str) -> None:
        if not self.h1:
            return
        h1, h2 = np.concatenate(self.h1), np.concatenate(self.h2)
        rows = np.concatenate(self.rows)
        order = np.lexsort((rows, h2, h1))
        same = (h1[order][1:] == h1[order][:-1]) & (h2[order][1:] == h2[order][:-1])
        if same.any():
            k = int(np.flatnonzero(same)[0])
            a, b = int(rows[order[k]]), int(rows[order[k + 1]])
            unit = "line" if fmt == "csv" else "row"
            raise row_error(path, b, column, f"duplicate id (first on {unit} {a})", fmt=fmt)


def ingest_optical_catalogue(
    path: str | Path,
    *,
    catalogue: str,
    dry_run: bool = False,
    progress=None,
    match: bool = True,
    simulated: bool = False,
    analyze_after: bool = True,
    touched: set[int] | None = None,
) -> IngestReport:
    """Ingest one catalogue file (one transaction). See the module docstring.

    ``match=False, analyze_after=False``: a fan-out (:mod:`catalog.ingest.optical_fanout`)
    redoes the match once over the union of the tiles the files touched (added to ``touched``) and
    ANALYZEs once at the end.
    ``simulated``: the file is ml.sim output; its rows are stored as catalogue ``sim``
    (PS1-like) or ``sim_allwise``, never mixed with the real catalogues.
    """
    if catalogue not in CATALOGUES:
        raise ValueError(f"--catalogue must be one of {list(CATALOGUES)}, got {catalogue!r}")
    path = existing_file(path)
    fmt = file_format(path)
    stored = catalogue
    if simulated:
        stored = str(
            OpticalSource.Catalogue.SIMULATED
            if catalogue == "ps1dr2"
            else OpticalSource.Catalogue.SIM_ALLWISE
        )
    report = IngestReport(source=f"{stored} {path.name}", dry_run=dry_run)

    def work(rep: IngestReport) -> None:
        t0 = time.perf_counter()
        id_column = SCHEMAS[catalogue][0].names[0]
        unit = "line" if fmt == "csv" else "row"
        tiles: set[int] = set()
        n_rows = 0
        # PostgreSQL: the database finds repeated ids (memory flat in rows); SQLite (the
        # demo) keeps the ORM upsert and the in-Python check
        # asked before the stage's COPY opens: the connection is busy while it streams
        fresh = is_postgres() and not OpticalSource.objects.filter(catalogue=stored).exists()
        writer = _stage_writer(catalogue) if is_postgres() else None
        dups = _Duplicates() if writer is None else None
        try:
            for first, vals, n in _validated(path, catalogue, fmt, progress):
                hpx = hpx_for(vals["ra"], vals["dec"])
                tiles |= tiles_of(hpx)
                if writer is not None:
                    writer.write(_fields(vals, stored, hpx, n, simulated), n, first)
                else:  # the ORM upsert refuses a repeated key itself: name the row first
                    dups.add(vals["source_id"], first)
                    dups.check(path, id_column, fmt)
                    rows = _rows(vals, stored, n, simulated)
                    upsert(OpticalSource, rows, keys=("catalogue", "source_id"), report=rep)
                n_rows += n
        except BaseException as exc:
            if writer is not None:  # end the COPY with CopyFail before the rollback
                writer.abort(exc)
            raise
        if writer is not None:
            writer.close_copy()
            rep.timings_s["copy"] = time.perf_counter() - t0
            t_dup = time.perf_counter()
            dup = writer.first_duplicate()
            rep.timings_s["duplicate_check"] = time.perf_counter() - t_dup
            if dup is not None:
                raise row_error(
                    path, dup[1], id_column, f"duplicate id (first on {unit} {dup[0]})", fmt=fmt
                )
            t_up = time.perf_counter()
            ins, upd = writer.upsert(fresh=fresh)
            rep.timings_s["upsert"] = time.perf_counter() - t_up
            rep.add("OpticalSource", inserted=ins, updated=upd, unchanged=n_rows - ins - upd)
        else:
            dups.check(path, id_column, fmt)
        rep.timings_s["load"] = time.perf_counter() - t0
        if touched is not None:
            touched.update(tiles)
        if match:
            t1 = time.perf_counter()
            m = match_tiles(tiles, rep)
            rep.timings_s["allwise_match"] = time.perf_counter() - t1
            rep.notes.append(
                f"PS1↔AllWISE 2″ match redone on {len(tiles)} tiles: {m} PS1 rows changed"
            )
        rep.notes.append(f"{n_rows} {stored} rows from {fmt.upper()} {path.name}")

    run_ingest(work, report)
    if analyze_after:
        analyze(OpticalSource)
    return report


def _stage_writer(catalogue: str) -> StageWriter:
    # only this catalogue's own fields: a PS1 re-run must not touch the W1/W2 that the
    # AllWISE match wrote onto its rows
    own = {c.field for c in SCHEMAS[catalogue]} - {"source_id"}
    upd = [c for c, _ in COPY_COLUMNS if c in own or c == "hpx"]
    return StageWriter(OpticalSource._meta.db_table, COPY_COLUMNS, upd)
