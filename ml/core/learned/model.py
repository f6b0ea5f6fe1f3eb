"""A small fully convolutional heat-map network that points at the radio core / host.

Input: the production 240 x 240 radio frame (1"/px, :func:`ml.preprocess.radio.preprocess_radio`),
averaged 2 x 2 to 120 x 120 at 2"/px (close to FIRST's 1.8" pixels, so nothing the beam
resolves is lost) and given as two channels, the peak-normalised frame and its square root
(the root lifts faint cores next to bright lobes, which is what the locator must find).
Output: one logit per 2"-pixel; a softmax over the image is the probability that the host
lies in that pixel (a heat map, as in keypoint detection: Newell et al. 2016, Sun et al.
2018 for the soft-argmax read-out). The encoder ends in dilated convolutions so that each
output pixel sees ~4' -- a whole tailed source -- and can tell the apex of a C from a plume.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ml.preprocess.radio import RADIO_SIZE

POOL = 2  # 240 -> 120
GRID = RADIO_SIZE // POOL


def _block(cin: int, cout: int, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class CoreLocatorNet(nn.Module):
    """U-Net-style heat-map network, 120 x 120 in, 120 x 120 logits out."""

    def __init__(self, *, width: int = 16) -> None:
        super().__init__()
        w = width
        self.enc1 = nn.Sequential(_block(2, w), _block(w, w))
        self.enc2 = nn.Sequential(_block(w, 2 * w), _block(2 * w, 2 * w))
        self.enc3 = nn.Sequential(_block(2 * w, 3 * w), _block(3 * w, 3 * w))
        self.mid = nn.Sequential(
            _block(3 * w, 4 * w), _block(4 * w, 4 * w, 2), _block(4 * w, 4 * w, 4)
        )
        self.dec3 = _block(4 * w + 3 * w, 3 * w)
        self.dec2 = _block(3 * w + 2 * w, 2 * w)
        self.dec1 = _block(2 * w + w, w)
        self.head = nn.Conv2d(w, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(N, 120, 120) peak-normalised frames (:func:`to_input`) -> (N, 120, 120) logits."""
        x = torch.stack([x, torch.sqrt(x.clamp_min(0.0))], dim=1)
        e1 = self.enc1(x)  # 120
        e2 = self.enc2(F.max_pool2d(e1, 2))  # 60
        e3 = self.enc3(F.max_pool2d(e2, 2))  # 30
        m = self.mid(F.max_pool2d(e3, 2))  # 15
        d3 = self.dec3(torch.cat([F.interpolate(m, scale_factor=2.0), e3], 1))
        d2 = self.dec2(torch.cat([F.interpolate(d3, scale_factor=2.0), e2], 1))
        d1 = self.dec1(torch.cat([F.interpolate(d2, scale_factor=2.0), e1], 1))
        return self.head(d1)[:, 0]


def core_locator_net(*, width: int = 16) -> CoreLocatorNet:
    """Keyword-only factory (torchvision style)."""
    return CoreLocatorNet(width=width)


