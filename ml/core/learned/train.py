"""Train the learned core locator: ``python -m ml.core.learned.train``.

Data (:mod:`ml.core.learned.data`, :mod:`ml.core.learned.sim`), no MiraBest image anywhere:

- real: FIRST Radio Galaxy Dataset images from the SDSS-host catalogues FRICAT, FRIICAT and
  FR0CAT, minus everything within 30" of any MiraBest source; each is regridded once onto a
  320" frame at 1"/px centred on the host, and ``real_crops`` 240" frames are cut from it
  with the host up to +/-40" off centre, then the production chain (scale, 3-sigma clip,
  smooth) is applied to each crop as it would be to a cut-out;
- simulated: ``n_sim`` frames of tailed (WAT, HT, bent) and other sources with the host up
  to +/-40" off centre.

A seeded 15 % of the real *images* (all their crops) and a separate simulated set are held
out for validation; the checkpoint is the last epoch (no selection on any set), written to
``var/core_locator/core_locator.pt`` with its config, validation metrics and git sha.
MiraBest is touched only by ``python -m ml.evaluation.core_location``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ml.checkpoints import read_checkpoint, save_checkpoint
from ml.core.learned.data import (
    CACHE_DIR,
    EXCLUDE_RADIUS_ARCSEC,
    fgd_wcs,
    load_fgd_images,
    mirabest_positions,
    read_fgd_index,
    select_training_rows,
)
from ml.core.learned.model import (
    GRID,
    core_locator_net,
    decode,
    frame_to_grid,
    heatmap_loss,
    to_input,
)
from ml.core.learned.sim import simulate_frame
from ml.preprocess.radio import RADIO_SIZE, regrid_to_frame, scale_unit, sigma_clip_image, smooth

REAL_PAD = 40  # the real 320" frame leaves +/-40" for crops
CHECKPOINT = CACHE_DIR / "core_locator.pt"


@dataclass(frozen=True)
class Config:
    seed: int = 0
    n_sim: int = 8000
    n_sim_val: int = 800
    real_crops: int = 10
    val_fraction: float = 0.15
    epochs: int = 5  # ~10 min each on one niced CPU thread
    batch_size: int = 32
    lr: float = 2e-3
    weight_decay: float = 1e-4
    width: int = 16
    sigma_px: float = 1.0  # target heat-map sigma, 2" grid pixels
    threads: int = 1
    out: str = str(CHECKPOINT)


def real_frames(
    images: np.ndarray, rows, crops: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(N * crops, 240, 240) chain-processed crops and their host pixels (x, y)."""
    from astropy.coordinates import SkyCoord

    big = RADIO_SIZE + 2 * REAL_PAD
    frames, hosts = [], []
    for img, r in zip(images, rows, strict=True):
        centre = SkyCoord(r.ra_deg, r.dec_deg, unit="deg", frame="fk5")
        arr = regrid_to_frame(img.astype(np.float64), fgd_wcs(r.ra_deg, r.dec_deg), centre, big)
        arr = np.nan_to_num(arr, nan=0.0)
        h = (big - 1) / 2.0  # the host is the regridded frame's centre
        for _ in range(crops):
            ox, oy = rng.integers(0, 2 * REAL_PAD + 1, 2)
            crop = arr[oy : oy + RADIO_SIZE, ox : ox + RADIO_SIZE]
            if not crop.max() > crop.min():
                continue
            frames.append(smooth(sigma_clip_image(scale_unit(crop))).astype(np.float32))
            hosts.append((h - ox, h - oy))
    return np.stack(frames), np.array(hosts, float)


def build_dataset(cfg: Config, path: Path | None = None) -> dict:
    """Frames as 120 x 120 network input (float16) + host pixels, cached under var/."""
    # every field that changes the data is in the name, so a stale cache is never reused
    path = path or CACHE_DIR / (
        f"dataset_seed{cfg.seed}_sim{cfg.n_sim}_simval{cfg.n_sim_val}"
        f"_crops{cfg.real_crops}_val{cfg.val_fraction:g}.npz"
    )
    if path.exists():
        d = np.load(path)
        return {k: d[k] for k in d.files}
    from tqdm import tqdm

    rng = np.random.default_rng(cfg.seed)
    exclude = mirabest_positions()
    rows = select_training_rows(read_fgd_index(), exclude)
    # belt and braces: the selection rule, re-checked on what is actually used
    from astropy.coordinates import SkyCoord

    pos = SkyCoord([r.ra_deg for r in rows], [r.dec_deg for r in rows], unit="deg")
    assert pos.match_to_catalog_sky(exclude)[1].arcsec.min() > EXCLUDE_RADIUS_ARCSEC
    images = load_fgd_images([r.key for r in rows])
    is_val = rng.random(len(rows)) < cfg.val_fraction
    out: dict[str, list] = {"x": [], "host": [], "kind": [], "val": []}
    for val in (False, True):
        sel = [i for i in range(len(rows)) if is_val[i] == val]
        for i in tqdm(sel, desc=f"real {'val' if val else 'train'}", leave=False):
            f, h = real_frames(images[i : i + 1], [rows[i]], cfg.real_crops, rng)
            out["x"].append(to_input(f).astype(np.float16))
            out["host"].append(h)
            out["kind"] += [f"real:{rows[i].label}"] * len(f)
            out["val"] += [val] * len(f)
    for n, val in ((cfg.n_sim, False), (cfg.n_sim_val, True)):
        for _ in tqdm(range(n), desc=f"sim {'val' if val else 'train'}", leave=False):
            f, h, m = simulate_frame(rng)
            out["x"].append(to_input(f).astype(np.float16))
            out["host"].append(np.array([h]))
            out["kind"].append(f"sim:{m}")
            out["val"].append(val)
    data = {
        "x": np.concatenate(out["x"]),
        "host": np.concatenate(out["host"]).astype(np.float32),
        "kind": np.array(out["kind"]),
        "val": np.array(out["val"]),
        "train_keys": np.array([r.key for r, v in zip(rows, is_val, strict=True) if not v]),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **data)
    return data


