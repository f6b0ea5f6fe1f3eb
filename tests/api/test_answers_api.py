"""The answer in one call: component detail, name lookup, model versions, host catalogue, positions."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from catalog.models import RadioComponent
from catalog.pipeline.component import METHOD_NAME
from ml.host.decision import field_posterior
from tests.factories import LIKS, LabelFactory, RadioComponentFactory, answer_field


@pytest.fixture
def field(db):
    return answer_field()


def test_component_detail_is_the_whole_answer(field, django_assert_max_num_queries):
    comp, old, opt, mv, _ = field
    LabelFactory(component=comp, host=opt[0], origin="norris2006", author_name="Norris")
    with django_assert_max_num_queries(12):
        r = APIClient().get(f"/api/components/{comp.pk}/")
    assert r.status_code == 200
    d = r.json()
    assert d["name"] == comp.name and d["model_version"]["name"] == METHOD_NAME
    assert d["host"]["optical_id"] == opt[0].pk and d["host"]["rank"] == 1
    assert d["host"]["reliability"] == pytest.approx(field_posterior(LIKS)[0])
    assert d["host"]["is_prime"] is False and d["host"]["is_positive"] is True
    assert [c["optical_id"] for c in d["candidates"]] == [o.pk for o in opt]
    first = d["candidates"][0]
    assert first["r_mag"] == 20 and first["w1_mag"] == 15 and first["p_galaxy"] == 0.8
    assert first["separation_arcsec"] == pytest.approx(1.0, abs=1e-6)
    assert d["label"]["origin"] == "norris2006" and len(d["labels"]) == 1
    assert len(d["source_detail"]["components"]) == 2
    assert [e["epoch"] for e in d["epochs"]] == ["1.1", "2.1"]
    assert d["separation_arcsec"] is None


def test_external_model_only_on_request(field):
    comp, old, opt, mv, ext = field
    client = APIClient()
    default = client.get(f"/api/components/{comp.pk}/candidates/").json()
    assert [c["likelihood"] for c in default] == LIKS
    other = client.get(f"/api/components/{comp.pk}/candidates/", {"model_version": ext.name}).json()
    assert other[0]["optical_id"] == opt[2].pk
    preds = client.get("/api/host-predictions/").json()["results"]
    assert {p["model_version"] for p in preds} == {mv.pk}
    preds = client.get("/api/host-predictions/", {"model_version": ext.pk}).json()["results"]
    assert {p["model_version"] for p in preds} == {ext.pk}
    r = client.get(f"/api/components/{comp.pk}/", {"model_version": "nope"})
    assert r.status_code == 400 and "'nope'" in r.json()["model_version"][0]


@pytest.mark.parametrize(
    "name", ["VLASS2QLCIR J033200.00-274800.0", "J033200.00-274800.0", "J33200.00-274800.0"]
)
def test_lookup_by_every_spelling(field, name):
    comp = field[0]
    r = APIClient().get("/api/components/", {"name": name})
    assert [c["id"] for c in r.json()["results"]] == [comp.pk]


def test_a_name_lookup_is_the_whole_answer_in_one_call(field):
    comp, old, opt, mv, _ = field
    client = APIClient()
    detail = client.get(f"/api/components/{comp.pk}/").json()
    (found,) = client.get("/api/components/", {"name": comp.name}).json()["results"]
    for answer in (found, detail):  # the same answer, written a moment apart
        answer["provenance"].pop("generated")
    assert found == detail
    assert found["host"] is not None and len(found["candidates"]) == len(detail["candidates"])
    # a model version picks the answer of a lookup, as for the detail
    named = client.get("/api/components/", {"name": comp.name, "model_version": mv.name})
    assert named.status_code == 200
    assert named.json()["results"][0]["model_version"]["id"] == mv.pk
    # without a name it would change nothing: refused rather than ignored
    r = client.get("/api/components/", {"model_version": mv.name})
    assert r.status_code == 400 and "model_version" in r.json()
    # nor in an export, which holds the component rows alone
    r = client.get(
        "/api/components/", {"name": comp.name, "model_version": mv.name, "format": "csv"}
    )
    assert r.status_code == 400 and "model_version" in r.json()
    assert client.get("/api/components/", {"name": comp.name, "format": "csv"}).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "name=J111011.67%2B341952.6",
        "name=J111011.67+341952.6",  # typed unencoded: '+' arrives as a space
        "name=VLASS2QLCIR+J111011.67+341952.6",
        "name=J111011.67%20341952.6",
    ],
)
def test_northern_names_typed_into_a_url(field, query):
    comp = field[0]
    north = RadioComponentFactory(
        epoch=comp.epoch,
        name="VLASS2QLCIR J111011.67+341952.6",
        ra=(11 + 10 / 60 + 11.67 / 3600) * 15,
        dec=34 + 19 / 60 + 52.6 / 3600,
    )
    r = APIClient().get(f"/api/components/?{query}")
    assert [c["id"] for c in r.json()["results"]] == [north.pk]


def test_host_catalogue_rows_filters_and_cone(field):
    comp, old, opt, mv, _ = field
    client = APIClient()
    rows = client.get("/api/hosts/").json()["results"]
    assert {r["component_id"] for r in rows} == set(
        RadioComponent.objects.values_list("id", flat=True)
    )
    row = next(r for r in rows if r["component_id"] == comp.pk)
    assert row["optical_id"] == opt[0].pk and row["model_version_id"] == mv.pk
    assert row["reliability"] == pytest.approx(field_posterior(LIKS)[0])
    with_host = client.get("/api/hosts/", {"has_host": "true"}).json()["results"]
    assert {r["component_id"] for r in with_host} == {comp.pk, old.pk}
    assert client.get("/api/hosts/", {"is_prime": "true"}).json()["results"] == []
    cone = client.get("/api/hosts/", {"pos": "03:32:00 -27:48:00", "radius_arcsec": 5}).json()
    assert [r["component_id"] for r in cone["results"]] == [comp.pk, old.pk]
    assert cone["results"][0]["cone_separation_arcsec"] == pytest.approx(0, abs=1e-6)


def test_cursor_pages_walk_the_whole_list(field):
    client = APIClient()
    seen, url = [], "/api/components/?limit=1"
    while url:
        page = client.get(url).json()
        seen += [c["id"] for c in page["results"]]
        url = page["next"]
    assert seen == sorted(RadioComponent.objects.values_list("id", flat=True))


@pytest.mark.parametrize(
    "params",
    [
        {"pos": "53.0 -27.8"},
        {"pos": "03:32:00 -27:48:00"},
        {"pos": "3h32m00s -27d48m00s"},
        {"ra": "03:32:00", "dec": "-27:48:00"},
        {"ra": "53.0", "dec": "-27.8"},
    ],
)
def test_positions_in_every_form(field, params):
    r = APIClient().get("/api/components/", {**params, "radius_arcsec": 1})
    assert r.status_code == 200, r.json()
    assert [c["id"] for c in r.json()["results"]] == [field[0].pk, field[1].pk][:1] + [
        c.pk for c in RadioComponent.objects.filter(epoch__name="1.1")
    ]


@pytest.mark.parametrize(
    ("params", "field_name", "message"),
    [
        ({"pos": "nowhere", "radius_arcsec": 1}, "pos", "cannot read a position"),
        ({"pos": "53 -27.8", "ra": "1", "radius_arcsec": 1}, "pos", "not both"),
        ({"pos": "53 -27.8"}, "radius_arcsec", "required"),
        ({"ra": "25:00:00", "dec": "0", "radius_arcsec": 1}, "ra", "not an angle"),
        ({"ra": "400", "dec": "0", "radius_arcsec": 1}, "ra", "[0, 360)"),
        # pos in degrees is range-checked as typed (SkyCoord would wrap RA 400 to 40)
        ({"pos": "400 0", "radius_arcsec": 1}, "pos", "RA must be in [0, 360)"),
        ({"pos": "-10 0", "radius_arcsec": 1}, "pos", "RA must be in [0, 360)"),
        ({"pos": "nan 0", "radius_arcsec": 1}, "pos", "RA must be in [0, 360)"),
        ({"pos": "10 95", "radius_arcsec": 1}, "pos", "Dec must be in [-90, 90]"),
        ({"pos": "03:32:00 -97:48:00", "radius_arcsec": 1}, "pos", "Dec must be in [-90, 90]"),
    ],
)
def test_bad_positions_are_400s(field, params, field_name, message):
    r = APIClient().get("/api/components/", params)
    assert r.status_code == 400
    assert message in str(r.json()[field_name])


def test_bad_positions_give_the_parsers_message_in_the_api(db, bad_position):
    """The same words as the search page (one parser), keyed by the parameter typed."""
    text, expected = bad_position
    r = APIClient().get("/api/components/", {"pos": text, "radius_arcsec": 1})
    assert r.status_code == 400
    assert r.json() == {"pos": [expected[1]]}
    part, message = expected
    if part is not None:  # the same coordinate given alone as ra= / dec=
        ra, dec = text.split()
        r = APIClient().get("/api/components/", {"ra": ra, "dec": dec, "radius_arcsec": 1})
        assert r.status_code == 400 and r.json() == {part: [message]}
