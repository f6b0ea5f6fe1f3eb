"""Fixtures for the pages: a small simulated sky (``tests.factories.simulated_sky``), a
curator and an astronomer."""

from __future__ import annotations

import pytest

from tests.factories import CuratorFactory, UserFactory, simulated_sky


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def sky(db, tmp_path, media, eager):
    from django.core.cache import cache

    cache.clear()
    return simulated_sky(tmp_path)


@pytest.fixture
def curator(db):
    return CuratorFactory(username="cora", password="cora-pass-123")


@pytest.fixture
def astronomer(db):
    return UserFactory(username="ann", password="ann-pass-123")
