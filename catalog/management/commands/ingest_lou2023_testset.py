"""``manage.py ingest_lou2023_testset``: the seed authors' Norris-71 test set (seed §4.2)."""

from django.conf import settings

from catalog.ingest.command import IngestCommand
from catalog.ingest.lou2023_testset import ingest_lou2023_testset


class Command(IngestCommand):
    help = (
        "Ingest the seed authors' Norris-71 test-set log: VLASS components, PS1 candidates, "
        "the authors' model outputs (external model versions) and ground-truth labels."
    )

    def add_ingest_arguments(self, parser):
        parser.add_argument("--data-dir", default=None, help="Default: RADIOHOST_DATA_DIR.")

    def run(self, options, progress):
        root = options["data_dir"] or settings.RADIOHOST_DATA_DIR
        return ingest_lou2023_testset(root, dry_run=options["dry_run"], progress=progress)
