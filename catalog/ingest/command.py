"""The shared shape of every ``ingest_<format>`` management command.

Each command adds its own arguments and implements :meth:`IngestCommand.run`, returning
an :class:`~catalog.ingest.contract.IngestReport`; this base adds ``--dry-run``, a tqdm
progress bar on stderr, turns :class:`ValueError` into a ``CommandError`` (exit status 1,
message naming file/line/column) and prints the final report.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.ingest.contract import IngestReport


class IngestCommand(BaseCommand):
    unit = "row"

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and count, then roll back."
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        self.add_ingest_arguments(parser)

    def add_ingest_arguments(self, parser):  # pragma: no cover - overridden
        pass

    def run(self, options, progress) -> IngestReport:  # pragma: no cover - overridden
        raise NotImplementedError

    def handle(self, *args, **options):
        disable = options.get("verbosity", 1) < 1
        with tqdm(desc=self.__module__.rsplit(".", 1)[-1], unit=self.unit, disable=disable) as bar:
            try:
                report = self.run(options, bar)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            self.stdout.write(report.format())
