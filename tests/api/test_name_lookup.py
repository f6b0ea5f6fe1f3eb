"""Names are looked up in any letter case, identically by the API and the search page."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from catalog.models import Epoch, RadioComponent, Survey


@pytest.fixture
def named(db):
    epoch = Epoch.objects.create(survey=Survey.objects.create(name="VLASS"), name="2.1")
    a = RadioComponent.objects.create(
        epoch=epoch, name="VLASS2QLCIR J033200.00-274800.0", ra=53.0, dec=-27.8
    )
    b = RadioComponent.objects.create(epoch=epoch, name="CDFS_RADIO_7", ra=53.2, dec=-27.9)
    RadioComponent.objects.create(epoch=epoch, name="CDFS_RADIO_8", ra=53.3, dec=-27.9)
    return a, b


@pytest.mark.parametrize(
    ("typed", "which"),
    [
        ("VLASS2QLCIR J033200.00-274800.0", 0),
        ("vlass2qlcir j033200.00-274800.0", 0),
        ("j033200.00-274800.0", 0),
        ("Vlass2QLcir_J033200.00-274800.0", 0),
        ("CDFS_RADIO_7", 1),
        ("cdfs_radio_7", 1),
    ],
)
def test_api_and_page_find_a_name_in_any_case(client, named, typed, which):
    want = named[which]
    r = APIClient().get("/api/components/", {"name": typed})
    assert r.status_code == 200
    assert [row["id"] for row in r.json()["results"]] == [want.pk]
    page = client.get("/search/", {"name": typed})
    assert page.status_code == 200
    assert [c.pk for c, _host in page.context["rows"]] == [want.pk]


def test_an_unknown_name_finds_nothing(named):
    r = APIClient().get("/api/components/", {"name": "cdfs_radio_9"})
    assert r.status_code == 200 and r.json()["results"] == []
