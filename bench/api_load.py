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
5. ``--slow-exports sync:3,gthread:3x8,gthread:3x8:jobs``: p50/p99 of small requests (cone searches, component
   details; target p99 <= 1 s) while 5 clients slowly (32 KB/s) download the epoch's host
   catalogue as a VOTable, per gunicorn configuration (the compose ``web`` line before and
   after: 3 sync workers; 3 gthread workers x 8 threads; the same with the export as a
   background job written by a celery worker, then downloaded as a file).

Modules: :mod:`bench.api_load_server` (epoch, gunicorn), :mod:`bench.api_load_clients` (load,
detail/plain, deep pages), :mod:`bench.api_load_exports` (export RSS, slow export clients).

Run: ``DEBUG=1 .venv/bin/python bench/api_load.py`` -> ``results/api_load.json``: 50 clients
x 60 s per worker count, as the issue asks (``--seconds 5`` for a smoke run; the JSON and its
summary record what ran, and the machine's load average before and after, since
the clients, gunicorn and PostgreSQL share the machine's cores).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_load_clients import deep_pages, detail_vs_plain, run_load  # noqa: E402
from bench.api_load_exports import _export_child, export_rss, slow_exports  # noqa: E402
from bench.api_load_server import load_epoch, start_celery, start_gunicorn, stop  # noqa: E402
from bench.django_setup import ensure_database, setup_django  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))


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
    ap.add_argument("--slow-exports", default="", help="gunicorn configs, e.g. sync:3,gthread:3x8")
    ap.add_argument("--slow-seconds", type=float, default=30.0)
    ap.add_argument(
        "--broker-url",
        default=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
        help="broker of the export worker (the :jobs configurations)",
    )
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
    part = "export_rss" if args.export_rss else "slow_exports" if args.slow_exports else "load"
    machine_key = {"export_rss": "export_rss_machine", "slow_exports": "slow_exports_machine"}.get(
        part, "machine"
    )
    report["benchmark"] = "radiohost API under load (gunicorn, PostgreSQL, simulated epoch)"
    report[machine_key] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_1_5_15_before": [round(x, 2) for x in os.getloadavg()],
    }
    report.setdefault("commands", {})[part] = command
    if args.slow_exports:
        report["slow_exports"] = run_slow_exports(args, report[machine_key])
    elif args.export_rss:
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
    for key, r in report.get("slow_exports", {}).get("configs", {}).items():
        parts.append(
            f"small requests while {r['slow_clients']} slow clients download the host "
            f"catalogue, {key}: p99 {r['small_p99_ms']} ms (max {r['small_max_ms']} ms, "
            f"{r['small_errors']} errors; target <= 1000 ms)"
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


def run_slow_exports(args, machine: dict) -> dict:
    """Part 5: each gunicorn configuration serves small requests beside slow exports."""
    db_url = ensure_database(args.base_url, args.db_name)
    setup_django(db_url)
    data = load_epoch(args.components, args.seed)
    from django.db import connections

    connections.close_all()
    machine["load_average_1_5_15_before"] = [round(x, 2) for x in os.getloadavg()]
    configs = {}
    media = tempfile.mkdtemp(prefix="api_load_media_")
    for spec in args.slow_exports.split(","):
        kind, _, rest = spec.partition(":")
        size, _, jobs = rest.partition(":")
        workers, _, threads = size.partition("x")
        threads = int(threads or 8) if kind == "gthread" else 0
        # inline: every export streams in the request (what a slow reader does to a worker);
        # jobs: the export is a background job a celery worker writes, then a file download
        extra = {
            "RADIOHOST_EXPORT_INLINE_MAX_ROWS": str(1000 if jobs else 10**9),
            "RADIOHOST_MEDIA_ROOT": media,
            "CELERY_BROKER_URL": args.broker_url,
        }
        worker = start_celery(db_url, extra) if jobs else None
        proc = start_gunicorn(db_url, int(workers), args.port, threads=threads, env_extra=extra)
        try:
            run_load(args.port, data, 2, 3)  # warm every worker
            configs[spec] = slow_exports(
                args.port, data, seconds=args.slow_seconds, jobs=bool(jobs)
            )
            print(spec, json.dumps(configs[spec]))
        finally:
            stop(proc)
            if worker is not None:
                stop(worker)
    return {
        "components": data["n_components"],
        "configs": configs,
        "note": "sync:N = N sync gunicorn workers; gthread:NxT = N gthread workers x T threads "
        "(the compose web line); every export streams inline, except in a ':jobs' "
        "configuration, where RADIOHOST_EXPORT_INLINE_MAX_ROWS=1000 makes it a background job "
        "(one celery worker writes it to the storage; the slow clients poll, then download "
        "the file through the API)",
    }


if __name__ == "__main__":
    raise SystemExit(main())
