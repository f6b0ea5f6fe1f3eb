"""The beat schedule, installed into django-celery-beat's tables by ``manage.py setup_schedule``."""

from __future__ import annotations

from django.conf import settings

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
    # The tile watchdog: one query per identifying epoch; an epoch whose tiles made no
    # progress for RADIOHOST_TILE_STALL_S gets its undone tiles re-sent (a broker restarted
    # without persistence loses them, and nothing else would send them again).
    "watch-epochs": {"task": "workers.tasks.watch_epochs", "seconds": "RADIOHOST_WATCHDOG_EVERY_S"},
}


def install(names=None) -> int:
    """Create or update the periodic tasks (idempotent; ``names`` limits it to some);
    returns how many were installed. A ``seconds`` entry names the setting that holds it."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    chosen = {k: v for k, v in SCHEDULE.items() if names is None or k in names}
    for name, spec in chosen.items():
        if "seconds" in spec:
            every, period = int(getattr(settings, spec["seconds"])), IntervalSchedule.SECONDS
        else:
            every, period = spec["minutes"], IntervalSchedule.MINUTES
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": spec["task"], "interval": interval, "enabled": True}
        )
    return len(chosen)
