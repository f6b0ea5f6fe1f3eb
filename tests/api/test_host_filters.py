"""/api/hosts/ filters: reliability bounds (JSON pages and exports alike), flags, model version,
cone and epoch, each strict (400 naming it) and declared in the OpenAPI schema."""

from __future__ import annotations

import csv

import pytest
from rest_framework.test import APIClient

from catalog.models import HostPrediction
from ml.host.decision import field_posterior
from tests.factories import LIKS, answer_field

REL_COMP = field_posterior(LIKS)[0]  # ~0.777 under the current method
OLD_LIKS = [0.99, 0.7, 0.2]
REL_OLD = field_posterior(OLD_LIKS)[0]  # ~0.975
REL_EXT = field_posterior([1 - x for x in LIKS])[2]  # ~0.881 for both, external model


@pytest.fixture
def field(db):
    comp, old, opt, mv, ext = answer_field()
    HostPrediction.objects.filter(candidate__component=old, model_version=mv, rank=1).update(
        likelihood=OLD_LIKS[0]
    )
    return comp, old, opt, mv, ext


def _ids(params, fmt=None):
    client = APIClient()
    if fmt == "csv":
        r = client.get("/api/hosts/", {**params, "format": "csv"})
        assert r.status_code == 200
        rows = list(
            csv.DictReader(
                line
                for line in b"".join(r.streaming_content).decode().splitlines()
                if not line.startswith("#")  # the ECSV header
            )
        )
        return {int(row["component_id"]) for row in rows}
    r = client.get("/api/hosts/", params)
    assert r.status_code == 200, r.content
    return {row["component_id"] for row in r.json()["results"]}


@pytest.mark.parametrize("fmt", [None, "csv"])
def test_reliability_bounds_select_rows_in_pages_and_exports(field, fmt):
    comp, old, *_ = field
    assert REL_COMP < 0.8 < 0.9 < REL_OLD
    assert _ids({"reliability_min": "0.8"}, fmt) == {old.pk}
    assert _ids({"reliability_max": "0.8"}, fmt) == {comp.pk}
    assert _ids({"reliability_min": "0.5", "reliability_max": "0.99"}, fmt) == {comp.pk, old.pk}
    assert _ids({"reliability_min": "0.99"}, fmt) == set()
    # the third component has no scored candidate: any bound leaves it out
    assert _ids({"reliability_min": "0"}, fmt) == {comp.pk, old.pk}
    assert len(_ids({}, fmt)) == 3


def test_reliability_rows_agree_with_the_filter(field):
    rows = APIClient().get("/api/hosts/", {"reliability_min": "0.9"}).json()["results"]
    assert [r["reliability"] for r in rows] == [pytest.approx(REL_OLD)]


def test_reliability_follows_the_model_version(field):
    comp, old, opt, mv, ext = field
    assert REL_EXT > 0.85
    got = _ids({"reliability_min": "0.85", "model_version": ext.name})
    assert got == {comp.pk, old.pk}
    assert _ids({"reliability_min": "0.85"}) == {old.pk}


def test_flags_and_model_version_combine(field):
    comp, old, opt, mv, ext = field
    HostPrediction.objects.filter(candidate__component=old, model_version=mv, rank=1).update(
        is_prime=True
    )
    assert _ids({"is_prime": "true"}) == {old.pk}
    assert _ids({"is_prime": "false"}) == {comp.pk, _no_host(field)}
    assert _ids({"is_positive": "true", "reliability_max": "0.8"}) == {comp.pk}
    assert _ids({"is_positive": "true", "model_version": ext.name}) == set()
    assert _ids({"has_host": "false"}) == {_no_host(field)}


def _no_host(field):
    from catalog.models import RadioComponent

    comp, old, *_ = field
    return RadioComponent.objects.exclude(pk__in=[comp.pk, old.pk]).get().pk


def test_epoch_survey_and_cone_filters(field):
    comp, old, *_ = field
    assert _ids({"epoch": "1.1"}) == {old.pk}
    assert _ids({"epoch": "2.1", "reliability_min": "0.5"}) == {comp.pk}
    assert _ids({"survey": "VLASS", "epoch": "9.9"}) == set()
    cone = {"pos": "03:32:00 -27:48:00", "radius_arcsec": "5"}
    assert _ids({**cone, "reliability_min": "0.9"}) == {old.pk}
    assert _ids({**cone, "reliability_min": "0.9"}, "csv") == {old.pk}


@pytest.mark.parametrize(
    ("params", "name", "message"),
    [
        ({"reliability_min": "1.5"}, "reliability_min", "less than or equal to 1"),
        ({"reliability_max": "-0.1"}, "reliability_max", "greater than or equal to 0"),
        ({"reliability_min": "high"}, "reliability_min", "Enter a number"),
        ({"reliability_min": "nan"}, "reliability_min", "Enter a number"),
        ({"reliability_min": "0.9", "reliability_max": "0.1"}, "reliability_min", "greater than"),
        ({"is_positive": "maybe"}, "is_positive", "not a boolean"),
        ({"model_version": "nope"}, "model_version", "'nope'"),
        ({"reliabilty_min": "0.5"}, "unknown_parameters", "reliabilty_min"),
    ],
)
def test_bad_host_filters_are_400s_naming_them(field, params, name, message):
    for extra in ({}, {"format": "csv"}):
        r = APIClient().get("/api/hosts/", {**params, **extra})
        assert r.status_code == 400, r.content
        assert message in str(r.json()[name])


def test_host_filters_are_in_the_schema(db):
    from drf_spectacular.generators import SchemaGenerator

    spec = SchemaGenerator().get_schema(public=True)
    params = {p["name"]: p for p in spec["paths"]["/api/hosts/"]["get"]["parameters"]}
    for name in (
        "reliability_min",
        "reliability_max",
        "is_prime",
        "is_positive",
        "has_host",
        "model_version",
        "epoch",
        "survey",
        "pos",
        "ra",
        "dec",
        "radius_arcsec",
        "name",
        "format",
        "cursor",
        "limit",
    ):
        assert name in params, name
    rel = params["reliability_min"]
    assert rel["schema"] == {"type": "number", "format": "double", "minimum": 0, "maximum": 1}
    assert "reliability" in rel["description"]
