"""The bulk optical catalogues' columns: one table for the model, both readers, both writers.

PS1 DR2 mean objects (MAST ``dr2/mean`` names; VizieR II/389 names) and AllWISE (IRSA /
MAST names; VizieR II/328 names). Each :class:`Col` says which stored field a column
fills, the spellings accepted, its kind and limits; :func:`resolve` maps a file's header
onto it and :func:`validate` checks a block cell by cell, so the rules of what is valid
are written once for every file format and both databases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from catalog.ingest.contract import IngestError
from catalog.ingest.optical_readers import row_error

# What a missing numeric cell may look like in these catalogues (MAST writes -999 too,
# handled as a value below).
NULL_TEXT = {"", "nan", "none", "null", "--", "-nan"}
ID_MAX = 32


@dataclass(frozen=True)
class Col:
    field: str
    names: tuple[str, ...]
    kind: str  # "id" | "ra" | "dec" | "mag" | "int" | "text"
    required: bool = False
    max_length: int = 16


def _ps1_columns() -> list[Col]:
    cols = [
        Col("source_id", ("objID", "objid", "PS1", "source_id"), "id", True),
        Col("ra", ("raMean", "RAJ2000", "RAMean", "ra", "_RAJ2000"), "ra", True),
        Col("dec", ("decMean", "DEJ2000", "DecMean", "dec", "_DEJ2000"), "dec", True),
        Col("n_detections", ("nDetections", "Nd", "n_detections"), "int"),
        Col("quality_flag", ("qualityFlag", "Qual", "quality_flag"), "int"),
    ]
    for b in "grizy":
        cols += [
            Col(f"{b}_mag", (f"{b}MeanPSFMag", f"{b}mag", f"{b}_mag"), "mag"),
            Col(f"e_{b}_mag", (f"{b}MeanPSFMagErr", f"e_{b}mag", f"e_{b}_mag"), "mag"),
            Col(f"{b}_kron_mag", (f"{b}MeanKronMag", f"{b}Kmag", f"{b}_kron_mag"), "mag"),
            Col(
                f"e_{b}_kron_mag",
                (f"{b}MeanKronMagErr", f"e_{b}Kmag", f"e_{b}_kron_mag"),
                "mag",
            ),
        ]
    return cols


ALLWISE = [
    Col("source_id", ("designation", "AllWISE", "source_id"), "id", True),
    Col("ra", ("ra", "RAJ2000", "_RAJ2000"), "ra", True),
    Col("dec", ("dec", "DEJ2000", "_DEJ2000"), "dec", True),
    Col("w1_mag", ("w1mpro", "W1mag", "w1_mag"), "mag"),
    Col("e_w1_mag", ("w1sigmpro", "e_W1mag", "e_w1_mag"), "mag"),
    Col("w2_mag", ("w2mpro", "W2mag", "w2_mag"), "mag"),
    Col("e_w2_mag", ("w2sigmpro", "e_W2mag", "e_w2_mag"), "mag"),
    Col("cc_flags", ("cc_flags", "ccf"), "text", max_length=16),
    Col("ext_flg", ("ext_flg", "ex"), "int"),
]
PS1 = _ps1_columns()
SCHEMAS = {"ps1dr2": PS1, "allwise": ALLWISE}
# every stored field the bulk ingest writes (the same list for both catalogues, so the
# COPY column list is one; a catalogue leaves the other's fields NULL / "")
FLOAT_FIELDS = sorted(
    {c.field for s in SCHEMAS.values() for c in s if c.kind in ("ra", "dec", "mag")}
)
#: Sane bounds of any magnitude or magnitude error here (AB/Vega): PS1 saturates near 12-14
#: mag and reaches about 23-24 (Chambers et al. 2016), AllWISE W1/W2 about 2-3 to 17-18
#: (Cutri et al. 2013); a value outside [-5, 40] is a unit or sentinel error (1e308), not a
#: measurement. MAST's -999 "no measurement" is read as missing before this check.
MAG_RANGE = (-5.0, 40.0)
INT_FIELDS = sorted({c.field for s in SCHEMAS.values() for c in s if c.kind == "int"})
TEXT_FIELDS = ["source_id", "cc_flags"]


def resolve(path, header: list[str], catalogue: str) -> dict[str, str]:
    """``{field: the file's column}``; raises naming every missing required column."""
    have = set(header)
    out, missing = {}, []
    for c in SCHEMAS[catalogue]:
        name = next((n for n in c.names if n in have), None)
        if name is not None:
            out[c.field] = name
        elif c.required:
            missing.append(f"{c.field} (any of {list(c.names)})")
    if missing:
        raise IngestError(f"{path}: missing required column(s) {missing}")
    return out


def _numbers(arr, path, first: int, column: str, fmt: str) -> np.ndarray:
    """float64 with NaN for missing; the first non-numeric cell raises naming its row.

    Text is cast by pyarrow (C++) in one call; only a block that fails the cast is
    walked cell by cell, to name the bad cell.
    """
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        x = pc.cast(arr, pa.float64(), safe=False).to_numpy(zero_copy_only=False)
        return np.asarray(x, float).copy()
    trimmed = pc.utf8_trim_whitespace(arr)
    missing = pc.fill_null(
        pc.is_in(pc.utf8_lower(trimmed), value_set=pa.array(sorted(NULL_TEXT))), True
    )
    try:
        x = pc.cast(pc.if_else(missing, pa.scalar(None, pa.string()), trimmed), pa.float64())
        return np.asarray(x.to_numpy(zero_copy_only=False), float).copy()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    vals = arr.to_pylist()
    out = np.empty(len(vals))
    for i, v in enumerate(vals):
        s = (v or "").strip()
        if s.lower() in NULL_TEXT:
            out[i] = np.nan
            continue
        try:
            out[i] = float(s)
        except ValueError:
            raise row_error(path, first + i, column, f"not a number: {v!r}", fmt=fmt) from None
    return out


def _texts(arr, path, first: int, column: str, fmt: str, *, limit: int, is_id: bool, ps1: bool):
    """Checked, stripped text cells (vectorised); the first bad cell raises naming its row."""
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.string())
    s = pc.fill_null(pc.utf8_trim_whitespace(arr), "")
    if isinstance(s, pa.ChunkedArray):
        s = s.combine_chunks()

    def first_bad(mask, msg):
        m = np.asarray(mask.to_numpy(zero_copy_only=False), bool)
        if m.any():
            i = int(np.flatnonzero(m)[0])
            text = msg(s[i].as_py()) if callable(msg) else msg
            raise row_error(path, first + i, column, text, fmt=fmt)

    first_bad(pc.match_substring(s, "\x00"), "NUL byte in a text cell")
    first_bad(pc.greater(pc.utf8_length(s), limit), f"longer than {limit} characters")
    if is_id:
        first_bad(pc.equal(pc.utf8_length(s), 0), "missing value")
        if ps1:
            # objIDs are 64-bit integers; FITS/Parquet floats ("1.0e17") lost digits
            first_bad(
                pc.invert(pc.match_substring_regex(s, "^[0-9]+$")),
                lambda v: f"not a PS1 objID (an integer): {v!r}",
            )
            s = pc.utf8_ltrim(s, "0")
            s = pc.if_else(pc.equal(pc.utf8_length(s), 0), "0", s)
    return s.to_pylist()


