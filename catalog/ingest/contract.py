"""The ingest contract: the report, cell validation, transactions, upserts.

Every ingester in :mod:`catalog.ingest` is written against this module so that the
error-message format, the dry-run and rollback policy, and the
inserted/updated/unchanged/rejected bookkeeping exist exactly once.

Transaction policy: **one transaction per input
file**. A malformed cell raises :class:`IngestError` (a ``ValueError``) naming the
file, the 1-based line and the column; the transaction is rolled back, so the
database is exactly as it was before the run. ``--dry-run`` runs the whole ingest
inside the same transaction and rolls it back at the end, so a dry run validates
*and* counts exactly what a real run would do, without writing.

One role, kept as one module: everything here is the contract an ingester is written
against (how it reports, fails, parses a cell, runs in its transaction and upserts), so
the ingesters share one copy of each rule. Role-specific modules live beside it:
the guarded CSV reader in :mod:`catalog.ingest.csv_rows`, cross-matching in
:mod:`catalog.ingest.crossmatch`, published labels in :mod:`catalog.ingest.label_rows`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.db import connection, models, transaction

from catalog.sky.spatial import hpx_index

# Sentinels that mean "no value" in the catalogues we read (CIRADA writes empty cells;
# AllWISE/VizieR VOTables are masked; some hand-made CSVs write these words).
_MISSING = {"", "none", "null", "--"}


class IngestError(ValueError):
    """A bad input: the message names the file, the row (1-based line) and the column."""


def cell_error(path: str | Path, line: int | None, column: str | None, msg: str) -> IngestError:
    """Build the one error format every ingester uses: ``<file>: line N, column 'X': msg``."""
    where = ", ".join(
        x
        for x in (
            f"line {line}" if line is not None else "",
            f"column {column!r}" if column is not None else "",
        )
        if x
    )
    return IngestError(f"{path}: {where}: {msg}" if where else f"{path}: {msg}")


@dataclass
class IngestReport:
    """What an ingest did, per model: inserted / updated / unchanged, plus rejected rows.

    ``rejected`` rows are rows that are *valid* but deliberately not stored (e.g. a
    label whose radio position has no component within the match radius); malformed
    rows are never "rejected" silently -- they abort the file with :class:`IngestError`.
    """

    source: str
    dry_run: bool = False
    counts: dict[str, Counter] = field(default_factory=dict)
    rejected: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    timings_s: dict[str, float] = field(default_factory=dict)

    def add(self, model: str, *, inserted: int = 0, updated: int = 0, unchanged: int = 0) -> None:
        c = self.counts.setdefault(model, Counter())
        c["inserted"] += inserted
        c["updated"] += updated
        c["unchanged"] += unchanged

    def reject(self, reason: str, n: int = 1) -> None:
        self.rejected[reason] += n

    def total(self, kind: str) -> int:
        if kind == "rejected":
            return sum(self.rejected.values())
        return sum(c[kind] for c in self.counts.values())

    def merge(self, other: IngestReport) -> None:
        for model, c in other.counts.items():
            self.add(model, **{k: c[k] for k in ("inserted", "updated", "unchanged")})
        self.rejected.update(other.rejected)
        self.notes.extend(other.notes)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "counts": {m: dict(c) for m, c in self.counts.items()},
            "rejected": dict(self.rejected),
            "notes": list(self.notes),
            "timings_s": dict(self.timings_s),
        }

    def format(self) -> str:
        head = f"{self.source}{' (dry run: nothing written)' if self.dry_run else ''}"
        lines = [
            head,
            f"  inserted {self.total('inserted')}, updated {self.total('updated')}, "
            f"unchanged {self.total('unchanged')}, rejected {self.total('rejected')}",
        ]
        for model, c in sorted(self.counts.items()):
            lines.append(
                f"    {model}: inserted {c['inserted']}, updated {c['updated']}, "
                f"unchanged {c['unchanged']}"
            )
        for reason, n in sorted(self.rejected.items()):
            lines.append(f"    rejected {n}: {reason}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


class _DryRunRollback(Exception):
    pass


@contextmanager
def file_transaction(*, dry_run: bool = False):
    """One atomic transaction per file; rolled back at the end when ``dry_run``.

    Any exception (an :class:`IngestError` for bad input) rolls everything back.
    """
    try:
        with transaction.atomic():
            yield
            if dry_run:
                raise _DryRunRollback
    except _DryRunRollback:
        pass


def run_ingest(fn: Callable[[IngestReport], None], report: IngestReport) -> IngestReport:
    """Run ``fn(report)`` inside :func:`file_transaction` honouring ``report.dry_run``."""
    with file_transaction(dry_run=report.dry_run):
        fn(report)
    return report


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# ------------------------------------------------------------------------------------------
# cell validation
# ------------------------------------------------------------------------------------------


def existing_file(path: str | Path) -> Path:
    """``path`` as a Path, or the one "no such file" error every ingester raises."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    return path


