"""Thin Celery tasks for optical catalogues at survey size (the work is in
:mod:`catalog.ingest.optical_fanout`): one task per file on ``cpu``, one chord callback.

``fan_out`` sends::

    chord([ingest_optical_file(f) for f in files], finish_optical_ingest())

Each file is one transaction and an idempotent upsert, acknowledged late: a file whose
worker is killed is redelivered and redone, nothing lost or doubled.
"""

from __future__ import annotations

from celery import chord, group, shared_task

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


def fan_out(paths, *, catalogue: str, simulated: bool = False, dry_run: bool = False,
            queue: str = "cpu"):  # fmt: skip
    """Send the chord for ``paths``; returns its AsyncResult (the callback's summary).
    ``queue``: where the file tasks and the callback go (a test's private queue)."""
    header = group(
        ingest_optical_file.si(str(p), catalogue, simulated, dry_run).set(queue=queue)
        for p in paths
    )
    return chord(header)(finish_optical_ingest.s(dry_run=dry_run).set(queue=queue))
