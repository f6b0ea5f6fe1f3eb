"""The component page shows its catalogue source and links its siblings (Django test client)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from django.urls import reverse

from catalog.models import Epoch, RadioComponent, Survey
from catalog.pipeline.component import association_model_version
from catalog.sky.spatial import hpx_index
from catalog.sources.build import build_sources


def _comp(epoch, name, east_arcsec, flux, *, dup=0, qual=0, s_code="S"):
    ra = 40.0 + east_arcsec / 3600 / np.cos(np.radians(-10.0))
    return RadioComponent(
        epoch=epoch, name=name, ra=ra, dec=-10.0, hpx=int(hpx_index(ra, -10.0)[0]),
        total_flux_mjy=flux, peak_flux_mjy=flux, duplicate_flag=dup, quality_flag=qual,
        s_code=s_code, is_science=dup < 2 and qual == 0,
    )  # fmt: skip


@pytest.fixture
def grouped(db, media, eager):
    epoch = Epoch.objects.create(survey=Survey.objects.create(name="VLASS"), name="3.1")
    RadioComponent.objects.bulk_create(
        [
            _comp(epoch, "lobe-e", 25, 20.0, dup=1),
            _comp(epoch, "lobe-w", -25, 18.0),
            _comp(epoch, "copy", 25.7, 20.5, dup=2),  # the other QL subtile's copy of lobe-e
        ]
    )
    assert build_sources(epoch.pk, association_model_version(), order=3) == 1
    return {c.name: c for c in RadioComponent.objects.filter(epoch=epoch)}


def test_a_grouped_component_shows_its_source_and_links_its_sibling(client, grouped):
    r = client.get(reverse("pages:component", args=[grouped["lobe-e"].pk]))
    assert r.status_code == 200
    html = r.content.decode()
    src = r.context["source"]
    assert src["source_type"] == "double without core" and src["n_components"] == 2
    assert f"<strong>{src['source_name']}</strong>" in html
    siblings = re.findall(r'<a href="(/components/\d+/)" class="sibling">([^<]+)</a>', html)
    assert siblings == [(reverse("pages:component", args=[grouped["lobe-w"].pk]), "lobe-w")]
    assert "lobe-e (this)" in html and "Not grouped into a source" not in html
    # the sibling's page shows the same source, linking back
    other = client.get(reverse("pages:component", args=[grouped["lobe-w"].pk])).content.decode()
    assert src["source_name"] in other and f"/components/{grouped['lobe-e'].pk}/" in other


def test_a_rejected_duplicate_copy_says_why_it_is_never_grouped(client, grouped):
    html = client.get(reverse("pages:component", args=[grouped["copy"].pk])).content.decode()
    assert 'id="outside-sky"' in html and "a duplicate copy (Duplicate_flag 2)" in html
    assert 'id="catalogue-source"' not in html
