"""Optical host candidates of a component: PS1 DR2 objects in a 3.6′ box + AllWISE W1/W2.

Seed §2.2.2: every PS1 DR2 object within the 3.6′ box centred on a VLASS component is a
candidate host; its AllWISE W1/W2 come from the nearest AllWISE object within
:data:`catalog.providers.catalogs.PS1_ALLWISE_RADIUS_ARCSEC` (2″, justified there).
Sources: astroquery harvesters (MAST / VizieR II/389, VizieR II/328) or local
VOTable/CSV files with the same columns (users without network; the simulator's
candidate VOTables). Each candidate gets its (dx, dy, D) in the component's 240×240,
1″/px radio-cutout frame through the cutout WCS (:func:`catalog.sky.geometry.candidate_offsets`).
"""

from __future__ import annotations

import math
from pathlib import Path

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord
from astropy.table import Table

from catalog.ingest.candidate_writer import upsert_candidates
from catalog.ingest.contract import (
    DuplicateChecker,
    IngestReport,
    cell_error,
    existing_file,
    run_ingest,
    upsert,
)
from catalog.ingest.csv_rows import iter_csv_rows
from catalog.ingest.optical_schema import MAG_RANGE
from catalog.models import OpticalSource, RadioComponent
from catalog.providers.catalogs import (
    CANDIDATE_BOX_ARCMIN,
    PS1_ALLWISE_RADIUS_ARCSEC,
    in_box,
    match_allwise,
    normalise_allwise,
    normalise_ps1,
)

PHOT = [f"{p}{b}_mag" for b in "grizy" for p in ("", "e_")] + [
    "w1_mag",
    "e_w1_mag",
    "w2_mag",
    "e_w2_mag",
]


def read_table(path: str | Path) -> Table:
    """A local VOTable (``.xml``/``.vot``) or CSV; numeric columns checked cell by cell."""
    path = existing_file(path)
    fmt = "votable" if path.suffix.lower() in (".xml", ".vot", ".votable") else "ascii.csv"
    if fmt == "ascii.csv":
        # astropy renames a repeated column (ra -> ra_1), cuts a cell at a NUL byte and
        # reports bad UTF-8 without a line: the guarded reader vets the text first.
        for _ in iter_csv_rows(path):
            pass
    try:
        t = Table.read(path, format=fmt)
    except Exception as exc:
        raise cell_error(path, None, None, f"unreadable {fmt} table ({exc})") from None
    return t


def _check_numeric(t: Table, path, first_line: int) -> None:
    """A text column where a number is expected means a non-numeric cell: name it."""
    for name in t.colnames:
        col = t[name]
        if col.dtype.kind not in "USO":
            continue
        vals = [None if np.ma.is_masked(v) else str(v) for v in col]
        nums = 0
        bad = None
        for i, v in enumerate(vals):
            if v is None or v.strip().lower() in ("", "nan", "--", "null"):
                continue
            try:
                float(v)
                nums += 1
            except ValueError:
                bad = bad if bad is not None else i
        if bad is not None and nums > 0:
            raise cell_error(path, bad + first_line, name, f"not a number: {vals[bad]!r}")


def _check_magnitudes(t: Table, where: str, first_line: int) -> None:
    """Magnitudes finite and within :data:`MAG_RANGE` when given (missing is NaN)."""
    cols = t.meta.get("columns", {})
    lo, hi = MAG_RANGE
    for k in PHOT:
        if k not in t.colnames:
            continue
        x = np.asarray(t[k], float)
        bad = np.isinf(x) | (x < lo) | (x > hi)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise cell_error(
                where,
                i + first_line,
                cols.get(k, k),
                f"{float(x[i])!r} is not a magnitude in [{lo:g}, {hi:g}]",
            )


def prepare(
    ps1_raw: Table,
    wise_raw: Table | None,
    coord: SkyCoord,
    *,
    where_ps1: str,
    where_wise: str = "",
    first_line: int = 2,
    box_arcmin: float = CANDIDATE_BOX_ARCMIN,
    radius_arcsec: float = PS1_ALLWISE_RADIUS_ARCSEC,
) -> Table:
    """Validate, normalise, box-cut and AllWISE-match raw tables; returns the candidate table."""
    _check_numeric(ps1_raw, where_ps1, first_line)
    ps1 = normalise_ps1(ps1_raw, where=where_ps1)
    cols = ps1.meta.get("columns", {})
    dups = DuplicateChecker(where_ps1, cols.get("source_id", "objID"))
    for i, (sid, ra, dec) in enumerate(zip(ps1["source_id"], ps1["ra"], ps1["dec"], strict=True)):
        line = i + first_line
        if not sid:
            raise cell_error(where_ps1, line, cols.get("source_id", "objID"), "missing value")
        dups.check(sid, line)
        if not (math.isfinite(ra) and 0 <= ra < 360):
            raise cell_error(
                where_ps1, line, cols.get("ra", "ra"), f"{float(ra)!r} is not in [0, 360) deg"
            )
        if not (math.isfinite(dec) and -90 <= dec <= 90):
            raise cell_error(
                where_ps1, line, cols.get("dec", "dec"), f"{float(dec)!r} is not in [-90, 90] deg"
            )
    _check_magnitudes(ps1, where_ps1, first_line)
    wise = None
    if wise_raw is not None:
        _check_numeric(wise_raw, where_wise, first_line)
        wise = normalise_allwise(wise_raw, where=where_wise)
        _check_magnitudes(wise, where_wise, first_line)
        bad = ~np.isfinite(wise["ra"]) | ~np.isfinite(wise["dec"])
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise cell_error(where_wise, i + first_line, "ra", "missing or non-finite position")
    ps1 = ps1[in_box(ps1, coord, box_arcmin)]
    return match_allwise(
        ps1,
        wise
        if wise is not None
        else normalise_allwise(Table({"source_id": [], "ra": [], "dec": []})),
        radius_arcsec=radius_arcsec,
    )


