"""Model registry (ORM side): register checkpoints as ModelVersions, activate one per kind."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction

from catalog.models import ModelVersion


def _relative_to_media(path: Path) -> str:
    media = Path(settings.RADIOHOST_MEDIA_ROOT).resolve()
    try:
        return str(path.resolve().relative_to(media))
    except ValueError:
        return str(path.resolve())


@transaction.atomic
def register_checkpoint(
    path: str | Path, *, name: str, kind: str | None = None, activate: bool = False
) -> tuple[ModelVersion, bool]:
    """Create (or find, by sha256) the ModelVersion of a checkpoint; returns ``(mv, created)``.

    Registering the same file twice is idempotent. ``activate`` retires the kind's
    current active version in the same transaction.
    """
    # ml.checkpoints imports torch: only registering a file needs it, not the CPU workers
    # that import this module for activate_version.
    from ml.checkpoints import checkpoint_metadata

    path = Path(path)
    meta = checkpoint_metadata(path)
    kind = kind or meta["kind"]
    if kind not in ModelVersion.Kind.values:
        raise ValueError(
            f"{path}: model kind {kind!r} is not one of {', '.join(ModelVersion.Kind.values)}"
        )
    existing = ModelVersion.objects.filter(sha256=meta["sha256"], kind=kind).first()
    created = existing is None
    mv = existing or ModelVersion.objects.create(
        name=name,
        kind=kind,
        checkpoint_path=_relative_to_media(path),
        sha256=meta["sha256"],
        git_sha=meta["git_sha"],
        config=meta["config"],
        metrics=meta["metrics"],
        label_snapshot=meta["label_snapshot"],
        is_simulated_training=meta["simulated"],
    )
    if activate:
        activate_version(mv)
    return mv, created


@transaction.atomic
def activate_version(mv: ModelVersion) -> None:
    """Make ``mv`` its kind's active version, retiring the one active before (one per kind)."""
    if mv.status == ModelVersion.Status.ACTIVE:
        return
    ModelVersion.objects.filter(kind=mv.kind, status=ModelVersion.Status.ACTIVE).update(
        status=ModelVersion.Status.RETIRED
    )
    mv.status = ModelVersion.Status.ACTIVE
    mv.save(update_fields=["status"])


def checkpoint_file(mv: ModelVersion) -> Path:
    p = Path(mv.checkpoint_path)
    return p if p.is_absolute() else Path(settings.RADIOHOST_MEDIA_ROOT) / p
