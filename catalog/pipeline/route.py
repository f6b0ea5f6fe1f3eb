"""The one place that chooses how an epoch's tiles are identified.

* the active host model is a CNN checkpoint (a ModelVersion with a checkpoint file and no
  catalogue-method config) **and** every component to identify has its radio cutout stored
  (``Cutout``, survey VLASS, fetched through :mod:`catalog.providers`) -> tiles go to the
  ``gpu`` queue and are scored by :class:`ml.host.engine.HostEngine`;
* otherwise -> the catalogue method (:mod:`catalog.pipeline.score`) on ``cpu``, with the
  active catalogue-level version (a refit) or the published defaults.

A CNN that cannot run (no cutouts, or a model that needs optical stamps none of which are
stored) falls back to the catalogue method and says why in ``reason``.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Cutout, Epoch, ModelVersion, RadioComponent
from catalog.pipeline.component import current_method_version, is_catalogue_method


@dataclass(frozen=True)
class Route:
    path: str  # "catalogue" or "cnn"
    queue: str  # "cpu" or "gpu"
    model_version: ModelVersion
    reason: str


def active_cnn() -> ModelVersion | None:
    mv = ModelVersion.objects.filter(
        kind=ModelVersion.Kind.HOST, status=ModelVersion.Status.ACTIVE
    ).first()
    if mv is None or is_catalogue_method(mv) or not mv.checkpoint_path:
        return None
    return mv


def cutouts_missing(epoch: Epoch) -> int:
    """Science components with candidates but no stored VLASS cutout."""
    with_cands = RadioComponent.objects.filter(
        epoch=epoch, is_science=True, candidates__isnull=False
    ).distinct()
    have = Cutout.objects.filter(component__in=with_cands, survey="VLASS").values("component")
    return with_cands.exclude(pk__in=have).count()


def choose(epoch: Epoch) -> Route:
    cnn = active_cnn()
    if cnn is None:
        return Route("catalogue", "cpu", current_method_version(), "no active CNN host model")
    missing = cutouts_missing(epoch)
    if missing:
        return Route(
            "catalogue",
            "cpu",
            current_method_version(),
            f"active host model {cnn.name} is a CNN but {missing} components have no stored "
            "VLASS cutout",
        )
    if (cnn.config or {}).get("use_optical", True):
        return Route(
            "catalogue",
            "cpu",
            current_method_version(),
            f"active host model {cnn.name} needs optical stamps, which tiles do not fetch",
        )
    return Route("cnn", "gpu", cnn, f"active host model {cnn.name} is a CNN with cutouts")
