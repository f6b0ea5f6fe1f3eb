"""Train the image model of the optical classifier on SIMULATED candidates (seed §3.2, §4.1).

Shaped like torchvision's ``references/classification/train.py``: :func:`train_one_epoch`,
:func:`evaluate`, :func:`main` with a frozen dataclass config, and a checkpoint dict
``{model, optimizer, lr_scheduler, epoch, config, metrics, git_sha, kind}`` written by
:mod:`ml.checkpoints` (sha256 next to it in ``<file>.sha256``), whose
:func:`~ml.checkpoints.checkpoint_metadata` the Django side calls to register a
``ModelVersion``.

    python -m ml.train classifier --config configs/classifier_sim.json

Every figure this module writes is on simulated data (``ml.sim``): no real PS1 stamps with
spectroscopic classes exist in the project's data.  The real-data figures of the classifier
come from the catalogue variant, ``python -m ml.evaluation.classifier``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm

from ml.checkpoints import git_sha, read_checkpoint, save_checkpoint
from ml.classifier.data import SimCandidates, simulated_candidates
from ml.classifier.metrics import class_report, format_table, plot_confusion
from ml.classifier.model import optical_classifier
from ml.classifier.photometry import CLASSES
from ml.device import pick_device
from ml.paths import REPO_ROOT

KIND_IMAGE = "optical_classifier_image"


@dataclass(frozen=True)
class ClassifierTrainConfig:
    """Everything that defines a training run (stored in the checkpoint).

    Seed ranges are half-open ``[start, stop)`` of ``ml.sim.field.simulate_field`` seeds; the
    three splits are disjoint so no field contributes to two of them.
    """

    name: str = "classifier_sim"
    train_seeds: tuple[int, int] = (10_000, 10_040)
    val_seeds: tuple[int, int] = (20_000, 20_008)
    test_seeds: tuple[int, int] = (30_000, 30_012)
    crop: int = 64
    binning: int = 2
    max_per_field: int | None = None
    epochs: int = 15
    batch_size: int = 16  # peak RSS 1.4 GB on CPU (VmHWM of the committed run)
    lr: float = 1e-3
    weight_decay: float = 1e-4
    seed: int = 0
    device: str | None = None
    num_threads: int = 2
    checkpoint_dir: str = "var/checkpoints"
    results_json: str = "results/classifier_sim.json"
    cache_dir: str | None = "var/cache/classifier"

    def __post_init__(self) -> None:
        ranges = {
            "train_seeds": self.train_seeds,
            "val_seeds": self.val_seeds,
            "test_seeds": self.test_seeds,
        }
        for name, (a, b) in ranges.items():
            if not b > a:
                raise ValueError(f"{name} must be a non-empty range [start, stop), got {(a, b)}")
        spans = sorted(ranges.values())
        for (a0, b0), (a1, _) in zip(spans, spans[1:], strict=False):
            if a1 < b0:
                raise ValueError(
                    f"seed ranges overlap: {(a0, b0)} and {a1}...; splits must be disjoint"
                )
        if self.epochs < 1 or self.batch_size < 2:
            raise ValueError(
                f"need epochs >= 1 and batch_size >= 2, got {self.epochs}, {self.batch_size}"
            )

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ClassifierTrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown classifier config key(s) {unknown}; known: {sorted(known)}")
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})

    @classmethod
    def from_json(cls, path: str | os.PathLike) -> ClassifierTrainConfig:
        try:
            d = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: cannot read a JSON config ({exc})") from exc
        return cls.from_dict(d)


def load_image_classifier(path: str | os.PathLike, device: str | None = None) -> nn.Module:
    """The trained :class:`~ml.classifier.model.OpticalClassifier` of an image checkpoint."""
    ckpt = read_checkpoint(path, kind=KIND_IMAGE)
    model = optical_classifier()
    model.load_state_dict(ckpt["model"])
    return model.to(pick_device(device)).eval()


# ---------------------------------------------------------------- data
def _sim_code_hash() -> str:
    # a cached stamp set is only valid for the simulator/preprocessing code that made it
    import inspect

    from ml.classifier import data as D

    h = hashlib.sha256()
    for rel in ("ml/sim", "ml/preprocess/optical.py"):
        p = REPO_ROOT / rel
        for f in sorted(p.rglob("*.py")) if p.is_dir() else [p]:
            h.update(f.read_bytes())
    for fn in (D.simulated_candidates, D.crop_and_bin):
        h.update(inspect.getsource(fn).encode())
    return h.hexdigest()[:16]


def load_split(
    cfg: ClassifierTrainConfig, seeds: tuple[int, int], progress: bool = True
) -> SimCandidates:
    """Simulated candidates of one split, cached as ``.npz`` under ``cfg.cache_dir``."""
    key = json.dumps([seeds, cfg.crop, cfg.binning, cfg.max_per_field, _sim_code_hash()])
    cache = None
    if cfg.cache_dir:
        cache = (
            REPO_ROOT / cfg.cache_dir / f"sim_{hashlib.sha256(key.encode()).hexdigest()[:16]}.npz"
        )
        if cache.is_file():
            with np.load(cache) as z:
                return SimCandidates(**{k: z[k] for k in z.files})
    data = simulated_candidates(
        range(*seeds),
        crop=cfg.crop,
        binning=cfg.binning,
        max_per_field=cfg.max_per_field,
        progress=progress,
    )
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(cache, **asdict(data))
    return data


def to_loader(data: SimCandidates, batch_size: int, *, shuffle: bool, seed: int = 0) -> DataLoader:
    ds = TensorDataset(
        torch.from_numpy(data.images),
        torch.from_numpy(data.photometry),
        torch.from_numpy(data.photometry_mask),
        torch.from_numpy(data.labels),
    )
    gen = torch.Generator().manual_seed(seed)
    # training drops a ragged last batch: a batch of one breaks BatchNorm at layer4 (1x1 maps)
    return DataLoader(
        ds, batch_size=batch_size, shuffle=shuffle, generator=gen, num_workers=0, drop_last=shuffle
    )


def _augment(images: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    # sky images have no preferred orientation: random flips and quarter turns (seed §3.1 item 4)
    k = int(torch.randint(0, 4, (1,), generator=gen))
    if torch.rand(1, generator=gen) < 0.5:
        images = images.flip(-1)
    return torch.rot90(images, k, dims=(-2, -1))


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------- loops
def train_one_epoch(
    model: nn.Module,
    criterion: nn.Module,
    optimizer: torch.optim.Optimizer,
    loader: DataLoader,
    device: torch.device,
    epoch: int,
    *,
    lr_scheduler=None,
    gen: torch.Generator | None = None,
) -> float:
    """One pass over ``loader``; returns the mean training loss."""
    model.train()
    gen = gen or torch.Generator().manual_seed(epoch)
    total, n = 0.0, 0
    bar = tqdm(loader, desc=f"epoch {epoch}", unit="batch", leave=False)
    for images, phot, mask, target in bar:
        images = _augment(images, gen).to(device)
        phot, mask, target = phot.to(device), mask.to(device), target.to(device)
        loss = criterion(model(images, phot, mask), target)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if lr_scheduler is not None:
            lr_scheduler.step()
        total += loss.item() * len(target)
        n += len(target)
        bar.set_postfix(loss=f"{total / n:.3f}")
    return total / max(n, 1)


@torch.no_grad()
def evaluate(
    model: nn.Module, loader: DataLoader, device: torch.device, criterion: nn.Module | None = None
) -> dict:
    """Per-class precision/recall/F1, accuracy, confusion (``class_report``) and mean loss."""
    model.eval()
    preds, targets, total = [], [], 0.0
    for images, phot, mask, target in loader:
        logits = model(images.to(device), phot.to(device), mask.to(device))
        if criterion is not None:
            total += float(criterion(logits, target.to(device))) * len(target)
        preds.append(logits.argmax(1).cpu())
        targets.append(target)
    y, p = torch.cat(targets).numpy(), torch.cat(preds).numpy()
    report = class_report(y, p)
    report["loss"] = total / len(y) if criterion is not None else None
    return report


def class_weights(labels: np.ndarray, num_classes: int = len(CLASSES)) -> torch.Tensor:
    """Inverse-frequency weights ``N / (K n_k)``: simulated QSOs are ~7 % of candidates
    (real Norris-71 mix), and an unweighted loss would all but ignore them."""
    counts = np.bincount(labels, minlength=num_classes).astype(np.float64)
    w = len(labels) / (num_classes * np.maximum(counts, 1))
    return torch.tensor(w, dtype=torch.float32)


def main(cfg: ClassifierTrainConfig) -> dict:
    """Train on the simulated train split, select the epoch by validation macro-F1, score the
    test split once; write the checkpoint, ``cfg.results_json`` and a confusion PNG."""
    torch.manual_seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.set_num_threads(max(1, min(cfg.num_threads, 2)))
    device = pick_device(cfg.device)
    print(f"[{cfg.name}] device {device}; SIMULATED data (ml.sim)", flush=True)

    train = load_split(cfg, cfg.train_seeds)
    val = load_split(cfg, cfg.val_seeds)
    test = load_split(cfg, cfg.test_seeds)
    print(f"candidates: train {len(train)}, val {len(val)}, test {len(test)}", flush=True)

    model = optical_classifier().to(device)
    criterion = nn.CrossEntropyLoss(weight=class_weights(train.labels).to(device))
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    train_loader = to_loader(train, cfg.batch_size, shuffle=True, seed=cfg.seed)
    val_loader = to_loader(val, cfg.batch_size, shuffle=False)
    test_loader = to_loader(test, cfg.batch_size, shuffle=False)
    if len(train_loader) == 0:
        raise ValueError(
            f"training split has {len(train)} candidates, fewer than batch_size={cfg.batch_size}"
        )
    lr_scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=cfg.lr, total_steps=cfg.epochs * len(train_loader)
    )
    gen = torch.Generator().manual_seed(cfg.seed)
    history, best, best_state = [], -1.0, None
    for epoch in range(cfg.epochs):
        loss = train_one_epoch(
            model,
            criterion,
            optimizer,
            train_loader,
            device,
            epoch,
            lr_scheduler=lr_scheduler,
            gen=gen,
        )
        v = evaluate(model, val_loader, device, criterion)
        history.append(
            {
                "epoch": epoch,
                "train_loss": loss,
                "val_loss": v["loss"],
                "val_accuracy": v["accuracy"],
                "val_macro_f1": v["macro_f1"],
            }
        )
        print(
            f"epoch {epoch}: train loss {loss:.3f}  val loss {v['loss']:.3f}  "
            f"val acc {100 * v['accuracy']:.1f} %  val macro-F1 {100 * v['macro_f1']:.1f} %",
            flush=True,
        )
        if v["macro_f1"] > best:
            best, best_epoch = v["macro_f1"], epoch
            best_state = {k: t.detach().clone() for k, t in model.state_dict().items()}
    model.load_state_dict(best_state)
    test_report = evaluate(model, test_loader, device, criterion)
    table = format_table(
        test_report, f"SIMULATED test split ({len(test)} candidates, seeds {cfg.test_seeds}), %"
    )
    print(table)

    metrics = {
        "data": "SIMULATED (ml.sim.field.simulate_field candidates)",
        "n": {"train": len(train), "val": len(val), "test": len(test)},
        "best_epoch": best_epoch,
        "val_macro_f1": best,
        "test": test_report,
        "history": history,
    }
    ckpt_path = REPO_ROOT / cfg.checkpoint_dir / f"{cfg.name}.pt"
    digest = save_checkpoint(
        ckpt_path,
        kind=KIND_IMAGE,
        model_state=model.state_dict(),
        config=cfg.to_dict(),
        metrics=metrics,
        optimizer_state=optimizer.state_dict(),
        lr_scheduler_state=lr_scheduler.state_dict(),
        epoch=best_epoch,
    )
    out = REPO_ROOT / cfg.results_json
    out.parent.mkdir(parents=True, exist_ok=True)
    png = out.with_name(f"classifier_confusion_{cfg.name}_test.png")
    plot_confusion(
        test_report["confusion"],
        png,
        f"Image model, SIMULATED test split (n={len(test)})\naccuracy {100 * test_report['accuracy']:.1f} %",
    )
    result = {
        "what": "optical classifier image model (ResNet-18 + W1/W2 + mask), SIMULATED data",
        "command": f"python -m ml.train classifier --config configs/{cfg.name}.json",
        "git_sha": git_sha(),
        "config": cfg.to_dict(),
        "checkpoint": {"path": _rel(ckpt_path), "sha256": digest},
        "metrics": metrics,
        "table_text": table,
        "confusion_png": png.name,
    }
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {ckpt_path} (sha256 {digest[:12]}...), {out}, {png}")
    return result


def config_from_file(path: str | os.PathLike) -> ClassifierTrainConfig:
    """Entry point used by ``python -m ml.train classifier --config PATH``."""
    return ClassifierTrainConfig.from_json(path)