def require_columns(path: str | Path, header: Sequence[str], required: Iterable[str]) -> None:
    """Raise naming the file and every missing column (line 1 is the header)."""
    have = {h.strip() for h in header}
    missing = [c for c in required if c not in have]
    if missing:
        raise cell_error(path, 1, None, f"missing required column(s) {missing}")


def parse_float(
    path: str | Path,
    line: int,
    column: str,
    value: Any,
    *,
    required: bool = False,
    lo: float | None = None,
    hi: float | None = None,
) -> float | None:
    """A finite float cell; ``None`` when empty or NaN (unless ``required``), range-checked.

    Empty cells and the words ``none``/``null``/``--`` are *missing*; ``nan`` is missing in
    an optional column but "not finite" in a required one; ``inf`` is never accepted.

    Raises
    ------
    IngestError
        Non-numeric, missing-but-required, non-finite or out-of-range cells.
    """
    if value is None or (isinstance(value, np.ma.core.MaskedConstant)):
        if required:
            raise cell_error(path, line, column, "missing value")
        return None
    if isinstance(value, str):
        s = value.strip()
        if s.lower() in _MISSING:
            if required:
                raise cell_error(path, line, column, "missing value")
            return None
        try:
            x = float(s)
        except ValueError:
            raise cell_error(path, line, column, f"not a number: {value!r}") from None
    else:
        try:
            x = float(value)
        except (TypeError, ValueError):
            raise cell_error(path, line, column, f"not a number: {value!r}") from None
    if math.isnan(x) and not required:
        return None
    if not math.isfinite(x):
        raise cell_error(path, line, column, f"{x!r} is not finite")
    if lo is not None and x < lo:
        raise cell_error(path, line, column, f"{x!r} is below {lo}")
    if hi is not None and x > hi:
        raise cell_error(path, line, column, f"{x!r} is above {hi}")
    return x


def parse_radec(
    path: str | Path, line: int, ra: Any, dec: Any, *, ra_col: str = "RA", dec_col: str = "DEC"
) -> tuple[float, float]:
    """ICRS degrees, RA in [0, 360) and Dec in [-90, 90] (the model's check constraints)."""
    r = parse_float(path, line, ra_col, ra, required=True)
    d = parse_float(path, line, dec_col, dec, required=True)
    if not 0.0 <= r < 360.0:
        raise cell_error(path, line, ra_col, f"{r!r} is not in [0, 360) deg")
    if not -90.0 <= d <= 90.0:
        raise cell_error(path, line, dec_col, f"{d!r} is not in [-90, 90] deg")
    return r, d


def parse_int(path: str | Path, line: int, column: str, value: Any) -> int | None:
    """An integer cell (``'2.0'`` accepted: CIRADA writes its flags as floats); ``None`` if empty."""
    x = parse_float(path, line, column, value)
    if x is None:
        return None
    if x != int(x):
        raise cell_error(path, line, column, f"not an integer: {x!r}")
    return int(x)


