"""``manage.py epoch_diff A B``: what changed from epoch A to epoch B."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Match the components of two epochs by position over the sky both cover and report the "
        "new, gone, host changed/lost/found and reliability-changed ones (stored as EpochDiff; "
        "re-running replaces it)."
    )

    def add_arguments(self, parser):
        parser.add_argument("a", help="Earlier epoch: name or 'SURVEY NAME'.")
        parser.add_argument("b", help="Later epoch.")
        parser.add_argument("--radius-arcsec", type=float, default=None,
                            help="Matching radius (default RADIOHOST_EPOCH_MATCH_ARCSEC).")  # fmt: skip
        parser.add_argument("--threshold", type=float, default=None,
                            help="Reliability change of the same host that counts (default 0.2).")  # fmt: skip
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        from catalog.diff.epochs import diff_epochs
        from catalog.pipeline.candidates import resolve_epoch

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
        ov = s["overlap"]
        self.stdout.write(
            f"{s['epoch_a']} → {s['epoch_b']} over {ov['deg2']:.2f} deg² of common sky "
            f"({ov['components_a_outside']} of A and {ov['components_b_outside']} of B outside it, "
            f"not compared; match ≤ {s['radius_arcsec']:.1f}″): "
            f"{s['components_a']} → {s['components_b']} components; {s['matched']} matched, "
            f"{s['new']} new, {s['gone']} gone, {s['host_changed']} host changed, "
            f"{s['host_lost']} host lost, {s['host_found']} host found, "
            f"{s['reliability_changed']} reliability changed > {s['reliability_threshold']:g}"
        )
        if not ov["pixels"]:
            self.stderr.write(
                "epoch_diff: the two epochs share no sky; nothing was compared "
                "(diff epochs of the same patch of sky)"
            )
