"""Page render times with a simulated 1% VLASS epoch loaded (p50/p95 per page).

A VLASS Quick Look epoch holds ~3 million components; 1% is ``--components`` (default
30,000) SIMULATED components spread over a ~340 deg² patch, each with ``--candidates``
(default 10) optical candidates, their host predictions (likelihood from the candidate's
offset, ranks, positive/prime flags by seed §4.2) and a published (RGZ-like) label for 5%.
Rows are written in bulk into a database of their own (created and filled once, reused on
later runs), then the pages' summaries are refreshed exactly as the pipeline would.

Each page is requested ``--repeats`` times through Django's test client in this process
(server time: URL routing, views, queries, templates; no network), over different
components/queries, with the counts cache warm; the first (cold-cache) home request, the
first overlay render of a component and the SQL query count per page are reported beside.

Run: ``DEBUG=1 .venv/bin/python bench/pages.py`` (PostgreSQL on 127.0.0.1) → results/pages.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = "radiohost_bench_pages"


def ensure_database(url_base: str) -> str:
    import psycopg

    with psycopg.connect(f"{url_base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB,)).fetchone():
            conn.execute(f'CREATE DATABASE "{DB}"')
    return f"{url_base}/{DB}"


def setup_django(db_url: str, media: Path) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["RADIOHOST_MEDIA_ROOT"] = str(media)
    os.environ.setdefault("DEBUG", "1")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "radiohost_site.settings")
    import django

    django.setup()


def populate(n_comp: int, n_cand: int, seed: int) -> dict:
    """Bulk-write the simulated epoch; returns its counts (skips when already there)."""
    from django.db import transaction

    from catalog.models import (
        Candidate,
        Epoch,
        HostPrediction,
        Label,
        OpticalSource,
        RadioComponent,
        Survey,
    )
    from catalog.pipeline.component import association_model_version
    from catalog.sky.spatial import hpx_index

    survey, _ = Survey.objects.get_or_create(name="VLASS", defaults={"frequency_ghz": 3.0})
    epoch, created = Epoch.objects.get_or_create(survey=survey, name="bench-1pct")
    if not created and epoch.components.count() == n_comp:
        return {"reused": True}
    rng = np.random.default_rng(seed)
    # a patch of ~340 deg² (1% of the VLASS sky): RA 150-170 deg, Dec 0-17 deg
    ra = rng.uniform(150, 170, n_comp)
    dec = np.degrees(np.arcsin(rng.uniform(0, np.sin(np.radians(17)), n_comp)))
    flux = rng.lognormal(np.log(3.0), 1.0, n_comp)
    t0 = time.perf_counter()
    with transaction.atomic():
        comps = [
            RadioComponent(
                epoch=epoch,
                name=f"BENCH J{i:07d}",
                ra=float(a),
                dec=float(d),
                hpx=int(h),
                total_flux_mjy=float(f),
                peak_flux_mjy=float(f * 0.8),
                dc_major_arcsec=1.0,
                dc_minor_arcsec=0.5,
                pa_deg=30.0,
            )
            for i, (a, d, f, h) in enumerate(zip(ra, dec, flux, hpx_index(ra, dec), strict=True))
        ]
        comps = RadioComponent.objects.bulk_create(comps, batch_size=5000)
        off = rng.normal(0, 40.0, (n_comp, n_cand, 2))  # arcsec, (east, north)
        off[:, 0, :] = rng.normal(0, 1.0, (n_comp, 2))  # one close candidate per field
        ora = ra[:, None] + off[..., 0] / 3600 / np.cos(np.radians(dec[:, None]))
        odec = dec[:, None] + off[..., 1] / 3600
        opt = [
            OpticalSource(
                catalogue="sim",
                source_id=f"b{i}_{j}",
                ra=float(ora[i, j] % 360),
                dec=float(odec[i, j]),
                hpx=0,
                r_mag=float(rng.uniform(17, 23)),
                is_simulated=True,
            )
            for i in range(n_comp)
            for j in range(n_cand)
        ]
        hp = hpx_index(np.array([o.ra for o in opt]), np.array([o.dec for o in opt]))
        for o, h in zip(opt, hp, strict=True):
            o.hpx = int(h)
        opt = OpticalSource.objects.bulk_create(opt, batch_size=5000)
        dist = np.hypot(off[..., 0], off[..., 1])
        cands = [
            Candidate(
                component=comps[i],
                optical_source=opt[i * n_cand + j],
                dx_px=float(-off[i, j, 0]),
                dy_px=float(off[i, j, 1]),
                distance_px=float(dist[i, j]),
            )
            for i in range(n_comp)
            for j in range(n_cand)
        ]
        cands = Candidate.objects.bulk_create(cands, batch_size=5000)
        mv = association_model_version()
        lik = np.exp(-0.5 * (dist / 3.0) ** 2)
        order = np.argsort(-lik, axis=1, kind="stable")
        ranks = np.empty_like(order)
        np.put_along_axis(ranks, order, np.arange(1, n_cand + 1)[None, :].repeat(n_comp, 0), 1)
        npos = (lik > 0.5).sum(axis=1)
        preds = [
            HostPrediction(
                candidate=cands[i * n_cand + j],
                model_version=mv,
                likelihood=float(lik[i, j]),
                rank=int(ranks[i, j]),
                is_positive=bool(lik[i, j] > 0.5),
                is_prime=bool(lik[i, j] > 0.5 and npos[i] == 1),
            )
            for i in range(n_comp)
            for j in range(n_cand)
        ]
        HostPrediction.objects.bulk_create(preds, batch_size=5000)
        labelled = rng.choice(n_comp, n_comp // 20, replace=False)
        Label.objects.bulk_create(
            [
                Label(
                    component=comps[i],
                    host=opt[i * n_cand + int(rng.integers(n_cand))],
                    origin=Label.Origin.RGZ,
                    author_name="bench (simulated)",
                )
                for i in labelled
            ],
            batch_size=5000,
        )
    return {"reused": False, "write_s": round(time.perf_counter() - t0, 1)}


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--components", type=int, default=30_000)
    p.add_argument("--candidates", type=int, default=10)
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--out", default=str(ROOT / "results" / "pages.json"))
    args = p.parse_args(argv)
    media = ROOT / "var" / "bench_pages_media"
    setup_django(ensure_database(args.pg), media)
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from catalog.images.overlay import render_and_store
    from catalog.models import ComponentSummary, RadioComponent
    from catalog.read.summaries import refresh_summaries
    from pages.forms import format_sexagesimal

    setup_test_environment()
    call_command("migrate", verbosity=0)
    info = populate(args.components, args.candidates, args.seed)
    if not info["reused"] or ComponentSummary.objects.count() < args.components:
        t0 = time.perf_counter()
        refresh_summaries()
        info["summaries_s"] = round(time.perf_counter() - t0, 1)
    with connection.cursor() as cur:  # planner statistics after the bulk load, as a pipeline would
        cur.execute("ANALYZE")
    rng = np.random.default_rng(args.seed + 1)
    ids = list(RadioComponent.objects.filter(epoch__name="bench-1pct").values_list("pk", flat=True))
    sample = [int(i) for i in rng.choice(ids, args.repeats, replace=False)]
    comps = {c.pk: c for c in RadioComponent.objects.filter(pk__in=sample)}
    first_render = []
    import shutil

    shutil.rmtree(media / "overlays", ignore_errors=True)  # time real first renders
    for pk in sample:  # the overlay task, outside the timed page requests
        t0 = time.perf_counter()
        render_and_store(pk)
        first_render.append(time.perf_counter() - t0)

    client = Client()
    cache.clear()
    t0 = time.perf_counter()
    client.get("/")
    home_cold_ms = (time.perf_counter() - t0) * 1e3

    def urls(name: str, k: int) -> str:
        c = comps[sample[k]]
        return {
            "home": "/",
            "search_sexagesimal_cone": "/search/?position="
            + format_sexagesimal(c.ra, c.dec).replace("+", "%2B").replace(" ", "+")
            + "&radius_arcsec=120",
            "search_name": "/search/?name=" + c.name.replace(" ", "+"),
            "search_flux_sorted_by_reliability": f"/search/?flux_min={1 + k % 5}&sort=-reliability",
            "search_flags_page_5": "/search/?prime=on&page=5",
            "component": f"/components/{c.pk}/",
            "review": f"/review/?page={1 + k % 3}",
            "models": "/models/",
        }[name]

    pages = [
        "home",
        "search_sexagesimal_cone",
        "search_name",
        "search_flux_sorted_by_reliability",
        "search_flags_page_5",
        "component",
        "review",
        "models",
    ]
    times = {n: [] for n in pages}
    queries = {}
    for n in pages:  # one warm-up request each (imports, template compilation)
        assert client.get(urls(n, 0)).status_code == 200, n
    for k in range(args.repeats):
        for n in pages:  # interleaved, so machine noise hits every page alike
            with CaptureQueriesContext(connection) as q:
                t0 = time.perf_counter()
                r = client.get(urls(n, k))
                if hasattr(r, "streaming_content"):
                    b"".join(r.streaming_content)
                dt = time.perf_counter() - t0
            assert r.status_code == 200, (n, r.status_code)
            times[n].append(dt * 1e3)
            queries[n] = max(queries.get(n, 0), len(q.captured_queries))
    rows = {
        n: {
            "p50_ms": round(float(np.percentile(t, 50)), 1),
            "p95_ms": round(float(np.percentile(t, 95)), 1),
            "max_ms": round(float(np.max(t)), 1),
            "sql_queries": queries[n],
            "example": urls(n, 0),
        }
        for n, t in times.items()
    }
    worst95 = max(r["p95_ms"] for r in rows.values())
    out = {
        "summary": {
            "data": f"SIMULATED 1% VLASS epoch: {args.components:,} components × "
            f"{args.candidates} candidates (+ predictions, 5% with an RGZ-like label)",
            "p50_ms": {n: r["p50_ms"] for n, r in rows.items()},
            "p95_ms": {n: r["p95_ms"] for n, r in rows.items()},
            "worst_p95_ms": worst95,
            "goal_ms": 300,
            "all_pages_p95_under_goal": worst95 < 300,
            "home_cold_cache_ms": round(home_cold_ms, 1),
            "overlay_first_render_p50_s": round(float(np.median(first_render)), 2),
        },
        "pages": rows,
        "repeats": args.repeats,
        "setup": info,
        "method": "Django test client in-process (server time, no network), PostgreSQL, "
        "counts cache warm; overlays pre-rendered by the task (first render timed apart)",
        "command": "DEBUG=1 .venv/bin/python bench/pages.py",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out["summary"], indent=2))
    return out


if __name__ == "__main__":
    main()
