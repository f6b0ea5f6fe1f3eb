"""Train a CNN host identifier on simulated fields and register it (the ORM side of
``workers.tasks.train_host_model``), and score a registered one on Norris-71.

Idempotent by name: a model of that name already registered is returned without training.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.conf import settings

from catalog.methods.registry import checkpoint_file, register_checkpoint
from catalog.models import ModelVersion


def train_and_register(
    config: str, name: str, *, n_fields: int | None = None, activate: bool = False
) -> int:
    """Train on SIMULATED fields (:func:`ml.host.simulated.train_checkpoint`), store the
    checkpoint under ``<media root>/models/<name>-<sha256[:12]>.pt``, register it; returns
    the ModelVersion id. ``config`` is absolute or relative to the project."""
    from ml.host.simulated import train_checkpoint

    done = ModelVersion.objects.filter(name=name).values_list("pk", flat=True).first()
    if done is not None:
        return done
    cfg = Path(config)
    if not cfg.is_absolute():
        cfg = Path(settings.BASE_DIR) / cfg
    models = Path(settings.RADIOHOST_MEDIA_ROOT) / "models"
    models.mkdir(parents=True, exist_ok=True)
    # written beside its final name and moved in one rename: a killed run leaves no
    # half-written checkpoint where the registry looks
    with tempfile.TemporaryDirectory(dir=models) as tmp:
        info = train_checkpoint(str(cfg), str(Path(tmp) / "host.pt"), n_fields=n_fields)
        final = models / f"{name}-{info['sha256'][:12]}.pt"
        os.replace(Path(tmp) / "host.pt", final)
    mv, _ = register_checkpoint(final, name=name, activate=activate)
    return mv.pk


def evaluate_on_norris71(model_version_id: int) -> dict:
    """Score a registered host identifier on the real Norris-71 fields; the figures are
    stored in ``ModelVersion.metrics["norris71"]`` (a re-run overwrites them) and returned."""
    from ml.evaluation.norris71.run import checkpoint_summary

    mv = ModelVersion.objects.get(pk=model_version_id)
    summary = checkpoint_summary(str(checkpoint_file(mv)), Path(settings.RADIOHOST_DATA_DIR))
    mv.metrics = {**mv.metrics, "norris71": summary}
    mv.save(update_fields=["metrics"])
    return summary