def to_input(frames: np.ndarray) -> np.ndarray:
    """(N, 240, 240) preprocessed frames -> (N, 120, 120) float32, 2 x 2 means, peak = 1.

    Raises
    ------
    ValueError
        If the frames are not 240 x 240.
    """
    arr = np.asarray(frames, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.shape[1:] != (RADIO_SIZE, RADIO_SIZE):
        raise ValueError(f"frames must be (N, {RADIO_SIZE}, {RADIO_SIZE}), got {arr.shape}")
    small = arr.reshape(len(arr), GRID, POOL, GRID, POOL).mean(axis=(2, 4))
    peak = small.reshape(len(arr), -1).max(axis=1).reshape(-1, 1, 1)
    return (small / np.maximum(peak, 1e-12)).astype(np.float32)


def frame_to_grid(xy: np.ndarray) -> np.ndarray:
    """Frame pixel (x, y) at 1"/px -> heat-map pixel at 2"/px (pixel centres: 0 -> -0.25)."""
    return (np.asarray(xy, float) - (POOL - 1) / 2.0) / POOL


def grid_to_frame(xy: np.ndarray) -> np.ndarray:
    """Inverse of :func:`frame_to_grid`."""
    return np.asarray(xy, float) * POOL + (POOL - 1) / 2.0


def target_heatmap(xy_grid: torch.Tensor, sigma: float = 1.0) -> torch.Tensor:
    """(N, 2) heat-map pixel positions -> (N, 120, 120) normalised Gaussian targets."""
    ax = torch.arange(GRID, dtype=torch.float32)
    gx = torch.exp(-0.5 * ((ax[None, :] - xy_grid[:, :1]) / sigma) ** 2)  # (N, W)
    gy = torch.exp(-0.5 * ((ax[None, :] - xy_grid[:, 1:]) / sigma) ** 2)  # (N, H)
    t = gy[:, :, None] * gx[:, None, :]
    return t / t.sum(dim=(1, 2), keepdim=True)


def heatmap_loss(logits: torch.Tensor, xy_grid: torch.Tensor, sigma: float = 1.0) -> torch.Tensor:
    """Cross-entropy between the softmax over pixels and a Gaussian around the host."""
    logp = F.log_softmax(logits.flatten(1), dim=1)
    return -(target_heatmap(xy_grid, sigma).flatten(1) * logp).sum(1).mean()


def decode(logits: torch.Tensor, window: int = 3) -> np.ndarray:
    """(N, 120, 120) logits -> (N, 2) frame pixels (x, y); see :func:`decode_probabilities`."""
    p = F.softmax(logits.flatten(1), dim=1).reshape(logits.shape)
    return decode_probabilities(p.detach().cpu().numpy(), window)


def decode_probabilities(p: np.ndarray, window: int = 3) -> np.ndarray:
    """(N, 120, 120) heat maps (each summing to 1) -> (N, 2) frame pixels (x, y): argmax,
    refined by the probability-weighted mean in a (2 window + 1)^2 box around it (soft-argmax
    limited to the mode, so a second bright candidate elsewhere cannot pull the estimate
    between the two)."""
    out = np.zeros((len(p), 2))
    for i, pi in enumerate(p):
        y0, x0 = np.unravel_index(int(np.argmax(pi)), pi.shape)
        ys = slice(max(y0 - window, 0), min(y0 + window + 1, pi.shape[0]))
        xs = slice(max(x0 - window, 0), min(x0 + window + 1, pi.shape[1]))
        sub = pi[ys, xs]
        yy, xx = np.mgrid[ys, xs]
        out[i] = [(sub * xx).sum() / sub.sum(), (sub * yy).sum() / sub.sum()]
    return grid_to_frame(out)


#: the eight symmetries of the square pixel grid: (left-right flip?, quarter turns)
DIHEDRAL = tuple((flip, k) for flip in (False, True) for k in range(4))


def _forward_dihedral(x: torch.Tensor, flip: bool, k: int) -> torch.Tensor:
    x = torch.flip(x, dims=(-1,)) if flip else x
    return torch.rot90(x, k, dims=(-2, -1))


def _inverse_dihedral(x: torch.Tensor, flip: bool, k: int) -> torch.Tensor:
    x = torch.rot90(x, -k, dims=(-2, -1))
    return torch.flip(x, dims=(-1,)) if flip else x


@torch.inference_mode()
def heatmaps(models, x: torch.Tensor, *, tta: bool = False) -> torch.Tensor:
    """(N, 120, 120) network input -> (N, 120, 120) host probability maps.

    ``models`` is one network or a sequence of them (an ensemble). With ``tta`` each is also
    run on the 8 flips/quarter-turns of the input and each output map is turned back before
    averaging. The sky has no preferred orientation and training augments with exactly these
    8 transforms, so averaging them only removes the network's own orientation noise; they
    are exact pixel permutations of the grid (no interpolation). The maps are averaged as
    probabilities (a mixture), not as logits, so one confident member cannot veto the rest.
    """
    members = list(models) if isinstance(models, list | tuple) else [models]
    if not members:
        raise ValueError("heatmaps needs at least one model")
    ops = DIHEDRAL if tta else DIHEDRAL[:1]
    total = torch.zeros_like(x)
    for m in members:
        m.eval()
        for flip, k in ops:
            logits = m(_forward_dihedral(x, flip, k))
            p = F.softmax(logits.flatten(1), dim=1).reshape(logits.shape)
            total += _inverse_dihedral(p, flip, k)
    return total / (len(members) * len(ops))


@torch.inference_mode()
def predict(models, frames: np.ndarray, batch: int = 32, *, tta: bool = False) -> np.ndarray:
    """(N, 240, 240) frames -> (N, 2) predicted host pixels (x, y) in the frame.

    ``models``: one network or a sequence (ensemble); ``tta``: average over the 8 grid
    symmetries (:func:`heatmaps`).
    """
    x = to_input(frames)
    return np.concatenate(
        [
            decode_probabilities(
                heatmaps(models, torch.from_numpy(x[i : i + batch]), tta=tta).numpy()
            )
            for i in range(0, len(x), batch)
        ]
    )
