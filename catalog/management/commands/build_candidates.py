"""``manage.py build_candidates --epoch NAME``: the set-based candidate join."""

import json

from django.core.management.base import BaseCommand, CommandError

from catalog.pipeline.candidates import CandidateCut, build_candidates
from catalog.sky.geometry import CANDIDATE_BOX_ARCMIN


class Command(BaseCommand):
    help = (
        "Make the Candidate rows of every science component of an epoch from the optical "
        "catalogue in the database (seed §2.2.2 box, or a radius), tile by tile."
    )

    def add_arguments(self, parser):
        parser.add_argument("--epoch", required=True, help="Epoch name or 'SURVEY NAME'.")
        g = parser.add_mutually_exclusive_group()
        g.add_argument("--radius-arcsec", type=float, default=None)
        g.add_argument("--box-arcmin", type=float, default=CANDIDATE_BOX_ARCMIN)
        parser.add_argument("--max-mag", type=float, default=None, help="Magnitude cut.")
        parser.add_argument("--band", default=None, help="Band of --max-mag (default r).")
        parser.add_argument("--min-detections", type=int, default=None, help="PS1 nDetections.")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        cut = CandidateCut.from_settings()
        if o["max_mag"] is not None or o["min_detections"] is not None or o["band"]:
            cut = CandidateCut(
                band=o["band"] or cut.band,
                max_mag=o["max_mag"] if o["max_mag"] is not None else cut.max_mag,
                min_detections=o["min_detections"]
                if o["min_detections"] is not None
                else cut.min_detections,
            )
        try:
            out = build_candidates(
                o["epoch"],
                box_arcmin=o["box_arcmin"],
                radius_arcsec=o["radius_arcsec"],
                progress=o["verbosity"] >= 1,
                cut=cut,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if o["json"]:
            self.stdout.write(json.dumps(out, indent=2))
        else:
            self.stdout.write(
                f"{out['epoch']}: {out['components']} components in {out['tiles']} tiles, "
                f"{out['pairs']} candidates ({out['inserted']} inserted, {out['updated']} "
                f"updated, {out['unchanged']} unchanged) in {out['seconds']} s"
            )
