"""Thin Celery tasks: ids or paths in → ORM/ingest code → counts out.

Every task is idempotent (the ingesters upsert; predictions are unique per key),
acknowledged late and re-queued if the worker dies, so a crash never loses work
and a retry never duplicates it. Ingest and host identification run on the ``cpu``
queue; training and evaluating a host identifier run on ``gpu`` (``CELERY_TASK_ROUTES``;
CUDA is chosen at run time by :func:`ml.device.pick_device`, so a CPU-only deployment
points one worker at both queues). Retraining fed by expert relabels refits the deployed
catalogue-level method on the current labels (:mod:`catalog.relabel`, daily on beat); the
CNN host identifier still trains on simulated fields only (the real labels have no pixels
here to train on).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.utils import timezone

TASK_OPTS = {"bind": True, "acks_late": True, "reject_on_worker_lost": True}


@shared_task(**TASK_OPTS, queue="cpu")
def ingest_vlass_catalogue(
    self, path: str, epoch: str | None = None, dry_run: bool = False
) -> dict:
    """Ingest one CIRADA-format VLASS component CSV; returns the ingest report."""
    from catalog.ingest.vlass_cirada import ingest_vlass_cirada

    return ingest_vlass_cirada(path, epoch=epoch, dry_run=dry_run).as_dict()


@shared_task(**TASK_OPTS, queue="cpu")
def ingest_label_file(self, kind: str, path: str) -> dict:
    """Ingest an expert label CSV (the retraining feed); returns the ingest report."""
    from catalog.ingest.labels_expert import ingest_expert

    if kind != "expert":
        raise ValueError(f"ingest_label_file: unknown label kind {kind!r} (expected 'expert')")
    return ingest_expert(path).as_dict()


@shared_task(**TASK_OPTS, queue="cpu")
def identify_hosts(self, component_ids: list[int], model_version_id: int | None = None) -> int:
    """Score the candidates of these components and store HostPredictions (idempotent upsert)."""
    from catalog.identify import current_method_version, identify_components
    from catalog.models import ModelVersion

    mv = (
        ModelVersion.objects.get(pk=model_version_id)
        if model_version_id is not None
        else current_method_version()
    )
    return identify_components(component_ids, mv)


@shared_task(**TASK_OPTS, queue="cpu")
def process_epoch(self, epoch_id: int) -> dict:
    """Identify hosts for an epoch's science components that have candidates, then mark it done."""
    from catalog.models import RadioComponent

    ids = list(
        RadioComponent.objects.filter(epoch_id=epoch_id, is_science=True, candidates__isnull=False)
        .distinct()
        .values_list("id", flat=True)
    )
    n = identify_hosts.run(ids) if ids else 0
    name = mark_epoch_processed.run(epoch_id)
    return {"epoch": name, "components": len(ids), "predictions": n}


@shared_task(**TASK_OPTS, queue="cpu")
def mark_epoch_processed(self, epoch_id: int) -> str:
    from catalog.models import Epoch

    n = Epoch.objects.filter(pk=epoch_id).update(processed_at=timezone.now())
    if n == 0:
        raise ValueError(f"mark_epoch_processed: no epoch with id {epoch_id}")
    return str(Epoch.objects.get(pk=epoch_id))


@shared_task(**TASK_OPTS, queue="cpu")
def process_new_epochs(self) -> list[int]:
    """Beat entry point: the VLASS epochs whose components arrived but were never processed.

    Returns their ids; each is processed by :func:`process_epoch` (host identification,
    then marked processed).
    """
    from catalog.models import Epoch

    pending = list(
        Epoch.objects.filter(processed_at__isnull=True, components__isnull=False)
        .distinct()
        .values_list("id", flat=True)
    )
    for epoch_id in pending:
        process_epoch.delay(epoch_id)
    return pending


@shared_task(**TASK_OPTS, queue="cpu")
def retrain_from_relabels(self, min_new_relabels: int | None = None) -> dict:
    """Beat entry point: refit the catalogue-level method once enough expert relabels arrived.

    ``min_new_relabels`` defaults to ``settings.RADIOHOST_RETRAIN_MIN_RELABELS``. Returns
    ``{"due", "new_expert_labels", "model_version", "created", "status"}``; re-running on the
    same labels returns the same version (registration is keyed by the label set).
    """
    from catalog.relabel import refit_due, refit_from_labels

    due, n = refit_due(min_new_relabels)
    out = {"due": due, "new_expert_labels": n, "model_version": None, "created": False}
    if not due:
        return out | {"status": None}
    mv, created = refit_from_labels()
    return out | {"model_version": mv.pk, "created": created, "status": mv.status}


@shared_task(**TASK_OPTS, queue="gpu")
def train_host_model(
    self, config: str, name: str, n_fields: int | None = None, activate: bool = False
) -> int:
    """Train a host identifier on SIMULATED fields, store and register it; returns its
    ModelVersion id.

    ``config`` is an ``ml.host.train`` JSON (absolute, or relative to the project). The
    checkpoint lands in ``<media root>/models/<name>-<sha256[:12]>.pt``. Idempotent by
    ``name``: a model of that name already registered (a retried or repeated task) is
    returned without training again; retraining takes a new name.
    """
    from catalog.models import ModelVersion
    from catalog.registry import register_checkpoint
    from ml.evaluation.norris71_model import train_checkpoint

    done = ModelVersion.objects.filter(name=name).values_list("pk", flat=True).first()
    if done is not None:
        return done

    cfg = Path(config)
    if not cfg.is_absolute():
        cfg = Path(settings.BASE_DIR) / cfg
    models = Path(settings.RADIOHOST_MEDIA_ROOT) / "models"
    models.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=models) as tmp:
        info = train_checkpoint(str(cfg), str(Path(tmp) / "host.pt"), n_fields=n_fields)
        final = models / f"{name}-{info['sha256'][:12]}.pt"
        os.replace(Path(tmp) / "host.pt", final)
    mv, _ = register_checkpoint(final, name=name, activate=activate)
    return mv.pk


@shared_task(**TASK_OPTS, queue="gpu")
def evaluate_host_model(self, model_version_id: int) -> dict:
    """Score a registered host identifier on the real Norris-71 fields; the figures are
    stored in ``ModelVersion.metrics["norris71"]`` (a re-run overwrites them) and returned."""
    from catalog.models import ModelVersion
    from catalog.registry import checkpoint_file
    from ml.evaluation.norris71 import checkpoint_summary

    mv = ModelVersion.objects.get(pk=model_version_id)
    summary = checkpoint_summary(str(checkpoint_file(mv)), Path(settings.RADIOHOST_DATA_DIR))
    mv.metrics = {**mv.metrics, "norris71": summary}
    mv.save(update_fields=["metrics"])
    return summary


from .render import fetch_radio_cutout, refresh_summaries, render_overlay  # noqa: F401,E402  (pages tasks)
