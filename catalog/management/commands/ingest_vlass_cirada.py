"""``manage.py ingest_vlass_cirada FILE.csv``: CIRADA VLASS QL components (seed §2.2.1)."""

from catalog.ingest.command import IngestCommand
from catalog.ingest.vlass_cirada import ScienceCut, ingest_vlass_cirada


class Command(IngestCommand):
    help = "Ingest a CIRADA-format VLASS Quick Look component CSV (all 70 columns kept)."

    def add_ingest_arguments(self, parser):
        parser.add_argument("path", help="CIRADA component CSV.")
        parser.add_argument("--epoch", help="VLASS epoch name (default: from the name prefix).")
        parser.add_argument("--catalogue-version", default="QL")
        parser.add_argument(
            "--max-duplicate-flag",
            type=int,
            default=1,
            help="Science sample: Duplicate_flag <= this (default 1, i.e. < 2; seed §2.2.1).",
        )
        parser.add_argument(
            "--quality-flags",
            default="0",
            help="Science sample: comma-separated accepted Quality_flag values (default 0).",
        )
        parser.add_argument("--no-copy", action="store_true", help="Use the ORM path.")
        parser.add_argument(
            "--chunk-rows", type=int, default=50_000, help="Rows per chunk of the ORM path."
        )

    def run(self, options, progress):
        try:
            flags = tuple(int(x) for x in options["quality_flags"].split(",") if x.strip())
        except ValueError:
            raise ValueError(
                f"--quality-flags: {options['quality_flags']!r} is not a list of integers"
            ) from None
        return ingest_vlass_cirada(
            options["path"],
            epoch=options["epoch"],
            catalogue_version=options["catalogue_version"],
            cut=ScienceCut(options["max_duplicate_flag"], flags),
            dry_run=options["dry_run"],
            use_copy=False if options["no_copy"] else None,
            chunk_rows=options["chunk_rows"],
            progress=progress,
        )
