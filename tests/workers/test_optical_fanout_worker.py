"""Optical catalogue files fanned out to a real ``celery worker`` (Redis broker, prefork, 2
processes) equal the serial ingest row for row; a bad file among them is named."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from catalog.ingest.optical_fanout import ingest_serial
from catalog.ingest.optical_fanout import send as fan_out
from catalog.models import OpticalSource
from tests.factories import snapshot, write_cell

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def queue(transactional_db, tmp_path):
    """A prefork worker (2 processes) on a private queue of the test Redis broker."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("real workers share the PostgreSQL test database")
    db = connection.settings_dict
    name = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "radiohost_site.settings",
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    log = tmp_path / "worker.log"
    fh = open(log, "w")  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "radiohost_site", "worker", "--pool", "prefork",
         "--concurrency", "2", "--queues", name, "--hostname", f"{name}@%h", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while " ready." not in log.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"worker did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield name
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        fh.close()


def test_parallel_ingest_equals_the_serial_one_row_for_row(queue, tmp_path):
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("needs the Redis test broker")
    ps1 = [write_cell(tmp_path / f"ps1_{c}.csv", cell=c, n=400) for c in range(4)]
    wise = [write_cell(tmp_path / f"wise_{c}.csv", cell=c, n=150, allwise=True) for c in (1, 2)]
    bad = tmp_path / "ps1_bad.csv"
    bad.write_bytes(ps1[0].read_bytes().replace(b"150.", b"450.", 1))

    got_w = fan_out(wise, catalogue="allwise", queue=queue).get(timeout=300)
    got = fan_out([*ps1, bad], catalogue="ps1dr2", queue=queue).get(timeout=300)
    assert got_w["errors"] == [] and got_w["loaded"] == 2
    assert got["loaded"] == 4 and len(got["errors"]) == 1
    assert got["errors"][0].startswith(f"{bad}: line 2, column 'raMean'")
    parallel = snapshot()
    assert len(parallel) == 4 * 400 + 2 * 150
    matched = OpticalSource.objects.filter(catalogue="ps1dr2").exclude(allwise_id="").count()
    assert matched >= 300 and got["match_changed"] == matched

    OpticalSource.objects.all().delete()
    ingest_serial(wise, catalogue="allwise")
    ingest_serial(ps1, catalogue="ps1dr2")
    assert snapshot() == parallel
    # a redelivered file (or a whole re-run) changes nothing
    again = fan_out(ps1, catalogue="ps1dr2", queue=queue).get(timeout=300)
    assert again["match_changed"] == 0 and snapshot() == parallel
