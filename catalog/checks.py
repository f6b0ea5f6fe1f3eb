"""Deployment checks: ``manage.py check --deploy`` fails (an Error, not a warning) on a weak key.

Django's own security.W009 is only a warning, which ``check --deploy`` reports and passes;
a production site signing sessions and password-reset tokens with a guessable key must
not start, so this is an Error.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

MIN_LENGTH = 50
MIN_UNIQUE = 5


def weak_secret_key(key: str) -> str | None:
    """Why ``key`` is weak (Django's W009 criteria plus the development default), or None."""
    if not key:
        return "SECRET_KEY is empty"
    if key.startswith("django-insecure-") or key.startswith("radiohost-dev-only"):
        return "SECRET_KEY is a development key"
    if len(key) < MIN_LENGTH:
        return f"SECRET_KEY has {len(key)} characters (at least {MIN_LENGTH})"
    if len(set(key)) < MIN_UNIQUE:
        return f"SECRET_KEY has {len(set(key))} distinct characters (at least {MIN_UNIQUE})"
    return None


@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):
    why = weak_secret_key(getattr(settings, "SECRET_KEY", ""))
    if why is None:
        return []
    return [
        Error(
            f"{why}: set a long random SECRET_KEY in the environment for production",
            hint="python -c 'import secrets; print(secrets.token_urlsafe(64))'",
            id="radiohost.E001",
        )
    ]
