"""Fixtures for the pages: a small simulated sky ingested, identified and summarised through
the project's own code (ml.sim -> catalog ingest -> catalog.pipeline.component -> catalog.read.summaries)."""

from __future__ import annotations

import pytest


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def build_sky(tmp_path, n_fields: int = 6, seed: int = 17) -> dict:
    from catalog.models import Label
    from catalog.pipeline.component import association_model_version, identify_components
    from catalog.read.summaries import refresh_summaries
    from catalog.simulated.sky import ingest_sim_sky
    from ml.sim.formats import write_sky

    sky = tmp_path / "sky"
    write_sky(n_fields, sky, seed)
    ingest_sim_sky(sky)
    mv = association_model_version()
    labelled = Label.objects.current().filter(origin="sim", component__isnull=False)
    ids = list(labelled.values_list("component_id", flat=True))
    identify_components(ids, mv)
    refresh_summaries()
    return {"sky": sky, "model_version": mv, "component_ids": ids}


@pytest.fixture
def sky(db, tmp_path, media, eager):
    from django.core.cache import cache

    cache.clear()
    return build_sky(tmp_path)


@pytest.fixture
def curator(db):
    from catalog.curation.curators import create_curator

    user, _ = create_curator("cora", "cora-pass-123")
    return user


@pytest.fixture
def astronomer(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("ann", password="ann-pass-123")
