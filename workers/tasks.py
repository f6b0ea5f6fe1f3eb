"""Thin Celery tasks: ids or paths in → ORM/ingest code → counts out.

Every task is idempotent (the ingesters upsert; predictions are unique per key),
acknowledged late and re-queued if the worker dies, so a crash never loses work
and a retry never duplicates it. CPU work runs on the ``cpu`` queue; model
inference and training are routed to ``gpu`` (a GPU worker, CUDA chosen at run
time by :func:`ml.device.pick_device`; on a CPU-only deployment, point a worker
at both queues).
"""

from __future__ import annotations

from celery import shared_task
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
    from catalog.identify import association_model_version, identify_components
    from catalog.models import ModelVersion

    mv = (
        ModelVersion.objects.get(pk=model_version_id)
        if model_version_id is not None
        else association_model_version()
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
