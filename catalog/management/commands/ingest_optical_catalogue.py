"""``manage.py ingest_optical_catalogue FILE|DIR|GLOB... --catalogue ps1dr2|allwise [--celery]``."""

from django.core.management.base import CommandError

from catalog.ingest.command import IngestCommand
from catalog.ingest.contract import IngestReport
from catalog.ingest.optical_catalogue import CATALOGUES
from catalog.ingest.optical_fanout import expand_paths, ingest_serial, send


class Command(IngestCommand):
    help = (
        "Bulk-load PS1 DR2 or AllWISE catalogue files (CSV, FITS binary table, Parquet; MAST "
        "or VizieR column names): files, directories or globs (one file per sky cell); one "
        "transaction per file, then one PS1↔AllWISE match over the tiles they touched; "
        "re-runs are idempotent. With --celery the files load in parallel on the cpu workers."
    )

    def add_ingest_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="FILE|DIR|GLOB")
        parser.add_argument("--catalogue", required=True, choices=CATALOGUES)
        parser.add_argument(
            "--celery", action="store_true",
            help="One task per file on the cpu queue and a chord callback; wait for it.",
        )  # fmt: skip
        parser.add_argument("--timeout", type=float, default=24 * 3600,
                            help="Seconds to wait for the fan-out (with --celery).")  # fmt: skip

    def run(self, o, progress):
        paths = expand_paths(o["paths"])
        if o["celery"]:
            done = send(paths, catalogue=o["catalogue"], dry_run=o["dry_run"]).get(
                timeout=o["timeout"]
            )
        else:
            done = ingest_serial(paths, catalogue=o["catalogue"], dry_run=o["dry_run"])
        total = IngestReport(source=f"{o['catalogue']}: {len(paths)} file(s)", dry_run=o["dry_run"])
        for rep in done["reports"]:
            for model, c in rep["counts"].items():
                total.add(model, **{k: int(v) for k, v in c.items()})
            total.notes += rep["notes"]
        total.notes.append(
            f"PS1↔AllWISE 2″ match redone on {done['tiles']} tiles: "
            f"{done['match_changed']} PS1 rows changed"
        )
        if progress is not None:
            progress.update(
                sum(sum(c.values()) for r in done["reports"] for c in r["counts"].values())
            )
        if done["errors"]:
            # the good files are loaded (each its own transaction); name every refused one
            raise CommandError(
                f"{len(done['errors'])} of {len(paths)} file(s) refused (the others are loaded):\n"
                + "\n".join(done["errors"])
            )
        return total
