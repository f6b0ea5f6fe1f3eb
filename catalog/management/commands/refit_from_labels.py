"""``manage.py refit_from_labels``: refit the catalogue-level host method on the current labels.

The same step the beat task ``workers.tasks.retrain_from_relabels`` runs once enough expert
relabels have arrived, here on demand. Prints the held-out (k-fold over labelled components)
figures of the refit beside the method it would replace, and what was registered.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from catalog.curation.refit import refit_from_labels


class Command(BaseCommand):
    help = "Refit association parameters and positional scales on the current labels."

    def add_arguments(self, parser):
        parser.add_argument("--no-activate", action="store_true", help="register only")
        parser.add_argument("--k", type=int, default=5, help="cross-validation folds")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **opts):
        try:
            mv, created = refit_from_labels(
                activate=not opts["no_activate"], k=opts["k"], seed=opts["seed"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        m = mv.metrics
        self.stdout.write(
            f"{'registered' if created else 'already registered'}: {mv.name} ({mv.status}); "
            f"labels {json.dumps(mv.label_snapshot['by_origin'])}"
        )
        cv = m["labels_cv"]
        for row in ("refit", "baseline"):
            r = cv[row]
            self.stdout.write(
                f"  {row:8s} held-out ({cv['k']}-fold over {r['n']} labelled components): "
                f"top-1 {r['top1']:.3f}, correct prime host {r['prime_correct']:.3f}"
            )
        self.stdout.write(f"  {m['decision']}")
        self.stdout.write(
            f"  config: {json.dumps({k: mv.config[k] for k in mv.config if k != 'method'})}"
        )
