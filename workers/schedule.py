"""The beat schedule, installed into django-celery-beat's tables by ``manage.py setup_schedule``."""

from __future__ import annotations

SCHEDULE = {
    # New VLASS epochs arrive as CIRADA catalogues a few times a year; hourly polling
    # costs one indexed query and picks an epoch up soon after its ingest finishes.
    "process-new-vlass-epochs": {"task": "workers.tasks.process_new_epochs", "minutes": 60},
    # New CIRADA catalogues dropped into RADIOHOST_INBOX_DIR (a no-op when unset): a scan
    # stats the files and hashes only new ones; each file is walked once (InboxFile).
    "scan-inbox": {"task": "workers.tasks.scan_inbox", "minutes": 10},
    # Experts relabel by hand, tens a day at most; a daily check refits the method once
    # RADIOHOST_RETRAIN_MIN_RELABELS new expert labels have arrived (a no-op otherwise).
    "retrain-from-relabels": {"task": "workers.tasks.retrain_from_relabels", "minutes": 1440},
}


def install() -> int:
    """Create or update the periodic tasks (idempotent); returns how many there are."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    for name, spec in SCHEDULE.items():
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=spec["minutes"], period=IntervalSchedule.MINUTES
        )
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": spec["task"], "interval": interval, "enabled": True}
        )
    return len(SCHEDULE)