class DuplicateChecker:
    """Names seen so far in one file; raises on a repeat, naming both lines."""

    def __init__(self, path: str | Path, column: str):
        self.path, self.column, self.seen = path, column, {}

    def check(self, name: str, line: int) -> None:
        first = self.seen.setdefault(name, line)
        if first != line:
            raise cell_error(
                self.path, line, self.column, f"duplicate name {name!r} (first on line {first})"
            )


# ------------------------------------------------------------------------------------------
# reading
# ------------------------------------------------------------------------------------------


def hpx_for(ra: Sequence[float], dec: Sequence[float]) -> np.ndarray:
    return hpx_index(np.asarray(ra, dtype=float), np.asarray(dec, dtype=float))


# ------------------------------------------------------------------------------------------
# upserts (portable: PostgreSQL and SQLite)
# ------------------------------------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) and math.isnan(b):
            return True
        return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))
    return a == b


def upsert(
    model: type[models.Model],
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    report: IngestReport | None = None,
    batch_size: int = 2000,
) -> dict[tuple, int]:
    """Insert new rows, update changed ones, leave identical ones; return ``{key: pk}``.

    Portable ORM upsert used by every ingester except the PostgreSQL COPY fast path of
    :mod:`catalog.ingest.vlass_cirada`. ``rows`` are dicts of model field values
    (foreign keys as ``<name>_id``). Positioned models get ``hpx`` filled vectorised.
    Idempotent: a re-run reports every row as unchanged.
    """
    if not rows:
        return {}
    fields = [f for f in rows[0] if f not in keys]
    if "ra" in rows[0] and "dec" in rows[0]:
        hp = hpx_for([r["ra"] for r in rows], [r["dec"] for r in rows])
        rows = [{**r, "hpx": int(h)} for r, h in zip(rows, hp, strict=True)]
        fields = [*fields, "hpx"]
    keyed = {tuple(r[k] for k in keys): r for r in rows}
    if len(keyed) != len(rows):
        raise ValueError(f"upsert {model.__name__}: duplicate keys {keys} in one batch")
    existing: dict[tuple, models.Model] = {}
    key_list = list(keyed)
    for i in range(0, len(key_list), batch_size):
        part = key_list[i : i + batch_size]
        if len(keys) == 1:
            qs = model.objects.filter(**{f"{keys[0]}__in": [k[0] for k in part]})
        else:
            # Narrow on the first key, then match the full key in Python.
            qs = model.objects.filter(**{f"{keys[0]}__in": {k[0] for k in part}})
            for k in keys[1:]:
                qs = qs.filter(**{f"{k}__in": {kk[keys.index(k)] for kk in part}})
        for obj in qs:
            existing[tuple(getattr(obj, k) for k in keys)] = obj
    new, changed, n_same = [], [], 0
    for key, r in keyed.items():
        obj = existing.get(key)
        if obj is None:
            new.append(model(**r))
            continue
        diff = [f for f in fields if not _same(getattr(obj, f), r[f])]
        if diff:
            for f in fields:
                setattr(obj, f, r[f])
            changed.append(obj)
        else:
            n_same += 1
    if new:
        model.objects.bulk_create(new, batch_size=batch_size)
    if changed:
        model.objects.bulk_update(changed, fields, batch_size=batch_size)
    if report is not None:
        report.add(model.__name__, inserted=len(new), updated=len(changed), unchanged=n_same)
    out = {k: o.pk for k, o in existing.items()}
    if new:
        if all(o.pk is not None for o in new):  # PostgreSQL and SQLite >= 3.35 return pks
            out.update({tuple(getattr(o, k) for k in keys): o.pk for o in new})
        else:  # pragma: no cover - old SQLite
            for k, o in zip([tuple(getattr(o, k) for k in keys) for o in new], new, strict=True):
                out[k] = model.objects.get(**dict(zip(keys, k, strict=True))).pk
                o.pk = out[k]
    return out


def analyze(*models) -> None:
    """Refresh planner statistics after a bulk load (without them PostgreSQL
    seq-scans ``catalog_opticalsource`` per component). SQLite has ANALYZE too."""
    from django.db import connection

    with connection.cursor() as cur:
        for m in models:
            cur.execute(f"ANALYZE {m._meta.db_table}")
