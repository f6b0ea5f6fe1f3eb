"""Settings come from the environment; production settings pass `check --deploy`."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, **env):
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings():
    r = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="radiohost.example.org",
    )
    assert r.returncode == 0, r.stderr
    assert "no issues" in r.stdout


def test_missing_secret_key_without_debug_is_a_clear_error():
    r = _manage("check")
    assert r.returncode != 0
    assert "SECRET_KEY must be set in the environment when DEBUG is off" in r.stderr


def test_database_and_data_dir_from_environment(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE']);print(s.RADIOHOST_DATA_DIR);print(s.CELERY_BROKER_URL)"
    )
    r = _manage(
        "shell",
        "-c",
        code,
        DEBUG="1",
        DATABASE_URL="postgres://u@127.0.0.1:5432/x",
        RADIOHOST_DATA_DIR=str(tmp_path),
        CELERY_BROKER_URL="amqp://guest@127.0.0.1//",
    )
    assert r.returncode == 0, r.stderr
    engine, data_dir, broker = r.stdout.strip().splitlines()[-3:]
    assert engine == "django.db.backends.postgresql"
    assert data_dir == str(tmp_path)
    assert broker == "amqp://guest@127.0.0.1//"
