"""REST API and VO cone search on PostgreSQL: reads public, writes need permission, bad input named."""

import threading
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from catalog.models import Label
from tests.factories import (
    CandidateFactory,
    EpochFactory,
    LabellerFactory,
    OpticalSourceFactory,
    RadioComponentFactory,
)


def _undated(body: bytes) -> bytes:
    """A VOTable without its provenance's ``generated`` INFO (two answers a moment apart)."""
    import re

    return re.sub(rb'name="generated" value="[^"]*"', b"", body)


@pytest.fixture
def sky(db):
    epoch = EpochFactory(survey__name="VLASS", name="2.2")
    comps = [
        RadioComponentFactory(epoch=epoch, name=f"C{i}", ra=ra, dec=-27.8, total_flux_mjy=5.0)
        for i, ra in enumerate([53.0, 53.0 + 5 / 3600, 53.0 + 40 / 3600, 200.0])
    ]
    host = OpticalSourceFactory(source_id="111", ra=53.0, dec=-27.8)
    for c in comps[:2]:
        CandidateFactory(component=c, optical_source=host, dy_px=0)
    return comps, host


@pytest.fixture
def curator(db):
    return LabellerFactory(username="curator", password="pw-curator-123")


def test_cone_search_is_deep_linkable_and_sorted(sky):
    r = APIClient().get("/api/components/", {"ra": 53.0, "dec": -27.8, "radius_arcsec": 10})
    assert r.status_code == 200
    names = [row["name"] for row in r.json()["results"]]
    assert names == ["C0", "C1"]
    assert r.json()["results"][1]["separation_arcsec"] == pytest.approx(5 * 0.8843, rel=1e-3)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"ra": "abc", "dec": 0, "radius_arcsec": 1}, "ra", "not an angle: 'abc'"),
        ({"ra": 400, "dec": 0, "radius_arcsec": 1}, "ra", "must be in [0, 360) deg"),
        ({"ra": 1, "dec": -91, "radius_arcsec": 1}, "dec", "must be in [-90, 90] deg"),
        ({"ra": 1, "dec": 0, "radius_arcsec": 0}, "radius_arcsec", "must be in (0, 3600] arcsec"),
        ({"ra": 1, "dec": 0}, "radius_arcsec", "required with a cone search"),
    ],
)
def test_bad_cone_parameters_name_the_field(sky, params, field, message):
    r = APIClient().get("/api/components/", params)
    assert r.status_code == 400
    assert message in str(r.json()[field])


def test_anonymous_cannot_write(sky):
    comps, host = sky
    r = APIClient().post(
        "/api/labels/", {"component": comps[0].id, "host": host.id, "origin": "expert"}
    )
    # not authenticated: 401 with the challenge (authenticated without permission: 403, below)
    assert r.status_code == 401 and r["WWW-Authenticate"].startswith("Basic")
    assert Label.objects.count() == 0


def test_user_without_permission_cannot_write(sky):
    comps, host = sky
    client = APIClient()
    client.force_authenticate(User.objects.create_user("reader"))
    r = client.post("/api/labels/", {"component": comps[0].id, "host": host.id, "origin": "expert"})
    assert r.status_code == 403


def test_relabel_supersedes_and_keeps_history(sky, curator):
    comps, host = sky
    client = APIClient()
    client.force_authenticate(curator)
    first = client.post(
        "/api/labels/",
        {"component": comps[0].id, "host": host.id, "origin": "expert", "reason": "by eye"},
    )
    assert first.status_code == 201, first.json()
    second = client.post(
        "/api/labels/",
        {
            "component": comps[0].id,
            "no_host": True,
            "reason": "confused field",
            "origin": "expert",
            "supersedes": first.json()["id"],
        },
    )
    assert second.status_code == 201, second.json()
    assert Label.objects.count() == 2
    assert list(Label.objects.current().values_list("id", flat=True)) == [second.json()["id"]]
    again = client.post(
        "/api/labels/",
        {
            "component": comps[0].id,
            "no_host": True,
            "reason": "again",
            "origin": "expert",
            "supersedes": first.json()["id"],
        },
    )
    assert again.status_code == 409
    assert "no longer current" in again.json()["detail"]
    assert again.json()["current_labels"] == [second.json()["id"]]
    assert Label.objects.get(pk=second.json()["id"]).author == curator


def test_wrong_types_are_rejected_with_field_names(sky, curator):
    comps, _ = sky
    client = APIClient()
    client.force_authenticate(curator)
    r = client.post("/api/labels/", {"component": "not-an-id", "no_host": True, "origin": "expert"})
    assert r.status_code == 400 and "component" in r.json()
    r = client.post(
        "/api/labels/",
        {"component": comps[0].id, "host_ra": "x", "host_dec": 1, "origin": "expert"},
    )
    assert r.status_code == 400 and "host_ra" in r.json()
    r = client.post("/api/labels/", {"component": comps[0].id, "origin": "expert"})
    assert r.status_code == 400 and "host" in r.json()
    assert Label.objects.count() == 0


