"""Checkpoint files of every trained model (host identifier, optical classifier, learned
core locator): the one place that writes and reads them.

A checkpoint is a ``torch.save`` dict in the torchvision reference style: ``model`` (state
dict), ``optimizer``, ``lr_scheduler``, ``epoch``, ``config`` (a JSON-able dict),
``metrics``, ``git_sha`` and the registry ``kind``, plus any model-specific extras. Next to it
``<file>.sha256`` records its digest; the model registry stores the sha256 so a prediction can
always be traced to the exact weights, and a file changed after saving is refused.
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


def save_checkpoint(
    path: str | os.PathLike,
    *,
    model_state: dict,
    config: dict,
    metrics: dict,
    kind: str | None = None,
    optimizer_state: dict | None = None,
    lr_scheduler_state: dict | None = None,
    epoch: int | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """Write the checkpoint dict and ``<path>.sha256``; return the sha256 (hex).

    With plain Python types and tensors in ``config``, ``metrics`` and ``extra``,
    :func:`read_checkpoint` reads it with ``weights_only=True`` (no pickle of arbitrary
    objects).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ckpt = {
        "kind": kind,
        "model": model_state,
        "optimizer": optimizer_state,
        "lr_scheduler": lr_scheduler_state,
        "epoch": epoch,
        "config": config,
        "metrics": metrics,
        "git_sha": git_sha(),
        **(extra or {}),
    }
    torch.save(ckpt, path)
    digest = file_sha256(path)
    Path(f"{path}.sha256").write_text(f"{digest}  {path.name}\n")
    return digest


def read_checkpoint(
    path: str | os.PathLike,
    *,
    map_location: str | torch.device = "cpu",
    weights_only: bool = True,
    kind: str | None = None,
) -> dict[str, Any]:
    """The checkpoint dict of ``path``.

    Parameters
    ----------
    path : path
        A file written by :func:`save_checkpoint` (or an older one with the same keys).
    map_location : str or torch.device
        Where tensors are loaded.
    weights_only : bool
        ``torch.load``'s safe mode; only our own training output may be read without it.
    kind : str, optional
        The registry kind the file must have.

    Raises
    ------
    ValueError
        Naming the file: missing, its ``.sha256`` sidecar disagrees with it (changed after
        saving), unreadable, not a dict, lacking one of :data:`REQUIRED_KEYS`, or of another
        ``kind``.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: checkpoint file does not exist")
    side = Path(f"{path}.sha256")
    if side.is_file():
        recorded = side.read_text().split()[0]
        digest = file_sha256(path)
        if recorded != digest:
            raise ValueError(f"{path}: sha256 {digest} does not match {side.name} ({recorded})")
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=weights_only)
    except Exception as exc:  # torch raises many types for a corrupt file
        raise ValueError(
            f"{path}: not a readable torch checkpoint ({exc.__class__.__name__}: {exc})"
        ) from exc
    if not isinstance(ckpt, dict):
        raise ValueError(f"{path}: checkpoint is a {type(ckpt).__name__}, expected a dict")
    missing = [k for k in REQUIRED_KEYS if k not in ckpt]
    if missing:
        raise ValueError(f"{path}: checkpoint lacks key(s) {', '.join(missing)}")
    if kind is not None and ckpt.get("kind") != kind:
        raise ValueError(f"{path}: checkpoint kind is {ckpt.get('kind')!r}, expected {kind!r}")
    return ckpt


def checkpoint_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """What the model registry stores about a checkpoint: kind, sha256, config, metrics,
    epoch, git_sha, label snapshot, whether it was trained on simulated data.

    Raises ``ValueError`` naming the file as :func:`read_checkpoint` does.
    """
    path = Path(path)
    ckpt = read_checkpoint(path)
    return {
        "kind": ckpt.get("kind"),
        "sha256": file_sha256(path),
        "epoch": ckpt.get("epoch"),
        "path": str(path),
        "config": ckpt["config"],
        "metrics": ckpt["metrics"],
        "git_sha": ckpt.get("git_sha") or "",
        "label_snapshot": ckpt.get("label_snapshot", {}),
        "simulated": bool(ckpt.get("simulated", False)),
    }
