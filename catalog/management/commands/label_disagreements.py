"""``manage.py label_disagreements``: components where two label origins disagree.

Default: RGZ DR1 vs Norris 2006. Two current labels of a component disagree
when exactly one says "no host", or both give a host and the host positions are more
than ``--tolerance-arcsec`` apart (default 2″: both are SWIRE/IRAC positions, good to a
few tenths of an arcsec, and the IRAC 3.6 µm PSF is 1.7″ FWHM).
"""

import json

from django.core.management.base import BaseCommand

from catalog.models import Label
from ml.sky import separation_arcsec


def disagreements(origin_a: str, origin_b: str, tolerance_arcsec: float = 2.0) -> dict:
    """Compare the current ``origin_a`` and ``origin_b`` labels of every component."""
    a = {
        lab.component_id: lab
        for lab in Label.objects.current().filter(origin=origin_a, component__isnull=False)
    }
    b = {
        lab.component_id: lab
        for lab in Label.objects.current().filter(origin=origin_b, component__isnull=False)
    }
    both = sorted(set(a) & set(b))
    out = []
    for c in both:
        x, y = a[c], b[c]
        if x.no_host != y.no_host:
            out.append({"component_id": c, "why": "one says no host"})
            continue
        if x.no_host:
            continue
        if x.host_id and y.host_id and x.host_id == y.host_id:
            continue
        sep = float(separation_arcsec(x.host_ra, x.host_dec, y.host_ra, y.host_dec))
        if sep > tolerance_arcsec:
            out.append({"component_id": c, "why": f"hosts {sep:.2f}″ apart"})
    return {
        "origin_a": origin_a,
        "origin_b": origin_b,
        "compared": len(both),
        "disagree": len(out),
        "components": out,
    }


class Command(BaseCommand):
    help = (
        "Count components whose current labels from two origins disagree (default RGZ vs Norris)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--a", default=Label.Origin.RGZ)
        parser.add_argument("--b", default=Label.Origin.NORRIS)
        parser.add_argument("--tolerance-arcsec", type=float, default=2.0)
        parser.add_argument("--list", action="store_true", help="List the components.")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **o):
        r = disagreements(o["a"], o["b"], o["tolerance_arcsec"])
        if o["json"]:
            self.stdout.write(json.dumps(r, indent=2))
            return
        self.stdout.write(
            f"{r['disagree']} of {r['compared']} components labelled by both {r['origin_a']} and "
            f"{r['origin_b']} disagree (tolerance {o['tolerance_arcsec']}″)"
        )
        if o["list"]:
            for d in r["components"]:
                self.stdout.write(f"  component {d['component_id']}: {d['why']}")
