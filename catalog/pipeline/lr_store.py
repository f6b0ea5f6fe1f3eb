"""Where an epoch's likelihood-ratio fit is kept: ``Epoch.lr_fit[str(model_version_id)]``
(written by :func:`catalog.pipeline.lr_epoch.epoch_lr`); the read alone, for callers that
must never fit (a component's page, its full list, the per-component path)."""

from __future__ import annotations

from catalog.models import Epoch
from ml.host.likelihood_ratio import LRModel


def stored_lr(epoch_id: int, mv) -> LRModel | None:
    """The epoch's stored fit for ``mv`` without fitting one (None: not fitted yet)."""
    stored = Epoch.objects.filter(pk=epoch_id).values_list("lr_fit", flat=True).first()
    d = (stored or {}).get(str(mv.pk))
    return None if d is None else LRModel.from_dict(d)
