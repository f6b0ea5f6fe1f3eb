"""``manage.py ingest_optical_catalogue FILE... --catalogue ps1dr2|allwise``."""

from catalog.ingest.command import IngestCommand
from catalog.ingest.contract import IngestReport
from catalog.ingest.optical_catalogue import CATALOGUES, ingest_optical_catalogue


class Command(IngestCommand):
    help = (
        "Bulk-load PS1 DR2 or AllWISE catalogue files (CSV, FITS binary table, Parquet; MAST "
        "or VizieR column names); one transaction per file; re-runs are idempotent."
    )

    def add_ingest_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="FILE")
        parser.add_argument("--catalogue", required=True, choices=CATALOGUES)

    def run(self, o, progress):
        total = IngestReport(
            source=f"{o['catalogue']}: {len(o['paths'])} file(s)", dry_run=o["dry_run"]
        )
        for p in o["paths"]:
            total.merge(
                ingest_optical_catalogue(
                    p, catalogue=o["catalogue"], dry_run=o["dry_run"], progress=progress
                )
            )
        return total
