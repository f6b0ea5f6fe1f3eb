"""Catalogue-feature variant of the optical classifier: an MLP on magnitudes and colours.

The seed's model A (§3.2) classifies PS1 image stamps plus W1/W2.  No real PS1 stamps with
spectroscopic classes exist in this project's data (``../shared/data/README.md``), so the
real-data check of the GALAXY/QSO/STAR task uses the catalogue photometry that does exist:
SDSS DR14 ugriz with specObj classes.  The network keeps the image model's structure — a
feature trunk (here an MLP instead of ResNet-18), then one linear ``head`` to the 3 classes —
so the two variants are trained, evaluated and checkpointed by the same code.

Features are the magnitudes themselves plus colours — by default every pairwise colour (u-g,
u-r, ..., i-z; ``colours="adjacent"`` keeps only u-g, g-r, ...): colours carry the SED shape that separates stars, quasars and galaxies (e.g. the UV excess of
quasars, Richards et al. 2002), magnitudes carry the brightness prior (SDSS spectroscopic
galaxies are brighter than r = 17.77).  Redshift is never a feature: it is a spectroscopic
product and would leak the label.  Inputs are standardised with the training-set mean/std,
stored with the model so prediction on new rows uses the same scaling.

Optionally (``position``) the Galactic latitude |b| of each row enters too — as a feature
(``"abs_b"``), by de-reddening the magnitudes with a crude cosecant-law E(B-V)
(``"deredden"``), or both (``"deredden_abs_b"``); see :mod:`ml.classifier.galactic` for the
model and its caveats (no dust map offline; |b| also encodes the SDSS targeting footprint).
Off by default: on the SDSS development rows it did not improve CV accuracy by more than one
fold std (``results/classifier.json``, ``variants_tried``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import nn

from ml.classifier.galactic import deredden, ebv_cosecant
from ml.classifier.photometry import CLASSES
from ml.device import pick_device

COLOUR_SETS = ("adjacent", "all")
POSITION_OPTIONS = ("none", "abs_b", "deredden", "deredden_abs_b")


def n_features(n_bands: int, colours: str = "all") -> int:
    """Width of :func:`colour_features` for ``n_bands`` bands: ``2B - 1`` or ``B + B(B-1)/2``."""
    if colours not in COLOUR_SETS:
        raise ValueError(f"colours must be one of {COLOUR_SETS}, got {colours!r}")
    return 2 * n_bands - 1 if colours == "adjacent" else n_bands + n_bands * (n_bands - 1) // 2


def colour_features(mags, bands: Sequence[str], colours: str = "all") -> np.ndarray:
    """Magnitudes followed by colours: all pairs ``m_j - m_k`` (j < k) or only adjacent ones.

    Parameters
    ----------
    mags : array_like, shape (N, B)
        Magnitudes in ``bands`` order, mag.
    bands : sequence of str
        Band names (only their number is used; kept for the error message).
    colours : {"all", "adjacent"}
        ``"all"``: every ``m_j - m_k`` with j < k, in (0,1), (0,2), ..., (B-2,B-1) order;
        ``"adjacent"``: ``m_k - m_{k+1}`` only.

    Returns
    -------
    ndarray float32, shape (N, :func:`n_features`)

    Raises
    ------
    ValueError
        Wrong shape, or a non-finite magnitude (the catalogue model has no missing-band input;
        drop or fill such rows first).
    """
    n_features(len(bands), colours)  # validates ``colours``
    m = np.asarray(mags, dtype=np.float64)
    if m.ndim != 2 or m.shape[1] != len(bands):
        raise ValueError(
            f"mags must have shape (N, {len(bands)}) for bands {tuple(bands)}, got {m.shape}"
        )
    bad = ~np.isfinite(m)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(f"non-finite magnitude in row {row}, band {bands[col]!r}: {m[row, col]}")
    if colours == "adjacent":
        return np.hstack([m, m[:, :-1] - m[:, 1:]]).astype(np.float32)
    j, k = np.triu_indices(m.shape[1], 1)
    return np.hstack([m, m[:, j] - m[:, k]]).astype(np.float32)


def catalogue_features(mags, config: CatalogueConfig, abs_b=None) -> np.ndarray:
    """Network input of ``config``: :func:`colour_features`, after the optional position terms.

    Parameters
    ----------
    mags : array_like, shape (N, B)
        Magnitudes in ``config.bands`` order, mag (not extinction-corrected).
    config : CatalogueConfig
    abs_b : array_like, shape (N,), optional
        Galactic |b|, deg (:func:`ml.classifier.galactic.abs_galactic_latitude`); required
        unless ``config.position == "none"``.

    Returns
    -------
    ndarray float32, shape (N, :meth:`CatalogueConfig.n_inputs`)

    Raises
    ------
    ValueError
        Unknown ``position``, ``abs_b`` missing / of the wrong shape / not finite, or any
        error of :func:`colour_features`.
    """
    if config.position not in POSITION_OPTIONS:
        raise ValueError(f"position must be one of {POSITION_OPTIONS}, got {config.position!r}")
    if config.position == "none":
        return colour_features(mags, config.bands, config.colours)
    if abs_b is None:
        raise ValueError(f"position={config.position!r} needs abs_b (Galactic |b|, deg)")
    b = np.asarray(abs_b, dtype=np.float64)
    n = np.shape(mags)[0]
    if b.shape != (n,) or not np.isfinite(b).all():
        raise ValueError(f"abs_b must be {n} finite values, got shape {b.shape}")
    m = mags
    if config.position.startswith("deredden"):
        m = deredden(mags, config.bands, ebv_cosecant(b))
    x = colour_features(m, config.bands, config.colours)
    if config.position.endswith("abs_b"):
        x = np.hstack([x, b[:, None].astype(np.float32)])
    return x


class CatalogueMLP(nn.Module):
    """MLP trunk (``features``) and linear ``head`` to ``num_classes`` logits.

    Parameters
    ----------
    n_features : int
        Input width (:func:`n_features` of :func:`colour_features`).
    num_classes : int
    hidden : sequence of int
        Widths of the hidden layers (ReLU, dropout between them).
    dropout : float
    """

    def __init__(
        self,
        n_features: int,
        *,
        num_classes: int = len(CLASSES),
        hidden: Sequence[int] = (128, 128, 64),
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        if n_features < 1 or not hidden:
            raise ValueError(
                f"need n_features >= 1 and at least one hidden layer, got {n_features}, {hidden}"
            )
        layers: list[nn.Module] = []
        width = n_features
        for h in hidden:
            layers += [
                nn.Linear(width, h),
                nn.BatchNorm1d(h),
                nn.ReLU(inplace=True),
                nn.Dropout(dropout),
            ]
            width = h
        self.trunk = nn.Sequential(*layers)
        self.head = nn.Linear(width, num_classes)
        self.feature_dim = width

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.trunk(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


@dataclass(frozen=True)
class CatalogueConfig:
    """Hyper-parameters of the catalogue MLP.

    Chosen by 10-fold CV on the SDSS development rows only, never on the test split: all
    pairwise colours and 100 epochs (CV 97.1 -> 97.3 %; the earlier ugriz-only
    variants came from a scratch script and are described in the project's notes only).  The
    ``position`` options and the MLP + gradient-boosting average are scored by
    ``python -m ml.evaluation.classifier --variants`` (``variants_tried`` in
    ``results/classifier.json``); none beat the default by more than one fold std.
    """

    bands: tuple[str, ...] = ("u", "g", "r", "i", "z")
    colours: str = "all"
    hidden: tuple[int, ...] = (128, 128, 64)
    dropout: float = 0.1
    epochs: int = 100
    batch_size: int = 512
    lr: float = 3e-3
    weight_decay: float = 1e-4
    seed: int = 0
    #: Galactic-latitude input, one of :data:`POSITION_OPTIONS` (see :func:`catalogue_features`)
    position: str = "none"

    def to_dict(self) -> dict:
        return asdict(self)

    def n_inputs(self) -> int:
        """Width of :func:`catalogue_features` for this config."""
        return n_features(len(self.bands), self.colours) + int(self.position.endswith("abs_b"))


@dataclass
class FittedCatalogueModel:
    """A trained :class:`CatalogueMLP` with its input scaling."""

    model: CatalogueMLP
    mean: np.ndarray
    std: np.ndarray
    config: CatalogueConfig
    history: list[float] = field(default_factory=list)

    @torch.no_grad()
    def predict_proba(self, mags, abs_b=None) -> np.ndarray:
        """Class probabilities (``CLASSES`` order) for magnitudes in ``config.bands`` order.

        ``abs_b`` (Galactic |b|, deg) is required when ``config.position != "none"``.

        Returns
        -------
        ndarray float64, shape (N, 3)
        """
        x = (catalogue_features(mags, self.config, abs_b) - self.mean) / self.std
        self.model.eval()
        dev = next(self.model.parameters()).device
        logits = self.model(torch.as_tensor(x, dtype=torch.float32, device=dev))
        return torch.softmax(logits, dim=1).cpu().double().numpy()

    def predict(self, mags, abs_b=None) -> np.ndarray:
        return self.predict_proba(mags, abs_b).argmax(axis=1)

    def state(self) -> dict:
        """Plain-typed state for a checkpoint (``torch.load(weights_only=True)`` safe)."""
        return {
            "model": {k: v.cpu() for k, v in self.model.state_dict().items()},
            "mean": self.mean.tolist(),
            "std": self.std.tolist(),
            "config": self.config.to_dict(),
        }

    @classmethod
    def from_state(cls, state: dict) -> FittedCatalogueModel:
        # checkpoints written before ``colours`` existed used the adjacent colours
        saved = {"colours": "adjacent", **state["config"]}
        cfg = CatalogueConfig(
            **{k: tuple(v) if isinstance(v, list) else v for k, v in saved.items()}
        )
        model = CatalogueMLP(cfg.n_inputs(), hidden=cfg.hidden, dropout=cfg.dropout)
        model.load_state_dict(state["model"])
        model.eval()
        return cls(
            model,
            np.asarray(state["mean"], np.float32),
            np.asarray(state["std"], np.float32),
            cfg,
        )


def fit_catalogue_mlp(
    mags,
    labels,
    config: CatalogueConfig = CatalogueConfig(),
    *,
    abs_b=None,
    device: str | None = None,
) -> FittedCatalogueModel:
    """Train a :class:`CatalogueMLP` on magnitudes and integer labels (deterministic per seed).

    Parameters
    ----------
    mags : array_like, shape (N, B)
        Magnitudes in ``config.bands`` order, mag.
    labels : array_like of int, shape (N,)
        Indices into :data:`ml.classifier.photometry.CLASSES`.
    config : CatalogueConfig
    abs_b : array_like, shape (N,), optional
        Galactic |b|, deg; required when ``config.position != "none"``.
    device : str, optional
        Passed to :func:`ml.device.pick_device`.

    Returns
    -------
    FittedCatalogueModel

    Raises
    ------
    ValueError
        Length mismatch, labels outside ``[0, 3)``, or fewer than 2 rows.
    """
    x = catalogue_features(mags, config, abs_b)
    y = np.asarray(labels)
    if y.shape != (x.shape[0],):
        raise ValueError(f"labels must have shape ({x.shape[0]},), got {y.shape}")
    if x.shape[0] < 2:
        raise ValueError("need at least 2 training rows")
    if y.min() < 0 or y.max() >= len(CLASSES):
        raise ValueError(
            f"labels must be class indices in [0, {len(CLASSES)}), got {y.min()}..{y.max()}"
        )
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std == 0] = 1.0
    xs = (x - mean) / std

    dev = pick_device(device)
    torch.manual_seed(config.seed)
    gen = torch.Generator().manual_seed(config.seed)
    model = CatalogueMLP(x.shape[1], hidden=config.hidden, dropout=config.dropout).to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    steps_per_epoch = int(np.ceil(len(xs) / config.batch_size))
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=config.lr, total_steps=config.epochs * steps_per_epoch
    )
    xt = torch.as_tensor(xs, dtype=torch.float32)
    yt = torch.as_tensor(y, dtype=torch.long)
    loss_fn = nn.CrossEntropyLoss()
    history = []
    model.train()
    for _ in range(config.epochs):
        order = torch.randperm(len(xt), generator=gen)
        total = 0.0
        for s in range(steps_per_epoch):
            idx = order[s * config.batch_size : (s + 1) * config.batch_size]
            if idx.numel() < 2:  # BatchNorm needs 2 rows; dropping one row per epoch is harmless
                continue
            xb, yb = xt[idx].to(dev), yt[idx].to(dev)
            loss = loss_fn(model(xb), yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * idx.numel()
        history.append(total / len(xt))
    model.eval()
    return FittedCatalogueModel(
        model, mean.astype(np.float32), std.astype(np.float32), config, history
    )
