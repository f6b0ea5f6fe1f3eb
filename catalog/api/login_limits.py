"""Failed-login limits on every login path: the API's Basic auth, the sign-in form, the admin.

Each wrong password costs a password hash (~190 ms with Django's PBKDF2 at production cost,
12x an anonymous GET; bench/api_load.py measured 4 guessing clients cutting throughput by 46%), and
Django's ``ModelBackend`` hashes even for an unknown username (to hide which names exist).
So the limit sits in the authentication backend, the one place every path goes through
(``django.contrib.auth.authenticate``: DRF's ``BasicAuthentication``, ``LoginView`` behind
``/accounts/login/``, the admin's login, and any token endpoint built on ``authenticate``):

* :class:`ThrottledModelBackend` counts failed logins in Django's cache, per (username, client
  address) and, as a much wider backstop, per address and per username alone. Once the pair
  reaches ``RADIOHOST_LOGIN_FAILURES`` — or the address or the username alone reaches
  ``RADIOHOST_LOGIN_FAILURES_WIDE`` (10x by default) — within ``RADIOHOST_LOGIN_WINDOW_S``, it
  raises :class:`LoginThrottled` *before* the password is hashed (the right password is refused
  too until the window passes, or a guesser would learn it). Counting the pair, not the
  address, is what keeps one user's typos (or one guesser behind a shared proxy or NAT) from
  locking every other user of that address out; the wide counts still bound the hashing cost of
  a guesser who sprays many usernames from one address or one username from many addresses.
* :class:`LoginThrottled` is deliberately not ``PermissionDenied`` (which ``authenticate``
  swallows into a plain "wrong password"): it reaches the caller, so the API answers 429
  (``catalog.api.auth``) and :class:`LoginThrottleMiddleware` turns it into a 429 page for the
  HTML forms (never a 500).

The counters live in Django's cache: with several gunicorn workers or hosts, set
``CACHE_URL`` to a shared cache (Redis) so they are counted once (README, Deployment).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.http import JsonResponse
from django.template.response import TemplateResponse
from rest_framework.throttling import BaseThrottle

MESSAGE = "Too many failed logins; try again later."


class LoginThrottled(Exception):
    """Too many failed logins from this address or for this username (answer 429)."""

    def __init__(self, wait: int):
        super().__init__(MESSAGE)
        self.wait = wait


def client_address(request) -> str | None:
    """The client as the API throttles identify it (DRF ``get_ident``): REMOTE_ADDR, or with
    ``NUM_PROXIES`` trusted proxies the address the outermost of them saw. X-Forwarded-For is
    client-controlled beyond that, and trusting it would let a guesser pick a fresh address
    per request. None without a request (``authenticate()`` called from code, e.g. a shell)."""
    if request is None or not hasattr(request, "META"):
        return None
    return BaseThrottle().get_ident(request) or "unknown"


def _keys(request, username: str) -> list[tuple[str, int]]:
    """The counters one login attempt touches, each with the limit that blocks it."""
    # Hashed: a username may be any text (the cache key must stay short and printable).
    user_digest = hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()[:32]
    narrow = settings.RADIOHOST_LOGIN_FAILURES
    wide = settings.RADIOHOST_LOGIN_FAILURES_WIDE
    address = client_address(request)
    if address is None:  # no request (a shell, Client.login): the username is all there is
        return [(f"radiohost:loginfail:user:{user_digest}", narrow)]
    return [
        (f"radiohost:loginfail:pair:{user_digest}:{address}", narrow),
        (f"radiohost:loginfail:ip:{address}", wide),
        (f"radiohost:loginfail:user:{user_digest}", wide),
    ]


def check(request, username: str) -> None:
    """Raise :class:`LoginThrottled` when any counter of this attempt is at its limit."""
    keys = _keys(request, username)
    counts = cache.get_many([k for k, _ in keys])
    if any(counts.get(k, 0) >= limit for k, limit in keys):
        raise LoginThrottled(wait=settings.RADIOHOST_LOGIN_WINDOW_S)


def record_failure(request, username: str) -> None:
    """Count one failed login for this username, this address and the pair."""
    window = settings.RADIOHOST_LOGIN_WINDOW_S
    for k, _ in _keys(request, username):
        cache.add(k, 0, window)  # the window starts at the first failure
        try:
            cache.incr(k)
        except ValueError:  # expired between add and incr
            cache.set(k, 1, window)


class ThrottledModelBackend(ModelBackend):
    """``ModelBackend`` that refuses NUL bytes and stops hashing after repeated failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field())
        if username is None or password is None:
            return None  # not a password login: nothing hashed, nothing to count
        name = str(username)
        if "\x00" in name or "\x00" in str(password):
            # PostgreSQL text cannot hold NUL (the user lookup was a 500); a failure all the same
            record_failure(request, name)
            return None
        check(request, name)
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(request, name)
        return user

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD


class LoginThrottleMiddleware:
    """A throttled login through a form (``/accounts/login/``, ``/admin/login/``) is a 429 page;
    under ``/api/`` a 429 JSON answer (DRF's own path turns it into ``Throttled`` first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, LoginThrottled):
            return None
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": MESSAGE}, status=429)
        else:
            response = TemplateResponse(
                request,
                "registration/login_throttled.html",
                {"wait_minutes": max(1, round(exception.wait / 60))},
                status=429,
            )
            response.render()
        response["Retry-After"] = str(exception.wait)
        return response
