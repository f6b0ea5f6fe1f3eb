"""Beat's inbox of new CIRADA catalogues: each file walked once, every step recorded."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from catalog.models import Epoch, EpochDiff, InboxFile

pytestmark = pytest.mark.django_db(transaction=True)

SAMPLE = (Path(settings.RADIOHOST_DATA_DIR) / "vlass_cirada_ql_sample"
          / "CIRADA_VLASS1QL_table1_components_v1_head100.csv")  # fmt: skip
needs_sample = pytest.mark.real_data(
    "vlass_cirada_ql_sample/CIRADA_VLASS1QL_table1_components_v1_head100.csv"
)


def test_two_simulated_epochs_through_the_inbox_are_processed_and_diffed(tmp_path, eager):
    from catalog.simulated.epoch import store_optical
    from ml.sim.epoch import repeat, simulate_epoch, write_cirada_csv
    from workers import tasks

    inbox = tmp_path / "inbox"
    ep1 = simulate_epoch(300, seed=5)
    store_optical(ep1)  # the optical catalogue is already in the database
    write_cirada_csv(ep1, inbox / "VLASS2QL_components.csv", "2")
    with override_settings(RADIOHOST_INBOX_DIR=str(inbox)):
        ids = tasks.scan_inbox.apply().get()
        assert len(ids) == 1
        f = InboxFile.objects.get()
        assert f.state == InboxFile.State.DONE, f.steps
        assert [s["step"] for s in f.steps] == [
            "ingest",
            "build_candidates",
            "process",
            "process",
            "diff",
        ]
        first = Epoch.objects.get(name="2")
        assert first.state == Epoch.State.PROCESSED and first.n_components > 0
        # a second beat finds nothing new; walking the file again does nothing
        assert tasks.scan_inbox.apply().get() == []
        assert tasks.process_inbox_file.apply(args=(f.pk,)).get()["next"] is None
        assert InboxFile.objects.get().steps == f.steps
        write_cirada_csv(repeat(ep1, seed=9), inbox / "VLASS3QL_components.csv", "3")
        assert len(tasks.scan_inbox.apply().get()) == 1
    second = Epoch.objects.get(name="3")
    assert second.state == Epoch.State.PROCESSED
    d = EpochDiff.objects.get(epoch_a=first, epoch_b=second)
    f3 = InboxFile.objects.get(epoch=second)
    assert f3.steps[-1]["step"] == "diff" and f3.steps[-1]["result"] == d.summary


@needs_sample
def test_real_sample_in_the_inbox_ends_in_needs_candidates(tmp_path, eager):
    from workers import tasks

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLE, inbox / SAMPLE.name)
    with override_settings(RADIOHOST_INBOX_DIR=str(inbox)):
        tasks.scan_inbox.apply().get()
    f = InboxFile.objects.get()
    assert f.state == InboxFile.State.NEEDS_CANDIDATES
    assert f.epoch.state == Epoch.State.NEEDS_CANDIDATES and f.epoch.processed_at is None


@needs_sample
def test_a_file_another_worker_is_walking_is_left_to_it(tmp_path):
    """Two overlapping beats: the second finds the file's lock held and does nothing."""
    from catalog.pipeline.inbox import prepare, scan
    from catalog.pipeline.locks import INBOX, _key

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLE, inbox / SAMPLE.name)
    (inbox_id,) = scan(inbox)
    db = connection.settings_dict
    other = psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
                            user=db["USER"] or "postgres", dbname=db["NAME"], autocommit=True)  # fmt: skip
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [_key(INBOX, inbox_id)])
        assert prepare(inbox_id) == {"inbox": inbox_id, "next": None, "busy": True}
        assert InboxFile.objects.get().state == InboxFile.State.NEW and Epoch.objects.count() == 0
    finally:
        # (closing the session releases it too, but the server does so asynchronously)
        other.execute("SELECT pg_advisory_unlock(%s)", [_key(INBOX, inbox_id)])
        other.close()
    out = prepare(inbox_id)
    assert out["next"] == "process", (out, InboxFile.objects.get().steps)
    assert InboxFile.objects.get().state == InboxFile.State.PROCESSING