def store_candidates(
    component: RadioComponent, cands: Table, report: IngestReport, *, simulated: bool = False
) -> int:
    """Upsert the candidates' OpticalSource rows and Candidate rows with their geometry."""
    rows = []
    for r in cands:
        d = {
            "catalogue": OpticalSource.Catalogue.SIMULATED
            if simulated
            else OpticalSource.Catalogue.PS1_DR2,
            "source_id": str(r["source_id"]),
            "ra": float(r["ra"]),
            "dec": float(r["dec"]),
            "allwise_id": str(r["allwise_id"]),
            "allwise_sep_arcsec": None
            if not np.isfinite(r["allwise_sep_arcsec"])
            else float(r["allwise_sep_arcsec"]),
            "is_simulated": simulated,
        }
        for k in PHOT:
            v = float(r[k])
            d[k] = v if math.isfinite(v) else None
        rows.append(d)
    pks = upsert(OpticalSource, rows, keys=("catalogue", "source_id"), report=report)
    upsert_candidates(
        component,
        [pks[(d["catalogue"], d["source_id"])] for d in rows],
        [d["ra"] for d in rows],
        [d["dec"] for d in rows],
        report,
    )
    return len(rows)


def _component(name: str, epoch: str | None) -> RadioComponent:
    qs = RadioComponent.objects.filter(name=name)
    if epoch:
        qs = qs.filter(epoch__name=epoch)
    comps = list(qs[:2])
    if len(comps) != 1:
        raise ValueError(
            f"component {name!r}: {'not found' if not comps else 'ambiguous; give --epoch'}"
        )
    return comps[0]


def ingest_candidate_files(
    component: str,
    ps1_path: str | Path,
    allwise_path: str | Path | None = None,
    *,
    epoch: str | None = None,
    simulated: bool = False,
    box_arcmin: float = CANDIDATE_BOX_ARCMIN,
    radius_arcsec: float = PS1_ALLWISE_RADIUS_ARCSEC,
    dry_run: bool = False,
) -> IngestReport:
    """Candidates of one component from local PS1 (+ AllWISE) VOTable/CSV files."""
    ps1_raw = read_table(ps1_path)
    wise_raw = read_table(allwise_path) if allwise_path else None
    first = 2 if Path(ps1_path).suffix.lower() == ".csv" else 1  # CSV header = line 1
    report = IngestReport(source=f"optical candidates {Path(ps1_path).name}", dry_run=dry_run)

    def work(rep: IngestReport) -> None:
        comp = _component(component, epoch)
        coord = SkyCoord(comp.ra * u.deg, comp.dec * u.deg)
        cands = prepare(
            ps1_raw,
            wise_raw,
            coord,
            where_ps1=str(ps1_path),
            where_wise=str(allwise_path or ""),
            first_line=first,
            box_arcmin=box_arcmin,
            radius_arcsec=radius_arcsec,
        )
        rep.notes.append(
            f"{len(cands)} of {len(ps1_raw)} PS1 rows in the {box_arcmin}′ box; "
            f"{int(np.sum(np.asarray(cands['allwise_id']) != ''))} with AllWISE within {radius_arcsec}″"
        )
        store_candidates(comp, cands, rep, simulated=simulated)

    return run_ingest(work, report)


def harvest_candidates(
    component: RadioComponent,
    ps1_provider,
    allwise_provider=None,
    *,
    box_arcmin: float = CANDIDATE_BOX_ARCMIN,
    radius_arcsec: float = PS1_ALLWISE_RADIUS_ARCSEC,
    dry_run: bool = False,
) -> IngestReport:
    """Candidates of one component queried from the services (MAST/VizieR harvesters)."""
    coord = SkyCoord(component.ra * u.deg, component.dec * u.deg)
    ps1_raw = ps1_provider.query(coord, box_arcmin)
    wise_raw = allwise_provider.query(coord, box_arcmin) if allwise_provider is not None else None
    report = IngestReport(
        source=f"optical candidates of {component.name} (harvested)", dry_run=dry_run
    )

    def work(rep: IngestReport) -> None:
        cands = prepare(
            ps1_raw,
            wise_raw,
            coord,
            where_ps1=type(ps1_provider).__name__,
            where_wise=type(allwise_provider).__name__,
            first_line=1,
            box_arcmin=box_arcmin,
            radius_arcsec=radius_arcsec,
        )
        store_candidates(component, cands, rep)

    return run_ingest(work, report)
