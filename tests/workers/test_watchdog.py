"""Redis lost mid-epoch: the tile watchdog re-sends the undone tiles, nobody runs ``--resume``.

The test starts its own ``redis-server`` (no persistence) on a free port, a real ``celery
worker`` with embedded beat (``-B``, django-celery-beat's database schedule holding only the
watchdog, every 3 s) and an epoch of ~100 tiles. Midway it SIGKILLs Redis and starts a fresh
one on the same port: every queued tile message is gone. The watchdog (stall bound 15 s here,
``RADIOHOST_TILE_STALL_S``) must notice, record the re-send on the epoch and send the undone
tiles again; the epoch must finish with the predictions of an untiled in-process run, no row
lost or doubled. The bound on the test is time without a finished tile (a hang fails, a slow
machine does not); the machine's shared Redis is never touched.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from catalog.models import Epoch, EpochTile, HostPrediction
from radiohost_site.celery import app
from workers import tasks

STALL_S = 15
WATCH_EVERY_S = 3
HANG_BOUND_S = 180


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A ``redis-server`` of the test's own: no RDB snapshots, no AOF (a restart forgets)."""

    def __init__(self, port: int, workdir: Path):
        self.port, self.workdir = port, workdir
        self.proc = None
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"redis-server did not start on port {self.port}")
            time.sleep(0.1)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)


def test_redis_lost_mid_epoch_is_resent_by_the_watchdog(
    transactional_db, tmp_path, settings, start_worker
):
    from catalog.pipeline.component import association_model_version
    from catalog.pipeline.tile import untiled_predictions
    from catalog.simulated.epoch import ingest_sim_epoch
    from ml.association.refit import Method
    from ml.sim.epoch import simulate_epoch
    from workers.schedule import install

    settings.RADIOHOST_WATCHDOG_EVERY_S = WATCH_EVERY_S
    assert install(names={"watch-epochs"}) == 1
    epoch = ingest_sim_epoch(simulate_epoch(600, seed=13, dec0=-5.0), "3", tmp_path)
    ref = untiled_predictions(epoch.pk, Method.from_config(association_model_version().config))
    redis = PrivateRedis(_free_port(), tmp_path)
    url = f"redis://127.0.0.1:{redis.port}/0"
    log = tmp_path / "worker.log"
    worker = start_worker(url, log, beat=True, env={"RADIOHOST_TILE_STALL_S": str(STALL_S)})
    try:
        with app.connection_for_write(url) as conn:
            plan = tasks.process_epoch.apply_async((epoch.pk,), connection=conn).get(timeout=120)
        assert plan["action"] == "identify" and plan["tiles"] > 50
        deadline = time.monotonic() + 120
        while EpochTile.objects.filter(epoch=epoch, state="done").count() < 5:
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.05)
        redis.kill()  # every queued and unacknowledged tile message is gone with it
        done_at_loss = EpochTile.objects.filter(epoch=epoch, state="done").count()
        redis.start()  # empty: nothing will redeliver the lost tiles
        assert done_at_loss < plan["tiles"], "the epoch finished before Redis was lost"
        done, last_progress = done_at_loss, time.monotonic()
        while Epoch.objects.get(pk=epoch.pk).state == Epoch.State.IDENTIFYING:
            now_done = EpochTile.objects.filter(epoch=epoch, state="done").count()
            if now_done > done:
                done, last_progress = now_done, time.monotonic()
            assert time.monotonic() - last_progress < HANG_BOUND_S, log.read_text()[-3000:]
            time.sleep(0.5)
    finally:
        worker.stop()
        redis.kill()
    epoch.refresh_from_db()
    assert epoch.state == Epoch.State.PROCESSED, epoch.error
    assert epoch.tiles_done == epoch.tiles_total == plan["tiles"]
    # the re-send is on the epoch's record (API progress, admin, process_epoch's summary)
    assert epoch.resends >= 1 and epoch.resent_at is not None
    assert epoch.progress["resends"] == epoch.resends
    assert "watch_epochs" in log.read_text()
    # nothing lost, nothing doubled: equal to the untiled in-process run
    got = dict(
        HostPrediction.objects.filter(model_version=epoch.model_version).values_list(
            "candidate_id", "likelihood"
        )
    )
    assert HostPrediction.objects.count() == len(got) == len(ref)
    for c, lk in zip(ref.candidate_id.tolist(), ref.likelihood.tolist(), strict=True):
        assert got[c] == pytest.approx(lk, abs=1e-12)
    print(f"re-sent {epoch.resends} time(s); {done_at_loss}/{plan['tiles']} tiles done at the loss")
