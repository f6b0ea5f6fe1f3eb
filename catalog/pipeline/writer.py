"""The writer of a tile's HostPrediction rows: arrays in, one idempotent upsert out.

* PostgreSQL: the rows go over binary ``COPY`` (:mod:`catalog.ingest.pgbinary`) -- straight
  into ``catalog_hostprediction`` when the tile has no prediction of this model version yet
  (a first run), otherwise into a temporary stage and one ``INSERT ... ON CONFLICT DO
  UPDATE ... WHERE IS DISTINCT FROM``, so an identical re-run rewrites nothing.
* SQLite (the demo): Django's ``bulk_create(update_conflicts=True)``.

The caller holds the transaction (the tile's predictions, flags and record commit together).
"""

from __future__ import annotations

import numpy as np
from django.db import connection
from django.utils import timezone

from catalog.ingest.contract import is_postgres
from catalog.ingest.pgbinary import HEADER, TRAILER, Field, encode_rows
from catalog.models import HostPrediction
from catalog.pipeline.score import Predictions

_VALUES = ("likelihood", "rank", "is_positive", "is_prime", "reliability", "p_no_host")
_COPY_ROWS = 200_000


#: PostgreSQL's binary timestamptz: int64 microseconds since 2000-01-01 UTC.
_PG_EPOCH_US = 946_684_800 * 1_000_000


def _optional(values: np.ndarray | None, n: int, lo: int, hi: int) -> Field:
    """A nullable float8 column: NULL where the method gave no value (None or NaN)."""
    v = np.full(n, np.nan) if values is None else np.asarray(values[lo:hi], float)
    return Field("float8", np.nan_to_num(v), null=~np.isfinite(v))


def _column(values: np.ndarray | None, n: int) -> list:
    return [None] * n if values is None else [None if v != v else v for v in values.tolist()]


def _encoded(p: Predictions, mv_id: int, lo: int, hi: int, *, direct: bool) -> bytes:
    n = hi - lo
    fields = [Field("int8", p.candidate_id[lo:hi].astype(np.int64))]
    if direct:
        fields.append(Field("int8", np.full(n, mv_id, dtype=np.int64)))
    fields += [
        Field("float8", p.likelihood[lo:hi].astype(float)),
        Field("int4", p.rank[lo:hi].astype(np.int32)),
        Field("bool", p.is_positive[lo:hi].astype(bool)),
        Field("bool", p.is_prime[lo:hi].astype(bool)),
        _optional(p.reliability, n, lo, hi),
        _optional(p.p_no_host, n, lo, hi),
    ]
    if direct:  # updated_at (no column default to fall back on)
        now_us = int(timezone.now().timestamp() * 1_000_000) - _PG_EPOCH_US
        fields.append(Field("int8", np.full(n, now_us, dtype=np.int64)))
    return encode_rows(fields, n)


def _copy(cur, sql: str, p: Predictions, mv_id: int, *, direct: bool) -> None:
    with cur.copy(sql) as cp:
        cp.write(HEADER)
        for lo in range(0, len(p), _COPY_ROWS):
            cp.write(_encoded(p, mv_id, lo, min(len(p), lo + _COPY_ROWS), direct=direct))
        cp.write(TRAILER)


def write_predictions(p: Predictions, mv_id: int, *, fresh: bool) -> int:
    """Upsert ``p`` for model version ``mv_id``; returns the rows inserted or changed.

    ``fresh=True`` promises no prediction of ``mv_id`` exists for these candidates.
    """
    if len(p) == 0:
        return 0
    if not is_postgres():
        now = timezone.now()
        rows = [
            HostPrediction(
                candidate_id=c, model_version_id=mv_id, likelihood=lk, rank=r,
                is_positive=pos, is_prime=pr, reliability=rel, p_no_host=pn, updated_at=now,
            )
            for c, lk, r, pos, pr, rel, pn in zip(
                p.candidate_id.tolist(), p.likelihood.tolist(), p.rank.tolist(),
                p.is_positive.tolist(), p.is_prime.tolist(), _column(p.reliability, len(p)),
                _column(p.p_no_host, len(p)), strict=True,
            )
        ]  # fmt: skip
        HostPrediction.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["candidate", "model_version"],
            update_fields=[*_VALUES, "updated_at"],
        )
        return len(rows)
    tbl = HostPrediction._meta.db_table
    cols = ", ".join(_VALUES)
    connection.ensure_connection()
    with connection.connection.cursor() as cur:
        if fresh:
            _copy(
                cur,
                f"COPY {tbl} (candidate_id, model_version_id, {cols}, updated_at) "
                "FROM STDIN (FORMAT BINARY)",
                p,
                mv_id,
                direct=True,
            )
            return len(p)
        cur.execute("DROP TABLE IF EXISTS rh_pred_stage")
        cur.execute(
            "CREATE TEMP TABLE rh_pred_stage (candidate_id int8, likelihood float8, "
            "rank int4, is_positive bool, is_prime bool, reliability float8, "
            "p_no_host float8) ON COMMIT DROP"
        )
        _copy(
            cur,
            f"COPY rh_pred_stage (candidate_id, {cols}) FROM STDIN (FORMAT BINARY)",
            p,
            mv_id,
            direct=False,
        )
        cur.execute(
            f"INSERT INTO {tbl} AS t (candidate_id, model_version_id, {cols}, updated_at) "
            f"SELECT candidate_id, %s, {cols}, now() FROM rh_pred_stage "
            "ON CONFLICT ON CONSTRAINT hostpred_unique DO UPDATE SET "
            + ", ".join(f"{c} = EXCLUDED.{c}" for c in _VALUES)
            + ", updated_at = EXCLUDED.updated_at WHERE "
            + f"({', '.join(f't.{c}' for c in _VALUES)}) IS DISTINCT FROM "
            + f"({', '.join(f'EXCLUDED.{c}' for c in _VALUES)})",
            [mv_id],
        )
        n = cur.rowcount
        cur.execute("DROP TABLE rh_pred_stage")
    return int(n)
