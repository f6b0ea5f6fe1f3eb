"""bench/api_load.py's server side: the simulated epoch it serves and the gunicorn it runs."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_epoch(n_components: int, seed: int) -> dict:
    """The simulated epoch through the real ingest, candidate join and pipeline tiles."""
    from django.core.management import call_command

    from catalog.models import Epoch, HostPrediction, RadioComponent
    from catalog.pipeline import epoch as pipeline
    from catalog.pipeline.component import current_method_version
    from catalog.pipeline.tile import run_tile
    from catalog.simulated.epoch import ingest_sim_epoch
    from ml.sim.epoch import simulate_epoch

    call_command("migrate", verbosity=0)
    ep = Epoch.objects.filter(name="bench").first()
    if ep is None or not HostPrediction.objects.filter(candidate__component__epoch=ep).exists():
        t0 = time.perf_counter()
        sim = simulate_epoch(n_components, seed=seed, ra0=150.0, dec0=20.0)
        with tempfile.TemporaryDirectory() as tmp:
            ep = ingest_sim_epoch(sim, "bench", tmp)
        # Statistics of the freshly COPY-loaded tables before the candidate join: without
        # them PostgreSQL planned each tile's hpx-range join as a scan (~7 s a tile here).
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        mv = current_method_version()
        for tile in pipeline.plan(ep, mv, order=4, force=True):
            run_tile(tile)
        pipeline.finish(ep.pk)
        print(f"loaded the simulated epoch in {time.perf_counter() - t0:.0f} s")
    # Planner statistics after the bulk load (COPY), as autovacuum would gather them in time:
    # without them PostgreSQL scanned every prediction of the model for one host page.
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    comps = list(RadioComponent.objects.filter(epoch=ep).values_list("id", "name", "ra", "dec"))
    return {
        "epoch_id": ep.pk,
        "components": comps,
        "n_components": len(comps),
        "n_predictions": HostPrediction.objects.filter(candidate__component__epoch=ep).count(),
    }


def start_gunicorn(
    db_url: str, workers: int, port: int, *, threads: int = 0, env_extra: dict | None = None
) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:port: sync workers, or gthread with ``threads`` per worker (the
    compose ``web`` line)."""
    env = dict(
        os.environ,
        DATABASE_URL=db_url,
        DEBUG="0",
        SECRET_KEY="bench-" + "k3y!" * 20,
        SECURE_SSL_REDIRECT="0",
        RADIOHOST_THROTTLE_ANON="100000000/min",
        RADIOHOST_THROTTLE_USER="100000000/min",
        LOG_LEVEL="WARNING",
        **(env_extra or {}),
    )
    threaded = ["--worker-class=gthread", f"--threads={threads}"] if threads else []
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "radiohost_site.wsgi:application",
            f"--workers={workers}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
            "--timeout=60",
            *threaded,
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/api/model-versions/")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def start_celery(db_url: str, env_extra: dict) -> subprocess.Popen:
    """One celery worker on the cpu queue (the export jobs' queue), ready when it says so."""
    env = dict(os.environ, DATABASE_URL=db_url, DEBUG="1", **env_extra)
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "radiohost_site", "worker", "--queues", "cpu",
         "--concurrency", "1", "--loglevel", "INFO", "--hostname", f"bench{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    for _ in range(300):
        if " ready." in Path(log.name).read_text():
            return proc
        time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"celery worker did not start: {Path(log.name).read_text()[-2000:]}")


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)
