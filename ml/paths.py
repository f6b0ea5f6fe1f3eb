"""Where the real data and outputs live (no Django: environment variables only)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """The read-only real-data folder: ``override``, else ``$RADIOHOST_DATA_DIR``, else ``../shared/data``."""
    if override is not None:
        return Path(override)
    env = os.environ.get("RADIOHOST_DATA_DIR")
    return Path(env) if env else (REPO_ROOT / ".." / "shared" / "data").resolve()


def results_dir() -> Path:
    out = REPO_ROOT / "results"
    out.mkdir(exist_ok=True)
    return out


def media_dir() -> Path:
    env = os.environ.get("RADIOHOST_MEDIA_ROOT")
    return Path(env) if env else REPO_ROOT / "var" / "media"
