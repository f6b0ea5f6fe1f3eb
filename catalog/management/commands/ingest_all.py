"""``manage.py ingest_all``: every real catalogue in ``settings.RADIOHOST_DATA_DIR``, in order.

Order matters: components before the labels that are matched onto them, and PS1 objects
(from the seed authors' test set) before the label catalogues whose host positions are
linked to them. Each step is its own transaction; re-running is idempotent.

1. CIRADA VLASS QL sample (components)      4. RGZ DR1 ATLAS (labels on ATLAS + VLASS)
2. seed authors' Norris-71 test set         5. Zhu et al. 2023 Table 3 (source labels)
3. Norris 2006 Tables 4 + 6 (labels)
"""

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from catalog.ingest.labels_zhu2023 import TABLE3

VLASS_SAMPLE = "vlass_cirada_ql_sample/CIRADA_VLASS1QL_table1_components_v1_head100.csv"


class Command(BaseCommand):
    help = "Ingest every real catalogue from RADIOHOST_DATA_DIR (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", default=None)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **o):
        root = Path(str(o["data_dir"] or settings.RADIOHOST_DATA_DIR))
        common = {"dry_run": o["dry_run"], "verbosity": o["verbosity"], "stdout": self.stdout}
        call_command("ingest_vlass_cirada", str(root / VLASS_SAMPLE), **common)
        call_command("ingest_lou2023_testset", data_dir=str(root), **common)
        call_command("ingest_norris", data_dir=str(root), **common)
        call_command("ingest_rgz", data_dir=str(root), **common)
        call_command("ingest_zhu2023", str(root / TABLE3), **common)
        call_command("label_disagreements", stdout=self.stdout)
