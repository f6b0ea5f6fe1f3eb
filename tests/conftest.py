"""Test-wide fixtures. Settings: radiohost_site/test_settings.py (see pyproject.toml)."""

import os

import pytest
from hypothesis import HealthCheck, settings

# CI runs every property test on the same examples (derandomized: a random failure can't stop
# a submission, and a failure found once is found again); a developer's run explores.
settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def eager():
    """Celery tasks run in-process: a chord, its tiles and callbacks within the test."""
    from radiohost_site.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
