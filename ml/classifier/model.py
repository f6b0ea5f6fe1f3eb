"""Image model of the optical classifier (seed §3.2, Figure 4).

A torchvision ResNet-18 (``weights=None``: the seed trains from scratch; we never download
weights) whose ``conv1`` takes the 5 PS1 bands g r i z y, whose global-average-pool output
(512 features) is concatenated with the W1/W2 asinh magnitudes and their no-match mask
(:mod:`ml.classifier.photometry`), followed by one linear layer to GALAXY / QSO / STAR.

``features(images)`` (the 512-d pooled trunk output) and ``head`` are public so the host
identifier can share one optical trunk with this classifier.
"""

from __future__ import annotations

import torch
import torchvision
from torch import nn

from ml.classifier.photometry import CLASSES


class OpticalClassifier(nn.Module):
    """ResNet-18 trunk + [W1, W2, mask] + linear head (seed Figure 4).

    Parameters
    ----------
    in_channels : int
        Image bands (PS1 g r i z y = 5).
    n_photometry : int
        Photometric inputs (W1, W2 = 2); each comes with a mask input.
    num_classes : int

    Notes
    -----
    The head sees ``[pooled (512), values * mask (n_photometry), mask (n_photometry)]``.
    Multiplying by the mask makes the output exactly independent of whatever value a masked
    slot holds (tested); feeding the mask lets the head learn what "no AllWISE match" implies
    instead of confusing it with a real measurement at the scale's centre.
    """

    def __init__(
        self, *, in_channels: int = 5, n_photometry: int = 2, num_classes: int = len(CLASSES)
    ) -> None:
        super().__init__()
        if in_channels < 1 or n_photometry < 0 or num_classes < 2:
            raise ValueError(
                f"need in_channels >= 1, n_photometry >= 0, num_classes >= 2; got "
                f"{in_channels}, {n_photometry}, {num_classes}"
            )
        trunk = torchvision.models.resnet18(weights=None)
        # same geometry as torchvision's RGB conv1 (7x7, stride 2), only the band count differs
        trunk.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
        nn.init.kaiming_normal_(trunk.conv1.weight, mode="fan_out", nonlinearity="relu")
        self.feature_dim = trunk.fc.in_features
        trunk.fc = nn.Identity()
        self.trunk = trunk
        self.in_channels = in_channels
        self.n_photometry = n_photometry
        self.head = nn.Linear(self.feature_dim + 2 * n_photometry, num_classes)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """Global-average-pooled trunk output.

        Parameters
        ----------
        images : Tensor, shape (N, in_channels, H, W)
            Normalised stamps (``ml.preprocess.optical.normalise_stamps``), dimensionless.

        Returns
        -------
        Tensor, shape (N, 512)
        """
        if images.ndim != 4 or images.shape[1] != self.in_channels:
            raise ValueError(
                f"images must have shape (N, {self.in_channels}, H, W), got {tuple(images.shape)}"
            )
        return self.trunk(images)

    def forward(
        self,
        images: torch.Tensor,
        photometry: torch.Tensor | None = None,
        photometry_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Class logits.

        Parameters
        ----------
        images : Tensor, shape (N, in_channels, H, W)
        photometry : Tensor, shape (N, n_photometry), optional
            Standardised asinh magnitudes (:func:`ml.classifier.photometry.photometry_inputs`).
            NaN entries are treated as missing.  ``None`` = no match for every object.
        photometry_mask : Tensor, shape (N, n_photometry), optional
            1 = measured, 0 = no match.  Default: ``isfinite(photometry)``.

        Returns
        -------
        Tensor, shape (N, num_classes)
            Logits (softmax gives probabilities in ``CLASSES`` order).
        """
        return self.head(self.head_input(self.features(images), photometry, photometry_mask))

    def head_input(
        self,
        feats: torch.Tensor,
        photometry: torch.Tensor | None = None,
        photometry_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``[feats, values * mask, mask]`` — what ``head`` takes (for a shared trunk)."""
        n = feats.shape[0]
        if photometry is None:
            photometry = feats.new_zeros((n, self.n_photometry))
            photometry_mask = feats.new_zeros((n, self.n_photometry))
        if photometry.shape != (n, self.n_photometry):
            raise ValueError(
                f"photometry must have shape ({n}, {self.n_photometry}), got {tuple(photometry.shape)}"
            )
        finite = torch.isfinite(photometry)
        if photometry_mask is None:
            photometry_mask = finite.to(feats.dtype)
        elif photometry_mask.shape != photometry.shape:
            raise ValueError(
                f"photometry_mask must have shape {tuple(photometry.shape)}, "
                f"got {tuple(photometry_mask.shape)}"
            )
        mask = photometry_mask.to(feats.dtype) * finite.to(feats.dtype)
        # where() not multiply: 0 * NaN is NaN, and a masked slot may hold NaN
        values = torch.where(mask > 0, photometry.to(feats.dtype), torch.zeros_like(mask))
        return torch.cat([feats, values, mask], dim=1)


def optical_classifier(
    *, in_channels: int = 5, n_photometry: int = 2, num_classes: int = len(CLASSES)
) -> OpticalClassifier:
    """Build the seed's model A (keyword-only, torchvision-factory style).

    Parameters
    ----------
    in_channels : int
        Image bands (5 = PS1 g r i z y).
    n_photometry : int
        WISE inputs (2 = W1, W2 asinh magnitudes), each with a mask input.
    num_classes : int
        3 = GALAXY, QSO, STAR.

    Returns
    -------
    OpticalClassifier
    """
    return OpticalClassifier(
        in_channels=in_channels, n_photometry=n_photometry, num_classes=num_classes
    )
