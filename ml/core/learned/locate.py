"""Learned core location for callers: one 240 x 240 frame in, the host/core pixel out.

Offered next to :func:`ml.core.location.locate_core` (whose gated defaults are unchanged).
On the real MiraBest FIRST images the network trained by ``python -m ml.core.learned.train``
puts 62 % of WAT+HT hosts within 5" against the gate's 43 %, without having been tuned on
them (``results/core_location.json``, rows ``learned*``: test-time averaging and a 2-seed
ensemble add 0-2 points); fine-tuned on the other MiraBest folds it reaches 69 % held out
(``results/core_location_finetune.json``). The 90 % goal is not met.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ml.core.learned.model import predict
from ml.paths import REPO_ROOT


class LearnedCoreLocator:
    """Loads core-locator checkpoints once and locates cores in preprocessed frames.

    Parameters
    ----------
    checkpoint : path or sequence of paths, optional
        Default ``var/core_locator/core_locator.pt``. Several paths make an ensemble whose
        heat maps are averaged. A missing file raises ``ValueError`` when first used.
    model : torch.nn.Module or sequence of them, optional
        Already built networks (take precedence over ``checkpoint``).
    tta : bool
        Average each network's heat map over the 8 flips / quarter turns of the frame
        (:func:`ml.core.learned.model.heatmaps`); 8x the compute.
    """

    def __init__(self, checkpoint=None, *, model=None, tta: bool = False) -> None:
        if isinstance(checkpoint, str | Path) or checkpoint is None:
            checkpoint = [checkpoint]
        self._checkpoints = list(checkpoint)
        self._models = (
            None if model is None else (list(model) if isinstance(model, list | tuple) else [model])
        )
        self.tta = tta

    @property
    def models(self) -> list:
        if self._models is None:
            from ml.core.learned.train import CHECKPOINT, load_locator

            self._models = [load_locator(c or CHECKPOINT) for c in self._checkpoints]
        return self._models

    def locate_many(self, frames: np.ndarray) -> np.ndarray:
        """(N, 240, 240) frames of :func:`ml.preprocess.radio.preprocess_radio` -> (N, 2)
        pixels (x = column, y = row; 1"/px)."""
        return predict(self.models, np.asarray(frames), tta=self.tta)

    def __call__(self, img: np.ndarray) -> tuple[float, float]:
        """One frame -> (x, y) pixel of the predicted core / host."""
        x, y = self.locate_many(np.asarray(img)[None])[0]
        return float(x), float(y)


def learned_rows(paths: list[Path]) -> dict:
    """Row name -> :class:`ml.core.learned.locate.LearnedCoreLocator` for existing checkpoints.

    ``learned`` (first checkpoint, as evaluated before test-time augmentation existed),
    ``learned_tta`` (the same with the 8-transform average) and, with two or more
    checkpoints, ``learned_ensemble_tta``. Empty when ``paths`` is empty (no torch import).
    """
    if not paths:
        return {}
    import torch

    from ml.core.learned.train import load_locator

    torch.set_num_threads(1)
    models = [load_locator(p) for p in paths]
    rows = {
        "learned": LearnedCoreLocator(model=models[0]),
        "learned_tta": LearnedCoreLocator(model=models[0], tta=True),
    }
    if len(models) > 1:
        rows["learned_ensemble_tta"] = LearnedCoreLocator(model=models, tta=True)
    return rows


def checkpoint_info(path: Path) -> dict:
    """What the evaluation JSON records of a checkpoint (provenance, config, validation)."""
    from ml.checkpoints import file_sha256
    from ml.core.learned.train import read_core_locator

    ckpt = read_core_locator(path)
    cfg = ckpt["config"]
    return {
        "checkpoint": str(path.relative_to(REPO_ROOT))
        if path.is_relative_to(REPO_ROOT)
        else str(path),
        "sha256": file_sha256(path),
        "git_sha": ckpt.get("git_sha"),
        "config": cfg,
        "heldout_validation_non_mirabest": ckpt["metrics"],
        "n_train_real_images": ckpt.get("n_train_real_images"),
        "train_command": f"python -m ml.core.learned.train --epochs {cfg['epochs']}"
        + (
            f" --seed {cfg['seed']} --out var/core_locator/{Path(cfg['out']).name}"
            if cfg["seed"]
            else ""
        ),
        "training_data": "FIRST Radio Galaxy Dataset images of FRICAT, FRIICAT, FR0CAT "
        "(SDSS-host positions), none within 30 arcsec of any MiraBest source, and no "
        "MiraBest-catalogue image at all; plus simulated sources (ml.core.learned.sim). "
        "Host up to +/-40 arcsec off the frame centre in training.",
        "tuned_on_mirabest": False,
    }
