"""The real brokers the worker tests run against, each skipped when it is not running, and
real ``celery worker`` processes started on them."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

BROKERS = {
    "redis": (settings.CELERY_BROKER_URL, 6379),
    "rabbitmq": ("amqp://guest:guest@127.0.0.1:5672//", 5672),
}


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(params=sorted(BROKERS))
def broker(request) -> tuple[str, str]:
    """``(name, url)`` of each broker on 127.0.0.1."""
    url, port = BROKERS[request.param]
    if not _port_open(port):
        pytest.skip(f"{request.param} is not running on 127.0.0.1:{port}")
    return request.param, url


class WorkerProcess:
    """A ``celery worker`` (prefork, 2 processes) in its own process group, on this test's
    database; ``beat`` embeds beat (``-B``) with its schedule file beside the log."""

    def __init__(self, url: str, log: Path, *, queues: str, env: dict, beat: bool):
        from django.db import connection

        db = connection.settings_dict
        env = {
            **os.environ,
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "radiohost_site.settings",
            "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": url,
            "RADIOHOST_TILE_ORDER": "8",
            **env,
        }
        beat_args = ["-B", "--schedule", str(log.parent / "beat-schedule")] if beat else []
        self.log = log
        self.fh = open(log, "a")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "radiohost_site", "worker", *beat_args,
             "--pool", "prefork", "--concurrency", "2", "--queues", queues,
             "--hostname", f"{uuid.uuid4().hex[:6]}@%h", "--loglevel", "INFO"],
            cwd=ROOT, env=env, stdout=self.fh, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 90
        while " ready." not in log.read_text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"worker did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.3)

    def kill_group(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.fh.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        if not self.fh.closed:
            self.fh.close()


@pytest.fixture
def start_worker():
    """``start_worker(url, log, queues="cpu", env={...}, beat=False)``: a real worker, stopped
    at the end of the test whatever the test did."""
    started: list[WorkerProcess] = []

    def start(url: str, log: Path, *, queues: str = "cpu", env=None, beat: bool = False):
        w = WorkerProcess(url, log, queues=queues, env=dict(env or {}), beat=beat)
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop()
