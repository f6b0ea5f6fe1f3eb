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

* PostgreSQL: the raw file is streamed with ``COPY`` into a temporary all-text table
  (bounded memory: 1 MiB blocks), validated by set-based SQL that names the first
  bad line and column, given its HEALPix index in Python chunk by chunk, and
  upserted with one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE IS DISTINCT FROM``
  (idempotent: an identical re-run updates nothing).
* Anything else (SQLite): ``csv`` in chunks, validated row by row, ORM upsert.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db import connection

from catalog.models import Epoch, RadioComponent, Survey

from .common import (
    DuplicateChecker,
    IngestReport,
    cell_error,
    existing_file,
    hpx_for,
    is_postgres,
    iter_csv_chunks,
    parse_float,
    parse_int,
    parse_radec,
    require_columns,
    run_ingest,
    upsert,
)

# The 70 columns of CIRADA's VLASS QL "Table 1: components" (Gordon et al. 2021, Table 2).
CIRADA_COLUMNS = (
    "Component_name Component_id Isl_id RA DEC E_RA E_DEC Total_flux E_Total_flux Peak_flux "
    "E_Peak_flux Maj E_Maj Min E_Min PA E_PA Isl_Total_flux E_Isl_Total_flux Isl_rms Isl_mean "
    "Resid_Isl_rms Resid_Isl_mean RA_max DEC_max E_RA_max E_DEC_max S_Code Xposn E_Xposn Yposn "
    "E_Yposn Xposn_max E_Xposn_max Yposn_max E_Yposn_max Maj_img_plane E_Maj_img_plane "
    "Min_img_plane E_Min_img_plane PA_img_plane E_PA_img_plane DC_Maj E_DC_Maj DC_Min E_DC_Min "
    "DC_PA E_DC_PA DC_Maj_img_plane E_DC_Maj_img_plane DC_Min_img_plane E_DC_Min_img_plane "
    "DC_PA_img_plane E_DC_PA_img_plane Tile Subtile QL_image_RA QL_image_DEC NVSS_distance "
    "FIRST_distance Peak_to_ring Duplicate_flag Quality_flag Source_name Source_type QL_cutout "
    "NN_dist BMAJ BMIN BPA"
).split()
TEXT_COLUMNS = frozenset(
    {"Component_name", "S_Code", "Tile", "Subtile", "Source_name", "Source_type", "QL_cutout"}
)
NUMERIC_COLUMNS = tuple(c for c in CIRADA_COLUMNS if c not in TEXT_COLUMNS)

# CIRADA column -> (model field, scale). Positional errors are in degrees in the CIRADA
# table; the model stores arcsec. Fluxes are already mJy / mJy/beam, sizes arcsec.
FIELD_MAP: dict[str, tuple[str, float]] = {
    "E_RA": ("e_ra_arcsec", 3600.0),
    "E_DEC": ("e_dec_arcsec", 3600.0),
    "Peak_flux": ("peak_flux_mjy", 1.0),
    "E_Peak_flux": ("e_peak_flux_mjy", 1.0),
    "Total_flux": ("total_flux_mjy", 1.0),
    "E_Total_flux": ("e_total_flux_mjy", 1.0),
    "Maj": ("major_arcsec", 1.0),
    "Min": ("minor_arcsec", 1.0),
    "PA": ("pa_deg", 1.0),
    "DC_Maj": ("dc_major_arcsec", 1.0),
    "DC_Min": ("dc_minor_arcsec", 1.0),
    "Isl_rms": ("isl_rms_mjy", 1.0),
}
# What a file must have to be ingested (the simulator's CIRADA-format CSV included):
# name, position, fluxes and the two flags the science selection needs.
REQUIRED_COLUMNS = (
    "Component_name",
    "RA",
    "DEC",
    "Total_flux",
    "Peak_flux",
    "Duplicate_flag",
    "Quality_flag",
)
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
    with open(path, newline="") as fh:
        fh.readline()
        first = fh.readline()
    m = _NAME_EPOCH.match(first.strip().strip('"'))
    return m.group(1) if m else "1"


