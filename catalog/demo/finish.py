"""The demo's last step for the pages: summaries, a few overlays, a curator, how to serve.

Runs on the demo's own SQLite database only (``make demo``); the curator it creates has a
random password printed once, and exists in that database alone; a later ``make demo`` keeps
that password and says so.
"""

from __future__ import annotations

from pathlib import Path

import astropy.units as u
from django.db import connection

from catalog.curation.curators import create_curator
from catalog.images.cutouts import store_component_cutout
from catalog.images.overlay import render_and_store
from catalog.models import Label
from catalog.providers.cutouts import LocalFITSDirectory
from catalog.read.summaries import refresh_summaries, review_queryset

DEMO_CURATOR = "curator"
N_PIXEL_FIELDS = 10  # simulated radio images stored as cutouts (the rest render from the catalogue)
N_OVERLAYS = 4


def is_demo_database() -> bool:
    name = str(connection.settings_dict.get("NAME", ""))
    return connection.vendor == "sqlite" and Path(name).name == "demo.sqlite3"


def finish(stdout, sky_dir: Path) -> None:
    n = refresh_summaries()
    stdout.write(f"  pages: {n} component summaries (search table and review queue)")
    if not is_demo_database():  # e.g. the demo chain run by a test on PostgreSQL: no files, no user
        stdout.write("  pages: not the demo database: no cutouts, overlays or demo curator")
        return
    # simulated radio pixels for some fields, through the same storage as real cutouts
    provider = LocalFITSDirectory(sky_dir / "radio", survey="SIM")
    labelled = Label.objects.current().filter(origin="sim", component__isnull=False)
    stored = 0
    for lab in labelled.select_related("component").order_by("component_id")[:N_PIXEL_FIELDS]:
        try:
            store_component_cutout(provider, lab.component, 240 * u.arcsec)
            stored += 1
        except ValueError:
            continue
    first = list(review_queryset().values_list("component_id", flat=True)[:N_OVERLAYS])
    for cid in first:
        render_and_store(cid)
    stdout.write(
        f"  pages: {stored} SIMULATED radio images stored as cutouts, {len(first)} overlays "
        "rendered (others render when first opened)"
    )
    # An earlier demo run made the user: its password is kept (a second `make demo` must not
    # lock out whoever signed in with the first one); create_curator leaves it alone.
    _, password = create_curator(DEMO_CURATOR)
    if password is None:
        who = (
            f"user {DEMO_CURATOR} already exists in this database: its password was kept "
            f"(a new one: manage.py create_curator {DEMO_CURATOR} --password NEW)"
        )
    else:
        who = f"user {DEMO_CURATOR}, password {password}"
    stdout.write(
        "Serve this demo's own database:  make serve\n"
        "  (= DEBUG=1 DATABASE_URL=sqlite:///var/demo.sqlite3 CELERY_TASK_ALWAYS_EAGER=1 "
        ".venv/bin/python manage.py runserver 127.0.0.1:8000)  then open http://127.0.0.1:8000/\n"
        f"Demo curator (this demo database only; may relabel on the pages and in /admin/): {who}"
    )
