"""Settings for the test suite: development defaults, plus an in-memory SQLite alias.

Tests run on PostgreSQL (``DATABASE_URL``, set by ``make test``); the ``sqlite``
alias lets database-portable properties (the cone search) be checked on both
engines in one run.
"""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("RADIOHOST_TEST_SQLITE_ALIAS", "1")
# The fuzzing run sends thousands of requests a minute from one address; the throttling
# tests set their own rates.
os.environ.setdefault("RADIOHOST_THROTTLE_ANON", "1000000/min")
os.environ.setdefault("RADIOHOST_THROTTLE_USER", "1000000/min")

from radiohost_site.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast user fixtures

# pytest-django runs with DEBUG off, where the manifest storage needs a collectstatic run
# first; the suite renders templates without one. The DEBUG-off gunicorn test
# (tests/test_deploy.py) runs collectstatic and the real settings.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
