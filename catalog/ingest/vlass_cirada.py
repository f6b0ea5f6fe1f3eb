"""CIRADA VLASS Quick Look component catalogue (CSV, 70 columns) -> ``RadioComponent``.

The seed (§2.2.1) selects VLASS QL components with ``Duplicate_flag < 2`` and
``Quality_flag == 0``, following the CIRADA user guide (Gordon et al. 2021): flag 2
marks the non-preferred copy of a component seen in two overlapping images, and any
set Quality_flag bit marks a likely spurious or sidelobe component. Every row is
stored with its flags; ``is_science`` records the (configurable) selection.

CIRADA repeats a ``Component_name`` once per overlapping QL image it was fitted in;
``Duplicate_flag`` 2 marks the non-preferred copies (Gordon et al. 2021 §3.3). Those
copies are stored too, under ``"<Component_name> [<Subtile>]"``, so ``(epoch, name)``
stays unique and the preferred copy keeps the survey's own name. A name repeated
with ``Duplicate_flag < 2`` (or twice in one subtile) is a malformed file.

Two code paths, one behaviour (same validation messages, same stored values):

* :func:`row_to_fields` is the reference: ``csv`` in chunks, validated cell by cell,
  stored by the portable ORM upsert (SQLite, ``use_copy=False``, and any file the fast
  path declines).
* PostgreSQL: :mod:`catalog.ingest.vlass_copy` parses with pyarrow, checks every block
  with numpy and writes by binary ``COPY`` (straight into the table for a new epoch,
  through a stage and ``ON CONFLICT`` otherwise); whatever it does not accept is
  handed back to the reference, which names the line and column.

Every CIRADA column has a typed field (:mod:`catalog.models.cirada_columns`); columns a file has
beyond those 70 are kept in ``extra``.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db import transaction

from catalog.ingest.cirada_rules import NON_NEGATIVE, S_CODES
from catalog.ingest.contract import (
    DuplicateChecker,
    IngestReport,
    cell_error,
    existing_file,
    is_postgres,
    parse_float,
    parse_int,
    parse_radec,
    run_ingest,
    upsert,
)
from catalog.ingest.csv_rows import iter_csv_chunks, read_header, second_line
from catalog.models import Epoch, RadioComponent, Survey
from catalog.models import cirada_columns as cirada

CIRADA_COLUMNS = tuple(c.name for c in cirada.COLUMNS)
TEXT_COLUMNS = frozenset(c.name for c in cirada.COLUMNS if c.kind == "text")
NUMERIC_COLUMNS = tuple(c for c in CIRADA_COLUMNS if c not in TEXT_COLUMNS)
REQUIRED_COLUMNS = cirada.REQUIRED
_NAME_EPOCH = re.compile(r"^VLASS(\d)")


@dataclass(frozen=True)
class ScienceCut:
    """The science-sample selection: ``Duplicate_flag <= max_duplicate_flag`` and
    ``Quality_flag`` in ``quality_flags`` (seed §2.2.1: ``< 2`` and ``== 0``)."""

    max_duplicate_flag: int = 1
    quality_flags: tuple[int, ...] = (0,)

    def __call__(self, dup: int | None, qual: int | None) -> bool:
        return (
            dup is not None
            and dup <= self.max_duplicate_flag
            and qual is not None
            and qual in self.quality_flags
        )

    def vectorised(self, dup: np.ndarray, qual: np.ndarray) -> np.ndarray:
        """The same selection over float arrays (NaN = missing, never selected)."""
        return (dup <= self.max_duplicate_flag) & np.isin(qual, self.quality_flags)


def vlass_epoch(name: str, catalogue_version: str = "QL") -> Epoch:
    """The VLASS ``Epoch`` row (created if needed) for epoch ``name`` (e.g. ``"1"``)."""
    survey, _ = Survey.objects.get_or_create(
        name="VLASS",
        defaults={
            "frequency_ghz": 3.0,
            "beam_arcsec": 2.5,
            "description": "VLA Sky Survey, 2-4 GHz (Lacy et al. 2020); Quick Look images.",
        },
    )
    epoch, _ = Epoch.objects.get_or_create(
        survey=survey, name=name, defaults={"catalogue_version": catalogue_version}
    )
    return epoch


def _epoch_from_file(path: Path) -> str:
    # a bounded peek: the file is not validated yet (it may have no newline at all)
    first = second_line(path)
    m = _NAME_EPOCH.match(first.strip().strip('"'))
    return m.group(1) if m else "1"


# ------------------------------------------------------------------------------------------
# the reference: row by row
# ------------------------------------------------------------------------------------------


def _parse_cell(path: Path, line: int, col: cirada.Column, cell: str):
    required = col.name in REQUIRED_COLUMNS
    if col.kind == "text":
        v = cell.strip()
        if col.field == "s_code":
            if v and v not in S_CODES:
                raise cell_error(
                    path,
                    line,
                    col.name,
                    f"{v!r} is not a PyBDSF S_Code ({', '.join(sorted(S_CODES))})",
                )
            return v
        if len(v) > col.max_length:
            raise cell_error(path, line, col.name, f"longer than {col.max_length} characters")
        return v
    if col.kind == "int":
        x = parse_float(path, line, col.name, cell, required=required)
        if x is not None and not -(2**31) <= x < 2**31:  # CIRADA ids and flags are small
            raise cell_error(path, line, col.name, f"{x!r} is out of the 32-bit integer range")
        return None if x is None else parse_int(path, line, col.name, x)
    x = parse_float(path, line, col.name, cell, required=required)
    if x is not None and x < 0 and col.name in NON_NEGATIVE:
        raise cell_error(path, line, col.name, f"{x!r} is negative")
    return None if x is None else x * col.scale


def row_to_fields(path: Path, line: int, row: dict[str, str], cut: ScienceCut) -> dict:
    """Validate one CIRADA row and map it onto ``RadioComponent`` fields (no epoch).

    This defines what a valid row is: the PostgreSQL path stores the same values and
    hands any file it cannot vouch for back to this function.
    """
    name = row["Component_name"].strip()
    if not name:
        raise cell_error(path, line, "Component_name", "missing value")
    ra, dec = parse_radec(path, line, row["RA"], row["DEC"], ra_col="RA", dec_col="DEC")
    out: dict = {"name": name, "ra": ra, "dec": dec}
    extra: dict = {}
    for key, cell in row.items():
        col = cirada.BY_NAME.get(key)
        if col is None:  # a column the table does not know: kept as text
            if cell.strip():
                extra[key] = cell.strip()
        elif col.field not in out:
            out[col.field] = _parse_cell(path, line, col, cell)
    if out.get("total_flux_mjy") is not None and out["total_flux_mjy"] < 0:
        raise cell_error(path, line, "Total_flux", f"{out['total_flux_mjy']!r} is negative")
    dup, qual = out["duplicate_flag"], out["quality_flag"]
    if dup is not None and dup >= 2:
        out["name"] = f"{name} [{out.get('subtile', '')}]"
    if len(out["name"]) > cirada.BY_NAME["Component_name"].max_length:
        raise cell_error(path, line, "Component_name", "longer than 64 characters")
    for col in cirada.COLUMNS:  # columns the file does not have
        out.setdefault(col.field, "" if col.kind == "text" else None)
    out.update(is_science=cut(dup, qual), extra=extra)
    return out


def _reference_chunks(path: Path, cut: ScienceCut, chunk_rows: int):
    """Validated rows, chunk by chunk; raises at the file's first bad cell."""
    dups = DuplicateChecker(path, "Component_name")
    for _header, chunk in iter_csv_chunks(path, required=REQUIRED_COLUMNS, chunk_rows=chunk_rows):
        rows = []
        for line, row in chunk:
            f = row_to_fields(path, line, row, cut)
            dups.check(f["name"], line)
            rows.append(f)
        yield rows


