"""``manage.py harvest_optical_region``: PS1 DR2 + AllWISE of a region, one query per tile."""

from django.conf import settings
from django.core.management.base import CommandError

from catalog.ingest.command import IngestCommand
from catalog.ingest.optical_harvest import (
    HARVEST_ORDER,
    MastTiles,
    VizierTiles,
    epoch_tiles,
    harvest_region,
)
from catalog.pipeline.candidates import resolve_epoch


class Command(IngestCommand):
    unit = "tile"
    help = (
        "Fetch PS1 DR2 and AllWISE for an epoch's footprint or a list of HEALPix tiles, one "
        "query per tile (resumable: harvested tiles are skipped; retries with backoff)."
    )

    def add_ingest_arguments(self, parser):
        g = parser.add_mutually_exclusive_group(required=True)
        g.add_argument("--epoch", help="Epoch name or 'SURVEY NAME': its footprint.")
        g.add_argument("--tiles", type=int, nargs="+", help="Nested HEALPix pixels at --order.")
        parser.add_argument("--order", type=int, default=HARVEST_ORDER)
        parser.add_argument("--ps1", choices=["vizier", "mast"], default="vizier")
        parser.add_argument("--catalogues", nargs="+", default=["ps1dr2", "allwise"])
        parser.add_argument("--vizier-url", default=None)
        parser.add_argument("--mast-url", default=None)
        parser.add_argument("--cache-dir", default=None)
        parser.add_argument("--attempts", type=int, default=4)

    def run(self, o, progress):
        if o["dry_run"]:
            raise ValueError("--dry-run is not supported by a harvest (it queries services)")
        tiles = o["tiles"] or epoch_tiles(resolve_epoch(o["epoch"]), o["order"])
        providers = {}
        if "ps1dr2" in o["catalogues"]:
            providers["ps1dr2"] = (
                MastTiles(o["mast_url"])
                if o["ps1"] == "mast"
                else VizierTiles("II/389", o["vizier_url"])
            )
        if "allwise" in o["catalogues"]:
            providers["allwise"] = VizierTiles("II/328", o["vizier_url"])
        cache = o["cache_dir"] or settings.BASE_DIR / "var" / "harvest"
        progress.total = len(tiles)
        try:
            return harvest_region(
                tiles, providers, cache, order=o["order"], attempts=o["attempts"], progress=progress
            )
        except RuntimeError as exc:
            # a service unreachable (offline, down): one line naming it and the network error;
            # the tiles harvested so far are kept, and a re-run resumes after them
            raise CommandError(f"{exc}; re-run to resume once it answers") from exc