def augment(x: torch.Tensor, xy: torch.Tensor, rng: np.random.Generator):
    """One random rot90 / left-right flip for the batch, host grid positions moved with it.

    ``torch.rot90(k=1, dims=(1, 2))`` sends element [r, c] to [G-1-c, r], so (x, y) -> (y, G-1-x).
    """
    g = GRID - 1
    xy = xy.clone()
    if rng.random() < 0.5:
        x = torch.flip(x, dims=(2,))
        xy[:, 0] = g - xy[:, 0]
    for _ in range(int(rng.integers(4))):
        x = torch.rot90(x, 1, dims=(1, 2))
        xy = torch.stack([xy[:, 1], g - xy[:, 0]], dim=1)
    return x, xy


def train_one_epoch(model, opt, sched, x, xy, cfg: Config, rng) -> float:
    model.train()
    order = rng.permutation(len(x))
    total = 0.0
    for i in range(0, len(order) - cfg.batch_size + 1, cfg.batch_size):
        idx = order[i : i + cfg.batch_size]
        xb, yb = augment(
            torch.from_numpy(x[idx].astype(np.float32)), torch.from_numpy(xy[idx]), rng
        )
        loss = heatmap_loss(model(xb), yb, cfg.sigma_px)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        total += float(loss.detach()) * len(idx)
    return total / len(order)


@torch.inference_mode()
def evaluate(model, x, host, kind) -> dict:
    """Within-5" fraction and median offset (arcsec) per data kind on held-out frames."""
    model.eval()
    pred = np.concatenate(
        [
            decode(model(torch.from_numpy(x[i : i + 64].astype(np.float32))))
            for i in range(0, len(x), 64)
        ]
    )
    off = np.hypot(*(pred - host).T)  # frame pixels = arcsec
    out = {}
    for k in ["all", *sorted(set(kind))]:
        sel = np.ones(len(off), bool) if k == "all" else kind == k
        out[k] = {
            "n": int(sel.sum()),
            "frac_within_5arcsec": round(float(np.mean(off[sel] <= 5.0)), 4),
            "median_offset_arcsec": round(float(np.median(off[sel])), 2),
        }
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for f in dataclasses.fields(Config):
        parser.add_argument(
            f"--{f.name.replace('_', '-')}", type=type(f.default), default=f.default
        )
    cfg = Config(**vars(parser.parse_args(argv)))
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed + 1)
    data = build_dataset(cfg)
    tr, va = ~data["val"], data["val"]
    x_tr, xy_tr = data["x"][tr], frame_to_grid(data["host"][tr]).astype(np.float32)
    print(
        f"train {tr.sum()} frames ({np.sum(np.char.startswith(data['kind'][tr], 'real'))} real), "
        f"val {va.sum()}"
    )
    model = core_locator_net(width=cfg.width)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps = cfg.epochs * (len(x_tr) // cfg.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=cfg.lr, total_steps=steps, pct_start=0.15
    )
    history = []
    for epoch in range(cfg.epochs):
        t0 = time.time()
        loss = train_one_epoch(model, opt, sched, x_tr, xy_tr, cfg, rng)
        metrics = evaluate(model, data["x"][va], data["host"][va], data["kind"][va])
        history.append({"epoch": epoch, "loss": round(loss, 4), "val": metrics})
        print(
            f"epoch {epoch} loss {loss:.3f} {time.time() - t0:.0f}s val all "
            f"{metrics['all']['frac_within_5arcsec']:.3f} "
            + " ".join(
                f"{k}={v['frac_within_5arcsec']:.2f}" for k, v in metrics.items() if k != "all"
            ),
            flush=True,
        )
        if not math.isfinite(loss):
            raise RuntimeError(f"loss diverged at epoch {epoch}")
    out = Path(cfg.out)
    save_checkpoint(
        out,
        kind="core_locator",
        model_state=model.state_dict(),
        config=dataclasses.asdict(cfg),
        metrics=history[-1]["val"],
        epoch=cfg.epochs,
        extra={"history": history, "n_train_real_images": int(len(data["train_keys"]))},
    )
    print(f"wrote {out}")
    print(json.dumps(history[-1]["val"]))
    return history[-1]


def load_locator(path: str | Path = CHECKPOINT):
    """The trained network of a checkpoint (eval mode).

    Raises
    ------
    ValueError
        If the checkpoint file does not exist (train it with ``python -m ml.core.learned.train``).
    """
    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path}: no core-locator checkpoint; run python -m ml.core.learned.train")
    ckpt = read_core_locator(path)
    model = core_locator_net(width=ckpt["config"]["width"])
    model.load_state_dict(ckpt["model"])
    return model.eval()


def read_core_locator(path: str | Path = CHECKPOINT) -> dict:
    """The checkpoint dict of a core locator (:func:`ml.checkpoints.read_checkpoint`).

    Read without ``weights_only``: files written before the shared checkpoint module may hold
    numpy scalars in their history; they are this project's own training output.
    """
    return read_checkpoint(path, weights_only=False)


if __name__ == "__main__":
    main()
