"""Real ``celery worker`` processes for bench/epoch.py: start, run one epoch's chord, stop.

The worker (prefork, one process per core) runs on a private queue of the broker; the bench
sends the chord with :func:`workers.pipeline.launch` and polls the epoch's state. Peak RSS is
sampled from /proc for every process of the worker's group (the pool children do the tiles).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tree(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if os.getpgid(int(d.name)) == pid:
                    out.append(int(d.name))
            except OSError:
                pass
    return out


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_chord(epoch_id: int, broker: str, db_url: str, tile_order: int, queue: str, log: Path,
              *, processes: int = 2, timeout_s: float = 3600) -> dict:  # fmt: skip
    """Process one epoch through a real worker; wall seconds and the pool's peak RSS."""
    from catalog.diff.epochs import previous_epoch
    from catalog.models import Epoch, EpochDiff
    from workers.pipeline import launch

    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "radiohost_site.settings",
           "DATABASE_URL": db_url, "CELERY_BROKER_URL": broker,
           "RADIOHOST_TILE_ORDER": str(tile_order)}  # fmt: skip
    fh = open(log, "a")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "radiohost_site", "worker", "--pool", "prefork",
         "--concurrency", str(processes), "--queues", queue, "--prefetch-multiplier", "1",
         "--hostname", f"{uuid.uuid4().hex[:6]}@%h", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    peak = {"mb": 0.0}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.2):
            peak["mb"] = max([peak["mb"], *(_rss_mb(p) for p in _tree(proc.pid))])

    threading.Thread(target=sample, daemon=True).start()
    try:
        from django.test import override_settings

        with override_settings(RADIOHOST_TILE_ORDER=tile_order):
            t0 = time.perf_counter()
            out = launch(epoch_id, queue=queue, force=True)
        done = (Epoch.State.PROCESSED, Epoch.State.FAILED, Epoch.State.NEEDS_CANDIDATES)
        while Epoch.objects.filter(pk=epoch_id).values_list("state", flat=True).get() not in done:
            if proc.poll() is not None or time.perf_counter() - t0 > timeout_s:
                raise RuntimeError(f"worker gone or epoch too slow:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        wall = time.perf_counter() - t0
        epoch = Epoch.objects.get(pk=epoch_id)
        if epoch.state != Epoch.State.PROCESSED:
            raise RuntimeError(f"epoch {epoch_id} ended {epoch.state}:\n{log.read_text()[-3000:]}")
        if previous_epoch(epoch) is not None:  # the callback diffs after marking it processed
            while not EpochDiff.objects.filter(epoch_b=epoch).exists():
                if time.perf_counter() - t0 > timeout_s:
                    raise RuntimeError(f"no diff of epoch {epoch_id}:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
    finally:
        stop.set()
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        fh.close()
    return {"wall_s": round(wall, 2), "tiles": out["tiles"], "processes": processes,
            "worker_peak_rss_mb": round(peak["mb"], 1)}  # fmt: skip
