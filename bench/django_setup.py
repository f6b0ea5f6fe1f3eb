"""Set-up shared by the benchmark scripts that need Django on a PostgreSQL database."""

from __future__ import annotations

import os


def setup_django(db_url: str) -> None:
    """Point Django at ``db_url`` (before any model import) and set it up."""
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "radiohost_site.settings")
    import django

    django.setup()


def ensure_database(base_url: str, name: str) -> str:
    """Create the PostgreSQL database ``name`` beside ``base_url``'s if missing; its URL."""
    import psycopg

    with psycopg.connect(base_url, autocommit=True) as conn:
        if not conn.execute("select 1 from pg_database where datname=%s", (name,)).fetchone():
            conn.execute(f'create database "{name}"')
    return base_url.rsplit("/", 1)[0] + "/" + name
