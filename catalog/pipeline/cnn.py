"""The CNN path of a tile (``gpu`` queue): the active host checkpoint scores every field of the
tile through :class:`ml.host.engine.HostEngine` (radio backbone once per field, batched).

Inputs per component: its stored VLASS cutout (``Cutout``, through the media root), the
candidates' cutout-frame offsets (``Candidate.dx_px``/``dy_px``, scaled to the model's radio
input) and, for a model that uses them, the optical classifier's GALAXY/QSO/STAR
probabilities. torch is imported here only: the ``cpu`` workers never load this module.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from catalog.models import Candidate, ClassPrediction, Cutout, ModelVersion, RadioComponent
from catalog.pipeline import tiling as T
from catalog.pipeline.score import decide_fields
from catalog.pipeline.tile import TileOutcome, run_tile
from ml.seed import CUTOUT_SIZE_PX

FRAME_PX = CUTOUT_SIZE_PX  # seed §3.3: the radio cutout is 240 x 240 px at 1"/px


@cache
def _engine(mv_pk: int, sha256: str):
    """One prepared engine per worker process and checkpoint (the model loads once).

    The checkpoint is read through Django's storage API (``ModelVersion.checkpoint_path`` is
    relative to the media root), so a gpu host needs no path another host wrote: with an
    object store the file is copied to a local temporary file first.
    """
    import tempfile

    from django.core.files.storage import default_storage

    from ml.host.engine import HostEngine
    from ml.host.model import load_checkpoint

    rel = ModelVersion.objects.get(pk=mv_pk).checkpoint_path
    try:
        model, _ = load_checkpoint(default_storage.path(rel))
    except NotImplementedError:  # a remote storage: no local path
        with tempfile.NamedTemporaryFile(suffix=".pt") as tmp:
            with default_storage.open(rel, "rb") as fh:
                tmp.write(fh.read())
            tmp.flush()
            model, _ = load_checkpoint(tmp.name)
    return HostEngine(model)


def _class_probs(optical_ids: np.ndarray) -> np.ndarray:
    active = ModelVersion.objects.filter(
        kind=ModelVersion.Kind.CLASSIFIER, status=ModelVersion.Status.ACTIVE
    ).first()
    if active is None:
        raise ValueError("the host model uses class probabilities but no classifier is active")
    got = {
        o: (g, q, s)
        for o, g, q, s in ClassPrediction.objects.filter(
            model_version=active, optical_source_id__in=np.unique(optical_ids).tolist()
        ).values_list("optical_source_id", "p_galaxy", "p_qso", "p_star")
    }
    missing = [int(o) for o in optical_ids if int(o) not in got]
    if missing:
        raise ValueError(
            f"no class probabilities of {active.name} for optical sources {missing[:5]}"
        )
    return np.array([got[int(o)] for o in optical_ids], dtype=float)


def compute_cnn(epoch_id: int, order: int, index: int, mv: ModelVersion) -> TileOutcome:
    from django.core.files.storage import default_storage

    from catalog.providers.fits_image import read_fits_image
    from ml.host.data import radio_input
    from ml.host.field import HostField

    engine = _engine(mv.pk, mv.sha256)
    cfg = engine.cfg
    lo, hi = T.tile_range(order, index)
    targets = np.array(
        RadioComponent.objects.filter(epoch_id=epoch_id, is_science=True, hpx__gte=lo, hpx__lt=hi)
        .order_by("pk")
        .values_list("pk", flat=True),
        dtype=np.int64,
    )
    rows = list(
        Candidate.objects.filter(component_id__in=targets.tolist())
        .order_by("component_id", "id")
        .values_list("id", "component_id", "optical_source_id", "dx_px", "dy_px")
    )
    a = np.array(rows, dtype=float).reshape(-1, 5)
    cand_id, comp, opt = (a[:, k].astype(np.int64) for k in range(3))
    ident = np.unique(comp)
    without = np.setdiff1d(targets, ident)
    paths = dict(
        Cutout.objects.filter(component_id__in=ident.tolist(), survey="VLASS").values_list(
            "component_id", "path"
        )
    )
    missing = [int(c) for c in ident if int(c) not in paths]
    if missing:
        raise ValueError(f"components {missing[:5]} have no stored VLASS cutout")
    probs = _class_probs(opt) if cfg.use_class_probs else None
    scale = cfg.radio_size / FRAME_PX
    starts = np.searchsorted(comp, ident)
    ends = np.append(starts[1:], comp.size)
    fields = []
    for c, s, e in zip(ident.tolist(), starts.tolist(), ends.tolist(), strict=True):
        with default_storage.open(paths[c], "rb") as fh:  # shared media: the storage API
            img = read_fits_image(fh.read(), where=f"cutout {paths[c]}").data
        if img.shape != (FRAME_PX, FRAME_PX):
            raise ValueError(f"component {c}: cutout {paths[c]} is {img.shape}, not 240 x 240")
        fields.append(
            HostField(
                field_id=str(c),
                radio=radio_input(np.nan_to_num(img), cfg.radio_size),
                candidate_ids=opt[s:e].tolist(),
                xy=a[s:e, 3:5] * scale,
                class_probs=None if probs is None else probs[s:e],
            )
        )
    lik = np.concatenate(engine.score(fields)) if fields else np.empty(0)
    cand_t = np.searchsorted(ident, comp)
    return TileOutcome(decide_fields(cand_id, cand_t, np.clip(lik, 0, 1)), ident, without, 0, 0)


def run_tile_cnn(tile_id: int, *, worker: str = "") -> dict:
    return run_tile(tile_id, worker=worker, compute=compute_cnn)
