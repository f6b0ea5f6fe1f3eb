"""Thin Celery tasks for optical catalogues at survey size (the work is in
:mod:`catalog.ingest.optical_fanout`): one task per file on ``cpu``, one chord callback.

``catalog.ingest.optical_fanout.send`` sends (by task name)::

    chord([ingest_optical_file(f) for f in files], finish_optical_ingest())

Each file is one transaction and an idempotent upsert, acknowledged late: a file whose
worker is killed is redelivered and redone, nothing lost or doubled.
"""

from __future__ import annotations

from celery import shared_task

TASK_OPTS = {"bind": True, "acks_late": True, "reject_on_worker_lost": True}


@shared_task(**TASK_OPTS, queue="cpu")
def ingest_optical_file(
    self, path: str, catalogue: str, simulated: bool = False, dry_run: bool = False
) -> dict:
    """Load one catalogue file (match and ANALYZE deferred to the callback)."""
    from catalog.ingest.optical_fanout import ingest_one

    return ingest_one(path, catalogue=catalogue, simulated=simulated, dry_run=dry_run)


@shared_task(**TASK_OPTS, queue="cpu")
def finish_optical_ingest(self, results: list[dict], dry_run: bool = False) -> dict:
    """The chord callback: one PS1↔AllWISE match over the touched tiles, then ANALYZE."""
    from catalog.ingest.optical_fanout import finish

    return finish(results, dry_run=dry_run)
