"""Strict parameters (400s naming them) and whole-table streamed exports with units and UCDs."""

from __future__ import annotations

import csv
import io

import pytest
from astropy.io import fits
from astropy.io.votable import parse_single_table
from rest_framework.test import APIClient

from catalog.api.pagination import MAX_PAGE_SIZE
from catalog.models import Epoch, RadioComponent, Survey
from tests.factories import answer_field


@pytest.fixture
def many(db):
    epoch = Epoch.objects.create(survey=Survey.objects.create(name="SIM"), name="x")
    RadioComponent.objects.bulk_create(
        RadioComponent(
            epoch=epoch,
            name=f"S{i}",
            ra=10 + i * 1e-3,
            dec=5.0,
            hpx=0,
            peak_flux_mjy=1.5,
            total_flux_mjy=2.0,
        )
        for i in range(250)
    )
    return epoch


@pytest.mark.parametrize(
    ("params", "key", "message"),
    [
        ({"bogus": "1"}, "unknown_parameters", "bogus"),
        ({"ordering": "-ra"}, "unknown_parameters", "ordering"),
        ({"is_science": "maybe"}, "is_science", "not a boolean"),
        ({"limit": "abc"}, "limit", "integer from 1 to 1000"),
        ({"limit": "0"}, "limit", "integer from 1 to 1000"),
        ({"limit": "1001"}, "limit", "integer from 1 to 1000"),
        ({"limit": "5000"}, "limit", "integer from 1 to 1000"),
        ({"limit": "10000000000000000000"}, "limit", "integer from 1 to 1000"),
        ({"format": "xlsx"}, "format", "unknown format"),
        ({"cursor": "garbage"}, "cursor", "invalid cursor"),
    ],
)
def test_bad_parameters_are_400s_naming_them(many, params, key, message):
    r = APIClient().get("/api/components/", params)
    assert r.status_code == 400, r.content
    assert message in str(r.json()[key])


@pytest.mark.parametrize(
    "path", ["/api/components/", "/api/class-predictions/", "/api/host-predictions/"]
)
def test_a_nul_byte_in_a_filter_value_is_a_400_not_a_database_error(db, path):
    # found by the schemathesis run: PostgreSQL text cannot hold NUL, the filter raised a 500
    r = APIClient().get(path, {"catalogue": "ps1\x00dr2", "name": "a\x00"})
    assert r.status_code == 400, r.content
    assert "NUL" in str(r.json())


def test_unknown_parameters_on_detail_and_hosts(db):
    comp = answer_field()[0]
    client = APIClient()
    r = client.get(f"/api/components/{comp.pk}/", {"radius_arcsec": 1})
    assert r.status_code == 400 and "radius_arcsec" in str(r.json())
    r = client.get("/api/hosts/", {"has_host": "perhaps"})
    assert r.status_code == 400 and "has_host" in r.json()


def test_the_largest_page_is_the_documented_maximum(many):
    r = APIClient().get("/api/components/", {"limit": str(MAX_PAGE_SIZE)})
    assert r.status_code == 200
    assert len(r.json()["results"]) == min(250, MAX_PAGE_SIZE)
    assert MAX_PAGE_SIZE == 1000  # what the README and the OpenAPI schema promise
    r = APIClient().get("/api/components/", {"limit": "7"})
    assert len(r.json()["results"]) == 7


def test_valid_booleans_filter(many):
    RadioComponent.objects.filter(name="S0").update(is_science=False)
    r = APIClient().get("/api/components/", {"is_science": "False", "limit": 1000})
    assert [c["name"] for c in r.json()["results"]] == ["S0"]


def _data_lines(body: bytes) -> list[str]:
    """The CSV export is ECSV: ``#`` header lines, then a plain CSV."""
    return [line for line in body.decode().splitlines() if not line.startswith("#")]


def _get(params, path="/api/components/"):
    r = APIClient().get(path, params)
    assert r.status_code == 200, r.content
    return b"".join(r.streaming_content), r


