"""Background exports: a whole-table export too large to stream inside one request.

Imported by :mod:`catalog.models` (one app); kept apart so each file stays one role.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class ExportJob(models.Model):
    """One export written by a worker to Django's storage, then downloaded by its link.

    A slow client streaming a large export holds a web worker for as long as it reads; past
    ``RADIOHOST_EXPORT_INLINE_MAX_ROWS`` rows the list endpoints answer ``202`` with one of
    these instead (:mod:`catalog.api.export_jobs`). The ``token`` is the job's public handle
    (unguessable, as the rows it exports are public reads); ``query`` is the list request's
    query string, re-applied by the worker through the same filters.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    table = models.CharField(max_length=32, help_text="components, hosts or optical-sources.")
    format = models.CharField(max_length=16, help_text="csv, votable, parquet or fits.")
    query = models.JSONField(default=dict, blank=True, help_text="The list request's filters.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveBigIntegerField(default=0)
    rows_done = models.PositiveBigIntegerField(default=0)
    file = models.FileField(upload_to="exports/", blank=True, max_length=255)
    size_bytes = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"export {self.token} ({self.table}.{self.format}, {self.status})"

    @property
    def progress(self) -> float | None:
        """Fraction of the rows written (None before the worker counted them)."""
        if self.status == self.Status.DONE:
            return 1.0
        return self.rows_done / self.rows_total if self.rows_total else None