def _ingest_orm(path, epoch, cut, report, chunk_rows, progress) -> None:
    for rows in _reference_chunks(path, cut, chunk_rows):
        upsert(
            RadioComponent,
            [{"epoch_id": epoch.pk, **f} for f in rows],
            keys=("epoch_id", "name"),
            report=report,
        )
        progress.update(len(rows))


# ------------------------------------------------------------------------------------------
# PostgreSQL
# ------------------------------------------------------------------------------------------


def _read_header(path: Path) -> list[str]:
    return read_header(path, REQUIRED_COLUMNS)


def _ingest_copy(path, epoch, cut, report, chunk_rows, progress) -> None:
    import psycopg

    from catalog.ingest.vlass_copy import Declined, copy_ingest

    header = _read_header(path)
    # One ingest per epoch at a time: the "new epoch" decision below must stay true
    # until this transaction commits.
    Epoch.objects.select_for_update().get(pk=epoch.pk)
    try:
        with transaction.atomic():  # a savepoint: a declined attempt leaves no trace
            n_rows, n_ins, n_upd = copy_ingest(path, header, epoch, cut, report, progress)
    except (Declined, psycopg.Error) as exc:
        # The reference path raises at the file's first bad cell (line and column), and
        # the file's transaction then undoes whatever it stored before; a valid file is
        # stored row by row.
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _ingest_orm(path, epoch, cut, report, chunk_rows, progress)
        report.notes.append(
            f"binary COPY path declined ({reason}); stored row by row through the ORM"
        )
        return
    report.add("RadioComponent", inserted=n_ins, updated=n_upd, unchanged=n_rows - n_ins - n_upd)


# ------------------------------------------------------------------------------------------
# public entry point
# ------------------------------------------------------------------------------------------


def ingest_vlass_cirada(
    path: str | Path,
    *,
    epoch: str | None = None,
    catalogue_version: str = "QL",
    cut: ScienceCut = ScienceCut(),
    dry_run: bool = False,
    use_copy: bool | None = None,
    chunk_rows: int = 50_000,
    progress=None,
) -> IngestReport:
    """Ingest one CIRADA-format VLASS component CSV (one transaction for the file).

    Parameters
    ----------
    path : str or Path
        The CSV (CIRADA's 70 columns; at least :data:`REQUIRED_COLUMNS`).
    epoch : str, optional
        VLASS epoch name; default from the component-name prefix (``VLASS1QLCIR`` -> ``"1"``).
    cut : ScienceCut
        Science-sample selection stored in ``is_science``.
    dry_run : bool
        Validate and count, then roll back.
    use_copy : bool, optional
        Force the PostgreSQL binary COPY path on/off; default on for PostgreSQL.
    chunk_rows : int
        Rows per chunk of the row-by-row path (memory bound).

    Raises
    ------
    IngestError
        A malformed file; the database is unchanged.
    """
    from tqdm import tqdm

    path = existing_file(path)
    report = IngestReport(source=f"vlass_cirada {path.name}", dry_run=dry_run)
    copy = is_postgres() if use_copy is None else use_copy
    if copy and not is_postgres():
        raise ValueError("use_copy=True needs PostgreSQL")
    bar = progress if progress is not None else tqdm(desc=path.name, unit="row", disable=True)

    def work(rep: IngestReport) -> None:
        ep = vlass_epoch(epoch or _epoch_from_file(path), catalogue_version)
        t0 = time.perf_counter()
        (_ingest_copy if copy else _ingest_orm)(path, ep, cut, rep, chunk_rows, bar)
        rep.timings_s["total"] = time.perf_counter() - t0

    return run_ingest(work, report)
