"""Authentication that cannot be used to burn CPU or crash the server, and the API throttles.

Each wrong password costs a password hash (~190 ms with Django's PBKDF2 at production cost,
12x an anonymous GET), so a few clients guessing passwords took half the server's
throughput. :class:`ThrottledBasicAuthentication` counts failed logins per client address
and per username in the cache and refuses (429, before hashing) once either reaches
``RADIOHOST_LOGIN_FAILURES`` within ``RADIOHOST_LOGIN_WINDOW_S``. Credentials holding a NUL
byte are refused as invalid (PostgreSQL text cannot hold NUL: it was a 500).

The counters live in Django's cache: with several gunicorn workers or hosts, set
``CACHE_URL`` to a shared cache (Redis) so they are counted once (README, Deployment).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.authentication import BasicAuthentication
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


def client_address(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy
    # rewrites it, and trusting it would let a guesser pick a fresh address per request.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _keys(request, username: str) -> list[str]:
    user_digest = hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()[:32]
    return [
        f"radiohost:loginfail:ip:{client_address(request)}",
        f"radiohost:loginfail:user:{user_digest}",
    ]


class ThrottledBasicAuthentication(BasicAuthentication):
    def authenticate_credentials(self, userid, password, request=None):
        if "\x00" in (userid or "") or "\x00" in (password or ""):
            raise exceptions.AuthenticationFailed("Invalid username/password.")
        limit = settings.RADIOHOST_LOGIN_FAILURES
        window = settings.RADIOHOST_LOGIN_WINDOW_S
        keys = _keys(request, userid or "") if request is not None else []
        counts = cache.get_many(keys)
        if any(counts.get(k, 0) >= limit for k in keys):
            raise exceptions.Throttled(
                wait=window, detail="Too many failed logins; try again later."
            )
        try:
            return super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            for k in keys:
                cache.add(k, 0, window)  # the window starts at the first failure
                try:
                    cache.incr(k)
                except ValueError:  # expired between add and incr
                    cache.set(k, 1, window)
            raise


class AnonThrottle(AnonRateThrottle):
    """Anonymous clients, per address (rate: ``RADIOHOST_THROTTLE_ANON``)."""


class UserThrottle(UserRateThrottle):
    """Authenticated clients, per user (rate: ``RADIOHOST_THROTTLE_USER``)."""
