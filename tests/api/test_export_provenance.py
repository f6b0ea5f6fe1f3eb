"""Every export format read back by astropy has the JSON's column names, the column table's
units and the JSON's rows, and says what its rows are (the provenance record)."""

from __future__ import annotations

import io
from datetime import datetime

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.io.votable import parse
from astropy.table import Table
from rest_framework.test import APIClient

from catalog.api import tables
from catalog.models import Epoch, RadioComponent, Survey
from catalog.pipeline.component import METHOD_NAME
from catalog.read.provenance import KEYS, software_version

READERS = {"csv": "ascii.ecsv", "votable": "votable", "parquet": "parquet", "fits": "fits"}
SPECS = {
    "/api/components/": [c for c, _ in tables.COMPONENT_COLS],
    "/api/hosts/": tables.HOST_COLS,
    "/api/optical-sources/": [c for c, _ in tables.OPTICAL_COLS],
}


@pytest.fixture
def sky(db, tmp_path, settings):
    """Three simulated fields through the project's own simulator, ingest and identification."""
    from catalog.models import Label
    from catalog.pipeline.component import association_model_version, identify_components
    from catalog.simulated.sky import ingest_sim_sky
    from ml.sim.formats import write_sky

    settings.MEDIA_ROOT = str(tmp_path / "media")
    write_sky(3, tmp_path / "sky", 5)
    ingest_sim_sky(tmp_path / "sky")
    labelled = Label.objects.current().filter(origin="sim", component__isnull=False)
    ids = list(labelled.values_list("component_id", flat=True))
    identify_components(ids, association_model_version())
    return ids


def _body(client, path, params) -> bytes:
    r = client.get(path, params)
    assert r.status_code == 200, r.content
    return b"".join(r.streaming_content) if r.streaming else r.content


def _json(client, path, params=None) -> tuple[list[dict], dict]:
    rows, url, query, record = [], path, {**(params or {}), "limit": 1000}, None
    while url:
        page = client.get(url, query).json()
        rows += page["results"]
        record = record or page["provenance"]
        url, query = page["next"], {}
    return rows, record


def _table(fmt: str, body: bytes, tmp_path) -> Table:
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(body)
    return Table.read(path, format=READERS[fmt])


def _unit(col) -> u.UnitBase | None:
    return None if col.unit in (None, "") else u.Unit(col.unit)


def _same(a, b) -> bool:
    if isinstance(b, float):
        return bool(np.isclose(float(a), b, rtol=1e-12, atol=0))
    if isinstance(b, bool):
        return bool(a) == b
    if isinstance(b, int):
        return int(a) == b
    return str(a) == str(b)


@pytest.mark.parametrize("fmt", list(READERS))
@pytest.mark.parametrize("path", list(SPECS))
def test_each_export_has_the_json_names_units_and_rows(sky, tmp_path, path, fmt):
    client = APIClient()
    rows, _ = _json(client, path)
    t = _table(fmt, _body(client, path, {"format": fmt}), tmp_path)
    assert len(t) == len(rows) > 0
    spec = {c.name: c for c in SPECS[path]}
    assert t.colnames == list(spec)
    assert set(t.colnames) <= set(rows[0]), set(t.colnames) - set(rows[0])  # one naming
    for name in t.colnames:
        expected = None if spec[name].unit == "" else u.Unit(spec[name].unit)
        assert _unit(t[name]) == expected, (fmt, name, t[name].unit)
    key = t.colnames[0]
    by_id = {r[key]: r for r in rows}
    for trow in t:
        j = by_id[int(trow[key])]
        for name in t.colnames:
            v = j[name]
            if v is None or np.ma.is_masked(trow[name]):
                continue  # nulls: FITS has no null bool, ECSV/VOTable mask them
            assert _same(trow[name], v), (fmt, name, trow[name], v)


@pytest.mark.parametrize("fmt", list(READERS))
def test_candidates_export_has_the_json_names_and_rows(sky, tmp_path, fmt):
    client = APIClient()
    cid = sky[0]
    rows = client.get(f"/api/components/{cid}/candidates/").json()
    t = _table(fmt, _body(client, f"/api/components/{cid}/candidates/", {"format": fmt}), tmp_path)
    assert len(t) == len(rows) > 0
    assert set(t.colnames) <= set(rows[0])
    assert _unit(t["separation_arcsec"]) == u.arcsec and _unit(t["ra"]) == u.deg


def _record(fmt: str, body: bytes, tmp_path) -> dict[str, str]:
    if fmt == "votable":
        infos = parse(io.BytesIO(body)).resources[0].infos
        return {i.name: i.value for i in infos if i.name in KEYS}
    if fmt == "fits":
        from catalog.read.provenance import FITS_KEYS

        with fits.open(io.BytesIO(body)) as hdul:
            header = hdul[0].header
            return {k: header[key] for k, (key, _) in FITS_KEYS.items() if key in header}
    return {k: v for k, v in _table(fmt, body, tmp_path).meta.items() if k in KEYS}


@pytest.mark.parametrize("fmt", list(READERS))
def test_every_export_says_what_its_rows_are(sky, tmp_path, fmt):
    client = APIClient()
    _, json_record = _json(client, "/api/hosts/")
    record = _record(fmt, _body(client, "/api/hosts/", {"format": fmt}), tmp_path)
    assert record["rows"] == "SIMULATED"
    assert record["epochs"] == "VLASS sim (simulated)"
    assert record["method"] == METHOD_NAME
    assert record["software"] == software_version().encode("ascii", "replace").decode()
    assert "Norris-71" in record["method_real_figures"]
    datetime.strptime(record["generated"], "%Y-%m-%dT%H:%M:%SZ")
    # the JSON envelope carries the same record (its own date)
    assert {k: v for k, v in record.items() if k != "generated"} == {
        k: v for k, v in json_record.items() if k in record and k != "generated"
    }


def test_real_rows_are_called_real_and_a_mix_says_so(sky, tmp_path):
    real = Epoch.objects.create(survey=Survey.objects.get(name="VLASS"), name="2.1")
    RadioComponent.objects.create(epoch=real, name="VLASS2QLCIR J000000.00+000000.0", ra=0, dec=0)
    client = APIClient()
    _, mixed = _json(client, "/api/components/")
    assert mixed["rows"] == "SIMULATED and real (mixed)"
    _, only_real = _json(client, "/api/components/", {"epoch": "2.1"})
    assert (only_real["rows"], only_real["epochs"]) == ("real", "VLASS 2.1")
    body = _body(client, "/api/components/", {"epoch": "2.1", "format": "votable"})
    assert _record("votable", body, tmp_path)["rows"] == "real"


def test_a_component_answer_says_what_it_is(sky):
    client = APIClient()
    detail = client.get(f"/api/components/{sky[0]}/").json()
    assert detail["provenance"]["rows"] == "SIMULATED"
    assert detail["provenance"]["epochs"] == "VLASS sim (simulated)"
    assert detail["provenance"]["method"] == METHOD_NAME
    by_name = client.get("/api/components/", {"name": detail["name"]}).json()
    assert by_name["results"][0]["provenance"]["rows"] == "SIMULATED"
