"""bench/api_load.py's export parts: peak RSS of a streamed export, and small requests
while slow clients download large exports."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from bench.django_setup import ensure_database, setup_django

ROOT = Path(__file__).resolve().parent.parent


def _export_child(db_url: str, fmt: str) -> None:
    setup_django(db_url)
    from django.test import Client

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    r = Client().get("/api/components/", {"format": fmt, "epoch": "sim"})
    size = sum(len(b) for b in r.streaming_content)
    print(
        json.dumps(
            {
                "format": fmt,
                "bytes": size,
                "seconds": round(time.perf_counter() - t0, 1),
                "rss_before_mb": round(before, 1),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )


def export_rss(base_url: str, sizes: list[int]) -> dict:
    # Rows are loaded by bench/cone_search.py's COPY loader of simulated components, run in
    # a child process so this one never holds Django or the rows.
    out = {}
    for n in sizes:
        url = ensure_database(base_url, f"h15_export_{n}")
        code = (
            f"import sys; sys.path[:0]=[{str(ROOT)!r}, {str(ROOT / 'bench')!r}]; "
            f"import cone_search as c; c.setup_django({url!r}); c.load({n}, 7)"
        )
        subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        rows = []
        for fmt in ("csv", "votable", "parquet", "fits"):
            p = subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "bench" / "api_load.py"),
                    "--export-child",
                    fmt,
                    "--db-url",
                    url,
                ],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            rows.append(json.loads(p.stdout.strip().splitlines()[-1]))
            print(rows[-1])
        out[str(n)] = rows
    return out


# ------------------------------------------------------------------ slow export clients


def _job_download(port: int, path: str, until: float, out: dict) -> str | None:
    """The path to download: ``path`` itself when it streams (200), else (202, a background
    export job) the job's download link once the worker has written the file."""
    import http.client
    from urllib.parse import urlsplit

    def get(p: str):
        # a connection per poll: between polls the server may close an idle keep-alive one
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            conn.request("GET", p, headers={"Connection": "close"})
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    try:
        status, body = get(path)
        if status != 202:
            return path
        job = json.loads(body)
        t0 = time.perf_counter()
        while job["status"] not in ("done", "failed") and time.perf_counter() < until:
            time.sleep(0.5)
            job = json.loads(get(urlsplit(job["url"]).path)[1])
    except (OSError, http.client.HTTPException, ValueError):
        out["errors"] += 1
        return None
    out.setdefault("job_ready_s", []).append(round(time.perf_counter() - t0, 1))
    return urlsplit(job["download"]).path if job["status"] == "done" else None


def _slow_download(
    port: int, path: str, until: float, rate_kb_s: float, out: dict, jobs: bool
) -> None:
    """Download ``path`` again and again, reading ``rate_kb_s`` KB/s through a small
    receive buffer (a client on a slow line: the server's send blocks, as it did for the
    five clients that once held every sync worker)."""
    import socket

    chunk = 16 * 1024
    path = _job_download(port, path, until, out) if jobs else path
    while path is not None and time.perf_counter() < until:
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, chunk)
        s.settimeout(120)
        try:
            s.connect(("127.0.0.1", port))
            s.sendall(
                f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
            )
            out["started"] += 1
            while time.perf_counter() < until:
                b = s.recv(chunk)
                if not b:
                    out["finished"] += 1
                    break
                out["bytes"] += len(b)
                time.sleep(len(b) / (rate_kb_s * 1024))
        except OSError:
            out["errors"] += 1
        finally:
            s.close()


def _small_requests(port: int, data: dict, until: float, seed: int, out: list) -> None:
    """Small requests (cone searches and component details) one after another."""
    import http.client
    import random
    from urllib.parse import urlencode

    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while time.perf_counter() < until:
        cid, _, ra, dec = rng.choice(data["components"])
        if rng.random() < 0.5:
            kind, path = (
                "cone",
                "/api/components/?" + urlencode({"ra": ra, "dec": dec, "radius_arcsec": 60}),
            )
        else:
            kind, path = "detail", f"/api/components/{cid}/"
        t0 = time.perf_counter()
        try:
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            status = r.status
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        out.append((kind, time.perf_counter() - t0, status))


def slow_exports(
    port: int, data: dict, *, n_slow: int = 5, seconds: float = 30.0, rate_kb_s: float = 32.0,
    small_clients: int = 4, export_path: str = "/api/hosts/?format=votable&epoch=bench",
    jobs: bool = False,
) -> dict:  # fmt: skip
    """p50/p99 of small requests while ``n_slow`` slow clients download a large export."""
    import threading

    import numpy as np

    until = time.perf_counter() + seconds + 5
    slow = {"started": 0, "finished": 0, "bytes": 0, "errors": 0}
    threads = [
        threading.Thread(
            target=_slow_download, args=(port, export_path, until, rate_kb_s, slow, jobs)
        )
        for _ in range(n_slow)
    ]
    for t in threads:
        t.start()
    time.sleep(5)  # the exports are streaming (and blocking whatever they block) first
    results: list = []
    small = [
        threading.Thread(target=_small_requests, args=(port, data, until, 500 + i, results))
        for i in range(small_clients)
    ]
    for t in small:
        t.start()
    for t in small + threads:
        t.join()
    lat = np.array([r[1] for r in results]) if results else np.array([np.nan])
    return {
        "small_requests": len(results),
        "small_p50_ms": round(1e3 * float(np.percentile(lat, 50)), 1),
        "small_p99_ms": round(1e3 * float(np.percentile(lat, 99)), 1),
        "small_max_ms": round(1e3 * float(np.max(lat)), 1),
        "small_errors": sum(1 for r in results if not 200 <= r[2] < 300),
        "slow_clients": n_slow,
        "slow_rate_kb_s": rate_kb_s,
        "slow_export": export_path,
        "slow_downloads": slow,
        "seconds": seconds,
        "export_as": "background job, then a file download" if jobs else "streamed inline",
        "target": "small_p99_ms <= 1000",
    }
