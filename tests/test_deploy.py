"""The docker-compose web service as written serves its pages: gunicorn with DEBUG off.

The test builds the static files with the Dockerfile's own ``collectstatic`` line, then starts
gunicorn with the ``web`` service's command line and environment from docker-compose.yml (only
the bind address, the database, the broker and the shared cache are pointed at this machine's
test services), and fetches what a browser fetches: ``/`` and its stylesheet, ``/api/docs/``
and its scripts. Docker itself does not run.
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
HOST = "localhost"  # the compose file's default ALLOWED_HOSTS


def _interpolate(value: str, given: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}``, from ``given``."""

    def one(m: re.Match) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3)
        if name in given:
            return given[name]
        if op == ":-":
            return arg
        raise AssertionError(f"docker-compose.yml needs {name} set ({arg})")

    return re.sub(r"\$\{(\w+)(?:(:[-?])([^}]*))?\}", one, str(value))


def dockerfile_collectstatic() -> tuple[dict[str, str], list[str]]:
    """The Dockerfile's ``RUN [VAR=value ...] python manage.py collectstatic ...`` line."""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("RUN ") and "collectstatic" in line:
            argv = shlex.split(line[4:])
            env = {}
            while "=" in argv[0]:
                k, v = argv.pop(0).split("=", 1)
                env[k] = v
            return env, argv
    raise AssertionError("the Dockerfile runs no collectstatic: a DEBUG-off image has no CSS")


def web_service(overrides: dict[str, str], port: int) -> tuple[dict[str, str], list[str]]:
    """The compose ``web`` service's environment and gunicorn argv, bound to 127.0.0.1:port."""
    web = COMPOSE["services"]["web"]
    env = {k: _interpolate(v, overrides) for k, v in web["environment"].items()}
    env.update({k: v for k, v in overrides.items() if k in env})
    argv = shlex.split(web["command"])
    assert argv[0] == "gunicorn", web["command"]
    bind = argv.index("--bind")
    argv[bind + 1] = f"127.0.0.1:{port}"
    return env, [sys.executable, "-m", "gunicorn", *argv[1:]]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Assets(HTMLParser):
    """Stylesheets and scripts a page links to."""

    def __init__(self):
        super().__init__()
        self.css: list[str] = []
        self.js: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and a.get("rel") == "stylesheet":
            self.css.append(a["href"])
        elif tag == "script" and a.get("src"):
            self.js.append(a["src"])


def get(port: int, path: str, headers: dict | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Host": HOST, **(headers or {})})
    r = conn.getresponse()
    r.body = r.read()
    conn.close()
    return r


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    env, argv = dockerfile_collectstatic()
    assert argv[:3] == ["python", "manage.py", "collectstatic"], argv
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    r = subprocess.run(
        [sys.executable, *argv[1:]],
        cwd=ROOT,
        env={**base, **env, "RADIOHOST_STATIC_ROOT": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    assert (root / "staticfiles.json").exists(), "collectstatic wrote no manifest"
    return root


@pytest.fixture
def gunicorn(transactional_db, static_root, settings, tmp_path):
    """The compose web service against the test database, broker and a shared Redis cache."""
    from django.db import connection

    db = connection.settings_dict
    port = free_port()
    given = {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        # the same Redis as the broker (the test's own database number): counters are keyed
        # by a fresh username per test, so nothing else there is read or changed
        "CACHE_URL": settings.CELERY_BROKER_URL,
        "SECRET_KEY": "deploy-test-" + uuid.uuid4().hex + uuid.uuid4().hex,
        "RADIOHOST_DATA_DIR": str(settings.RADIOHOST_DATA_DIR),
        "RADIOHOST_MEDIA_ROOT": str(tmp_path / "media"),
        "RADIOHOST_INBOX_DIR": str(tmp_path / "inbox"),
    }
    env, argv = web_service(given, port)
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "CACHE_URL")
    }
    run_env = {
        **base,
        **env,
        "DEBUG": "0",
        "RADIOHOST_STATIC_ROOT": str(static_root),
        "RADIOHOST_LOGIN_FAILURES": "3",
    }
    # failed-login counters are per address too: start and end with none for 127.0.0.1
    forget_login_failures(settings.CELERY_BROKER_URL)
    log = open(tmp_path / "gunicorn.log", "w+")
    proc = subprocess.Popen(argv, cwd=ROOT, env=run_env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120  # a bound on start-up, not an assertion on speed
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"gunicorn did not start:\n{log.read()[-4000:]}")
                time.sleep(0.3)
        yield port, env
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        forget_login_failures(settings.CELERY_BROKER_URL)


def forget_login_failures(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter("*radiohost:loginfail:*"):
        client.delete(key)


def test_compose_web_runs_with_debug_off(gunicorn):
    _, env = gunicorn
    assert env.get("DEBUG", "0").lower() in ("0", "false", "")


def test_pages_have_their_css(gunicorn):
    port, _ = gunicorn
    home = get(port, "/")
    assert home.status == 200, home.body[:500]
    page = Assets()
    page.feed(home.body.decode())
    css = [h for h in page.css if h.startswith("/static/pages/site")]
    assert css, page.css
    # the manifest's hashed name (a release never meets a stale cached copy)
    assert re.search(r"site\.[0-9a-f]{12}\.css$", css[0]), css[0]
    r = get(port, css[0], {"Accept-Encoding": "gzip"})
    assert r.status == 200
    assert r.getheader("Content-Type").startswith("text/css")
    assert r.getheader("Content-Encoding") == "gzip"
    assert "max-age=315360000" in r.getheader("Cache-Control", "")
    # what was served is the stylesheet in the repository
    import gzip

    source = (ROOT / "pages" / "static" / "pages" / "site.css").read_bytes()
    assert gzip.decompress(r.body) == source


def test_swagger_ui_loads_its_assets(gunicorn):
    port, _ = gunicorn
    docs = get(port, "/api/docs/")
    assert docs.status == 200
    page = Assets()
    page.feed(docs.body.decode())
    assert any("swagger-ui-bundle" in s for s in page.js), page.js
    assert any("swagger-ui" in h for h in page.css), page.css
    for src in page.js:
        r = get(port, src)
        assert r.status == 200, src
        assert r.getheader("Content-Type").split(";")[0] in (
            "text/javascript",
            "application/javascript",
        ), src
    for href in page.css:
        r = get(port, href)
        assert r.status == 200, href
        assert r.getheader("Content-Type").startswith("text/css"), href
    schema = get(port, "/api/schema/")
    assert schema.status == 200
    assert b"openapi:" in schema.body


def test_failed_logins_are_counted_across_gunicorn_workers(gunicorn):
    """Three workers share the Redis cache: the 4th failure is refused whichever worker has
    it (per-process counters would let each worker take 3)."""
    port, _ = gunicorn
    user = "nobody-" + uuid.uuid4().hex[:8]
    token = base64.b64encode(f"{user}:wrong".encode()).decode()
    statuses = []
    for _ in range(6):
        # a new connection each time, so gunicorn hands each to whichever worker accepts it
        r = get(port, "/api/components/", {"Authorization": f"Basic {token}"})
        statuses.append(r.status)
    assert statuses[:3] == [401, 401, 401], statuses
    assert statuses[3:] == [429, 429, 429], statuses
