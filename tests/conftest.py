"""Test-wide fixtures. Settings: radiohost_site/test_settings.py (see pyproject.toml)."""

import pytest


@pytest.fixture
def eager():
    """Celery tasks run in-process: a chord, its tiles and callbacks within the test."""
    from radiohost_site.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
