"""``/api/sources/``, its exports and ``manage.py export_host_table`` on a simulated epoch that
went through the real pipeline (tiles, finish, source catalogue)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from astropy.table import Table
from django.core.management import CommandError, call_command
from django.test import override_settings
from rest_framework.test import APIClient

from catalog.models import Source
from ml.sim.epoch import simulate_epoch
from ml.sky import separation_arcsec

pytestmark = pytest.mark.django_db


@pytest.fixture
def epoch(tmp_path, eager):
    from catalog.simulated.epoch import ingest_sim_epoch
    from workers import tasks

    ep = simulate_epoch(400, seed=11, ra0=150.0, dec0=2.0)
    e = ingest_sim_epoch(ep, "2", tmp_path)
    with override_settings(RADIOHOST_TILE_ORDER=6):
        assert tasks.process_epoch.apply(args=(e.pk,)).get()["action"] == "identify"
    e.refresh_from_db()
    assert Source.objects.filter(epoch=e).count() > 100
    return e


def _all(client, params) -> list[dict]:
    rows, r = [], client.get("/api/sources/", {**params, "limit": 50})
    while True:
        assert r.status_code == 200, r.content
        body = r.json()
        rows += body["results"]
        if not body["next"]:
            return rows
        r = client.get(body["next"])


def test_filters_cone_and_pages(epoch):
    c = APIClient()
    everything = _all(c, {})
    assert len(everything) == Source.objects.count()  # paged by cursor: none lost or doubled
    assert len({r["id"] for r in everything}) == len(everything)
    multi = [r for r in everything if r["n_components"] > 1]
    assert multi and all(len(r["components"]) == r["n_components"] for r in everything)
    assert {r["id"] for r in _all(c, {"n_components_min": 2})} == {r["id"] for r in multi}
    for t in ("single", "double without core"):
        assert {r["id"] for r in _all(c, {"source_type": t})} == {
            r["id"] for r in everything if r["source_type"] == t
        }
    hosted = {r["id"] for r in everything if r["host_optical_id"] is not None}
    assert {r["id"] for r in _all(c, {"has_host": "true"})} == hosted
    assert {r["id"] for r in _all(c, {"reliability_min": 0.9})} == {
        r["id"]
        for r in everything
        if r["host_reliability"] is not None and r["host_reliability"] >= 0.9
    }
    # a component's source: the one listing it
    s = multi[0]
    comp = s["components"][1]["id"]
    assert [r["id"] for r in _all(c, {"component": comp})] == [s["id"]]
    assert c.get(f"/api/sources/{s['id']}/").json()["components"] == s["components"]
    assert _all(c, {"name": s["source_name"].lower()})[0]["id"] == s["id"]
    # cone: exactly the sources within the radius by a full scan, nearest first
    ra, dec = s["ra"], s["dec"]
    cone = _all(c, {"ra": ra, "dec": dec, "radius_arcsec": 900})
    d = separation_arcsec(ra, dec, [r["ra"] for r in everything], [r["dec"] for r in everything])
    assert {r["id"] for r in cone} == {
        r["id"] for r, x in zip(everything, d, strict=True) if x <= 900
    }
    seps = [r["cone_separation_arcsec"] for r in cone]
    assert seps == sorted(seps) and seps[0] == pytest.approx(0, abs=1e-6) and len(cone) > 1
    assert all(r["epoch"] == "2" and r["survey"] == "VLASS" for r in _all(c, {"epoch": "2"}))
    assert _all(c, {"epoch": "nope"}) == []


BAD = [
    ({"colour": "red"}, "colour"),
    ({"radius_arcsec": -1, "ra": 150, "dec": 2}, "radius_arcsec"),
    ({"source_type": "quadruple"}, "source_type"),
    ({"reliability_min": 2}, "reliability_min"),
    ({"reliability_min": 0.9, "reliability_max": 0.1}, "reliability_min"),
    ({"has_host": "perhaps"}, "has_host"),
    ({"format": "xls"}, "format"),
    ({"format": "csv", "limit": 5}, "limit"),
    ({"model_version": "no-such-version"}, "model_version"),
    ({"ra": 150}, "dec"),
    ({"component": "1.5"}, "component"),
    ({"component": str(2**64)}, "component"),
    ({"n_components_min": "two"}, "n_components_min"),
]
FORMATS = ["csv", "votable", "fits", "parquet"]


def test_bad_parameters_are_400s_naming_them(epoch):
    # one epoch for every case: the pipeline fixture is the slow part
    for params, name in BAD:
        r = APIClient().get("/api/sources/", params)
        assert r.status_code == 400, (params, r.content)
        assert name in str(r.json()), r.json()  # the answer names the parameter


def test_exports_read_back_with_astropy(epoch, tmp_path):
    want = Source.objects.filter(n_components__gt=1)
    for fmt in FORMATS:
        r = APIClient().get("/api/sources/", {"format": fmt, "n_components_min": 2})
        assert r.status_code == 200
        path = tmp_path / f"s.{fmt}"
        path.write_bytes(b"".join(r.streaming_content))
        t = _read(path, fmt)
        assert len(t) == want.count() > 0, fmt
        assert sorted(str(x) for x in t["source_name"]) == sorted(
            want.values_list("source_name", flat=True)
        )
        # every format carries the units, the CSV too (ECSV)
        assert str(t["ra"].unit) == "deg" and str(t["total_flux"].unit) == "mJy", fmt
        assert str(t["las"].unit) == "arcsec" == str(t["host_separation_arcsec"].unit), fmt
        row = t[int(np.argmax(np.asarray(t["n_components"])))]
        src = Source.objects.get(source_name=str(row["source_name"]))
        names = sorted(src.components.values_list("name", flat=True))
        assert sorted(str(row["component_names"]).split(";")) == names, fmt


def _read(path, fmt) -> Table:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        pt = pq.read_table(path)
        t = Table({n: pt.column(n).to_pylist() for n in pt.column_names})
        for f in pt.schema:
            unit = (f.metadata or {}).get(b"unit", b"").decode()
            if unit:
                t[f.name].unit = unit
        return t
    return Table.read(path, format={"csv": "ascii.ecsv", "votable": "votable", "fits": "fits"}[fmt])


def test_export_host_table_writes_the_epochs_table(epoch, tmp_path):
    n = Source.objects.filter(epoch=epoch).count()
    for fmt in FORMATS:
        out = tmp_path / f"t.{fmt}"
        msg = io.StringIO()
        call_command("export_host_table", "--epoch", "VLASS 2", "--format", fmt,
                     "--output", str(out), stdout=msg)  # fmt: skip
        assert f"{n} sources" in msg.getvalue()
        t = _read(out, fmt)
        assert len(t) == n, fmt
        assert set(str(x) for x in t["source_name"]) == set(
            Source.objects.filter(epoch=epoch).values_list("source_name", flat=True)
        )
        assert set(str(x) for x in t["source_type"]) <= {c for c, _ in Source.Type.choices}
        assert str(t["core_dec"].unit) == "deg", fmt  # units in every format (CSV as ECSV)


def test_export_host_table_says_what_is_missing(epoch, tmp_path):
    with pytest.raises(CommandError, match="epoch 'nope': not found"):
        call_command("export_host_table", "--epoch", "nope", "--format", "csv")
    Source.objects.all().delete()
    with pytest.raises(CommandError, match="no sources under"):
        call_command("export_host_table", "--epoch", "2", "--format", "csv",
                     "--output", str(tmp_path / "x.csv"))  # fmt: skip
    call_command("export_host_table", "--epoch", "2", "--format", "csv", "--build",
                 "--output", str(tmp_path / "x.csv"), stdout=io.StringIO())  # fmt: skip
    assert len(Table.read(tmp_path / "x.csv", format="ascii.ecsv")) == Source.objects.count() > 0


def test_the_schema_documents_the_endpoint(epoch):
    r = APIClient().get("/api/schema/", {"format": "json"})
    paths = r.json()["paths"]
    assert "/api/sources/" in paths and "/api/sources/{id}/" in paths
    names = {p["name"] for p in paths["/api/sources/"]["get"]["parameters"]}
    assert {"ra", "dec", "radius_arcsec", "source_type", "reliability_min", "format"} <= names
