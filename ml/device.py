"""Run-time device choice: CUDA when present, else CPU (never hard-coded)."""

from __future__ import annotations

import os

import torch


def pick_device(preference: str | None = None) -> torch.device:
    """``preference`` ("cpu", "cuda", "cuda:1") or ``$RADIOHOST_DEVICE`` wins; else CUDA if available."""
    pref = preference or os.environ.get("RADIOHOST_DEVICE")
    if pref:
        return torch.device(pref)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
