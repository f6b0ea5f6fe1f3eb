"""The host identifier network (seed §3.3, §4.2, Figure 5).

Two ResNet-18 backbones: a radio one that sees the 1×217×217 preprocessed radio cutout and an
optical one that sees the 5×240×240 (grizy) PS1 stamp of one candidate.  FC1 joins the optical
features with the candidate's class probabilities (GALAXY/QSO/STAR from the optical classifier);
FC2 joins FC1 with the radio features, the candidate's (x, y) offset in radio-cutout pixels and
D = √(x²+y²); a sigmoid of FC2's output is the host likelihood (seed §4.2).

Every input branch can be switched off (``HostConfig.use_*``) so that a variant can be trained and
evaluated honestly where only some inputs exist for real (e.g. the Norris-71 fields have no PS1
pixels, so there the optical branch must be off).

The forward pass is split into :meth:`HostIdentifier.radio_features`,
:meth:`HostIdentifier.optical_code` and :meth:`HostIdentifier.head` so that the inference engine
(:mod:`ml.host.engine`) can compute the radio features once per field and the optical features once
per optical source; ``forward`` is exactly ``head(radio_features, optical_code, ...)`` so the
engine and the naive per-pair forward are the same function.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torchvision
from torch import nn
from torch.nn import functional as F

from ml.checkpoints import read_checkpoint
from ml.checkpoints import save_checkpoint as write_checkpoint

__all__ = [
    "HostConfig",
    "HostIdentifier",
    "host_identifier",
    "save_checkpoint",
    "load_checkpoint",
]

# ResNet-18 halves the resolution five times; below 32 px the last stage sees less than one
# pixel, so smaller inputs are a configuration error rather than a silently degenerate net.
_MIN_SIZE = 32


@dataclass(frozen=True)
class HostConfig:
    """Configuration of the host identifier (seed §3.3, Figure 5).

    Parameters
    ----------
    use_radio : bool
        Radio ResNet-18 branch (1×radio_size² preprocessed radio cutout).
    use_optical : bool
        Optical ResNet-18 branch (optical_bands×optical_size² PS1 stamp of the candidate).
    use_class_probs : bool
        Candidate class probabilities (GALAXY, QSO, STAR) into FC1.
    use_xy : bool
        Candidate offset (x, y) from the radio cutout centre, radio-cutout pixels, into FC2.
    use_distance : bool
        D = √(x²+y²), radio-cutout pixels, into FC2.
    radio_size : int
        Side of the square radio input, pixels (seed: 217).
    optical_size : int
        Side of the square optical stamp, pixels (seed: 240 at 0.25″/px).
    optical_bands : int
        Optical channels (seed: 5, PS1 grizy).
    n_classes : int
        Number of class probabilities per candidate (seed: 3, GALAXY/QSO/STAR).
    radio_features, optical_features : int
        Widths of the backbones' swapped ``fc`` layers.  The seed authors' code uses 20 and 10.
    fc1_width, fc2_width : int
        Hidden widths of FC1 and FC2.
    shared_trunk : bool
        One optical backbone carries both a classifier head (n_classes logits) and the host
        branch; its softmax replaces the externally supplied class probabilities.  This removes
        the classifier's own backbone per candidate when both run in the same pass.
    log_distance : bool
        D enters FC2 as log(1 + D / 1 px) instead of D / (radio_size / 2).  The linear input
        squeezes the decisive near range into almost nothing: on the simulated 48-px fields the
        host's median D is 0.18 px and a typical non-host's 10 px, i.e. 0.008 vs 0.44 after
        scaling, so FC2 needs a weight of ~20 before distance can outvote a noisy optical
        feature; log1p maps the same pair to 0.17 vs 2.4.  One radio pixel is the scale because
        the radio image cannot place a host much better.  Off by default: existing checkpoints
        and configs keep the seed's linear D; no parameters are added either way.
    """

    use_radio: bool = True
    use_optical: bool = True
    use_class_probs: bool = True
    use_xy: bool = True
    use_distance: bool = True
    radio_size: int = 217
    optical_size: int = 240
    optical_bands: int = 5
    n_classes: int = 3
    radio_features: int = 20
    optical_features: int = 10
    fc1_width: int = 16
    fc2_width: int = 16
    shared_trunk: bool = False
    log_distance: bool = False

    def __post_init__(self) -> None:
        if not (self.use_optical or self.use_class_probs or self.use_xy or self.use_distance):
            raise ValueError(
                "HostConfig: at least one candidate input (use_optical, use_class_probs, use_xy, "
                "use_distance) must be on; the radio branch alone gives every candidate of a "
                "field the same likelihood"
            )
        for name in ("radio_size", "optical_size"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < _MIN_SIZE:
                raise ValueError(
                    f"HostConfig.{name} must be an int >= {_MIN_SIZE} (ResNet-18 downsamples "
                    f"by 32), got {value!r}"
                )
        for name in (
            "optical_bands",
            "n_classes",
            "radio_features",
            "optical_features",
            "fc1_width",
            "fc2_width",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"HostConfig.{name} must be a positive int, got {value!r}")
        if self.shared_trunk and not self.use_optical:
            raise ValueError("HostConfig.shared_trunk=True needs use_optical=True")

    @property
    def uses_fc1(self) -> bool:
        """FC1 exists when it has an input: optical features and/or class probabilities."""
        return self.use_optical or self.use_class_probs

    @property
    def needs_class_probs(self) -> bool:
        """Class probabilities must be supplied by the caller (not made by a shared trunk)."""
        return self.use_class_probs and not self.shared_trunk

    @property
    def optical_code_width(self) -> int:
        """Width of the per-candidate optical code cached by the inference engine."""
        return self.optical_features + (self.n_classes if self.shared_trunk else 0)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> HostConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"HostConfig: unknown keys {unknown}")
        return cls(**d)

    @classmethod
    def from_json(cls, path: str | os.PathLike) -> HostConfig:
        return cls.from_dict(json.loads(Path(path).read_text()))


def _resnet18(in_channels: int, out_features: int) -> torchvision.models.ResNet:
    """torchvision ResNet-18 (random init) with ``conv1`` and ``fc`` swapped (wrap torchvision, don't copy it)."""
    net = torchvision.models.resnet18(weights=None)
    # Same geometry as torchvision's stem, only the channel count changes (1 radio, 5 grizy).
    net.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    net.fc = nn.Linear(net.fc.in_features, out_features)
    return net


class HostIdentifier(nn.Module):
    """Radio + optical host identifier; ``forward`` returns host *logits* (B,).

    The host likelihood of seed §4.2 is ``torch.sigmoid(logits)`` (see :meth:`likelihood`);
    training uses the logits with ``BCEWithLogitsLoss`` for numerical stability.
    """

    def __init__(self, cfg: HostConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.radio_net = _resnet18(1, cfg.radio_features) if cfg.use_radio else None
        self.optical_net = (
            _resnet18(cfg.optical_bands, cfg.optical_code_width) if cfg.use_optical else None
        )
        fc1_in = (cfg.optical_features if cfg.use_optical else 0) + (
            cfg.n_classes if cfg.use_class_probs else 0
        )
        self.fc1 = nn.Linear(fc1_in, cfg.fc1_width) if cfg.uses_fc1 else None
        fc2_in = (
            (cfg.fc1_width if cfg.uses_fc1 else 0)
            + (cfg.radio_features if cfg.use_radio else 0)
            + (2 if cfg.use_xy else 0)
            + (1 if cfg.use_distance else 0)
        )
        self.fc2 = nn.Sequential(
            nn.Linear(fc2_in, cfg.fc2_width), nn.ReLU(inplace=True), nn.Linear(cfg.fc2_width, 1)
        )
        # x, y are given in radio pixels; divide by the half-width so they enter FC2 in [-1, 1]
        # (the raw pixel range would dominate the ~unit-scale image features at init).
        self.register_buffer(
            "xy_scale", torch.tensor(cfg.radio_size / 2.0, dtype=torch.float32), persistent=False
        )

    # -- the three pieces the inference engine calls separately -------------------------------
    def radio_features(self, radio: torch.Tensor) -> torch.Tensor:
        """Radio backbone features.

        Parameters
        ----------
        radio : Tensor, (B, 1, radio_size, radio_size)
            Preprocessed radio cutout (dimensionless, scaled to [0, 1] by preprocessing).

        Returns
        -------
        Tensor, (B, radio_features)
        """
        if self.radio_net is None:
            raise ValueError("radio_features: this HostConfig has use_radio=False")
        s = self.cfg.radio_size
        if radio.ndim != 4 or tuple(radio.shape[1:]) != (1, s, s):
            raise ValueError(f"radio must be (B, 1, {s}, {s}), got {tuple(radio.shape)}")
        return self.radio_net(radio)

    def optical_code(self, optical: torch.Tensor) -> torch.Tensor:
        """Optical backbone output per candidate (features, then class logits if shared trunk).

        Parameters
        ----------
        optical : Tensor, (B, optical_bands, optical_size, optical_size)
            Normalised PS1 stamps, one per candidate.

        Returns
        -------
        Tensor, (B, cfg.optical_code_width)
        """
        if self.optical_net is None:
            raise ValueError("optical_code: this HostConfig has use_optical=False")
        s, c = self.cfg.optical_size, self.cfg.optical_bands
        if optical.ndim != 4 or tuple(optical.shape[1:]) != (c, s, s):
            raise ValueError(f"optical must be (B, {c}, {s}, {s}), got {tuple(optical.shape)}")
        return self.optical_net(optical)

    def class_logits(self, code: torch.Tensor) -> torch.Tensor:
        """Classifier-head logits (B, n_classes) from a shared-trunk optical code."""
        if not self.cfg.shared_trunk:
            raise ValueError("class_logits: this HostConfig has shared_trunk=False")
        return code[:, self.cfg.optical_features :]

    def head(
        self,
        radio_feat: torch.Tensor | None,
        code: torch.Tensor | None,
        class_probs: torch.Tensor | None,
        xy: torch.Tensor | None,
    ) -> torch.Tensor:
        """FC1 + FC2 on per-pair inputs; returns host logits (B,).

        Parameters
        ----------
        radio_feat : Tensor (B, radio_features) or None
        code : Tensor (B, optical_code_width) or None
        class_probs : Tensor (B, n_classes) or None
            Probabilities (sum to 1) of GALAXY, QSO, STAR.  Must be None for a shared trunk.
        xy : Tensor (B, 2) or None
            Candidate offset from the radio cutout centre, radio-cutout pixels.
        """
        cfg = self.cfg
        parts1: list[torch.Tensor] = []
        if cfg.use_optical:
            if code is None:
                raise ValueError("head: optical code is required (use_optical=True)")
            parts1.append(code[:, : cfg.optical_features])
        if cfg.use_class_probs:
            if cfg.shared_trunk:
                if class_probs is not None:
                    raise ValueError(
                        "head: class_probs must be None with shared_trunk=True (the shared "
                        "trunk's classifier head supplies them)"
                    )
                parts1.append(torch.softmax(self.class_logits(code), dim=1))
            else:
                if class_probs is None:
                    raise ValueError("head: class_probs is required (use_class_probs=True)")
                if class_probs.ndim != 2 or class_probs.shape[1] != cfg.n_classes:
                    raise ValueError(
                        f"class_probs must be (B, {cfg.n_classes}), got {tuple(class_probs.shape)}"
                    )
                parts1.append(class_probs.to(self.fc1.weight.dtype))
        parts2: list[torch.Tensor] = []
        if cfg.uses_fc1:
            parts2.append(F.relu(self.fc1(torch.cat(parts1, dim=1))))
        if cfg.use_radio:
            if radio_feat is None:
                raise ValueError("head: radio features are required (use_radio=True)")
            parts2.append(radio_feat)
        if cfg.use_xy or cfg.use_distance:
            if xy is None:
                raise ValueError("head: xy is required (use_xy or use_distance is True)")
            if xy.ndim != 2 or xy.shape[1] != 2:
                raise ValueError(f"xy must be (B, 2), got {tuple(xy.shape)}")
            xy_n = xy.to(self.xy_scale.dtype) / self.xy_scale
            if cfg.use_xy:
                parts2.append(xy_n)
            if cfg.use_distance:
                # D = √(x²+y²) of seed §3.3; given explicitly because a radially symmetric prior
                # (hosts sit near the radio centre) is hard for a small MLP to build from x, y.
                d = torch.linalg.vector_norm(xy_n, dim=1, keepdim=True)
                parts2.append(torch.log1p(d * self.xy_scale) if cfg.log_distance else d)
        dtype = self.fc2[0].weight.dtype
        n = {p.shape[0] for p in parts2}
        if len(n) != 1:
            raise ValueError(f"head: inputs disagree on batch size: {sorted(n)}")
        return self.fc2(torch.cat([p.to(dtype) for p in parts2], dim=1)).squeeze(1)

    # -- the paper's per-pair formulation ----------------------------------------------------
    def forward(
        self,
        radio: torch.Tensor | None = None,
        optical: torch.Tensor | None = None,
        class_probs: torch.Tensor | None = None,
        xy: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Per-pair forward: both backbones for every (component, candidate) pair; logits (B,)."""
        radio_feat = self.radio_features(radio) if self.cfg.use_radio else None
        code = self.optical_code(optical) if self.cfg.use_optical else None
        return self.head(radio_feat, code, class_probs, xy)

    def likelihood(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        """Host likelihood in [0, 1] (seed §4.2): sigmoid of :meth:`forward`."""
        return torch.sigmoid(self.forward(*args, **kwargs))


def host_identifier(cfg: HostConfig | None = None) -> HostIdentifier:
    """Build a randomly initialised host identifier (keyword-style factory like torchvision's).

    Parameters
    ----------
    cfg : HostConfig, optional
        Defaults to the full seed model (all branches, 217² radio, 5×240² optical).
    """
    return HostIdentifier(cfg or HostConfig())


def save_checkpoint(
    path: str | os.PathLike,
    model: HostIdentifier,
    *,
    metrics: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """Save a host identifier through :mod:`ml.checkpoints` (registry kind ``host``, its
    config, ``metrics`` and ``extra`` keys); returns the file sha256."""
    return write_checkpoint(
        path,
        kind="host",  # the model registry's ModelVersion.kind
        model_state=model.state_dict(),
        config=model.cfg.to_dict(),
        metrics=metrics or {},
        extra=extra,
    )


def load_checkpoint(
    path: str | os.PathLike, *, map_location: str | torch.device = "cpu"
) -> tuple[HostIdentifier, dict[str, Any]]:
    """Load a checkpoint written by :func:`save_checkpoint`; returns ``(model in eval mode, ckpt)``.

    Raises ``ValueError`` naming the file (see :func:`ml.checkpoints.read_checkpoint`)."""
    ckpt = read_checkpoint(path, map_location=map_location)
    model = host_identifier(HostConfig.from_dict(ckpt["config"]))
    model.load_state_dict(ckpt["model"])
    model.eval()
    return model, ckpt
