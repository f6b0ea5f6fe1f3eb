"""Zhu et al. 2023 Table 3 (ATLAS DR3 counterparts in CDFS and ELAIS-S1) -> host labels.

The table gives, per ATLAS DR3 source or component ID (``ATLASID``, Franzen et al. 2015),
the counterpart position (``Name``, ``Jhhmmss.ss-ddmmss.s``) and whether it was matched
by eye (``vis`` = 1) or by likelihood ratio. It has **no radio positions** and no ATLAS
DR3 component catalogue is available, so each ID becomes a ``RadioSource`` (origin
``zhu2023``) placed at its counterpart position -- a documented stand-in, said so in
each label's ``reason`` -- and carries a source-level ``Label``
(origin ``zhu2023``) whose host is that position, linked to the nearest PS1 object
within ``host_radius_arcsec``.
"""

from __future__ import annotations

from pathlib import Path

from astropy.table import Table

from catalog.ingest.contract import (
    DuplicateChecker,
    IngestReport,
    cell_error,
    existing_file,
    require_columns,
    run_ingest,
    upsert,
)
from catalog.ingest.crossmatch import nearest_within
from catalog.ingest.label_rows import put_labels
from catalog.models import Label, OpticalSource, RadioSource
from ml.data.jname import parse_j_name

ORIGIN = Label.Origin.ZHU2023
TABLE3 = Path("zhu2023_atlas_hosts") / "zhu2023_table3_atlas_counterparts.fits"
AUTHOR = "Zhu et al. 2023 (MNRAS), Table 3"
HOST_RADIUS_ARCSEC = 1.0  # Tractor/optical positions: sub-arcsec astrometry on both sides
COLUMNS = ("Name", "ATLASID", "TractorID", "vis", "ext")


def _s(v) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def read_zhu2023(path: Path) -> list[dict]:
    try:
        t = Table.read(path)
    except Exception as exc:  # astropy raises OSError/TypeError/ValueError on a bad FITS
        raise cell_error(path, None, None, f"cannot read FITS table: {exc}") from None
    require_columns(path, t.colnames, COLUMNS)
    dups = DuplicateChecker(path, "ATLASID")
    out = []
    # FITS rows are numbered from 1 (the error says "line" for uniformity: it is the row).
    for i, row in enumerate(t, start=1):
        atlas = _s(row["ATLASID"]).strip()
        if not atlas:
            raise cell_error(path, i, "ATLASID", "missing value")
        dups.check(atlas, i)
        try:
            ra, dec = parse_j_name(_s(row["Name"]))
        except ValueError as exc:
            raise cell_error(path, i, "Name", str(exc)) from None
        out.append(
            {
                "atlas": atlas,
                "ra": ra,
                "dec": dec,
                "vis": int(row["vis"]),
                "tractor": _s(row["TractorID"]).strip(),
                "ext": float(row["ext"]),
            }
        )
    return out


def ingest_zhu2023(
    path: str | Path,
    *,
    host_radius_arcsec: float = HOST_RADIUS_ARCSEC,
    dry_run: bool = False,
    progress=None,
) -> IngestReport:
    """Ingest Zhu et al. 2023 Table 3 (one transaction)."""
    path = existing_file(path)
    report = IngestReport(source=f"zhu2023 {path.name}", dry_run=dry_run)

    def work(rep: IngestReport) -> None:
        rows = read_zhu2023(path)
        src = upsert(
            RadioSource,
            [
                {
                    "origin": ORIGIN,
                    "name": r["atlas"],
                    "ra": r["ra"],
                    "dec": r["dec"],
                    "total_flux_mjy": None,
                    "morphology": "",
                }
                for r in rows
            ],
            keys=("origin", "name"),
            report=rep,
        )
        m = nearest_within(
            OpticalSource.objects.filter(catalogue=OpticalSource.Catalogue.PS1_DR2),
            [r["ra"] for r in rows],
            [r["dec"] for r in rows],
            host_radius_arcsec,
        )
        labels = []
        for i, r in enumerate(rows):
            d = {
                "source_id": src[(ORIGIN, r["atlas"])],
                "host_ra": r["ra"],
                "host_dec": r["dec"],
                "author_name": AUTHOR,
                "reason": (
                    f"{'visual' if r['vis'] == 1 else 'likelihood-ratio'} match; Tractor "
                    f"{r['tractor']}; source placed at the counterpart (no DR3 radio position)"
                ),
            }
            if m.pk[i] >= 0:
                d.update(host_id=int(m.pk[i]), host_match_separation_arcsec=float(m.sep_arcsec[i]))
            labels.append(d)
        put_labels(labels, origin=ORIGIN, report=rep)
        rep.notes.append(f"{int((m.pk >= 0).sum())} hosts linked to a PS1 object in the database")
        if progress is not None:
            progress.update(len(rows))

    return run_ingest(work, report)
