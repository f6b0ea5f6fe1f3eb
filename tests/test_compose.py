"""docker-compose.yml is a real, consistent configuration: every command it names exists."""

import importlib
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_expected_services_present():
    assert {"postgres", "redis", "web", "worker-cpu", "worker-gpu", "beat"} <= set(SERVICES)


def test_gpu_worker_reserves_a_gpu_and_listens_on_gpu_queue():
    gpu = SERVICES["worker-gpu"]
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]
    assert "--queues gpu" in gpu["command"]
    assert "--queues cpu" in SERVICES["worker-cpu"]["command"]


def _commands(command: str) -> list[list[str]]:
    """Split ``sh -c "a && b"`` into its commands; a plain command is one."""
    argv = shlex.split(command)
    if argv[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in argv[2].split("&&")]
    return [argv]


@pytest.mark.parametrize(
    ("name", "argv"),
    [
        (n, a)
        for n, s in SERVICES.items()
        if "command" in s and "build" in s
        for a in _commands(s["command"])
    ],
)
def test_commands_exist(name, argv):
    if argv[0] == "python" and argv[1] == "manage.py":
        from django.core.management import get_commands

        assert argv[2] in get_commands(), f"{name}: no management command {argv[2]!r}"
    elif argv[0] == "gunicorn":
        module, attr = argv[1].split(":")
        assert hasattr(importlib.import_module(module), attr), f"{name}: {argv[1]} not importable"
    elif argv[0] == "celery":
        app = importlib.import_module(argv[argv.index("-A") + 1]).celery_app
        assert argv[argv.index("-A") + 2] in ("worker", "beat")
        if "--scheduler" in argv:
            mod, cls = argv[argv.index("--scheduler") + 1].split(":")
            assert hasattr(importlib.import_module(mod), cls)
        if "--queues" in argv:
            queue = argv[argv.index("--queues") + 1]
            routes = {q for q in (app.conf.task_default_queue, "cpu", "gpu")}
            assert queue in routes
    else:
        pytest.fail(f"{name}: unknown command {argv[0]!r}")


def test_app_services_use_environment_settings():
    env = SERVICES["web"]["environment"]
    for key in (
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "RADIOHOST_DATA_DIR",
        "RADIOHOST_MEDIA_ROOT",
        "SECRET_KEY",
    ):
        assert key in env


def _mounts(service: dict) -> dict[str, str]:
    """Container path -> named volume (or host path) for a service's volumes."""
    out = {}
    for v in service.get("volumes", []):
        source, target = v.split(":")[:2]
        out[target] = source
    return out


def test_web_counts_logins_in_a_shared_cache():
    """Several gunicorn workers count failed logins once only through a shared cache."""
    web = SERVICES["web"]
    assert "--workers" in web["command"]
    url = web["environment"].get("CACHE_URL", "")
    assert url.startswith("redis://redis:"), f"web CACHE_URL {url!r} is not the redis service"
    assert url != web["environment"]["CELERY_BROKER_URL"], "cache and broker share a database"


@pytest.mark.parametrize(
    ("setting", "services"),
    [
        ("RADIOHOST_INBOX_DIR", ("beat", "worker-cpu", "worker-gpu")),
        ("RADIOHOST_MEDIA_ROOT", ("web", "worker-cpu", "worker-gpu")),
    ],
)
def test_shared_directories_are_one_named_volume(setting, services):
    """Beat's inbox scan and the workers read one inbox; overlays a worker renders are the
    files web serves: the same named volume at the path the setting names, in each service."""
    sources = set()
    for name in services:
        service = SERVICES[name]
        path = service["environment"].get(setting)
        assert path, f"{name}: {setting} is not set"
        mounts = _mounts(service)
        assert path in mounts, f"{name}: nothing mounted at {setting}={path}"
        sources.add(mounts[path])
    assert len(sources) == 1 and sources <= set(COMPOSE["volumes"]), sources


def test_image_collects_hashed_static_files():
    """The image's collectstatic writes what the DEBUG-off web service serves (WhiteNoise)."""
    from django.conf import settings

    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "manage.py collectstatic" in dockerfile
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE
    from radiohost_site import settings as production

    assert production.STORAGES["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
