"""The per-component summary behind the search table and the review queue (ORM side).

For each component with predictions of the host model version, one :class:`ComponentSummary`
row holds the best candidate, the number of candidates above 0.5 (seed §4.2: one positive =
a prime host; none or several = no prime host) and the review flags:

* no candidate above 0.5; several above 0.5 (the two no-prime cases of seed §4.2);
* the model's best candidate is not the nearest one (nearest neighbour is the baseline the
  seed compares against in §4.3, and where they differ one of them is wrong);
* a published label (RGZ, Norris 2006, Zhu 2023, the seed's test set; in the demo the
  simulated truth stands in for one) names another host or says "no host".

``review_priority`` orders the queue by how much a label would help: one point per flag
(each is an independent sign that the model may be wrong here) plus the normalised entropy
of the field's likelihoods with a "no host" option, so among equally flagged components the
most uncertain comes first. Rows are rewritten in chunks, idempotently.
"""

from __future__ import annotations

import math
from collections import defaultdict

from django.db import transaction
from django.db.models import Exists, OuterRef

from catalog.methods.versions import default_model_version
from catalog.models import ComponentSummary, HostPrediction, Label, ModelVersion, RadioComponent
from ml.host.decision import field_posterior
from ml.sky import separation_arcsec

PUBLISHED_ORIGINS = (
    Label.Origin.RGZ,
    Label.Origin.NORRIS,
    Label.Origin.ZHU2023,
    Label.Origin.LOU2023,
    Label.Origin.SIMULATED,
)
#: a label whose host has no optical-source link agrees when within this of the best candidate
#: (SWIRE/IRAC positions are good to a few tenths of an arcsec; IRAC PSF 1.7" FWHM)
HOST_TOLERANCE_ARCSEC = 2.0
CHUNK = 2000
#: every column but the key, rewritten when a summary row already exists
_SUMMARY_FIELDS = [f.name for f in ComponentSummary._meta.concrete_fields if not f.primary_key]


def _entropy_norm(liks: list[float]) -> float:
    """Entropy of the field's host probabilities with a "no host" option, in [0, 1]."""
    w = [max(p, 0.0) for p in liks] + [max(0.0, 1.0 - max(liks, default=0.0))]
    s = sum(w)
    if s <= 0 or len(w) < 2:
        return 0.0
    h = -sum((x / s) * math.log(x / s) for x in w if x > 0)
    return h / math.log(len(w))


def _published_disagrees(lab: Label, best) -> bool:
    """``best`` = (candidate_id, optical_source_id, likelihood, ra, dec) or None."""
    if lab.no_host:
        return best is not None and best[2] > 0.5
    if best is None:
        return True
    if lab.host_id is not None:
        return lab.host_id != best[1]
    return (
        float(separation_arcsec(lab.host_ra, lab.host_dec, best[3], best[4]))
        > HOST_TOLERANCE_ARCSEC
    )


def summarise(component_ids: list[int], mv: ModelVersion) -> list[ComponentSummary]:
    rows = (
        HostPrediction.objects.filter(model_version=mv, candidate__component_id__in=component_ids)
        .order_by()
        .values_list(
            "candidate__component_id",
            "candidate_id",
            "candidate__optical_source_id",
            "likelihood",
            "candidate__distance_px",
            "candidate__optical_source__ra",
            "candidate__optical_source__dec",
            "reliability",
            "p_no_host",
        )
    )
    per: dict[int, list[tuple]] = defaultdict(list)
    for comp, cand, opt, lik, dist, ra, dec, rel, p_none in rows:
        per[comp].append((cand, opt, lik, dist, ra, dec, rel, p_none))
    labels: dict[int, list[Label]] = defaultdict(list)
    for lab in Label.objects.current().filter(
        component_id__in=list(per), origin__in=PUBLISHED_ORIGINS
    ):
        labels[lab.component_id].append(lab)
    out = []
    for comp, cands in per.items():
        # ties broken by candidate id, as the ranks stored by catalog.pipeline.component (stable sort)
        by_lik = sorted(cands, key=lambda c: (-c[2], c[0]))
        best = by_lik[0]
        nearest = min(cands, key=lambda c: (c[3], c[0]))
        liks = [c[2] for c in cands]
        n_pos = sum(p > 0.5 for p in liks)
        best_t = (best[0], best[1], best[2], best[4], best[5])
        s = ComponentSummary(
            component_id=comp,
            model_version=mv,
            best_candidate_id=best[0],
            best_likelihood=best[2],
            # the stored LR reliability; rows without one: the field posterior
            best_reliability=float(
                best[6]
                if best[6] is not None
                else field_posterior([best[2]] + [c[2] for c in by_lik[1:]])[0]
            ),
            p_no_host=best[7],
            second_likelihood=by_lik[1][2] if len(by_lik) > 1 else None,
            n_candidates=len(cands),
            n_positive=n_pos,
            has_prime=n_pos == 1,
            no_positive=n_pos == 0,
            several_positive=n_pos > 1,
            disagrees_nearest=nearest[0] != best[0],
            disagrees_published=any(_published_disagrees(lab, best_t) for lab in labels[comp]),
        )
        flags = s.no_positive + s.several_positive + s.disagrees_nearest + s.disagrees_published
        s.needs_review = flags > 0
        s.review_priority = round(flags + _entropy_norm(liks), 6)
        out.append(s)
    return out


def refresh_summaries(
    component_ids=None, mv: ModelVersion | None = None, *, epoch_id: int | None = None
) -> int:
    """Rewrite the summaries of these components (default: every component with predictions
    of ``mv``, of one epoch when ``epoch_id`` is given); returns the number written.
    Idempotent."""
    mv = mv or default_model_version()
    if mv is None:
        return 0
    if component_ids is None:
        comps = RadioComponent.objects.all()
        if epoch_id is not None:
            comps = comps.filter(epoch_id=epoch_id)
        ids = (
            comps.filter(candidates__predictions__model_version=mv)
            .distinct()
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        component_ids = list(ids)
    component_ids = list(component_ids)
    n = 0
    for i in range(0, len(component_ids), CHUNK):
        chunk = component_ids[i : i + CHUNK]
        rows = summarise(chunk, mv)
        # An upsert, not delete + insert: two refreshes of the same components at once (two
        # epochs finishing, a refit beside the pipeline) would otherwise both insert the same
        # primary key and one fails; with ON CONFLICT UPDATE the later writer wins, both succeed.
        written = [r.component_id for r in rows]
        with transaction.atomic():
            ComponentSummary.objects.filter(component_id__in=chunk).exclude(
                component_id__in=written
            ).delete()
            ComponentSummary.objects.bulk_create(
                rows,
                batch_size=CHUNK,
                update_conflicts=True,
                unique_fields=["component"],
                update_fields=_SUMMARY_FIELDS,
            )
        n += len(rows)
    return n


def review_queryset():
    """Flagged components without a current expert label, most helpful label first."""
    expert = Label.objects.current().filter(
        component=OuterRef("component_id"), origin=Label.Origin.EXPERT
    )
    return (
        ComponentSummary.objects.filter(needs_review=True)
        .filter(~Exists(expert))
        .select_related("component", "best_candidate__optical_source")
        .order_by("-review_priority", "component_id")
    )
