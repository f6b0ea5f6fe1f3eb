"""API test fixtures: a clean cache (throttle and failed-login counters) per test."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()