def validate(table: pa.Table, cols: dict[str, str], catalogue: str, path, first: int, fmt: str):
    """One block's stored values: ``{field: numpy array}`` (text as lists of str).

    Every rule of what is valid is here (required/missing, range, finite, integer,
    length, NUL bytes), and the first bad cell raises naming file, row and column.
    """
    n = table.num_rows
    out: dict[str, object] = {}
    spec = {c.field: c for c in SCHEMAS[catalogue]}
    for field, column in cols.items():
        c = spec[field]
        arr = table.column(column)
        if c.kind in ("id", "text"):
            out[field] = _texts(
                arr,
                path,
                first,
                column,
                fmt,
                limit=ID_MAX if c.kind == "id" else c.max_length,
                is_id=c.kind == "id",
                ps1=catalogue == "ps1dr2",
            )
            continue
        x = _numbers(arr, path, first, column, fmt)
        if c.kind == "mag":
            x[x <= -999] = np.nan  # MAST's "no measurement"
        bad = np.isinf(x)
        if c.kind == "mag":
            bad |= (x < MAG_RANGE[0]) | (x > MAG_RANGE[1])
        if c.required:
            bad |= np.isnan(x)
        if c.kind == "ra":
            bad |= ~((x >= 0) & (x < 360))
        elif c.kind == "dec":
            bad |= ~((x >= -90) & (x <= 90))
        elif c.kind == "int":
            ok = ~np.isnan(x)
            bad |= ok & (
                (x != np.trunc(np.where(ok, x, 0))) | (np.abs(np.where(ok, x, 0)) >= 2**31)
            )
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            what = {
                "ra": "is not in [0, 360) deg",
                "dec": "is not in [-90, 90] deg",
                "int": "is not a 32-bit integer",
                "mag": f"is not a magnitude in [{MAG_RANGE[0]:g}, {MAG_RANGE[1]:g}]",
            }.get(c.kind, "is not finite")
            v = float(x[i])
            msg = (
                "missing value"
                if np.isnan(v)
                else f"{v!r} is not finite"
                if np.isinf(v)
                else f"{v!r} {what}"
            )
            raise row_error(path, first + i, column, msg, fmt=fmt)
        out[field] = x
    for field in spec:
        if field not in out:
            out[field] = [""] * n if spec[field].kind == "text" else np.full(n, np.nan)
    return out
