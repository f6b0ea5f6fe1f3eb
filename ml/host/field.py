"""What the host identifier scores: one radio component's field and its optical candidates.

:class:`HostField` is the plain-array input of :mod:`ml.host.engine` (and of the reference
:mod:`ml.host.naive`), built by the catalogue (``catalog/pipeline/cnn.py``), the simulated
training data (:mod:`ml.host.data`) and the Norris-71 evaluation alike; no Django here.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch

OpticalSource = np.ndarray | Mapping[Hashable, np.ndarray] | Callable[[Hashable], np.ndarray]


@dataclass
class HostField:
    """One radio component's field: its cutout and its optical candidates.

    Parameters
    ----------
    field_id : str
        Identifier used in error messages (e.g. the VLASS component name).
    radio : ndarray (S, S) or (1, S, S), or None
        Preprocessed radio cutout (``ml.preprocess.radio.to_model_input``), dimensionless,
        S = ``HostConfig.radio_size``.  May be None when the model has ``use_radio=False``.
    candidate_ids : sequence of hashable
        Optical source ids (e.g. PS1 objID); the optical-feature cache is keyed by them, so the
        same id must always mean the same stamp.
    xy : ndarray (N, 2)
        Candidate offsets from the radio cutout centre, radio-cutout pixels.
    class_probs : ndarray (N, n_classes) or None
        GALAXY/QSO/STAR probabilities from the optical classifier.
    optical : ndarray (N, C, S', S'), mapping id -> (C, S', S'), callable id -> (C, S', S'), or None
        Normalised optical stamps.  A mapping or callable is only asked for ids not yet cached.
    """

    field_id: str
    radio: np.ndarray | None
    candidate_ids: Sequence[Hashable]
    xy: np.ndarray
    class_probs: np.ndarray | None = None
    optical: OpticalSource | None = None

    def stamp(self, i: int) -> np.ndarray:
        """Optical stamp of candidate ``i`` (C, S', S')."""
        src = self.optical
        if src is None:
            raise ValueError(f"field {self.field_id}: no optical stamps given")
        if isinstance(src, np.ndarray | torch.Tensor):
            return np.asarray(src[i])
        cid = self.candidate_ids[i]
        return np.asarray(src[cid] if isinstance(src, Mapping) else src(cid))
