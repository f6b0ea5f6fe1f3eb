"""API authentication that cannot be used to burn CPU or crash the server, and the throttles.

Failed logins are limited where every login path meets, the authentication backend
(``catalog.api.login_limits``): after ``RADIOHOST_LOGIN_FAILURES`` failures for one username
from one address (or the wide limit for an address or a username alone) the backend refuses
before hashing, and
:class:`ThrottledBasicAuthentication` answers that refusal with 429. Credentials holding a NUL
byte are refused as invalid (PostgreSQL text cannot hold NUL: it was a 500).
"""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.authentication import BasicAuthentication
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from catalog.api.login_limits import MESSAGE, LoginThrottled


class ThrottledBasicAuthentication(BasicAuthentication):
    def authenticate_credentials(self, userid, password, request=None):
        if "\x00" in (userid or "") or "\x00" in (password or ""):
            raise exceptions.AuthenticationFailed("Invalid username/password.")
        try:
            return super().authenticate_credentials(userid, password, request)
        except LoginThrottled as exc:
            raise exceptions.Throttled(wait=exc.wait, detail=MESSAGE) from None


class AnonThrottle(AnonRateThrottle):
    """Anonymous clients, per address (rate: ``RADIOHOST_THROTTLE_ANON``)."""


class UserThrottle(UserRateThrottle):
    """Authenticated clients, per user (rate: ``RADIOHOST_THROTTLE_USER``)."""