# ------------------------------------------------------------------------------------------
# row conversion (ORM path) -- the reference semantics the SQL path reproduces
# ------------------------------------------------------------------------------------------


def row_to_fields(
    path: Path, line: int, row: dict[str, str], cut: ScienceCut, keep_extra: bool = True
) -> dict:
    """Validate one CIRADA row and map it onto ``RadioComponent`` fields (no epoch)."""
    name = row["Component_name"].strip()
    if not name:
        raise cell_error(path, line, "Component_name", "missing value")
    ra, dec = parse_radec(path, line, row["RA"], row["DEC"], ra_col="RA", dec_col="DEC")
    out: dict = {"name": name, "ra": ra, "dec": dec}
    extra: dict = {}
    for col, cell in row.items():
        if col in ("Component_name", "RA", "DEC"):
            continue
        if col in NUMERIC_COLUMNS:
            x = parse_float(path, line, col, cell, required=col in REQUIRED_COLUMNS)
            if col in FIELD_MAP:
                f, scale = FIELD_MAP[col]
                out[f] = None if x is None else x * scale
            elif col not in ("Duplicate_flag", "Quality_flag") and x is not None:
                extra[col] = x
        elif col == "S_Code":
            out["s_code"] = cell.strip()[:1]
        elif cell.strip():
            extra[col] = cell.strip()
    if out.get("total_flux_mjy") is not None and out["total_flux_mjy"] < 0:
        raise cell_error(path, line, "Total_flux", f"{out['total_flux_mjy']!r} is negative")
    dup = parse_int(path, line, "Duplicate_flag", row["Duplicate_flag"])
    qual = parse_int(path, line, "Quality_flag", row["Quality_flag"])
    if dup is not None and dup >= 2:
        out["name"] = f"{name} [{row.get('Subtile', '').strip()}]"
    out.update(
        duplicate_flag=dup,
        quality_flag=qual,
        is_science=cut(dup, qual),
        extra=extra if keep_extra else {},
    )
    for f, _ in FIELD_MAP.values():
        out.setdefault(f, None)
    out.setdefault("s_code", "")
    return out


def _ingest_orm(
    path: Path,
    epoch: Epoch,
    cut: ScienceCut,
    report: IngestReport,
    chunk_rows: int,
    progress,
    keep_extra: bool = True,
) -> None:
    dups = DuplicateChecker(path, "Component_name")
    for _header, chunk in iter_csv_chunks(path, required=REQUIRED_COLUMNS, chunk_rows=chunk_rows):
        rows = []
        for line, row in chunk:
            f = row_to_fields(path, line, row, cut, keep_extra)
            dups.check(f["name"], line)
            rows.append({"epoch_id": epoch.pk, **f})
        upsert(RadioComponent, rows, keys=("epoch_id", "name"), report=report)
        progress.update(len(rows))


# ------------------------------------------------------------------------------------------
# PostgreSQL COPY path
# ------------------------------------------------------------------------------------------


def _q(col: str) -> str:
    return '"' + col.replace('"', '""') + '"'


def _f8(col: str) -> str:
    # NaN in an optional column means "no value" (as in the ORM path); PostgreSQL treats
    # NaN = NaN as true, so NULLIF maps it to NULL.
    return f"NULLIF(s.{_q(col)}, 'NaN'::float8)"


def _translate_copy_error(path: Path, exc: Exception) -> Exception:
    """Turn PostgreSQL's ``COPY ..., line N, column X`` context into our message format."""
    diag = getattr(exc, "diag", None)
    ctx = (getattr(diag, "context", None) or "") if diag else ""
    primary = (getattr(diag, "message_primary", None) or str(exc)).strip()
    m = re.search(r"line (\d+)(?:, column ([^:]+))?", ctx)
    if not m:
        return cell_error(path, None, None, primary)
    col = m.group(2).strip() if m.group(2) else None
    if "missing data" in primary:
        primary = f"{primary} (truncated or malformed row)"
    bad_num = re.match(r'invalid input syntax for type double precision: "(.*)"$', primary)
    if bad_num:
        primary = f"not a number: {bad_num.group(1)!r}"
    return cell_error(path, int(m.group(1)), col, primary)


