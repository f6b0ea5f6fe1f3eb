"""Retraining fed by expert relabels (ORM side of :mod:`ml.association.refit`).

The current labels (heads of their chains) are turned into labelled fields — the component,
its radio sky, its candidates and which one the label names as host — with one label per
component, an expert relabel taking precedence over a catalogue label. The deployed
catalogue-level method is refitted on them and registered as a new host ``ModelVersion``
whose ``label_snapshot`` lists the labels used. Registration is idempotent: the version's
name is a digest of those label ids, so the same labels never train twice.

A refit is activated only when its cross-validated figures on these labels are at least as
good as the method it would replace, scored on the same folds (:func:`ml.association.refit.better`),
and only when the active host version is itself a catalogue-level method (a registered CNN
checkpoint is never displaced by it).
"""

from __future__ import annotations

import hashlib
from collections import Counter

from django.conf import settings
from django.db import transaction

from catalog.methods.registry import activate_version
from catalog.models import Label, ModelVersion
from catalog.models.labels import ORIGIN_PRIORITY
from catalog.pipeline.component import (
    SKY_RADIUS_ARCSEC,
    current_method_version,
    is_catalogue_method,
    sky_around,
)
from ml.association.refit import LabelledField, Method, better, cross_validate, fit, widest

#: a refit needs this many labelled fields (a 5-fold estimate on fewer says little)
MIN_FIELDS = 10
REFIT_PREFIX = "association-refit-"


def training_labels() -> list[Label]:
    """One current label per component that names an optical host (expert first)."""
    rank = {o: i for i, o in enumerate(ORIGIN_PRIORITY)}
    best: dict[int, Label] = {}
    heads = (
        Label.objects.current()
        .filter(component__isnull=False, host__isnull=False, no_host=False)
        .select_related("component__epoch")
        .order_by("pk")
    )
    for lab in heads:
        cur = best.get(lab.component_id)
        key = (rank.get(lab.origin, len(rank)), -lab.pk)  # newest wins within an origin
        if cur is None or key < (rank.get(cur.origin, len(rank)), -cur.pk):
            best[lab.component_id] = lab
    return sorted(best.values(), key=lambda lab: lab.pk)


def labelled_fields(
    labels: list[Label], reach: Method | None = None
) -> tuple[list[LabelledField], list[Label], Counter]:
    """Fields for the labels whose host is one of the component's candidates; the labels
    used (same order) and why the others were skipped.

    Each field's sky holds the component's whole source under ``reach`` (default: the widest
    point of the refit grid around the method in use, :func:`ml.association.refit.widest`), read
    wider than ``SKY_RADIUS_ARCSEC`` where the source reaches past it, as identification does.
    """
    if reach is None:
        reach = widest(Method.from_config(current_method_version().config))
    fields, used, skipped = [], [], Counter()
    for lab in labels:
        comp = lab.component
        cands = list(comp.candidates.select_related("optical_source").order_by("id"))
        ids = [c.optical_source_id for c in cands]
        if lab.host_id not in ids:
            skipped["host not among the component's candidates"] += 1
            continue
        columns, shapes, _ = sky_around(comp, reach)
        fields.append(
            LabelledField(
                *columns,
                comp.ra,
                comp.dec,
                [c.optical_source.ra for c in cands],
                [c.optical_source.dec for c in cands],
                ids.index(lab.host_id),
                key=f"label {lab.pk}",
                sky_shape=shapes,
            )
        )
        used.append(lab)
    return fields, used, skipped


def refit_due(min_new_relabels: int | None = None) -> tuple[bool, int]:
    """Have at least ``min_new_relabels`` expert labels arrived since the last refit?"""
    need = settings.RADIOHOST_RETRAIN_MIN_RELABELS if min_new_relabels is None else min_new_relabels
    last = (
        ModelVersion.objects.filter(name__startswith=REFIT_PREFIX).order_by("-created_at").first()
    )
    new = Label.objects.filter(origin=Label.Origin.EXPERT)
    if last is not None:
        new = new.filter(created_at__gt=last.created_at)
    n = new.count()
    return n >= need, n


def refit_from_labels(
    *, activate: bool = True, k: int = 5, seed: int = 0
) -> tuple[ModelVersion, bool]:
    """Refit the catalogue-level method on the current labels and register it.

    Returns ``(model_version, created)``; the same label set returns the existing version.

    Raises
    ------
    ValueError
        If fewer than ``MIN_FIELDS`` labels name a host among their component's candidates.
    """
    baseline_mv = current_method_version()
    baseline = Method.from_config(baseline_mv.config)
    fields, used, skipped = labelled_fields(training_labels(), widest(baseline))
    if len(fields) < MIN_FIELDS:
        why = "; ".join(f"{n} {reason}" for reason, n in skipped.items()) or "none skipped"
        raise ValueError(
            f"refit needs at least {MIN_FIELDS} labelled components whose host is one of "
            f"their candidates; found {len(fields)} ({why})"
        )
    ids = [lab.pk for lab in used]
    digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()
    name = REFIT_PREFIX + digest[:12]
    done = ModelVersion.objects.filter(name=name).first()
    if done is not None:
        return done, False
    result = fit(fields, prior=baseline)
    cv = cross_validate(fields, baseline, k=k, seed=seed)
    active = ModelVersion.objects.filter(
        kind=ModelVersion.Kind.HOST, status=ModelVersion.Status.ACTIVE
    ).first()
    if not activate:
        decision = "not asked to activate"
    elif active is not None and not is_catalogue_method(active):
        decision = f"kept: the active host version {active.name} is not a catalogue-level method"
    elif better(cv["refit"], cv["baseline"]):
        decision = f"activated: held-out figures at least those of {baseline_mv.name}"
    else:
        decision = f"kept: held-out figures below those of {baseline_mv.name}"
    origins = Counter(lab.origin for lab in used)
    with transaction.atomic():
        mv, created = ModelVersion.objects.get_or_create(
            name=name,
            defaults={
                "kind": ModelVersion.Kind.HOST,
                "config": {
                    "method": f"ml.association ({result.method.associator}) + "
                    "ml.host.positional.positional_likelihood, refitted on labels (ml.association.refit)",
                    **result.method.to_config(),
                    "sky_radius_arcsec": SKY_RADIUS_ARCSEC,
                    "refit_from": baseline_mv.name,
                },
                "metrics": {
                    "labels_cv": cv,
                    "train": result.train,
                    "n_sigma_samples": result.n_sigma_samples,
                    "skipped_labels": dict(skipped),
                    "decision": decision,
                },
                "label_snapshot": {"ids": ids, "n": len(ids), "by_origin": dict(origins)},
                "is_simulated_training": set(origins) == {Label.Origin.SIMULATED},
            },
        )
        if created and decision.startswith("activated"):
            activate_version(mv)
    return mv, created
