"""``manage.py ingest_sim_sky DIR``: a simulated sky from ``ml.sim.formats.write_sky``."""

from catalog.ingest.command import IngestCommand
from catalog.simulated.sky import ingest_sim_sky


class Command(IngestCommand):
    help = "Ingest a ml.sim write_sky directory (VLASS epoch 'sim', simulated PS1/AllWISE, labels)."
    unit = "field"

    def add_ingest_arguments(self, parser):
        parser.add_argument("path", help="The write_sky output directory.")

    def run(self, options, progress):
        return ingest_sim_sky(options["path"], dry_run=options["dry_run"], progress=progress)
