"""The main job end to end on the embedded default (SQLite, simulated sky, no services).

1. simulate a VLASS-like sky with PS1/AllWISE-like candidates (ml.sim), in the real formats;
2. ingest it through the same code as real data (CIRADA CSV, bulk PS1/AllWISE catalogue
   files, labels) and build every component's candidates with the set-based join
   (``catalog.pipeline.candidates.build_candidates``, the survey path);
3. identify hosts over the epoch's HEALPix tiles (``manage.py process_epoch``, the Celery
   chord run eagerly): associate radio components, locate the core, score candidates,
   apply the seed §4.2 decision rule, store HostPredictions (idempotent);
4. report accuracy against the simulated truth beside nearest-neighbour, and a cone search;
5. run the relabel retraining step once: refit the method on the labels, held-out figures.
Every number printed is on SIMULATED data; the real-data figures come from
``python -m ml.evaluation.norris71`` (README).
"""

from __future__ import annotations

import time
from pathlib import Path

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from catalog.curation.refit import refit_from_labels
from catalog.models import Candidate, Epoch, HostPrediction, Label, RadioComponent
from catalog.simulated.sky import EPOCH, ingest_sim_sky
from ml.sim.formats import write_sky


class Command(BaseCommand):
    help = "Simulate a sky, ingest it, identify hosts and report (all SIMULATED)."

    def add_arguments(self, parser):
        parser.add_argument("--fields", type=int, default=40)
        parser.add_argument("--seed", type=int, default=2023)
        parser.add_argument("--out", default=None, help="Sky directory (default var/demo_sky).")

    def handle(self, *args, **opts):
        t0 = time.perf_counter()
        out = Path(opts["out"] or Path(settings.BASE_DIR) / "var" / "demo_sky")
        self.stdout.write(f"[1/5] simulating {opts['fields']} fields (seed {opts['seed']}) → {out}")
        write_sky(opts["fields"], out, opts["seed"], progress=True)

        self.stdout.write("[2/5] ingesting the simulated sky through the real ingest code")
        report = ingest_sim_sky(out)
        self.stdout.write(report.format())

        self.stdout.write(
            "[3/5] identifying hosts (association + core + seed §4.2 decision rule) over the "
            "epoch's HEALPix tiles: manage.py process_epoch, the Celery chord run eagerly"
        )
        from celery import current_app as app

        # no services: the chord runs in this process whatever CELERY_TASK_ALWAYS_EAGER says
        eager, app.conf.task_always_eager = app.conf.task_always_eager, True
        try:
            call_command("process_epoch", EPOCH, stdout=self.stdout)
        finally:
            app.conf.task_always_eager = eager
        mv = Epoch.objects.get(name=EPOCH).model_version
        labelled = Label.objects.current().filter(origin="sim", component__isnull=False)

        self.stdout.write("[4/5] accuracy on the SIMULATED truth")
        ok_model = ok_nn = prime = 0
        for label in labelled.select_related("component", "host"):
            preds = HostPrediction.objects.filter(
                model_version=mv, candidate__component=label.component
            )
            best = preds.order_by("rank").select_related("candidate").first()
            ok_model += best is not None and best.candidate.optical_source_id == label.host_id
            prime += preds.filter(is_prime=True).exists()
            nearest = (
                Candidate.objects.filter(component=label.component).order_by("distance_px").first()
            )
            ok_nn += nearest is not None and nearest.optical_source_id == label.host_id
        total = labelled.count()
        self.stdout.write(
            f"  association + positional likelihood: {ok_model}/{total} best candidates correct, "
            f"{prime} prime hosts\n  nearest neighbour to the component: {ok_nn}/{total}"
        )
        comp = RadioComponent.objects.filter(epoch__name=EPOCH).first()
        if comp is not None:
            hits = RadioComponent.objects.cone_search(
                SkyCoord(comp.ra * u.deg, comp.dec * u.deg), 120 * u.arcsec
            ).order_by("separation_arcsec")
            seps = ", ".join(f"{h.name} {h.separation_arcsec:.1f}″" for h in hits[:5])
            self.stdout.write(
                f"  cone search 2′ around {comp.name}: {hits.count()} components ({seps})"
            )
        from django.db.models import Count

        from catalog.models import Source

        kinds = (
            Source.objects.filter(epoch__name=EPOCH, model_version=mv)
            .values_list("source_type")
            .annotate(n=Count("id"))
            .order_by("-n")
        )
        self.stdout.write(
            "  source catalogue (/api/sources/, manage.py export_host_table --epoch "
            f"{EPOCH} --format fits): " + ", ".join(f"{n} {t}" for t, n in kinds)
        )
        self.stdout.write("[5/5] refitting the method on the labels (the relabel retraining step)")
        try:
            refit, _ = refit_from_labels()
            cv = refit.metrics["labels_cv"]
            r, b = cv["refit"], cv["baseline"]
            self.stdout.write(
                f"  {refit.name} ({refit.status}), held out ({cv['k']}-fold over {r['n']} "
                f"SIMULATED labels): top-1 {r['top1']:.3f} vs {b['top1']:.3f}, correct prime "
                f"host {r['prime_correct']:.3f} vs {b['prime_correct']:.3f} for the method it "
                f"would replace; {refit.metrics['decision']}"
            )
        except ValueError as exc:  # too few labels for a refit (a small --fields)
            self.stdout.write(f"  skipped: {exc}")
        self.stdout.write(
            f"done in {time.perf_counter() - t0:.0f} s (SIMULATED data; "
            f"{np.round(100 * ok_model / max(total, 1), 1)}% vs nearest neighbour "
            f"{np.round(100 * ok_nn / max(total, 1), 1)}%)."
        )
        from catalog.demo.finish import (
            finish,  # the pages' step: summaries, overlays, curator, serve
        )

        finish(self.stdout, out)
