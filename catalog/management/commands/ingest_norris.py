"""``manage.py ingest_norris``: Norris et al. 2006 Tables 4 and 6 and their host labels."""

from django.conf import settings

from catalog.ingest.command import IngestCommand
from catalog.ingest.labels_norris import (
    HOST_RADIUS_ARCSEC,
    MATCH_RADIUS_ARCSEC,
    ingest_norris,
)


class Command(IngestCommand):
    help = "Ingest Norris 2006 ATLAS components (Table 4), sources and SWIRE hosts (Table 6)."

    def add_ingest_arguments(self, parser):
        parser.add_argument("--data-dir", default=None, help="Default: RADIOHOST_DATA_DIR.")
        parser.add_argument("--match-radius-arcsec", type=float, default=MATCH_RADIUS_ARCSEC)
        parser.add_argument("--host-radius-arcsec", type=float, default=HOST_RADIUS_ARCSEC)

    def run(self, options, progress):
        return ingest_norris(
            options["data_dir"] or settings.RADIOHOST_DATA_DIR,
            match_radius_arcsec=options["match_radius_arcsec"],
            host_radius_arcsec=options["host_radius_arcsec"],
            dry_run=options["dry_run"],
            progress=progress,
        )
