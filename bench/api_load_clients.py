"""bench/api_load.py's clients: the request mix, the load run, detail vs plain, deep pages."""

from __future__ import annotations

import base64
import http.client
import json
import random
import threading
import time
from urllib.parse import urlencode

import numpy as np


def make_request(rng: random.Random, data: dict) -> tuple[str, str]:
    cid, name, ra, dec = rng.choice(data["components"])
    k = rng.random()
    if k < 0.02:
        q = {"format": "csv", "ra": ra, "dec": dec, "radius_arcsec": 720}
        return "export", "/api/hosts/?" + urlencode(q)
    if k < 0.35:
        q = {"ra": ra, "dec": dec, "radius_arcsec": 60}
        return "cone", "/api/components/?" + urlencode(q)
    if k < 0.70:
        return "detail", f"/api/components/{cid}/"
    return "hosts_page", "/api/hosts/?" + urlencode({"limit": 100, "epoch": "bench"})


def client(port: int, data: dict, until: float, seed: int, out: list) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    while time.perf_counter() < until:
        kind, path = make_request(rng, data)
        t0 = time.perf_counter()
        try:
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            status = r.status
            if r.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        except (OSError, http.client.HTTPException):  # reset, timeout, truncated answer
            status = 0
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        out.append((kind, time.perf_counter() - t0, status))


def run_load(port: int, data: dict, clients: int, seconds: float) -> dict:
    until = time.perf_counter() + seconds
    results: list = []
    threads = [
        threading.Thread(target=client, args=(port, data, until, 1000 + i, results))
        for i in range(clients)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat = np.array([r[1] for r in results])
    out = {
        "requests": len(results),
        "wall_s": round(wall, 2),
        "requests_per_s": round(len(results) / wall, 1),
        "p50_ms": round(1e3 * float(np.percentile(lat, 50)), 1),
        "p99_ms": round(1e3 * float(np.percentile(lat, 99)), 1),
        "errors": sum(1 for r in results if not 200 <= r[2] < 300),
        "by_kind": {},
    }
    for kind in sorted({r[0] for r in results}):
        rows = [r for r in results if r[0] == kind]
        k = np.array([r[1] for r in rows])
        out["by_kind"][kind] = {
            "n": int(k.size),
            "requests_per_s": round(k.size / wall, 2),
            "p50_ms": round(1e3 * float(np.percentile(k, 50)), 1),
            "p99_ms": round(1e3 * float(np.percentile(k, 99)), 1),
            "errors": sum(1 for r in rows if not 200 <= r[2] < 300),
            "statuses": _statuses(rows),
        }
    out["statuses"] = _statuses(results)
    return out


def _statuses(rows: list) -> dict[str, int]:
    """How many answers had each HTTP status ("0": the connection failed)."""
    counts: dict[str, int] = {}
    for r in rows:
        counts[str(r[2])] = counts.get(str(r[2]), 0) + 1
    return dict(sorted(counts.items()))


def detail_vs_plain(port: int, data: dict, n: int, seed: int) -> dict:
    rng = random.Random(seed)
    sample = rng.sample(data["components"], min(n, len(data["components"])))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times = {"detail": [], "plain": []}
    for cid, _, ra, dec in sample:  # interleaved, so machine noise hits both alike
        # The plain row: a 0.5" cone on the component's own position (a ?name= lookup now
        # answers with the whole answer, so it is no longer the row alone).
        plain = {"ra": f"{ra:.7f}", "dec": f"{dec:.7f}", "radius_arcsec": "0.5"}
        for kind, path in (
            ("detail", f"/api/components/{cid}/"),
            ("plain", "/api/components/?" + urlencode(plain)),
        ):
            t0 = time.perf_counter()
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            times[kind].append(time.perf_counter() - t0)
            assert r.status == 200, (path, r.status)
    p50 = {k: 1e3 * float(np.median(v)) for k, v in times.items()}
    return {
        "n": len(sample),
        "detail_p50_ms": round(p50["detail"], 2),
        "plain_p50_ms": round(p50["plain"], 2),
        "detail_over_plain_p50": round(p50["detail"] / p50["plain"], 2),
        "target": "<= 2",
        "detail_is": "GET /api/components/{id}/ (component, host, ranked candidates, label, "
        "source, epoch history)",
        "plain_is": "GET /api/components/?ra=&dec=&radius_arcsec=0.5 on the component's "
        "position (its row alone)",
    }


def deep_pages(port: int, data: dict, n: int, limit: int = 100) -> dict:
    """Keyset pagination: a host-catalogue page deep in the list costs what page 1 costs.

    The cursor of page k is the one DRF's CursorPagination hands out there (base64 of
    ``p=<last id of page k-1>``), built directly so that the deep page needs no walk."""
    ids = sorted(c[0] for c in data["components"])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    pages = {"first": 1, "middle": len(ids) // limit // 2, "last": len(ids) // limit}
    times: dict[str, list[float]] = {k: [] for k in pages}
    for _ in range(n):  # interleaved, so machine noise hits every page alike
        for kind, k in pages.items():
            q = {"limit": limit, "epoch": "bench"}
            if k > 1:
                q["cursor"] = base64.b64encode(f"p={ids[(k - 1) * limit - 1]}".encode()).decode()
            t0 = time.perf_counter()
            conn.request("GET", "/api/hosts/?" + urlencode(q))
            r = conn.getresponse()
            body = json.loads(r.read())
            times[kind].append(time.perf_counter() - t0)
            assert r.status == 200 and body["results"], (kind, r.status)
    p50 = {k: 1e3 * float(np.median(v)) for k, v in times.items()}
    return {
        "n": n,
        "rows_per_page": limit,
        "page_numbers": pages,
        **{f"{k}_p50_ms": round(v, 2) for k, v in p50.items()},
        "last_over_first_p50": round(p50["last"] / p50["first"], 2),
    }
