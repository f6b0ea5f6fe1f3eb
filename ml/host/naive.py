"""The seed's per-pair formulation of host scoring (seed §3.3, Figure 5): the reference.

Both backbones run for every (radio component, optical candidate) pair, fp32, NCHW. Slow by
design: :class:`ml.host.engine.HostEngine` must reproduce these likelihoods to 1e-4
(``tests/ml/test_inference.py``) and ``bench/inference.py`` times it against them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch

from ml.device import pick_device
from ml.host.field import HostField
from ml.host.model import HostIdentifier


def naive_score_fields(
    fields: Iterable[HostField],
    model: HostIdentifier,
    *,
    per_pair: bool = True,
    device: str | torch.device | None = None,
) -> list[np.ndarray]:
    """The seed's formulation: the full model (both backbones) for every pair, fp32, NCHW.

    Parameters
    ----------
    per_pair : bool
        True: one forward per (field, candidate) pair (batch 1).  False: the pairs of one field
        in one batch — still both backbones per pair, the radio cutout repeated N times.
    """
    if device is None:
        dev = next(model.parameters()).device
    else:
        dev = device if isinstance(device, torch.device) else pick_device(device)
        model = model.to(dev)
    cfg = model.cfg
    was_training = model.training
    model.eval()
    out = []
    try:
        with torch.no_grad():
            for f in fields:
                n = len(f.candidate_ids)
                s = cfg.radio_size
                groups = [[i] for i in range(n)] if per_pair else [list(range(n))]
                lik = np.empty(n)
                for idx in groups:
                    k = len(idx)
                    radio = (
                        torch.from_numpy(np.asarray(f.radio, dtype=np.float32).reshape(1, 1, s, s))
                        .expand(k, 1, s, s)
                        .contiguous()
                        .to(dev)
                        if cfg.use_radio
                        else None
                    )
                    optical = (
                        torch.from_numpy(
                            np.stack([np.asarray(f.stamp(i), dtype=np.float32) for i in idx])
                        ).to(dev)
                        if cfg.use_optical
                        else None
                    )
                    probs = (
                        torch.from_numpy(np.asarray(f.class_probs, dtype=np.float32)[idx]).to(dev)
                        if cfg.needs_class_probs
                        else None
                    )
                    xy = torch.from_numpy(np.asarray(f.xy, dtype=np.float32)[idx]).to(dev)
                    lik[idx] = model.likelihood(radio, optical, probs, xy).double().cpu().numpy()
                out.append(lik)
    finally:
        model.train(was_training)
    return out
