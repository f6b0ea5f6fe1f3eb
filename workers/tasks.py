"""Thin Celery tasks: ids or paths in → ORM/ingest code → counts out.

Every task is idempotent (the ingesters upsert; predictions are unique per key),
acknowledged late and re-queued if the worker dies, so a crash never loses work
and a retry never duplicates it. Ingest and host identification run on the ``cpu``
queue; training and evaluating a host identifier run on ``gpu`` (``CELERY_TASK_ROUTES``;
CUDA is chosen at run time by :func:`ml.device.pick_device`, so a CPU-only deployment
points one worker at both queues). Retraining fed by expert relabels refits the deployed
catalogue-level method on the current labels (:mod:`catalog.curation.refit`, daily on beat); the
CNN host identifier still trains on simulated fields only (the real labels have no pixels
here to train on).
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

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
    from catalog.pipeline.component import identify_components_by_version

    return identify_components_by_version(component_ids, model_version_id)


def _busy_countdown() -> float:
    """Seconds before a duplicate delivery looks again: well inside the broker's visibility
    timeout, so the retried message is never itself restored as unacknowledged."""
    return max(1.0, min(30.0, settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] / 4))


@shared_task(**TASK_OPTS, queue="cpu")
def process_epoch(
    self, epoch_id: int, force: bool = False, resume: bool = False, queue: str | None = None
) -> dict:
    """Plan an epoch into HEALPix tiles and send their chord (:mod:`workers.pipeline`).

    Returns at once with the plan; the chord's callback (:func:`finish_epoch`) marks the epoch
    processed when every tile succeeded. An epoch with no candidate at all ends here in
    ``needs_candidates``.
    """
    from catalog.pipeline.inbox import epoch_settled
    from workers.pipeline import launch

    out = launch(epoch_id, force=force, resume=resume, queue=queue)
    if out["action"] == "needs_candidates":
        epoch_settled(epoch_id)
    return out


@shared_task(
    **TASK_OPTS,
    queue="cpu",
    max_retries=None,
    soft_time_limit=settings.RADIOHOST_TILE_SOFT_LIMIT_S,
    time_limit=settings.RADIOHOST_TILE_SOFT_LIMIT_S + 60,
)
def identify_tile(self, tile_id: int) -> dict:
    """Identify one tile with the catalogue method; a duplicate delivery waits its turn."""
    from django.db import InterfaceError, OperationalError

    from catalog.pipeline.tile import TileBusy, run_tile

    try:
        out = run_tile(tile_id, worker=self.request.hostname or "")
    except TileBusy as exc:
        raise self.retry(exc=exc, countdown=_busy_countdown()) from exc
    except (OperationalError, InterfaceError) as exc:  # database restart: transient
        if self.request.retries >= 5:
            raise
        raise self.retry(exc=exc, countdown=_busy_countdown()) from exc
    _finish_if_last(self, tile_id)
    return out


def _finish_if_last(task, tile_id: int) -> None:
    """The last tile to finish also sends the (locked, idempotent) ``finish_epoch``.

    The chord's counter alone is not enough under ``acks_late``: a tile that completed but
    whose worker was killed before the ack is redelivered and counted twice, so
    django-celery-results' ChordCounter reaches zero early and is gone when the real last tile
    reports ("Can't find ChordCounter"); the callback may then never run. Eager runs (the demo)
    have no redelivery and keep the chord's callback alone.
    """
    from catalog.pipeline.epoch import epoch_if_all_done

    if task.request.is_eager:
        return
    epoch_id = epoch_if_all_done(tile_id)
    if epoch_id is None:
        return
    queue = (task.request.delivery_info or {}).get("routing_key") or "cpu"
    finish_epoch.apply_async((epoch_id,), queue="cpu" if queue == "gpu" else queue)


@shared_task(
    **TASK_OPTS,
    queue="gpu",
    max_retries=None,
    soft_time_limit=settings.RADIOHOST_TILE_SOFT_LIMIT_S,
    time_limit=settings.RADIOHOST_TILE_SOFT_LIMIT_S + 60,
)
def identify_tile_cnn(self, tile_id: int) -> dict:
    """Identify one tile with the active CNN checkpoint (``ml.host.engine.HostEngine``)."""
    from catalog.pipeline.cnn import run_tile_cnn
    from catalog.pipeline.tile import TileBusy

    try:
        out = run_tile_cnn(tile_id, worker=self.request.hostname or "")
    except TileBusy as exc:
        raise self.retry(exc=exc, countdown=_busy_countdown()) from exc
    _finish_if_last(self, tile_id)
    return out


@shared_task(**TASK_OPTS, queue="cpu", max_retries=None)
def finish_epoch(self, epoch_id: int) -> dict:
    """Chord callback: mark processed only when every tile is done, then the epoch diff
    (:func:`catalog.diff.finish.close_epoch`); a callback that finds a tile not done (a
    duplicate delivery counted twice) or another callback closing looks again later."""
    from catalog.diff.finish import close_epoch

    out = close_epoch(epoch_id, looks=self.request.retries)
    if out.pop("retry"):
        raise self.retry(countdown=_busy_countdown())
    plan = out.pop("diff_plan", None)
    if plan is not None:
        # the diff fans out by tile like the epoch did; finish_diff sums them
        from celery import chord

        header = [diff_tile.si(plan["diff_id"], t, px) for t, px in plan["tiles"].items()]
        res = chord(header)(finish_diff.si(plan["diff_id"], epoch_id))
        out["diff"] = (
            res.get(disable_sync_subtasks=False)
            if settings.CELERY_TASK_ALWAYS_EAGER
            else {"diff_id": plan["diff_id"], "tiles": len(header)}
        )
    if out.pop("refresh"):
        # the search table and review queue read per-component summaries of the predictions
        refresh_summaries.delay(epoch_id=epoch_id)
    return out


@shared_task(**TASK_OPTS, queue="cpu")
def diff_tile(self, diff_id: int, tile: int, pixels: list[int]) -> int:
    """One tile of an epoch diff (:func:`catalog.diff.epochs.run_diff_tile`; idempotent)."""
    from catalog.diff.epochs import run_diff_tile

    return run_diff_tile(diff_id, int(tile), pixels)


@shared_task(**TASK_OPTS, queue="cpu")
def finish_diff(self, diff_id: int, epoch_id: int) -> dict:
    """Chord callback of the diff tiles: the totals, then the epoch is settled."""
    from catalog.diff.finish import close_diff

    return close_diff(diff_id, epoch_id)


@shared_task(**TASK_OPTS, queue="cpu")
def epoch_failed(self, epoch_id: int, *args) -> None:
    """Errback of the epoch chord: a tile task failed for good."""
    from catalog.pipeline import epoch as pipeline
    from catalog.pipeline.inbox import epoch_settled

    pipeline.fail(epoch_id, "a tile task failed:")
    epoch_settled(epoch_id)


@shared_task(**TASK_OPTS, queue="cpu")
def process_new_epochs(self) -> list[int]:
    """Beat entry point: launch the epochs due (:func:`catalog.pipeline.due.epochs_due`)."""
    from catalog.pipeline.due import epochs_due

    pending = epochs_due()
    for epoch_id in pending:
        process_epoch.delay(epoch_id)
    return pending


@shared_task(**TASK_OPTS, queue="cpu")
def watch_epochs(self) -> list[dict]:
    """Beat entry point: re-send the undone tiles of epochs whose tiles stopped progressing
    (a broker that lost its messages; :mod:`catalog.pipeline.watchdog`)."""
    from catalog.pipeline.watchdog import claim_stalled
    from workers.pipeline import resend

    return [resend(stalled) for stalled in claim_stalled()]


@shared_task(**TASK_OPTS, queue="cpu", max_retries=None)
def run_export(self, job_id: int) -> dict:
    """Write one background export to Django's storage (:func:`catalog.api.export_jobs.run_job`);
    a redelivered copy while the first still writes looks again later."""
    from catalog.api.export_jobs import run_job

    out = run_job(job_id)
    if out.get("busy"):
        raise self.retry(countdown=_busy_countdown())
    return out


@shared_task(**TASK_OPTS, queue="cpu")
def scan_inbox(self) -> list[int]:
    """Beat entry point: new CIRADA component catalogues in ``RADIOHOST_INBOX_DIR``; each new
    file is recorded once and walked through ingest -> candidates -> process -> diff."""
    from catalog.pipeline.inbox import scan

    ids = scan()
    for inbox_id in ids:
        process_inbox_file.delay(inbox_id)
    return ids


@shared_task(**TASK_OPTS, queue="cpu")
def process_inbox_file(self, inbox_id: int, queue: str | None = None) -> dict:
    """Ingest and build candidates for one inbox file (each step recorded), then send the
    epoch's chord; a file another worker is walking is left to it."""
    from catalog.pipeline.inbox import prepare

    out = prepare(inbox_id)
    if out.get("epoch_id") is not None and out["next"] == "process":
        out["process"] = process_epoch.run(out["epoch_id"], queue=queue)
    return out


