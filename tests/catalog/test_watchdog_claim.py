"""The watchdog's claim: which identifying epochs count as stalled, which tiles are re-sent,
and that two watchdogs at once re-send an epoch once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from catalog.models import Epoch, EpochTile
from catalog.pipeline.locks import TILE, _key
from catalog.pipeline.watchdog import claim_stalled

pytestmark = pytest.mark.django_db


@pytest.fixture
def identifying(tmp_path, settings):
    from catalog.pipeline import epoch as pipeline
    from catalog.simulated.epoch import ingest_sim_epoch
    from ml.sim.epoch import simulate_epoch

    settings.RADIOHOST_TILE_ORDER = 8
    epoch = ingest_sim_epoch(simulate_epoch(150, seed=4), "5", tmp_path)
    plan = pipeline.start(epoch)
    assert plan["action"] == "identify" and len(plan["tiles"]) > 3
    return Epoch.objects.get(pk=epoch.pk), plan["tiles"]


def test_a_fresh_epoch_is_not_stalled_and_an_idle_one_is_claimed_once(identifying):
    epoch, tiles = identifying
    now = timezone.now()
    assert claim_stalled(stall_s=60, now=now) == []  # state just set: alive
    # two tiles finished long ago, nothing since: stalled 10 min later
    done = tiles[:2]
    EpochTile.objects.filter(pk__in=done).update(
        state="done", started_at=now, finished_at=now + timedelta(seconds=1)
    )
    later = now + timedelta(minutes=10)
    [r] = claim_stalled(stall_s=60, now=later)
    assert r.epoch_id == epoch.pk and r.tiles == tiles[2:] and r.path == "catalogue"
    assert r.queue == "cpu" and r.idle_s == pytest.approx(599, abs=1)
    epoch.refresh_from_db()
    assert (epoch.resends, epoch.resent_at) == (1, later)
    # a second watchdog within the stall bound of that re-send claims nothing
    assert claim_stalled(stall_s=60, now=later + timedelta(seconds=30)) == []
    # ...and one after another idle stall bound re-sends again
    assert [r.epoch_id for r in claim_stalled(stall_s=60, now=later + timedelta(minutes=2))] == [
        epoch.pk
    ]
    assert Epoch.objects.get(pk=epoch.pk).resends == 2


def test_a_tile_some_worker_runs_is_not_resent(identifying):
    epoch, tiles = identifying
    later = timezone.now() + timedelta(minutes=10)
    other = connections.create_connection("default")  # another session: a worker on tile 0
    if other.vendor != "postgresql":
        pytest.skip("advisory locks exist only on PostgreSQL")
    try:
        with other.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s)", [_key(TILE, tiles[0])])
        [r] = claim_stalled(stall_s=60, now=later)
        assert r.tiles == tiles[1:]
        # the only undone tile is held by a worker: alive, not claimed
        EpochTile.objects.filter(pk__in=tiles[1:]).update(state="done")
        assert claim_stalled(stall_s=60, now=later + timedelta(minutes=10)) == []
    finally:
        other.close()


def test_an_epoch_with_every_tile_done_resends_only_its_finish(identifying):
    epoch, tiles = identifying
    EpochTile.objects.filter(pk__in=tiles).update(state="done")
    [r] = claim_stalled(stall_s=60, now=timezone.now() + timedelta(minutes=10))
    assert r.epoch_id == epoch.pk and r.tiles == []


def test_an_epoch_claimed_but_never_planned_goes_back_to_beat(tmp_path):
    """A launch that died between its claim and its plan leaves no tile: the watchdog hands the
    epoch back to beat's ``candidates_ready`` instead of finishing it with nothing identified."""
    from catalog.pipeline import epoch as pipeline
    from catalog.simulated.epoch import ingest_sim_epoch
    from ml.sim.epoch import simulate_epoch

    epoch = ingest_sim_epoch(simulate_epoch(100, seed=2), "6", tmp_path)
    assert pipeline.claim(epoch.pk) and not pipeline.claim(epoch.pk)
    assert claim_stalled(stall_s=60, now=timezone.now() + timedelta(minutes=10)) == []
    epoch.refresh_from_db()
    assert epoch.state == Epoch.State.CANDIDATES_READY and epoch.resends == 1
