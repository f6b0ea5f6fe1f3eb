"""``manage.py simulate_epoch``: a SIMULATED VLASS-like epoch (ml.sim.epoch) into the catalog.

The rows go through the real ingest paths (catalog.simulated.epoch); the epoch's name starts
with ``sim`` so every page, API answer and export that names the epoch says it is simulated,
and its optical sources are ``catalogue="sim"``, ``is_simulated=True``.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Make a SIMULATED epoch (components, optical sources, candidates) to try the epoch "
        "pipeline without real data; then run `manage.py process_epoch 'VLASS NAME'`."
    )

    def add_arguments(self, parser):
        from ml.sim.epoch import VLASS_DENSITY_DEG2

        parser.add_argument("--components", type=int, default=2000, help="About how many.")
        parser.add_argument(
            "--density", type=float, default=VLASS_DENSITY_DEG2,
            help=f"Components per deg² (default {VLASS_DENSITY_DEG2:g}, VLASS-like).",
        )  # fmt: skip
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--ra", type=float, default=150.0, help="Patch centre (deg).")
        parser.add_argument("--dec", type=float, default=20.0, help="Patch centre (deg).")
        parser.add_argument("--name", default=None, help="Epoch name (sim…; default sim-SEED).")

    def handle(self, *args, **o):
        from catalog.models import OpticalSource, RadioComponent
        from catalog.simulated.epoch import ingest_sim_epoch
        from ml.sim.epoch import simulate_epoch

        name = o["name"] or f"sim-{o['seed']}"
        if not name.lower().startswith("sim"):
            raise CommandError(
                f"--name {name!r}: a simulated epoch's name starts with 'sim', so every page "
                "and export naming it says it is simulated"
            )
        if o["components"] < 1 or o["density"] <= 0:
            raise CommandError("--components must be >= 1 and --density > 0")
        if not -90.0 <= o["dec"] <= 90.0:
            raise CommandError(f"--dec {o['dec']}: outside [-90, 90] deg")
        ep = simulate_epoch(o["components"], seed=o["seed"], ra0=o["ra"], dec0=o["dec"],
                            density_deg2=o["density"])  # fmt: skip
        workdir = Path(settings.BASE_DIR) / "var" / "sim_epochs"
        workdir.mkdir(parents=True, exist_ok=True)
        # optical ids per epoch: two simulated epochs never share (or skip) each other's rows
        epoch = ingest_sim_epoch(ep, name, workdir, optical_prefix=f"SIM-{name}-")
        n_comp = RadioComponent.objects.filter(epoch=epoch).count()
        n_opt = OpticalSource.objects.filter(
            catalogue=OpticalSource.Catalogue.SIMULATED, source_id__startswith=f"SIM-{name}-"
        ).count()
        epoch.refresh_from_db()
        self.stdout.write(
            f"{epoch.survey.name} {epoch.name}: SIMULATED epoch (ml.sim.epoch, seed {o['seed']}, "
            f"{o['density']:g} per deg² around RA {o['ra']:g}, Dec {o['dec']:g}): {n_comp} "
            f"components, {n_opt} simulated optical sources, state {epoch.state}. Next: "
            f"`manage.py process_epoch '{epoch.survey.name} {epoch.name}'`."
        )
