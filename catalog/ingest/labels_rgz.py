"""Radio Galaxy Zoo DR1 ATLAS (Wong et al. 2025) -> RGZ sources and consensus host labels.

Both release tables are read and joined row by row (``CatID`` = ``Cat_ID``, same
RGZ and Zooniverse IDs, else the file is refused). Each RGZ entry becomes a
``RadioSource`` (origin ``rgz``) at its radio position, and a ``Label`` (origin ``rgz``)
with its consensus level ``CL``: host = the volunteers' consensus host, at
its SWIRE position (``SWIRE_RA``/``SWIRE_Dec``) when it has one, else the consensus click
(``Host_RA``/``Host_Dec``); "no host" when they found none.

The label is attached to the nearest component of every survey in the database within
``match_radius_arcsec`` (seed: RGZ↔VLASS within 3″), keeping the separation; an RGZ
entry no component matches keeps a source-level label. When two RGZ entries match the
same component, the higher consensus wins and the other is rejected with its reason.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from catalog.ingest.contract import (
    DuplicateChecker,
    IngestReport,
    cell_error,
    existing_file,
    parse_float,
    parse_radec,
    run_ingest,
    upsert,
)
from catalog.ingest.crossmatch import nearest_within
from catalog.ingest.csv_rows import iter_csv_chunks
from catalog.ingest.label_rows import put_labels
from catalog.models import Epoch, Label, OpticalSource, RadioComponent, RadioSource

ORIGIN = Label.Origin.RGZ
CLASSIFICATIONS = Path("rgz_dr1_atlas") / "DR1_ATLAS_radio_classifications.csv"
HOSTS = Path("rgz_dr1_atlas") / "DR1_ATLAS_host_properties.csv"
AUTHOR = "Radio Galaxy Zoo DR1 (Wong et al. 2025), ATLAS"
MATCH_RADIUS_ARCSEC = 3.0  # seed: RGZ↔VLASS within 3″
HOST_RADIUS_ARCSEC = 2.0  # consensus IR position ↔ PS1 (see labels_norris.HOST_RADIUS_ARCSEC)
CLS_COLUMNS = ("CatID", "RGZID", "ZooniverseID", "RA", "Dec", "CL", "TF")
HOST_COLUMNS = (
    "Cat_ID",
    "RGZ_ID",
    "Zooniverse_ID",
    "Host_RA",
    "Host_Dec",
    "SWIRE_ID",
    "SWIRE_RA",
    "SWIRE_Dec",
)


def read_rgz(cls_path: Path, host_path: Path) -> list[dict]:
    """Parse and join the two RGZ DR1 ATLAS tables; raise naming file/line/column."""
    cls_rows = [r for _, chunk in iter_csv_chunks(cls_path, required=CLS_COLUMNS) for r in chunk]
    host_rows = [r for _, chunk in iter_csv_chunks(host_path, required=HOST_COLUMNS) for r in chunk]
    if len(cls_rows) != len(host_rows):
        raise cell_error(
            host_path, None, None, f"{len(host_rows)} rows but {cls_path.name} has {len(cls_rows)}"
        )
    dups = DuplicateChecker(cls_path, "RGZID")
    out = []
    for (line, c), (hline, h) in zip(cls_rows, host_rows, strict=True):
        for a, b in (("CatID", "Cat_ID"), ("RGZID", "RGZ_ID"), ("ZooniverseID", "Zooniverse_ID")):
            if c[a].strip() != h[b].strip():
                raise cell_error(
                    host_path, hline, b, f"{h[b]!r} does not match {a} {c[a]!r} of {cls_path.name}"
                )
        name = c["RGZID"].strip()
        if not name:
            raise cell_error(cls_path, line, "RGZID", "missing value")
        dups.check(name, line)
        ra, dec = parse_radec(cls_path, line, c["RA"], c["Dec"], ra_col="RA", dec_col="Dec")
        cl = parse_float(cls_path, line, "CL", c["CL"], required=True, lo=0.0, hi=1.0)
        tf = parse_float(cls_path, line, "TF", c["TF"])
        hra = parse_float(host_path, hline, "Host_RA", h["Host_RA"])
        hdec = parse_float(host_path, hline, "Host_Dec", h["Host_Dec"])
        if (hra is None) != (hdec is None):
            raise cell_error(
                host_path, hline, "Host_Dec" if hdec is None else "Host_RA", "missing value"
            )
        if hra is not None:
            hra, hdec = parse_radec(
                host_path, hline, hra, hdec, ra_col="Host_RA", dec_col="Host_Dec"
            )
        sra = parse_float(host_path, hline, "SWIRE_RA", h["SWIRE_RA"])
        sdec = parse_float(host_path, hline, "SWIRE_Dec", h["SWIRE_Dec"])
        if sra is not None and sdec is not None:
            # The catalogued SWIRE counterpart of the consensus click: the same kind of
            # position as Norris's SWIRE hosts, so the two label sets compare like for like.
            hra, hdec = parse_radec(
                host_path, hline, sra, sdec, ra_col="SWIRE_RA", dec_col="SWIRE_Dec"
            )
        out.append(
            {
                "name": name,
                "ra": ra,
                "dec": dec,
                "cl": cl,
                "tf": tf,
                "host_ra": hra,
                "host_dec": hdec,
                "swire": h["SWIRE_ID"].strip(),
                "zooniverse": c["ZooniverseID"].strip(),
            }
        )
    return out


def ingest_rgz(
    data_dir: str | Path | None = None,
    *,
    classifications: str | Path | None = None,
    hosts: str | Path | None = None,
    match_radius_arcsec: float = MATCH_RADIUS_ARCSEC,
    host_radius_arcsec: float = HOST_RADIUS_ARCSEC,
    dry_run: bool = False,
    progress=None,
) -> IngestReport:
    """Ingest RGZ DR1 ATLAS classifications + host properties (one transaction)."""
    root = Path(data_dir) if data_dir is not None else None
    cls_path = Path(classifications) if classifications else root / CLASSIFICATIONS
    host_path = Path(hosts) if hosts else root / HOSTS
    for p in (cls_path, host_path):
        existing_file(p)
    report = IngestReport(source=f"rgz {cls_path.name} + {host_path.name}", dry_run=dry_run)

    def work(rep: IngestReport) -> None:
        rows = read_rgz(cls_path, host_path)
        src_pk = upsert(
            RadioSource,
            [
                {
                    "origin": ORIGIN,
                    "name": r["name"],
                    "ra": r["ra"],
                    "dec": r["dec"],
                    "total_flux_mjy": r["tf"],
                    "morphology": "",
                }
                for r in rows
            ],
            keys=("origin", "name"),
            report=rep,
        )
        ra = np.array([r["ra"] for r in rows])
        dec = np.array([r["dec"] for r in rows])
        hra = np.array([np.nan if r["host_ra"] is None else r["host_ra"] for r in rows])
        hdec = np.array([np.nan if r["host_dec"] is None else r["host_dec"] for r in rows])
        has = np.isfinite(hra)
        hm = nearest_within(
            OpticalSource.objects.filter(catalogue=OpticalSource.Catalogue.PS1_DR2),
            hra[has],
            hdec[has],
            host_radius_arcsec,
        )
        host_pk = np.full(len(rows), -1, dtype=np.int64)
        host_sep = np.full(len(rows), np.nan)
        host_pk[has], host_sep[has] = hm.pk, hm.sep_arcsec

        def label(i: int, comp: int | None, sep: float | None) -> dict:
            r = rows[i]
            d = {
                "component_id": comp,
                "source_id": src_pk[(ORIGIN, r["name"])],
                "consensus_level": r["cl"],
                "match_separation_arcsec": sep,
                "author_name": AUTHOR,
                "reason": f"{r['name']} ({r['zooniverse']})"
                + (f"; SWIRE {r['swire']}" if r["swire"] else ""),
            }
            if r["host_ra"] is None:
                d["no_host"] = True
            else:
                d.update(host_ra=r["host_ra"], host_dec=r["host_dec"])
                if host_pk[i] >= 0:
                    d.update(
                        host_id=int(host_pk[i]), host_match_separation_arcsec=float(host_sep[i])
                    )
            return d

        labels: dict[int, tuple[float, float, int]] = {}  # component -> (cl, sep, rgz index)
        n_lost = 0
        for epoch in Epoch.objects.all():
            m = nearest_within(
                RadioComponent.objects.filter(epoch=epoch), ra, dec, match_radius_arcsec
            )
            for i in np.flatnonzero(m.pk >= 0):
                comp, sep = int(m.pk[i]), float(m.sep_arcsec[i])
                prev = labels.get(comp)
                if prev is not None:
                    n_lost += 1
                if prev is None or (rows[i]["cl"], -sep) > (prev[0], -prev[1]):
                    labels[comp] = (rows[i]["cl"], sep, int(i))
        out = [label(i, comp, sep) for comp, (_, sep, i) in labels.items()]
        with_comp = {i for _, _, i in labels.values()}
        out += [label(i, None, None) for i in range(len(rows)) if i not in with_comp]
        rep.notes.append(
            f"{len(with_comp)} of {len(rows)} RGZ entries label a component within "
            f"{match_radius_arcsec}″ ({len(labels)} components; {n_lost} matches lost to a "
            "higher-CL entry on the same component); the rest keep source-level labels"
        )
        put_labels(out, origin=ORIGIN, report=rep)
        if progress is not None:
            progress.update(len(rows))

    return run_ingest(work, report)
