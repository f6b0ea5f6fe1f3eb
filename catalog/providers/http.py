"""A ``requests`` session with timeouts and retries, shared by the HTTP providers."""

from __future__ import annotations

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

DEFAULT_TIMEOUT_S = (5.0, 60.0)  # (connect, read) seconds: cutout services can be slow
DEFAULT_RETRIES = 3


class TimeoutSession(requests.Session):
    """A session whose requests default to a timeout (requests has none by default)."""

    def __init__(self, timeout=DEFAULT_TIMEOUT_S):
        super().__init__()
        self.timeout = timeout

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, **kwargs)


def make_session(
    *, retries: int = DEFAULT_RETRIES, backoff_s: float = 0.5, timeout=DEFAULT_TIMEOUT_S
) -> requests.Session:
    """Session retrying connection errors and 429/5xx with exponential back-off.

    Parameters
    ----------
    retries : int
        Total retries per request.
    backoff_s : float
        Back-off factor (s): waits ``backoff_s * 2**k`` between tries.
    timeout : float or (float, float)
        Default (connect, read) timeout (s).
    """
    if retries < 0:
        raise ValueError(f"retries must be >= 0, got {retries}")
    s = TimeoutSession(timeout)
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff_s,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "POST"}),
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry)
    s.mount("http://", adapter)
    s.mount("https://", adapter)
    return s
