"""The real brokers the worker tests run against, each skipped when it is not running."""

import socket

import pytest
from django.conf import settings

BROKERS = {
    "redis": (settings.CELERY_BROKER_URL, 6379),
    "rabbitmq": ("amqp://guest:guest@127.0.0.1:5672//", 5672),
}


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(params=sorted(BROKERS))
def broker(request) -> tuple[str, str]:
    """``(name, url)`` of each broker on 127.0.0.1."""
    url, port = BROKERS[request.param]
    if not _port_open(port):
        pytest.skip(f"{request.param} is not running on 127.0.0.1:{port}")
    return request.param, url
