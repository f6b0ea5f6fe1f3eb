"""Shared fixtures for catalog tests: recorded responses and a threaded server replaying them."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

RECORDED = Path(__file__).parent / "recorded"


@pytest.fixture
def recorded() -> Path:
    """The folder of recorded service responses (see its README for where each came from)."""
    return RECORDED


@dataclass
class Route:
    body: bytes
    status: int = 200
    content_type: str = "application/octet-stream"
    fail_first: int = 0  # answer 503 this many times before succeeding (retry tests)
    hits: int = 0


@dataclass
class ReplayServer:
    """Serves ``routes[path]``; records every request as ``(method, path, query)``."""

    base_url: str = ""
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, str, dict]] = field(default_factory=list)

    def add(self, path: str, body: bytes, **kw) -> Route:
        self.routes[path] = Route(body, **kw)
        return self.routes[path]


@pytest.fixture
def replay_server():
    state = ReplayServer()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method: str) -> None:
            u = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            q = parse_qs(u.query)
            if body and method == "POST":
                q.update(parse_qs(body.decode("utf-8", "replace")))
            state.requests.append((method, u.path, q))
            route = state.routes.get(u.path)
            if route is None:
                self.send_response(404)
                self.end_headers()
                return
            route.hits += 1
            if route.hits <= route.fail_first:
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            self.wfile.write(route.body)

        def do_GET(self):  # noqa: N802
            self._serve("GET")

        def do_POST(self):  # noqa: N802
            self._serve("POST")

        def log_message(self, *args):  # keep pytest output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def wide_double(db):
    """Two 200 mJy lobes 190″ apart in a VLASS epoch of their own: one double
    (theta_max = 100″ √(400/100) = 200″) that reaches past the first 180″ sky read around
    either lobe. Returns the two components and their separation (deg)."""
    from catalog.ingest.vlass_cirada import vlass_epoch
    from catalog.models import RadioComponent
    from catalog.pipeline.component import SKY_RADIUS_ARCSEC

    epoch = vlass_epoch("widen")
    sep_deg = 190.0 / 3600
    assert 190.0 > SKY_RADIUS_ARCSEC
    lobes = [
        RadioComponent.objects.create(
            epoch=epoch,
            name=f"lobe {k}",
            ra=150.0,
            dec=20.0 + k * sep_deg,
            total_flux_mjy=200.0,
            peak_flux_mjy=150.0,
        )
        for k in (0, 1)
    ]
    return lobes[0], lobes[1], sep_deg
