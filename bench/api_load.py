"""API load benchmark: gunicorn on PostgreSQL serving a SIMULATED epoch.

1. A simulated VLASS epoch (``ml.sim.epoch``: components at the VLASS density, optical
   sources, candidates by the real candidate join, predictions by the real epoch pipeline
   tiles) in a database of its own (``--components``; 34,000 is 1 % of VLASS).
2. gunicorn (sync workers) on 127.0.0.1 with 2 and then 4 workers; ``--clients`` (50)
   concurrent keep-alive clients for ``--seconds`` (60) each, requests drawn from a fixed
   mix: cone searches (60″), component details (the whole answer), host-catalogue pages
   (cursor), and a host-catalogue CSV export of a 0.2° cone (1 in 50). requests/s, p50/p99
   and errors (any non-2xx or a broken connection; target 0), overall and per endpoint.
   Throttling is set out of reach (the clients share one address).
3. The detail/plain ratio: the same components fetched one at a time, sequentially, as the
   whole answer (``/api/components/{id}/``) and as a plain row (a 0.5″ cone on it); p50 ratio
   (target ≤ 2).
   Keyset pages: /api/hosts/ page 1, a middle page and the last page (cursor built as DRF
   hands it out), p50 each; the last page should cost what page 1 costs.
4. ``--export-rss``: peak RSS of a process streaming a components export (csv, votable,
   parquet, fits) of 10 k and 1 M rows, beside its RSS before the export.

Run: ``DEBUG=1 .venv/bin/python bench/api_load.py`` -> ``results/api_load.json``: 50 clients
x 60 s per worker count, as the issue asks (``--seconds 5`` for a smoke run; the JSON and its
summary record what ran, and the machine's load average before and after, since
the clients, gunicorn and PostgreSQL share the machine's cores).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import platform
import random
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import ensure_database, setup_django  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))


# ------------------------------------------------------------------------------ data


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


# ------------------------------------------------------------------------------ server


def start_gunicorn(db_url: str, workers: int, port: int) -> subprocess.Popen:
    env = dict(
        os.environ,
        DATABASE_URL=db_url,
        DEBUG="0",
        SECRET_KEY="bench-" + "k3y!" * 20,
        SECURE_SSL_REDIRECT="0",
        RADIOHOST_THROTTLE_ANON="100000000/min",
        RADIOHOST_THROTTLE_USER="100000000/min",
        LOG_LEVEL="WARNING",
    )
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "radiohost_site.wsgi:application",
            f"--workers={workers}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
            "--timeout=60",
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


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


# ------------------------------------------------------------------------------ clients


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


# ------------------------------------------------------------------------------ export RSS


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
                [sys.executable, __file__, "--export-child", fmt, "--db-url", url],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            rows.append(json.loads(p.stdout.strip().splitlines()[-1]))
            print(rows[-1])
        out[str(n)] = rows
    return out


# ------------------------------------------------------------------------------ main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--components", type=int, default=34_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--workers", default="2,4")
    ap.add_argument("--ratio-n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument(
        "--base-url",
        default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    ap.add_argument("--db-name", default="h15_apiload")
    ap.add_argument("--export-rss", default="", help="row counts, e.g. 10000,1000000")
    ap.add_argument("--export-child", default="", help=argparse.SUPPRESS)
    ap.add_argument("--db-url", default="", help=argparse.SUPPRESS)
    ap.add_argument("--out", default=str(ROOT / "results" / "api_load.json"))
    args = ap.parse_args(argv)
    if args.export_child:
        _export_child(args.db_url, args.export_child)
        return 0

    out_path = Path(args.out)
    report = json.loads(out_path.read_text()) if out_path.exists() else {}
    command = "python " + " ".join(["bench/api_load.py", *(argv or sys.argv[1:])])
    # Each part keeps the load averages of its own run: an --export-rss run must not
    # overwrite those the load figures were measured under.
    machine_key = "export_rss_machine" if args.export_rss else "machine"
    report["benchmark"] = "radiohost API under load (gunicorn, PostgreSQL, simulated epoch)"
    report[machine_key] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_1_5_15_before": [round(x, 2) for x in os.getloadavg()],
    }
    report.setdefault("commands", {})["export_rss" if args.export_rss else "load"] = command
    if args.export_rss:
        report["export_rss"] = export_rss(
            args.base_url, [int(x) for x in args.export_rss.split(",")]
        )
    else:
        db_url = ensure_database(args.base_url, args.db_name)
        setup_django(db_url)
        data = load_epoch(args.components, args.seed)
        # the load on the machine when the clients start, not while the epoch was loading
        report["machine"]["load_average_1_5_15_before"] = [round(x, 2) for x in os.getloadavg()]
        from django.db import connections

        connections.close_all()
        load = {}
        for w in [int(x) for x in args.workers.split(",")]:
            proc = start_gunicorn(db_url, w, args.port)
            try:
                run_load(args.port, data, 4, 3)  # warm every worker
                load[f"{w}_workers"] = run_load(args.port, data, args.clients, args.seconds)
                print(w, "workers:", json.dumps(load[f"{w}_workers"]))
                if w == min(int(x) for x in args.workers.split(",")):
                    report["detail_vs_plain"] = detail_vs_plain(
                        args.port, data, args.ratio_n, args.seed
                    )
                    print(report["detail_vs_plain"])
                    report["deep_pages"] = deep_pages(args.port, data, args.ratio_n // 4)
                    print(report["deep_pages"])
            finally:
                stop(proc)
        report.update(
            {
                "data": "SIMULATED epoch (ml.sim.epoch, VLASS density), real ingest, candidate "
                "join and epoch-pipeline predictions",
                "components": data["n_components"],
                "predictions": data["n_predictions"],
                "clients": args.clients,
                "seconds_per_run": args.seconds,
                "mix": '33% cone 60", 35% component detail, 30% host page (100 rows), '
                "2% host CSV export of a 0.2 deg cone",
                "load": load,
            }
        )
    report[machine_key]["load_average_1_5_15_after"] = [round(x, 2) for x in os.getloadavg()]
    parts = []
    if "load" in report:
        parts.append(
            f"{report['clients']} clients x {report['seconds_per_run']:g} s per config on "
            f"{report['machine']['cpus']} shared cores (load average "
            f"{report['machine']['load_average_1_5_15_before'][0]} before)"
        )
    for key, r in report.get("load", {}).items():
        slowest = max(r["by_kind"], key=lambda k: r["by_kind"][k]["p99_ms"])
        parts.append(
            f"{key}: {r['requests_per_s']} req/s, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, "
            f"{r['errors']} errors (worst p99: {slowest} {r['by_kind'][slowest]['p99_ms']} ms)"
        )
    if "detail_vs_plain" in report:
        ratio = report["detail_vs_plain"]["detail_over_plain_p50"]
        parts.append(
            f"detail/plain p50 {ratio}x ({'within' if ratio <= 2 else 'over'} the 2x target)"
        )
    if "deep_pages" in report:
        dp = report["deep_pages"]
        parts.append(
            f"host page {dp['page_numbers']['last']:,} of /api/hosts/ p50 {dp['last_p50_ms']} ms "
            f"vs page 1 {dp['first_p50_ms']} ms ({dp['last_over_first_p50']}x)"
        )
    for n, rows in report.get("export_rss", {}).items():
        parts.append(
            f"export {int(n):,} rows peak RSS "
            + ", ".join(f"{r['format']} {r['peak_rss_mb']:.0f} MB" for r in rows)
        )
    report["summary"] = "; ".join(parts)
    out_path.write_text(json.dumps(report, indent=2))
    print(report["summary"])
    print(f"wrote {out_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
