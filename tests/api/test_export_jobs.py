"""Large exports become background jobs: 202, poll, download the same bytes a stream gives.

The reference is the export streamed inline by the same endpoint with the row limit raised;
the job's file (written by the task through ``default_storage``) must equal it byte for byte.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.storage import default_storage
from rest_framework.test import APIClient

from catalog.models import Epoch, ExportJob, RadioComponent, Survey


@pytest.fixture
def sky(db, settings, tmp_path, eager):
    settings.MEDIA_ROOT = str(tmp_path / "media")  # default_storage (FileSystemStorage) follows
    settings.RADIOHOST_EXPORT_INLINE_MAX_ROWS = 30
    epoch = Epoch.objects.create(survey=Survey.objects.create(name="SIM"), name="x")
    RadioComponent.objects.bulk_create(
        RadioComponent(
            epoch=epoch,
            name=f"S{i}",
            ra=10 + i * 1e-3,
            dec=5.0,
            s_code="SM"[i % 2],
            hpx=0,
            peak_flux_mjy=1.5,
            total_flux_mjy=2.0 + i,
        )  # fmt: skip
        for i in range(120)
    )
    return epoch


GENERATED = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


def _undated(body: bytes) -> bytes:
    """``body`` with every ISO-8601 UTC second (the provenance's "generated") blanked, at the
    same length so a binary format keeps its offsets."""
    return GENERATED.sub(b"YYYY-MM-DDTHH:MM:SSZ", body)


def _streamed(client, path, params) -> bytes:
    r = client.get(path, params)
    assert r.status_code == 200, r.content[:300]
    return b"".join(r.streaming_content)


@pytest.mark.parametrize("fmt", ["csv", "votable", "parquet", "fits"])
@pytest.mark.parametrize(
    ("path", "table", "params"),
    [
        ("/api/components/", "components", {"s_code": "S"}),
        ("/api/hosts/", "hosts", {}),
    ],
)
def test_an_export_over_the_limit_is_a_job_whose_file_equals_the_stream(
    sky, settings, path, table, params, fmt, django_capture_on_commit_callbacks
):
    client = APIClient()
    with django_capture_on_commit_callbacks(execute=True) as sent:
        r = client.get(path, {**params, "format": fmt})
    assert r.status_code == 202, r.content[:300]
    assert len(sent) == 1  # the task is sent once the job's row is committed
    job = r.json()
    assert r["Location"] == job["url"] and job["table"] == table and job["format"] == fmt
    assert job["query"] == {k: [v] for k, v in params.items()}
    # eager here: the worker wrote it when the request committed; a client polls until done
    polled = client.get(job["url"]).json()
    n = RadioComponent.objects.filter(**({"s_code": "S"} if params else {})).count()
    assert polled["status"] == "done" and polled["progress"] == 1.0
    assert (
        polled["rows_total"] == polled["rows_done"] == n > settings.RADIOHOST_EXPORT_INLINE_MAX_ROWS
    )
    got = client.get(polled["download"])
    assert got.status_code == 200
    body = b"".join(got.streaming_content)
    assert polled["size_bytes"] == len(body)
    stored = ExportJob.objects.get(token=job["token"])
    assert default_storage.exists(stored.file.name)
    settings.RADIOHOST_EXPORT_INLINE_MAX_ROWS = 10**6
    streamed = _streamed(client, path, {**params, "format": fmt})
    assert _undated(body) != body  # the provenance, with its time, is in the job's file too
    if fmt == "parquet":
        # Arrow also keeps the schema (provenance included) base64-encoded in the footer, so
        # the file is compared as a table: the same rows, columns and field metadata
        import io

        import pyarrow.parquet as pq

        a, b = pq.read_table(io.BytesIO(body)), pq.read_table(io.BytesIO(streamed))
        assert a.num_rows == n and a.equals(b)
        assert [f.metadata for f in a.schema] == [f.metadata for f in b.schema]
    else:  # the same bytes but the provenance's "generated" time (when each was written)
        assert _undated(body) == _undated(streamed)


def test_an_export_under_the_limit_still_streams(sky):
    r = APIClient().get("/api/components/", {"format": "csv", "name": "S7"})
    assert r.status_code == 200 and r.streaming
    assert not ExportJob.objects.exists()


def test_asking_again_while_it_runs_reuses_the_job_and_download_waits_for_it(sky):
    job = ExportJob.objects.create(table="components", format="csv", query={})
    client = APIClient()
    r = client.post("/api/exports/", {"table": "components", "format": "csv"}, format="json")
    assert r.status_code == 202 and r.json()["token"] == str(job.token)
    assert ExportJob.objects.count() == 1
    early = client.get(f"/api/exports/{job.token}/download/")
    assert early.status_code == 409
    assert early.json()["detail"] == f"export {job.token} is queued, not done; poll its url"
    assert client.get(f"/api/exports/{job.token}/").json()["download"] is None


def test_a_job_with_a_bad_filter_or_table_is_refused_naming_it(sky):
    client = APIClient()
    r = client.post(
        "/api/exports/",
        {"table": "components", "format": "csv", "query": {"source": ["north"]}},
        format="json",
    )
    assert r.status_code == 400 and "source" in str(r.json()["query"])
    r = client.post(
        "/api/exports/",
        {"table": "components", "format": "csv", "query": {"bogus": ["1"]}},
        format="json",
    )
    assert r.status_code == 400 and "unknown filter(s) bogus" in str(r.json()["query"])
    r = client.post("/api/exports/", {"table": "labels", "format": "csv"}, format="json")
    assert r.status_code == 400 and "table" in r.json()
    assert not ExportJob.objects.exists()
    assert client.get("/api/exports/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_too_many_active_jobs_is_a_429(sky, settings):
    settings.RADIOHOST_EXPORT_MAX_ACTIVE = 1
    ExportJob.objects.create(table="hosts", format="csv", query={})
    r = APIClient().post("/api/exports/", {"table": "components", "format": "csv"}, format="json")
    assert r.status_code == 429 and "at most 1" in r.json()["detail"]
