"""Checkpoint files shared by every trained model (torchvision reference style).

A checkpoint is a ``torch.save`` dict with at least ``model`` (state dict),
``config`` (a JSON-able dict), ``metrics`` and ``git_sha``; the model registry
records its sha256 so a prediction can always be traced to the exact weights.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path
from typing import Any

import torch

REQUIRED_KEYS = ("model", "config", "metrics")


def git_sha() -> str | None:
    """The repository's HEAD commit, or None outside a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def file_sha256(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def checkpoint_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """What the model registry stores about a checkpoint: kind, sha256, config, metrics, git_sha.

    Raises ``ValueError`` naming the file when it is missing, unreadable or lacks
    one of :data:`REQUIRED_KEYS`.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: checkpoint file does not exist")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for a corrupt file
        raise ValueError(
            f"{path}: not a readable torch checkpoint ({exc.__class__.__name__}: {exc})"
        ) from exc
    if not isinstance(ckpt, dict):
        raise ValueError(f"{path}: checkpoint is a {type(ckpt).__name__}, expected a dict")
    missing = [k for k in REQUIRED_KEYS if k not in ckpt]
    if missing:
        raise ValueError(f"{path}: checkpoint lacks key(s) {', '.join(missing)}")
    return {
        "kind": ckpt.get("kind"),
        "sha256": file_sha256(path),
        "config": ckpt["config"],
        "metrics": ckpt["metrics"],
        "git_sha": ckpt.get("git_sha") or "",
        "label_snapshot": ckpt.get("label_snapshot", {}),
        "simulated": bool(ckpt.get("simulated", False)),
    }
