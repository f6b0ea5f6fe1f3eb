"""``manage.py ingest_rgz``: Radio Galaxy Zoo DR1 ATLAS consensus host labels."""

from django.conf import settings

from catalog.ingest.command import IngestCommand
from catalog.ingest.labels_rgz import HOST_RADIUS_ARCSEC, MATCH_RADIUS_ARCSEC, ingest_rgz


class Command(IngestCommand):
    help = "Ingest RGZ DR1 ATLAS (radio classifications + host properties) as labels."

    def add_ingest_arguments(self, parser):
        parser.add_argument("--data-dir", default=None, help="Default: RADIOHOST_DATA_DIR.")
        parser.add_argument("--classifications", default=None, help="Override the CSV path.")
        parser.add_argument("--hosts", default=None, help="Override the CSV path.")
        parser.add_argument("--match-radius-arcsec", type=float, default=MATCH_RADIUS_ARCSEC)
        parser.add_argument("--host-radius-arcsec", type=float, default=HOST_RADIUS_ARCSEC)

    def run(self, options, progress):
        return ingest_rgz(
            options["data_dir"] or settings.RADIOHOST_DATA_DIR,
            classifications=options["classifications"],
            hosts=options["hosts"],
            match_radius_arcsec=options["match_radius_arcsec"],
            host_radius_arcsec=options["host_radius_arcsec"],
            dry_run=options["dry_run"],
            progress=progress,
        )