def test_exports_hold_every_row_not_a_page(many):
    body, r = _get({"format": "csv"})
    assert r["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(_data_lines(body)))
    assert len(rows) == 250 and rows[0]["name"] == "S0"


def test_votable_export_has_units_and_ucds(many):
    body, _ = _get({"format": "votable"})
    t = parse_single_table(io.BytesIO(body))
    fields = {f.name: f for f in t.fields}
    assert fields["peak_flux_mjy"].unit == "mJy/beam" and fields["total_flux_mjy"].unit == "mJy"
    assert fields["ra"].ucd == "pos.eq.ra;meta.main"
    assert len(t.array) == 250


def test_parquet_and_fits_exports(many):
    import pyarrow.parquet as pq

    body, _ = _get({"format": "parquet"})
    table = pq.read_table(io.BytesIO(body))
    assert table.num_rows == 250
    assert table.schema.field("peak_flux_mjy").metadata[b"unit"] == b"mJy/beam"
    body, _ = _get({"format": "fits"})
    with fits.open(io.BytesIO(body)) as hdul:
        assert len(hdul[1].data) == 250 and hdul[1].header["TUNIT5"] == "deg"
        assert list(hdul[1].data["name"][:2]) == ["S0", "S1"]


def test_cone_and_host_and_candidate_exports(db):
    comp, old, opt, mv, _ = answer_field()
    body, _ = _get({"format": "csv", "pos": "53.0 -27.8", "radius_arcsec": 5})
    rows = list(csv.DictReader(_data_lines(body)))
    assert [r["name"] for r in rows] == [comp.name, old.name]  # exports run in id order
    assert float(rows[1]["separation_arcsec"]) == pytest.approx(0.3 * 0.8843, rel=1e-3)
    body, _ = _get({"format": "votable"}, "/api/hosts/")
    t = parse_single_table(io.BytesIO(body)).to_table()
    row = t[t["component_id"] == comp.pk][0]
    assert row["optical_id"] == opt[0].pk and t["separation_arcsec"].unit == "arcsec"
    body, _ = _get({"format": "parquet"}, f"/api/components/{comp.pk}/candidates/")
    import pyarrow.parquet as pq

    assert pq.read_table(io.BytesIO(body)).column("optical_id").to_pylist() == [o.pk for o in opt]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/components/", {"is_science": ["true", "false"]}),
        ("/api/hosts/", {"is_prime": ["true", "false"]}),
        ("/api/hosts/", {"reliability_min": ["0.9", "0.1"]}),
        ("/api/components/", {"radius_arcsec": ["1", "2"], "pos": "53 -27.8"}),
    ],
)
def test_a_parameter_given_twice_is_a_400_naming_it(db, path, params):
    # QueryDict.get silently took the last value: is_prime=true&is_prime=false meant false
    r = APIClient().get(path, params)
    assert r.status_code == 400, r.content
    name = next(k for k, v in params.items() if isinstance(v, list))
    assert r.json()[name] == ["given more than once"]


@pytest.mark.parametrize("param", [{"limit": "5"}, {"cursor": "cD0y"}])
@pytest.mark.parametrize("path", ["/api/components/", "/api/hosts/", "/api/optical-sources/"])
def test_paging_parameters_with_an_export_are_400s(many, path, param):
    # an export is the whole query: limit=5 silently answered 250 rows
    r = APIClient().get(path, {**param, "format": "csv"})
    assert r.status_code == 400, r.content
    (name,) = param
    assert "whole query" in r.json()[name][0]


def _read(fmt: str, body: bytes):
    import pyarrow.parquet as pq
    from astropy.table import Table

    if fmt == "parquet":
        return pq.read_table(io.BytesIO(body)).num_rows
    reader = {"csv": "ascii.ecsv", "votable": "votable", "fits": "fits"}[fmt]
    return len(Table.read(io.BytesIO(body), format=reader))


def _json_total(client, path, params):
    n, url = 0, path
    query = {**params, "limit": 1000}
    while url:
        page = client.get(url, query).json()
        n += len(page["results"])
        url, query = page["next"], {}
    return n


