"""One launch per epoch: two ``process_epoch`` of the same epoch at once send one chord.

The race is made certain rather than likely: the test holds the epoch's row lock while both
launches start, so each has read the epoch and reached its first write before either can go
on. Without the claim both then plan and both send every tile; with it one sends the chord and
the other is told, in words, that the epoch is already being launched or identified.
Messages are counted on a private queue of the test's Redis database (no worker listens).
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from catalog.models import Epoch, EpochTile
from radiohost_site.celery import app


def _queue_length(conn, queue: str) -> int:
    return conn.default_channel.client.llen(queue)


def _waiting_on_locks() -> int:
    with connection.cursor() as cur:
        # pg_stat_activity is read once per transaction unless its snapshot is cleared
        cur.execute("SELECT pg_stat_clear_snapshot()")
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cur.fetchone()[0]


@pytest.fixture
def private_queue():
    queue = f"test-launch-{uuid.uuid4().hex[:8]}"
    conn = app.connection_for_write()
    try:
        yield conn, queue
    finally:
        conn.default_channel.client.delete(queue)
        conn.release()


def test_two_launches_at_once_send_one_chord(transactional_db, tmp_path, private_queue, settings):
    from catalog.simulated.epoch import ingest_sim_epoch
    from ml.sim.epoch import simulate_epoch
    from workers.pipeline import launch

    if connection.vendor != "postgresql":
        pytest.skip("concurrent launches need PostgreSQL (SQLite is the single-process demo)")
    settings.RADIOHOST_TILE_ORDER = 8  # tens of tiles, so a doubled send shows in the count
    conn, queue = private_queue
    epoch = ingest_sim_epoch(simulate_epoch(150, seed=5), "7", tmp_path)
    results: list[dict] = []
    errors: list[BaseException] = []

    def run():
        try:
            results.append(launch(epoch.pk, queue=queue))
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    with transaction.atomic():
        Epoch.objects.select_for_update().get(pk=epoch.pk)
        for t in threads:
            t.start()
        # each launch is either blocked on the epoch's row or already answered
        deadline = time.monotonic() + 60
        while _waiting_on_locks() + len(results) + len(errors) < 2:
            assert time.monotonic() < deadline, "the launches never reached the epoch row"
            time.sleep(0.05)
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    actions = sorted(r["action"] for r in results)
    sent = [r for r in results if r["action"] == "identify"]
    assert len(sent) == 1, results
    refused = next(r for r in results if r["action"] != "identify")
    assert refused["action"] in ("launching", "already_identifying"), actions
    assert refused["tiles"] == 0 and str(epoch.survey.name) in refused["message"]
    n_tiles = EpochTile.objects.filter(epoch=epoch).count()
    assert sent[0]["tiles"] == n_tiles > 1
    assert _queue_length(conn, queue) == n_tiles  # one message per tile, not two
    assert Epoch.objects.get(pk=epoch.pk).state == Epoch.State.IDENTIFYING


def test_a_second_process_epoch_joins_the_running_one(db, tmp_path, private_queue, capsys):
    """Sequentially: the second command sends nothing, says so, and follows the first."""
    from catalog.simulated.epoch import ingest_sim_epoch
    from ml.sim.epoch import simulate_epoch
    from workers.pipeline import launch

    conn, queue = private_queue
    epoch = ingest_sim_epoch(simulate_epoch(150, seed=6), "8", tmp_path)
    first = launch(epoch.pk, queue=queue)
    n = _queue_length(conn, queue)
    assert first["action"] == "identify" and n == first["tiles"] > 0
    name = f"{epoch.survey.name} {epoch.name}"
    with pytest.raises(Exception, match="no worker took a tile in 0.5 s"):
        call_command("process_epoch", name, "--timeout", "0.5", verbosity=0)
    err = capsys.readouterr().err
    assert f"{name}: already identifying (0/{first['tiles']} tiles done)" in err
    assert "this launch joins it and sends nothing" in err
    assert _queue_length(conn, queue) == n
