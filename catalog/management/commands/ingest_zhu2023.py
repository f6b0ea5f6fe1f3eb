"""``manage.py ingest_zhu2023``: Zhu et al. 2023 Table 3 ATLAS counterparts as labels."""

from django.conf import settings

from catalog.ingest.command import IngestCommand
from catalog.ingest.labels_zhu2023 import HOST_RADIUS_ARCSEC, TABLE3, ingest_zhu2023


class Command(IngestCommand):
    help = "Ingest Zhu et al. 2023 Table 3 (ATLAS DR3 counterparts) as source-level labels."

    def add_ingest_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=None, help="Default: the shared copy.")
        parser.add_argument("--host-radius-arcsec", type=float, default=HOST_RADIUS_ARCSEC)

    def run(self, options, progress):
        path = options["path"] or settings.RADIOHOST_DATA_DIR / TABLE3
        return ingest_zhu2023(
            path,
            host_radius_arcsec=options["host_radius_arcsec"],
            dry_run=options["dry_run"],
            progress=progress,
        )
