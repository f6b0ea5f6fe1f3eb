"""The binary COPY encoder against PostgreSQL itself: what the server reads back is what we sent."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.ingest.pgbinary import HEADER, TRAILER, Field, encode_rows

pytestmark = pytest.mark.django_db

# PostgreSQL text cannot hold NUL; everything else (unicode, newlines, "") must survive.
# (codec="utf-8": no lone surrogates, which no UTF-8 text can hold either.)
TEXT = st.one_of(
    st.none(), st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)
)


def _roundtrip(fields: list[Field], n: int, types: str) -> list[tuple]:
    if connection.vendor != "postgresql":
        pytest.skip("binary COPY needs PostgreSQL")
    pg = connection.connection
    with transaction.atomic(), pg.cursor() as cur:  # a failure cannot poison later examples
        cur.execute("DROP TABLE IF EXISTS t_pgbinary")
        cur.execute(f"CREATE TEMP TABLE t_pgbinary (k serial, {types})")
        cols = ", ".join(c.split()[0] for c in types.split(", "))
        with cur.copy(f"COPY t_pgbinary ({cols}) FROM STDIN (FORMAT BINARY)") as cp:
            cp.write(HEADER + encode_rows(fields, n) + TRAILER)
        cur.execute(f"SELECT {cols} FROM t_pgbinary ORDER BY k")
        return cur.fetchall()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
            st.integers(-(2**63), 2**63 - 1),
            st.one_of(st.none(), st.integers(-(2**31), 2**31 - 1)),
            st.booleans(),
            TEXT,
            TEXT,
        ),
        min_size=1,
        max_size=40,
    )
)
def test_rows_read_back_exactly(rows):
    """Random rows with NULLs in several fixed and text columns (many null patterns,
    unicode, empty strings) come back from the server unchanged and in order."""
    n = len(rows)
    f8 = np.array([0.0 if r[0] is None else r[0] for r in rows])
    i4 = np.array([0 if r[2] is None else r[2] for r in rows], dtype=np.int64)
    fields = [
        Field("float8", f8, np.array([r[0] is None for r in rows])),
        Field("int8", np.array([r[1] for r in rows], dtype=np.int64)),
        Field("int4", i4, np.array([r[2] is None for r in rows])),
        Field("bool", np.array([r[3] for r in rows])),
        Field("text", pa.array([r[4] for r in rows], pa.string())),
        Field("text", pa.array([r[5] for r in rows], pa.string())),
    ]
    got = _roundtrip(fields, n, "f float8, b bigint, i int, o bool, s text, u varchar(40)")
    assert got == [tuple(r) for r in rows]


def test_jsonb_and_sliced_arrow_arrays():
    """jsonb (version byte + text) and arrow arrays with a non-zero offset."""
    js = pa.array(['{"a": 1}', None, "{}", '{"b": "é"}'])
    text = pa.array(["skip", "x", None, "", "yz"]).slice(1)
    got = _roundtrip(
        [Field("float8", np.arange(4.0)), Field("text", text), Field("jsonb", js)],
        4,
        "f float8, s text, j jsonb",
    )
    # (Django's connection leaves jsonb as text; parse it here.)
    got = [(f, s, None if j is None else json.loads(j)) for f, s, j in got]
    assert got == [(0.0, "x", {"a": 1}), (1.0, None, None), (2.0, "", {}), (3.0, "yz", {"b": "é"})]


def test_fixed_fields_must_come_first():
    with pytest.raises(ValueError, match="fixed-width fields must precede text fields"):
        encode_rows([Field("text", pa.array(["a"])), Field("float8", np.zeros(1))], 1)
