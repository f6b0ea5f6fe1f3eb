"""A simulated sky written by :func:`ml.sim.formats.write_sky` -> the catalog, marked simulated.

The simulator writes the real input formats (CIRADA CSV, VizieR-like PS1 and AllWISE
VOTables, a labels CSV); this module reads them with the same ingesters as real data:

* ``vlass_components.csv`` through :func:`.vlass_cirada.ingest_vlass_cirada` into the
  VLASS epoch ``sim`` (never mixed with a real epoch);
* the bulk catalogue files ``catalogues/*.parquet`` through
  :func:`.optical_catalogue.ingest_optical_catalogue` (PS1-like rows as
  ``OpticalSource(catalogue="sim", is_simulated=True)``, the 2″ PS1↔AllWISE match), then
  the candidates of every science component by the set-based join
  :func:`catalog.pipeline.candidates.build_candidates` (the seed's 3.6′ box) -- the survey path;
  a directory written before those files existed falls back to each field's PS1/AllWISE
  VOTables through :func:`.optical_candidates.prepare` / ``store_candidates``;
* ``labels.csv``: one ``Label`` (origin ``sim``) per field's target component, host = the
  simulated PS1 object ``host_objID``.

One transaction for the whole directory.
"""

from __future__ import annotations

import json
from pathlib import Path

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord
from astropy.table import Table, vstack

from catalog.ingest.component_candidates import prepare, store_candidates
from catalog.ingest.contract import IngestReport, cell_error, file_transaction
from catalog.ingest.csv_rows import iter_csv_chunks
from catalog.ingest.label_rows import put_labels
from catalog.ingest.optical_catalogue import ingest_optical_catalogue
from catalog.ingest.vlass_cirada import ingest_vlass_cirada
from catalog.models import Label, OpticalSource, RadioComponent

EPOCH = "sim"
LABEL_COLUMNS = ("field_id", "component_name", "host_objID", "host_ra", "host_dec")


def _tables(paths: list[Path]) -> Table:
    ts = [Table.read(p, format="votable") for p in sorted(paths)]
    return vstack(ts, metadata_conflicts="silent") if ts else Table()


def ingest_sim_sky(out_dir: str | Path, *, dry_run: bool = False, progress=None) -> IngestReport:
    """Ingest one ``write_sky`` directory (must carry ``SIMULATED.json``)."""
    out = Path(out_dir)
    manifest = out / "SIMULATED.json"
    if not manifest.is_file():
        raise ValueError(f"{out}: no SIMULATED.json; not a ml.sim sky directory")
    if not json.loads(manifest.read_text()).get("simulated"):
        raise ValueError(f"{manifest}: does not say simulated=true")
    report = IngestReport(source=f"sim sky {out.name}", dry_run=dry_run)
    with file_transaction(dry_run=dry_run):
        report.merge(ingest_vlass_cirada(out / "vlass_components.csv", epoch=EPOCH))
        bulk = sorted((out / "catalogues").glob("ps1_*.parquet"))
        if bulk:
            from catalog.pipeline.candidates import build_candidates

            for cat, pattern in (("allwise", "allwise_*.parquet"), ("ps1dr2", "ps1_*.parquet")):
                for p in sorted((out / "catalogues").glob(pattern)):
                    # AllWISE first: each PS1 file's ingest then matches its tiles
                    report.merge(ingest_optical_catalogue(p, catalogue=cat, simulated=True))
            built = build_candidates(EPOCH)
            report.add(
                "Candidate",
                inserted=built["inserted"],
                updated=built["updated"],
                unchanged=built["unchanged"],
            )
            report.notes.append(
                f"build_candidates: {built['pairs']} candidates of {built['components']} "
                f"components in {built['tiles']} HEALPix tiles ({built['seconds']} s)"
            )
        ps1 = Table() if bulk else _tables(list((out / "ps1").glob("*.vot")))
        wise = Table() if bulk else _tables(list((out / "allwise").glob("*.vot")))
        labels_path = out / "labels.csv"
        rows = [
            r for _, chunk in iter_csv_chunks(labels_path, required=LABEL_COLUMNS) for r in chunk
        ]
        comps = {
            c.name: c
            for c in RadioComponent.objects.filter(
                epoch__name=EPOCH, name__in=[r["component_name"] for _, r in rows]
            )
        }
        label_rows = []
        for line, r in rows:
            comp = comps.get(r["component_name"])
            if comp is None:
                raise cell_error(
                    labels_path,
                    line,
                    "component_name",
                    f"{r['component_name']!r} not in vlass_components.csv",
                )
            fid = r["field_id"]
            if not bulk:
                p = ps1[np.asarray(ps1["field_id"]).astype(str) == fid] if len(ps1) else ps1
                w = wise[np.asarray(wise["field_id"]).astype(str) == fid] if len(wise) else None
                cands = prepare(
                    p,
                    w,
                    SkyCoord(comp.ra * u.deg, comp.dec * u.deg),
                    where_ps1=f"{out / 'ps1'} field {fid}",
                    where_wise=f"{out / 'allwise'} field {fid}",
                    first_line=1,
                )
                store_candidates(comp, cands, report, simulated=True)
            host = OpticalSource.objects.filter(
                catalogue=OpticalSource.Catalogue.SIMULATED, source_id=r["host_objID"]
            ).first()
            d = {
                "component_id": comp.pk,
                "author_name": "radiohost ml.sim",
                "reason": f"simulated truth, field {fid} (seed {r.get('field_seed', '')})",
                "host_ra": float(r["host_ra"]),
                "host_dec": float(r["host_dec"]),
            }
            if host is not None:
                d.update(host_id=host.pk, host_match_separation_arcsec=0.0)
            label_rows.append(d)
            if progress is not None:
                progress.update(1)
        put_labels(label_rows, origin=Label.Origin.SIMULATED, report=report)
    return report
