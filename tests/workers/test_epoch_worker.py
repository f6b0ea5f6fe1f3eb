"""The epoch chord through real brokers and real ``celery worker`` processes.

A simulated epoch of ~200 tiles is processed by a worker on Redis and on RabbitMQ. Midway the
worker's whole process group is killed with SIGKILL; a second worker then completes the
epoch. Bound: RabbitMQ redelivers when the connection drops (seconds); Redis redelivers an
unacknowledged message after the visibility timeout (15 s here, set for the worker; 300 s in
production) plus the 10 s restore sweep (settings) -- the test allows 120 s without a
finished tile on both (a bound on hanging, not on speed: a loaded machine may take longer to
finish the rest). The stored predictions must
equal an in-process untiled run, with no duplicate rows and no tile run twice at once.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime

import pytest

from catalog.models import Epoch, EpochTile, HostPrediction
from radiohost_site.celery import app
from workers import tasks

VISIBILITY_S = 15
VISIBILITY_ENV = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_S)}
RECOVERY_BOUND_S = 120


@pytest.mark.parametrize("in_tiles", [False, True], ids=["stored_candidates", "tiles_make_them"])
def test_killed_worker_epoch_completes_equal_to_an_untiled_run(
    broker, in_tiles, transactional_db, tmp_path, start_worker
):
    from catalog.pipeline.candidates import build_candidates
    from catalog.pipeline.component import association_model_version
    from catalog.pipeline.tile import untiled_predictions
    from catalog.simulated.epoch import ingest_sim_epoch
    from ml.association.refit import Method
    from ml.sim.epoch import simulate_epoch

    name, url = broker
    sim = simulate_epoch(1200, seed=11, dec0=-5.0)
    epoch = ingest_sim_epoch(sim, "2", tmp_path, candidates=not in_tiles)
    method = Method.from_config(association_model_version().config)
    ref = None if in_tiles else untiled_predictions(epoch.pk, method)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "workers.log"
    first = start_worker(url, log, queues=queue, env=VISIBILITY_ENV)
    conn = app.connection_for_write(url)
    second = None
    try:
        # the worker plans at its tile order (RADIOHOST_TILE_ORDER=8: ~240 tiles of ~5)
        plan = tasks.process_epoch.apply_async(
            (epoch.pk,), {"queue": queue}, queue=queue, connection=conn
        ).get(timeout=120)
        assert plan["action"] == "identify" and plan["tiles"] > 100
        deadline = time.monotonic() + 120
        while EpochTile.objects.filter(epoch=epoch, state="done").count() < 10:
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.05)
        first.kill_group()
        killed_at = datetime.now().astimezone()
        t_kill = time.monotonic()
        done_at_kill = EpochTile.objects.filter(epoch=epoch, state="done").count()
        assert done_at_kill < plan["tiles"], "the epoch finished before the kill"
        second = start_worker(url, log, queues=queue, env=VISIBILITY_ENV)
        # a hang, not a slow machine, fails: the bound is on time without a finished tile
        # (worker start + visibility timeout + restore sweep), not on the whole remaining run
        done, last_progress = done_at_kill, time.monotonic()
        while Epoch.objects.get(pk=epoch.pk).state == Epoch.State.IDENTIFYING:
            now_done = EpochTile.objects.filter(epoch=epoch, state="done").count()
            if now_done > done:
                done, last_progress = now_done, time.monotonic()
            assert time.monotonic() - last_progress < RECOVERY_BOUND_S, log.read_text()[-3000:]
            time.sleep(0.5)
        recovered_s = time.monotonic() - t_kill
    finally:
        if second is not None:
            second.stop()
        first.stop()
        conn.release()
    epoch.refresh_from_db()
    assert epoch.state == Epoch.State.PROCESSED, epoch.error
    assert epoch.tiles_done == epoch.tiles_total == plan["tiles"]
    assert epoch.candidates_in_tiles == in_tiles
    if in_tiles:
        # the untiled join over the whole epoch finds every pair stored by the tiles (the
        # seed's density is under the top-K) with identical geometry: none lost, none moved
        built = build_candidates(epoch)
        assert built["inserted"] == built["updated"] == 0 and built["pairs"] > 10_000
        ref = untiled_predictions(epoch.pk, method)
    # equal to the untiled in-process run, no duplicate rows
    got = dict(
        HostPrediction.objects.filter(model_version=epoch.model_version).values_list(
            "candidate_id", "likelihood"
        )
    )
    assert HostPrediction.objects.count() == len(got) == len(ref)
    for c, lk in zip(ref.candidate_id.tolist(), ref.likelihood.tolist(), strict=True):
        assert got[c] == pytest.approx(lk, abs=1e-12)
    # no tile ran twice at once: a run without an end was cut by the kill, and every later
    # run of that tile started after the kill; finished runs never overlap the next
    for t in EpochTile.objects.filter(epoch=epoch):
        runs = sorted(t.runs, key=lambda r: r["start"])
        for a, b in zip(runs, runs[1:], strict=False):
            if a["end"] is None:
                assert datetime.fromisoformat(b["start"]) >= killed_at.replace(microsecond=0)
            else:
                assert a["end"] <= b["start"], (t.pk, runs)
        assert runs and runs[-1]["end"] is not None
    print(f"{name}: recovered {recovered_s:.1f} s after SIGKILL; "
          f"{done_at_kill}/{plan['tiles']} tiles done at the kill")  # fmt: skip
