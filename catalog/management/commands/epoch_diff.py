"""``manage.py epoch_diff A B``: what changed from epoch A to epoch B."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Match the components of two epochs by position and report the new, gone, host-changed "
        "and likelihood-moved ones (stored as EpochDiff; re-running replaces it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("a", help="Earlier epoch: name or 'SURVEY NAME'.")
        parser.add_argument("b", help="Later epoch.")
        parser.add_argument("--radius-arcsec", type=float, default=None,
                            help="Matching radius (default RADIOHOST_EPOCH_MATCH_ARCSEC).")  # fmt: skip
        parser.add_argument("--threshold", type=float, default=None,
                            help="Likelihood change that counts as moved (default 0.2).")  # fmt: skip
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        from catalog.pipeline.candidates import resolve_epoch
        from catalog.pipeline.diff import diff_epochs

        try:
            a, b = resolve_epoch(o["a"]), resolve_epoch(o["b"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if a.pk == b.pk:
            raise CommandError("epoch_diff: A and B are the same epoch")
        d = diff_epochs(a, b, radius_arcsec=o["radius_arcsec"], threshold=o["threshold"])
        s = d.summary
        if o["json"]:
            self.stdout.write(json.dumps(s, indent=2))
            return
        self.stdout.write(
            f"{s['epoch_a']} → {s['epoch_b']} (match ≤ {s['radius_arcsec']:.1f}″): "
            f"{s['components_a']} → {s['components_b']} components; {s['matched']} matched, "
            f"{s['new']} new, {s['gone']} gone, {s['host_changed']} host changed, "
            f"{s['likelihood_moved']} likelihood moved > {s['likelihood_threshold']:g}"
        )