def _ingest_copy(
    path: Path,
    epoch: Epoch,
    cut: ScienceCut,
    report: IngestReport,
    chunk_rows: int,
    progress,
    keep_extra: bool = True,
) -> None:
    import psycopg  # only on PostgreSQL

    with open(path, newline="") as fh:
        header = [h.strip() for h in fh.readline().rstrip("\r\n").split(",")]
    require_columns(path, header, REQUIRED_COLUMNS)
    if len(set(header)) != len(header):
        raise cell_error(path, 1, None, "duplicate column names in header")
    # Numeric columns are typed float8 in the stage: PostgreSQL's C float parser then does
    # the "is it a number" check during COPY (an error names the line and column), so the
    # validation pass costs a few percent of the run; no per-cell regex or cast afterwards.
    cols = ", ".join(f"{_q(c)} {'float8' if c in NUMERIC_COLUMNS else 'text'}" for c in header)
    pg = connection.connection  # the psycopg 3 connection under Django's
    with pg.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS rh_stage; DROP TABLE IF EXISTS rh_stage_hpx")
        # Line numbers: the header is line 1 and COPY assigns ids in file order.
        cur.execute(f"CREATE TEMP TABLE rh_stage (id bigserial, {cols}) ON COMMIT DROP")
        cur.execute("CREATE TEMP TABLE rh_stage_hpx (id bigint, hpx bigint) ON COMMIT DROP")
        collist = ", ".join(_q(c) for c in header)
        t0 = time.perf_counter()
        try:
            with cur.copy(f"COPY rh_stage ({collist}) FROM STDIN (FORMAT csv, HEADER true)") as cp:
                with open(path, "rb") as raw:
                    while block := raw.read(1 << 20):
                        cp.write(block)
        except psycopg.Error as exc:
            raise _translate_copy_error(path, exc) from None
        subtile = f"coalesce(btrim(s.{_q('Subtile')}), '')" if "Subtile" in header else "''"
        name_sql = (
            f"CASE WHEN {_f8('Duplicate_flag')} >= 2 THEN btrim(s.{_q('Component_name')}) "
            f"|| ' [' || {subtile} || ']' ELSE btrim(s.{_q('Component_name')}) END"
        )

        report.timings_s["copy"] = time.perf_counter() - t0
        t0 = time.perf_counter()

        # -- validation: the first bad line, in file order, with the ORM path's messages
        # and in the ORM path's order (name, RA, DEC, RA/Dec ranges, other columns, flux
        # sign, flags), so both engines report the same error for the same file.
        def fmt_checks(col: str) -> list[tuple[str, str, str]]:
            qc = f"s.{_q(col)}"
            shown = f"CASE WHEN {qc} = 'NaN' THEN 'nan' WHEN {qc} > 0 THEN 'inf' ELSE '-inf' END"
            out = []
            if col in REQUIRED_COLUMNS:
                out.append((f"{qc} IS NULL", col, "'missing value'"))
                bad = f"({qc} = 'NaN' OR {qc} IN ('Infinity', '-Infinity'))"
            else:
                bad = f"{qc} IN ('Infinity', '-Infinity')"
            out.append((bad, col, f"({shown}) || ' is not finite'"))
            return out

        checks = [
            (
                f"coalesce(btrim(s.{_q('Component_name')}), '') = ''",
                "Component_name",
                "'missing value'",
            )
        ]
        checks += fmt_checks("RA") + fmt_checks("DEC")
        checks += [
            (
                f"NOT ({_f8('RA')} >= 0 AND {_f8('RA')} < 360)",
                "RA",
                f"{_f8('RA')}::text || ' is not in [0, 360) deg'",
            ),
            (
                f"NOT ({_f8('DEC')} >= -90 AND {_f8('DEC')} <= 90)",
                "DEC",
                f"{_f8('DEC')}::text || ' is not in [-90, 90] deg'",
            ),
        ]
        for col in header:
            if col in NUMERIC_COLUMNS and col not in ("RA", "DEC"):
                checks += fmt_checks(col)
        checks += [
            (
                f"{_f8('Total_flux')} < 0",
                "Total_flux",
                f"{_f8('Total_flux')}::text || ' is negative'",
            ),
            (
                f"{_f8('Duplicate_flag')} <> trunc({_f8('Duplicate_flag')})",
                "Duplicate_flag",
                f"'not an integer: ' || {_f8('Duplicate_flag')}::text",
            ),
            (
                f"{_f8('Quality_flag')} <> trunc({_f8('Quality_flag')})",
                "Quality_flag",
                f"'not an integer: ' || {_f8('Quality_flag')}::text",
            ),
        ]
        # Order matters: a CASE evaluates its arms in order, so the casts in the range
        # checks only run on cells the regex arms have already accepted.
        case = " ".join(f"WHEN {c} THEN {_lit(col)} || '|' || ({msg})" for c, col, msg in checks)
        cur.execute(
            f"SELECT id, err FROM (SELECT id, CASE {case} END AS err FROM rh_stage s) v "
            "WHERE err IS NOT NULL ORDER BY id LIMIT 1"
        )
        bad = cur.fetchone()
        if bad:
            col, msg = bad[1].split("|", 1)
            msg = msg.replace("::text", "")
            raise cell_error(path, bad[0] + 1, col, _pretty_num(msg))
        cur.execute(
            f"SELECT {name_sql} AS n, (array_agg(id ORDER BY id))[1:2] "
            "FROM rh_stage s GROUP BY 1 HAVING count(*) > 1 ORDER BY 2 LIMIT 1"
        )
        dup = cur.fetchone()
        if dup:
            name, (first, second) = dup
            raise cell_error(
                path,
                second + 1,
                "Component_name",
                f"duplicate name {name!r} (first on line {first + 1})",
            )
        report.timings_s["validate"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        # -- HEALPix, chunk by chunk (bounded memory), back into the database by COPY
        n_rows = 0
        # A server-side cursor cannot be read while a COPY holds the connection, so
        # each chunk is fetched first and then written with its own COPY.
        with pg.cursor(name="rh_stage_pos") as sc, pg.cursor() as wc:
            sc.execute(f"SELECT id, {_f8('RA')}, {_f8('DEC')} FROM rh_stage s ORDER BY id")
            while rows := sc.fetchmany(chunk_rows):
                a = np.asarray(rows, dtype=float)
                hp = hpx_for(a[:, 1], a[:, 2])
                ids = a[:, 0].astype(np.int64).tolist()
                block = "".join(f"{i}\t{h}\n" for i, h in zip(ids, hp.tolist(), strict=True))
                with wc.copy("COPY rh_stage_hpx (id, hpx) FROM STDIN") as cp:
                    cp.write(block)
                n_rows += len(rows)
                progress.update(len(rows))
        # Temp tables are never auto-analysed: without statistics the planner may pick a
        # nested loop for the join below, quadratic in the file size.
        cur.execute("ANALYZE rh_stage (id); ANALYZE rh_stage_hpx")
        report.timings_s["healpix"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        # -- upsert
        values: dict[str, str] = {
            "epoch_id": str(int(epoch.pk)),
            "name": name_sql,
            "ra": _f8("RA"),
            "dec": _f8("DEC"),
            "hpx": "h.hpx",
        }
        for col, (f, scale) in FIELD_MAP.items():
            values[f] = (
                (f"{_f8(col)} * {scale!r}" if scale != 1.0 else _f8(col))
                if col in header
                else "NULL"
            )
        values["s_code"] = (
            f"coalesce(left(btrim(s.{_q('S_Code')}), 1), '')" if "S_Code" in header else "''"
        )
        dupx = f"{_f8('Duplicate_flag')}::int"
        qualx = f"{_f8('Quality_flag')}::int"
        values["duplicate_flag"] = dupx
        values["quality_flag"] = qualx
        qual_list = ", ".join(str(int(q)) for q in cut.quality_flags) or "NULL"
        values["is_science"] = (
            f"coalesce({dupx} <= {int(cut.max_duplicate_flag)} AND {qualx} IN ({qual_list}), false)"
        )
        extra_cols = [
            c
            for c in header
            if keep_extra
            and c not in ("Component_name", "RA", "DEC", "S_Code", "Duplicate_flag", "Quality_flag")
            and c not in FIELD_MAP
        ]
        # The JSON text is assembled with string operations and parsed once: converting
        # ~50 float8 values per row to jsonb numerics one by one (jsonb_build_object) cost
        # 5x more. float8::text is PostgreSQL's shortest exact form, so values round-trip;
        # NaN/Inf never reach here (validated above; NaN -> NULL), NULLs are stripped.
        pieces = []
        for c in extra_cols:
            key = json.dumps(c).replace("'", "''")
            val = f"{_f8(c)}::text" if c in NUMERIC_COLUMNS else f"to_json({_text(c)})::text"
            pieces.append(f"'{key}:' || coalesce({val}, 'null')")
        body = " || ',' || ".join(pieces) if pieces else "''"
        values["extra"] = f"jsonb_strip_nulls(('{{' || {body} || '}}')::jsonb)"
        fields = list(values)
        upd = [f for f in fields if f not in ("epoch_id", "name")]
        tbl = RadioComponent._meta.db_table
        sql = (
            f"WITH up AS (INSERT INTO {tbl} AS t ({', '.join(fields)}) "
            f"SELECT {', '.join(values.values())} FROM rh_stage s JOIN rh_stage_hpx h USING (id) "
            f"ON CONFLICT ON CONSTRAINT radiocomponent_unique DO UPDATE SET "
            f"{', '.join(f'{f} = EXCLUDED.{f}' for f in upd)} "
            f"WHERE ({', '.join(f't.{f}' for f in upd)}) IS DISTINCT FROM "
            f"({', '.join(f'EXCLUDED.{f}' for f in upd)}) "
            "RETURNING (xmax = 0) AS ins) "
            "SELECT count(*) FILTER (WHERE ins), count(*) FILTER (WHERE NOT ins) FROM up"
        )
        cur.execute(sql)
        n_ins, n_upd = cur.fetchone()
        report.timings_s["upsert"] = time.perf_counter() - t0
        cur.execute("DROP TABLE rh_stage; DROP TABLE rh_stage_hpx")
    report.add("RadioComponent", inserted=n_ins, updated=n_upd, unchanged=n_rows - n_ins - n_upd)


def _text(col: str) -> str:
    return f"NULLIF(btrim(s.{_q(col)}), '')"


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _pretty_num(msg: str) -> str:
    # PostgreSQL prints floats like Python repr for these magnitudes; keep messages equal
    # on both engines ("-1.0 is negative" rather than "-1 is negative").
    m = re.match(r"^(-?\d+)( is .*)$", msg)
    return f"{m.group(1)}.0{m.group(2)}" if m else msg


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
    keep_extra: bool = True,
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
        Force the PostgreSQL COPY path on/off; default on for PostgreSQL.
    chunk_rows : int
        Rows per chunk (memory bound).
    keep_extra : bool
        Store the ~50 CIRADA columns the model has no field for in ``extra`` (default).
        Every cell is validated either way; ``False`` skips building the JSON, which is
        most of the PostgreSQL upsert time (see ``results/ingest.json``).

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
        (_ingest_copy if copy else _ingest_orm)(path, ep, cut, rep, chunk_rows, bar, keep_extra)

    return run_ingest(work, report)
