"""Every example URL of the README answers with rows: those before its "## Real data" heading
on the demo's sky, those under it after ``manage.py ingest_all`` of the real catalogues.

The demo simulates 40 fields with seed 2023 (``manage.py demo``); the simulator makes each field
from (seed, field index), so the first two fields here are the demo's first two, with the same
component names and positions. Each ``http://127.0.0.1:8000/...`` in the README is requested
against them and must answer 200 with at least one row (JSON results, table rows, or the
component's name on a page).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from astropy.table import Table
from django.test import Client

README = Path(__file__).resolve().parents[1] / "README.md"
URL = re.compile(r"http://127\.0\.0\.1:8000(/[^\s'\"`)]*)")
DEMO_NAME = "J085100.06-353646.6"  # the demo's first component


def readme_paths(part: str = "all") -> list[str]:
    """The README's example paths: ``demo`` before "## Real data", ``real`` in that section."""
    text = README.read_text()
    head, _, rest = text.partition("\n## Real data\n")
    real, _, tail = rest.partition("\n## ")
    chosen = {"demo": head + tail, "real": real, "all": text}[part]
    return list(dict.fromkeys(m.group(1).rstrip(".,") for m in URL.finditer(chosen)))


def test_the_readme_is_short_and_its_examples_are_listed():
    text = README.read_text()
    assert len(text.splitlines()) <= 150
    paths = readme_paths()
    # the page, the API answer, a cone, the exports and the VO cone search are all examples
    for needed in ("/search/?name=", "/api/components/?name=", "radius_arcsec=", "format=csv",
                   "format=votable", "/api/vo/cone/components?"):  # fmt: skip
        assert any(needed in p for p in paths), needed


@pytest.fixture
def demo_sky(db, tmp_path, settings):
    from catalog.models import Label
    from catalog.pipeline.component import association_model_version, identify_components
    from catalog.read.summaries import refresh_summaries
    from catalog.simulated.sky import ingest_sim_sky
    from ml.sim.formats import write_sky

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.CELERY_TASK_ALWAYS_EAGER = True
    write_sky(2, tmp_path / "sky", 2023)
    ingest_sim_sky(tmp_path / "sky")
    ids = list(
        Label.objects.current()
        .filter(origin="sim", component__isnull=False)
        .values_list("component_id", flat=True)
    )
    identify_components(ids, association_model_version())
    refresh_summaries()


def _rows(path: str, response) -> int:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    query = urlsplit(path).query
    if "/api/vo/" in path or "format=votable" in query:
        return len(Table.read(io.BytesIO(body), format="votable"))
    if "format=csv" in query:
        return len(Table.read(io.BytesIO(body), format="ascii.ecsv"))
    if path.startswith("/api/") and not path.startswith("/api/docs/"):
        data = response.json()
        return len(data["results"] if isinstance(data, dict) else data)
    html = body.decode()
    name = dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("name")
    if name:
        return html.count(name)
    if "position=" in query:
        return html.count(DEMO_NAME)
    return 1  # a page without a query (/, /review/, /admin/, /api/docs/): answering is enough


@pytest.mark.parametrize("path", readme_paths("demo"))
def test_each_readme_example_answers_with_rows_on_the_demo_sky(demo_sky, path, curator):
    client = Client()
    if path.startswith("/admin/"):
        client.force_login(curator)  # the README sends curators there
    r = client.get(path, follow=True)
    assert r.status_code == 200, (path, r.status_code)
    assert _rows(path, r) > 0, path


@pytest.fixture
def curator(db):
    from catalog.curation.curators import create_curator

    return create_curator("cora", "cora-pass-123")[0]


@pytest.fixture
def real_catalogues(db):
    from django.core.management import call_command

    call_command("ingest_all", stdout=io.StringIO())


def test_each_real_data_example_answers_with_real_rows(real_catalogues):
    paths = readme_paths("real")
    assert len(paths) >= 3
    client = Client()
    for path in paths:
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code)
        assert _rows(path, r) > 0, path
        if path.startswith("/api/") and "/vo/" not in path:
            assert r.json()["provenance"]["rows"] == "real", path