def test_labels_are_immutable_in_the_orm(sky):
    comps, host = sky
    label = Label.objects.create(component=comps[0], host=host, origin="norris2006")
    label.reason = "edited"
    with pytest.raises(Exception, match="Labels are immutable"):
        label.save()
    with pytest.raises(Exception, match="never deleted"):
        label.delete()


def test_openapi_schema_renders(db):
    r = APIClient().get("/api/schema/")
    assert r.status_code == 200
    assert b"/api/components/" in r.content


@pytest.fixture
def live_server_url(sky, transactional_db):
    """The WSGI app on 127.0.0.1 in a thread, so a real VO client (pyvo) can query it."""
    from django.core.wsgi import get_wsgi_application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.django_db(transaction=True)
def test_vo_cone_search_with_pyvo(live_server_url):
    import pyvo

    service = pyvo.dal.SCSService(f"{live_server_url}/api/vo/cone/components")
    result = service.search(pos=(53.0, -27.8), radius=10 / 3600)
    table = result.to_table()
    assert list(table["name"]) == ["C0", "C1"]
    assert table["ra"].unit == "deg"


@pytest.mark.django_db(transaction=True)
def test_vo_cone_search_error_is_a_votable(live_server_url):
    import pyvo

    service = pyvo.dal.SCSService(f"{live_server_url}/api/vo/cone/components")
    with pytest.raises(pyvo.dal.DALQueryError, match="SR must be in"):
        service.search(pos=(53.0, -27.8), radius=5.0)


@pytest.mark.django_db(transaction=True)
def test_vo_cone_search_post_case_insensitive_with_host_columns(live_server_url):
    import io

    import requests
    from astropy.io.votable import parse_single_table

    url = f"{live_server_url}/api/vo/cone/components"
    get = requests.get(url, params={"ra": 53.0, "Dec": -27.8, "sr": 10 / 3600}, timeout=30)
    post = requests.post(url, data={"RA": 53.0, "DEC": -27.8, "SR": 10 / 3600}, timeout=30)
    assert get.status_code == post.status_code == 200
    assert _undated(get.content) == _undated(post.content)
    table = parse_single_table(io.BytesIO(post.content))
    fields = {f.name: f for f in table.fields}
    assert fields["peak_flux_mjy"].unit == "mJy/beam" and fields["total_flux_mjy"].unit == "mJy"
    assert {"host_optical_id", "host_ra", "host_dec", "host_reliability"} <= set(fields)
    assert list(table.array["name"]) == ["C0", "C1"]


def test_vo_cone_search_is_in_the_schema(db):
    r = APIClient().get("/api/schema/", {"format": "json"})
    ops = r.json()["paths"]["/api/vo/cone/components"]
    assert {"get", "post"} <= set(ops)
    assert {p["name"] for p in ops["get"]["parameters"]} >= {"RA", "DEC", "SR"}


@pytest.mark.django_db(transaction=True)
def test_vo_cone_search_json_post_repeats_and_http_errors_are_votables(live_server_url):
    import io

    import requests
    from astropy.io.votable import parse

    url = f"{live_server_url}/api/vo/cone/components"

    def infos(r):
        vot = parse(io.BytesIO(r.content))
        return {i.name: i.value for i in vot.resources[0].infos}

    ok = requests.get(url, params={"RA": 53.0, "DEC": -27.8, "SR": 10 / 3600}, timeout=30)
    as_json = requests.post(url, json={"ra": 53.0, "dec": -27.8, "sr": 10 / 3600}, timeout=30)
    assert as_json.status_code == 200 and _undated(as_json.content) == _undated(ok.content)
    # a parameter given twice (any case, or in query and body) is an error, not a silent pick
    for r in (
        requests.get(url, params=[("RA", 53.0), ("ra", 1.0), ("DEC", -27.8), ("SR", 0.01)]),
        requests.post(f"{url}?SR=0.5", data={"RA": 53.0, "DEC": -27.8, "SR": 0.01}, timeout=30),
    ):
        assert r.status_code == 200 and infos(r)["QUERY_STATUS"] == "ERROR"
        assert "given more than once" in infos(r)["Error"]
    # HTTP-level errors keep their status, and the body is still a VOTable (was "detail")
    bad = requests.post(
        url, data=b'{"RA": 1', headers={"Content-Type": "application/json"}, timeout=30
    )
    assert bad.status_code == 400 and infos(bad)["QUERY_STATUS"] == "ERROR"
    assert "JSON parse error" in infos(bad)["Error"]
    put = requests.put(url, timeout=30)
    assert put.status_code == 405 and "POST" in put.headers["Allow"]
    assert infos(put)["QUERY_STATUS"] == "ERROR"
