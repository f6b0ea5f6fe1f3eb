"""``manage.py ingest_expert FILE.csv``: expert host decisions, through the one label writer
(the API's rules; each label supersedes the one that speaks for its component)."""

from catalog.ingest.command import IngestCommand
from catalog.ingest.labels_expert import HOST_RADIUS_ARCSEC, MATCH_RADIUS_ARCSEC, ingest_expert


class Command(IngestCommand):
    help = (
        "Ingest an expert label CSV: component (or ra, dec), host_ra, host_dec (or host_ra=none), "
        "author, reason, optionally supersedes (a label id). The API's label rules apply; any "
        "refused row refuses the file."
    )

    def add_ingest_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--match-radius-arcsec", type=float, default=MATCH_RADIUS_ARCSEC)
        parser.add_argument("--host-radius-arcsec", type=float, default=HOST_RADIUS_ARCSEC)

    def run(self, options, progress):
        return ingest_expert(
            options["path"],
            match_radius_arcsec=options["match_radius_arcsec"],
            host_radius_arcsec=options["host_radius_arcsec"],
            dry_run=options["dry_run"],
            progress=progress,
        )
