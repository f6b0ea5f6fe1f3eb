"""The search page's "same query from the API" links are the same query: each export link
(JSON, CSV, VOTable) lists exactly the components the page lists, for every page filter."""

from __future__ import annotations

import tempfile
from urllib.parse import parse_qs, urlparse

import pytest
from astropy.table import Table
from django.urls import reverse

from catalog.read.search import search_queryset


def _api_rows(client, url: str) -> tuple[list[str], int, int]:
    """Names from the JSON (every keyset page), and the CSV and VOTable row counts."""
    names, nxt = [], url + ("&" if "?" in url else "?") + "limit=1000"
    while nxt:
        body = client.get(nxt).json()
        names += [row["component_name"] for row in body["results"]]
        nxt = body.get("next")
    counts = []
    for fmt in ("csv", "votable"):
        r = client.get(url + f"&format={fmt}")
        assert r.status_code == 200, fmt
        body = b"".join(r.streaming_content) if r.streaming else r.content
        with tempfile.NamedTemporaryFile(suffix=f".{'xml' if fmt == 'votable' else fmt}") as f:
            f.write(body)
            f.flush()
            counts.append(len(Table.read(f.name, format="ascii.ecsv" if body.startswith(
                b"# %ECSV") else ("csv" if fmt == "csv" else "votable"))))  # fmt: skip
    n_csv, n_vo = counts
    return names, n_csv, n_vo


@pytest.mark.parametrize(
    "query",
    [
        {"review": "on"},
        {"flux_min": "5"},
        {"flux_min": "2.5", "flux_max": "40"},
        {"expert": "on"},
        {"prime": "on", "review": "on"},
    ],
)
def test_each_export_link_lists_the_page_rows(client, sky, curator, query):
    from catalog.labels.writer import relabel
    from catalog.models import Label, RadioComponent

    # two expert labels (no host), so the expert filter selects a known non-empty subset
    for comp in RadioComponent.objects.filter(pk__in=sky["component_ids"]).order_by("pk")[:2]:
        head = Label.objects.current().filter(component=comp).first()
        relabel(comp, author=curator, no_host=True, reason="test", supersedes=head)
    # and two components flagged for review (the small sky may have none of its own)
    from catalog.models import ComponentSummary

    flagged = ComponentSummary.objects.order_by("component_id")[:2].values_list("pk", flat=True)
    ComponentSummary.objects.filter(pk__in=list(flagged)).update(needs_review=True)
    r = client.get(reverse("pages:search"), query)
    assert r.status_code == 200
    form = r.context["form"]
    assert form.is_valid(), form.errors
    qs, _ = search_queryset(form.cleaned_data)
    expected = sorted(qs.values_list("name", flat=True))  # the page's whole result, unpaged
    assert expected, f"{query}: the fixture sky has no such rows; the test would prove nothing"
    assert not r.context["not_exported"]
    names, n_csv, n_vo = _api_rows(client, r.context["api_json"])
    assert sorted(names) == expected, query
    assert n_csv == n_vo == len(expected), query
    for link in (r.context["api_csv"], r.context["api_votable"]):
        q = {k: v for k, v in parse_qs(urlparse(link).query).items() if k != "format"}
        assert q == parse_qs(urlparse(r.context["api_json"]).query)
