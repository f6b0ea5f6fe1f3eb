"""Large exports as background jobs: a worker writes the file through Django's storage API.

Why: an export is streamed to the client as fast as the client reads it, so a slow client
holds a web worker for the whole download (five slow 27 MB CSV downloads once held every
sync gunicorn worker and an unrelated request waited 39 s). Past
``RADIOHOST_EXPORT_INLINE_MAX_ROWS`` rows a list export therefore answers ``202 Accepted``
with an :class:`~catalog.models.ExportJob`; the task ``workers.tasks.run_export`` runs
:func:`run_job`, which re-applies the same filters to the same table, writes the same bytes a
streamed export would (:mod:`catalog.api.tables`) into ``default_storage`` and counts its rows
as it goes; the client polls ``/api/exports/<token>/`` and downloads from its ``download``
link (a storage URL when the storage serves files itself, e.g. S3, else through the API).
"""

from __future__ import annotations

import json
import tempfile
from types import SimpleNamespace

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import F
from django.http import QueryDict
from django.utils import timezone

from catalog.api import filters, tables
from catalog.api.exports import FORMATS
from catalog.enqueue import enqueue
from catalog.methods.versions import resolve_model_version
from catalog.models import ExportJob, OpticalSource, RadioComponent
from catalog.pipeline.locks import EXPORT, advisory_lock, stable_id

#: table -> (base queryset, filterset, the streamed export of catalog.api.tables)
TABLES = {
    "components": (
        lambda: RadioComponent.objects.select_related("epoch__survey").order_by("id"),
        filters.RadioComponentFilter,
        lambda fmt, qs, mv, **kw: tables.export_components(fmt, qs, **kw),
    ),
    "hosts": (
        lambda: RadioComponent.objects.select_related("epoch__survey").order_by("id"),
        filters.HostFilter,
        lambda fmt, qs, mv, **kw: tables.export_hosts(fmt, qs, mv, **kw),
    ),
    "optical-sources": (
        lambda: OpticalSource.objects.order_by("id"),
        filters.OpticalSourceFilter,
        lambda fmt, qs, mv, **kw: tables.export_optical_sources(fmt, qs, **kw),
    ),
}


class ExportRefused(ValueError):
    """A job that cannot be made (unknown table or format, bad filters, too many queued)."""


def inline_max_rows() -> int:
    return int(settings.RADIOHOST_EXPORT_INLINE_MAX_ROWS)


def job_query(query_params) -> dict:
    """The list request's parameters a job keeps: everything but the format itself."""
    return {k: query_params.getlist(k) for k in query_params if k != "format"}


def filtered(table: str, query: dict):
    """The table's queryset under ``query`` (the list endpoint's filters) and its model
    version; raises :class:`ExportRefused` naming a bad table or filter."""
    if table not in TABLES:
        raise ExportRefused(f"table: unknown table {table!r}; one of: {', '.join(TABLES)}")
    base, filterset, _ = TABLES[table]
    allowed = set(filterset.base_filters) | ({"model_version"} if table == "hosts" else set())
    unknown = sorted(set(query) - allowed)
    if unknown:
        raise ExportRefused(
            f"query: unknown filter(s) {', '.join(unknown)}; {table} takes: "
            f"{', '.join(sorted(allowed))}"
        )
    data = QueryDict(mutable=True)
    for k, values in query.items():
        data.setlist(k, values if isinstance(values, list) else [values])
    mv = resolve_model_version(data.get("model_version")) if table == "hosts" else None
    # HostFilter reads the resolved version where a view would have cached it on the request
    fs = filterset(data=data, queryset=base(), request=SimpleNamespace(
        _radiohost_versions={"model_version": mv}))  # fmt: skip
    if not fs.is_valid():
        raise ExportRefused(f"query: {dict(fs.errors)}")
    return fs.qs, mv


def create_job(table: str, fmt: str, query: dict, *, user=None) -> tuple[ExportJob, bool]:
    """A job for this export (the same export already queued or running is reused, so a
    client that asks again does not start a second worker); sends it to the ``cpu`` queue.
    Returns ``(job, created)``."""
    if fmt not in FORMATS:
        raise ExportRefused(f"format: unknown format {fmt!r}; one of: {', '.join(FORMATS)}")
    filtered(table, query)  # refuse a bad query now, not in the worker
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # five clients asking for the same export at once make one job: the check and the
            # insert are serialised per export (a transaction-level advisory lock)
            key = stable_id(f"create:{table}:{fmt}:{json.dumps(query, sort_keys=True)}")
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [(EXPORT << 47) | key])
        active = ExportJob.objects.filter(
            status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING]
        )
        same = active.filter(table=table, format=fmt, query=query).order_by("pk").first()
        if same is not None:
            return same, False
        if active.count() >= int(settings.RADIOHOST_EXPORT_MAX_ACTIVE):
            raise ExportRefused(
                f"{active.count()} exports are queued or running (at most "
                f"{settings.RADIOHOST_EXPORT_MAX_ACTIVE}); try again when one has finished"
            )
        job = ExportJob.objects.create(
            table=table, format=fmt, query=query,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )  # fmt: skip
    # sent once the row is committed (requests are atomic): a worker never looks for a job
    # that is not there yet
    transaction.on_commit(lambda: enqueue("workers.tasks.run_export", job.pk))
    return job, True


def offload(table: str, fmt: str, qs, query_params, *, user=None) -> ExportJob | None:
    """The list endpoints' switch: a job when the export is over the inline row limit."""
    if qs.count() <= inline_max_rows():
        return None
    job, _ = create_job(table, fmt, job_query(query_params), user=user)
    return job


def run_job(job_id: int) -> dict:
    """Write one job's file (idempotent: a job done is left as it is; a redelivered copy
    while the first still writes is told ``busy``). Returns ``{"rows", "bytes", ...}``."""
    with advisory_lock(EXPORT, stable_id(f"export:{job_id}")) as got:
        if not got:
            return {"job": job_id, "busy": True}
        job = ExportJob.objects.filter(pk=job_id).first()
        if job is None:  # its request was rolled back
            return {"job": job_id, "missing": True}
        if job.status == ExportJob.Status.DONE:
            return {"job": job_id, "rows": job.rows_done, "bytes": job.size_bytes, "skipped": True}
        try:
            qs, mv = filtered(job.table, job.query)
            total = qs.count()
            ExportJob.objects.filter(pk=job_id).update(
                status=ExportJob.Status.RUNNING, started_at=timezone.now(), rows_total=total,
                rows_done=0, error="",
            )  # fmt: skip

            def progress(n: int) -> None:
                ExportJob.objects.filter(pk=job_id).update(rows_done=F("rows_done") + n)

            response = TABLES[job.table][2](job.format, qs, mv, progress=progress)
            ext = FORMATS[job.format][1]
            with tempfile.TemporaryFile() as fh:
                for part in response.streaming_content:
                    fh.write(part)
                size = fh.tell()
                fh.seek(0)
                name = default_storage.save(f"exports/{job.table}-{job.token}.{ext}", File(fh))
        except Exception as exc:
            ExportJob.objects.filter(pk=job_id).update(
                status=ExportJob.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:4000],
                finished_at=timezone.now(),
            )  # fmt: skip
            raise
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.DONE, file=name, size_bytes=size, finished_at=timezone.now()
        )
        job.refresh_from_db()
    return {"job": job_id, "rows": job.rows_done, "bytes": size}