@pytest.mark.parametrize("fmt", ["csv", "votable", "parquet", "fits"])
@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/components/", {}),
        ("/api/hosts/", {}),
        ("/api/optical-sources/", {}),
        # (the bulk-made 250 have no HEALPix index: cones find answer_field's components)
        ("/api/components/", {"pos": "03:32:00 -27:48:00", "radius_arcsec": 30}),
        ("/api/hosts/", {"ra": "53.0", "dec": "-27.8", "radius_arcsec": 30}),
        ("/api/optical-sources/", {"pos": "53.0 -27.8", "radius_arcsec": 30}),
    ],
)
def test_every_list_and_cone_search_exports_every_format_whole(many, path, params, fmt):
    answer_field()  # optical sources, hosts and candidates beside the 250 components
    client = APIClient()
    total = _json_total(client, path, params)
    assert total > 0
    r = client.get(path, {**params, "format": fmt})
    assert r.status_code == 200, r.content
    assert r.streaming  # streamed, never built whole in memory
    assert _read(fmt, b"".join(r.streaming_content)) == total


@pytest.mark.parametrize("fmt", ["csv", "votable", "parquet", "fits"])
def test_candidates_of_a_component_export_every_format(db, fmt):
    comp = answer_field()[0]
    client = APIClient()
    n = len(client.get(f"/api/components/{comp.pk}/candidates/").json())
    r = client.get(f"/api/components/{comp.pk}/candidates/", {"format": fmt})
    assert r.status_code == 200 and r.streaming
    assert _read(fmt, b"".join(r.streaming_content)) == n == 3


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/csv", "csv"),
        ("application/x-votable+xml", "votable"),
        ("application/vnd.apache.parquet", "parquet"),
        ("application/fits", "fits"),
    ],
)
def test_an_accept_header_asks_for_the_export_too(db, accept, fmt):
    # Accept: text/csv was answered with a JSON page labelled text/csv
    comp = answer_field()[0]
    client = APIClient()
    for path in ("/api/hosts/", f"/api/components/{comp.pk}/candidates/"):
        r = client.get(path, HTTP_ACCEPT=accept)
        assert r.status_code == 200 and r.streaming, path
        assert r["Content-Type"].split(";")[0] == accept
        assert _read(fmt, b"".join(r.streaming_content)) == 3
    r = client.get("/api/hosts/", {"limit": 2}, HTTP_ACCEPT=accept)
    assert r.status_code == 400 and "whole query" in r.json()["limit"][0]
    # a browser's Accept still gets JSON pages
    r = client.get("/api/hosts/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert r.status_code == 200 and r["Content-Type"] == "application/json"


@pytest.mark.parametrize("position", ["abc", "1e400", "nan", "99999999999999999999999"])
@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/components/", {}),
        ("/api/hosts/", {}),
        ("/api/labels/", {}),
        ("/api/components/", {"pos": "53.0 -27.8", "radius_arcsec": 30}),
        ("/api/hosts/", {"pos": "53.0 -27.8", "radius_arcsec": 30}),
    ],
)
def test_a_hand_made_cursor_is_a_400_not_a_500(db, path, params, position):
    import base64

    answer_field()
    cursor = base64.b64encode(f"p={position}".encode()).decode()
    r = APIClient().get(path, {**params, "cursor": cursor})
    if position == "99999999999999999999999" and "pos" in params:
        assert r.status_code == 200  # a finite separation: past the end, an empty page
        return
    assert r.status_code == 400, r.content
    assert r.json() == {"cursor": ["invalid cursor"]}


@pytest.mark.parametrize("name", ["is_prime", "is_positive"])
def test_a_bad_boolean_on_host_predictions_is_a_400(db, name):
    # filterset_fields booleans were passed to django-filter unchecked: 200 with no filter
    r = APIClient().get("/api/host-predictions/", {name: "AAA"})
    assert r.status_code == 400, r.content
    assert "not a boolean" in str(r.json()[name])
