"""BatchNorm folding for inference: ``Conv2d -> BatchNorm2d`` pairs of a ResNet into one conv.

Used by :class:`ml.host.engine.HostEngine`; inference-only, it computes the same function with
the running statistics and removes a memory-bound pass per activation on CPU.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval


def fold_batchnorm(module: nn.Module) -> nn.Module:
    """Fold every eval-mode ``Conv2d -> BatchNorm2d`` pair of torchvision ResNets in place.

    Inference-only: the folded conv computes ``bn(conv(x))`` with the running statistics, so the
    BatchNorm pass over each activation disappears (a pure memory-bound op on CPU).
    """
    for res in [m for m in module.modules() if isinstance(m, torch.nn.Module)]:
        pairs = []
        if hasattr(res, "conv1") and isinstance(getattr(res, "bn1", None), nn.BatchNorm2d):
            pairs.append(("conv1", "bn1"))
        if hasattr(res, "conv2") and isinstance(getattr(res, "bn2", None), nn.BatchNorm2d):
            pairs.append(("conv2", "bn2"))
        for conv_name, bn_name in pairs:
            conv, bn = getattr(res, conv_name), getattr(res, bn_name)
            if isinstance(conv, nn.Conv2d):
                setattr(res, conv_name, fuse_conv_bn_eval(conv, bn))
                setattr(res, bn_name, nn.Identity())
        ds = getattr(res, "downsample", None)
        if (
            isinstance(ds, nn.Sequential)
            and len(ds) == 2
            and isinstance(ds[0], nn.Conv2d)
            and isinstance(ds[1], nn.BatchNorm2d)
        ):
            res.downsample = nn.Sequential(fuse_conv_bn_eval(ds[0], ds[1]))
    return module