@shared_task(**TASK_OPTS, queue="cpu")
def retrain_from_relabels(self, min_new_relabels: int | None = None) -> dict:
    """Beat entry point: refit the catalogue-level method once enough expert relabels arrived.

    ``min_new_relabels`` defaults to ``settings.RADIOHOST_RETRAIN_MIN_RELABELS``. Returns
    ``{"due", "new_expert_labels", "model_version", "created", "status"}``; re-running on the
    same labels returns the same version (registration is keyed by the label set).
    """
    from catalog.curation.refit import refit_due, refit_from_labels

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
    from catalog.methods.training import train_and_register
    from catalog.pipeline.locks import GPU_TASK, advisory_lock, stable_id

    # Training outlives the Redis visibility timeout, so the broker may hand this message to a
    # second worker while the first still trains: the lock keyed by the model's name makes
    # that copy wait (and then find the model registered) instead of training beside it.
    with advisory_lock(GPU_TASK, stable_id(f"train:{name}")) as got:
        if not got:
            raise self.retry(countdown=_busy_countdown(), max_retries=None)
        return train_and_register(config, name, n_fields=n_fields, activate=activate)


@shared_task(**TASK_OPTS, queue="gpu")
def evaluate_host_model(self, model_version_id: int) -> dict:
    """Score a registered host identifier on the real Norris-71 fields; the figures are
    stored in ``ModelVersion.metrics["norris71"]`` (a re-run overwrites them) and returned."""
    from catalog.methods.training import evaluate_on_norris71
    from catalog.pipeline.locks import GPU_TASK, advisory_lock, stable_id

    with advisory_lock(GPU_TASK, stable_id(f"evaluate:{model_version_id}")) as got:
        if not got:  # a redelivered copy while the first still evaluates (see train_host_model)
            raise self.retry(countdown=_busy_countdown(), max_retries=None)
        return evaluate_on_norris71(model_version_id)


from workers.optical import finish_optical_ingest, ingest_optical_file  # noqa: F401,E402  (optical catalogues)
from workers.render import fetch_radio_cutout, refresh_summaries, render_overlay  # noqa: F401,E402  (pages tasks)
