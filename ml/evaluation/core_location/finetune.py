"""Learned core locator fine-tuned on MiraBest, evaluated by grouped k-fold cross-validation.

The learned rows of :mod:`ml.evaluation.core_location` never see a MiraBest image: their
training set holds almost no real tailed source (10 "Bent" images), so the simulated WATs
are the network's only idea of one. This check asks how much real tailed sources of the
same survey would teach it: the pre-trained network (``var/core_locator/core_locator.pt``)
is fine-tuned on the MiraBest sources of k-1 folds and predicts the hosts of the held-out
fold, so every source is located by a network that never saw it (nor any source within
``GROUP_RADIUS_ARCSEC`` of it: the sample holds pairs such as a WAT and a head-tail in
one cluster 40" apart, and a fold split would otherwise leak one into the other's test).

Protocol, fixed before any fold was scored (:class:`FinetuneConfig`): every training
source gives ``shifts`` frames re-centred up to +/-36" off its host (so "the host is at the
centre" cannot be learned), each batch is half MiraBest and half replay of the network's
original training frames (so the non-MiraBest skills are kept), random flips / quarter
turns, AdamW with a warm-up + cosine schedule. The held-out fold is scored on the centred
frames of :func:`ml.evaluation.core_location.run.load_frame`, with and without test-time
averaging over the 8 grid symmetries.

Run: ``python -m ml.evaluation.core_location.finetune`` -> ``results/core_location_finetune.json``.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.evaluation.core_location.data import (
    LEARNED_CHECKPOINT,
    SHIFT_MAX_PX,
    MiraBestSource,
    _groups,
    list_sources,
    load_frame,
    load_shifted_frame,
)
from ml.evaluation.core_location.scoring import (
    GOAL_FRACTION,
    WITHIN_ARCSEC,
    _summary,
)
from ml.paths import results_dir
from ml.preprocess.radio import RADIO_PIXEL_SCALE_ARCSEC, RADIO_SIZE

#: sources closer than this share a fold (same cluster / same radio source listed twice)
GROUP_RADIUS_ARCSEC = 300.0


@dataclass(frozen=True)
class FinetuneConfig:
    k: int = 5
    seed: int = 0
    shifts: int = 16  # re-centred training frames per MiraBest source
    steps: int = 300
    batch_size: int = 32  # half MiraBest, half replay
    lr: float = 5e-4
    weight_decay: float = 1e-4
    warmup: float = 0.1  # fraction of steps
    threads: int = 2


def spatial_groups(sources: list[MiraBestSource], radius_arcsec: float = GROUP_RADIUS_ARCSEC):
    """(N,) group index: friends-of-friends of the sources' positions at ``radius_arcsec``."""
    import astropy.units as u
    from astropy.coordinates import SkyCoord
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    pos = SkyCoord([s.ra_deg for s in sources], [s.dec_deg for s in sources], unit="deg")
    i, j, _, _ = pos.search_around_sky(pos, radius_arcsec * u.arcsec)
    graph = coo_matrix((np.ones(len(i)), (i, j)), shape=(len(pos), len(pos)))
    return connected_components(graph, directed=False)[1]


def assign_folds(groups: np.ndarray, k: int, seed: int) -> np.ndarray:
    """(N,) fold of each source; whole groups go to one fold, folds balanced by count.

    Raises
    ------
    ValueError
        If there are fewer groups than folds.
    """
    uniq = np.unique(groups)
    if len(uniq) < k:
        raise ValueError(f"{len(uniq)} spatial groups cannot fill {k} folds")
    rng = np.random.default_rng(seed)
    sizes = {g: int(np.sum(groups == g)) for g in uniq}
    order = sorted(rng.permutation(uniq), key=lambda g: -sizes[g])  # big groups first
    fill, fold_of = np.zeros(k, int), {}
    for g in order:
        f = int(np.argmin(fill))
        fold_of[g] = f
        fill[f] += sizes[g]
    return np.array([fold_of[g] for g in groups])


def shifted_training_frames(
    sources: list[MiraBestSource], shifts: int, rng: np.random.Generator
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Per source: (shifts, 120, 120) network inputs and (shifts, 2) host frame pixels."""
    from ml.core.learned.model import to_input

    xs, hosts = [], []
    for src in sources:
        frames, hxy = [], []
        for dx, dy in rng.integers(-SHIFT_MAX_PX, SHIFT_MAX_PX + 1, size=(shifts, 2)):
            f, h = load_shifted_frame(src, (int(dx), int(dy)))
            frames.append(f)
            hxy.append(h)
        xs.append(to_input(np.stack(frames)).astype(np.float16))
        hosts.append(np.array(hxy, np.float32))
    return xs, hosts


def finetune(model, x_new, host_new, x_replay, host_replay, cfg: FinetuneConfig, rng):
    """Fine-tune a copy of ``model``; inputs are (N, 120, 120) arrays and frame-pixel hosts."""
    import torch

    from ml.core.learned.model import frame_to_grid, heatmap_loss
    from ml.core.learned.train import augment

    model = copy.deepcopy(model).train()
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    warm = max(1, int(cfg.warmup * cfg.steps))

    def lr_at(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, cfg.steps - warm)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    half = cfg.batch_size // 2
    g_new = frame_to_grid(host_new).astype(np.float32)
    g_rep = frame_to_grid(host_replay).astype(np.float32)
    losses = []
    for _ in range(cfg.steps):
        a = rng.integers(len(x_new), size=half)
        b = rng.integers(len(x_replay), size=cfg.batch_size - half)
        xb = torch.from_numpy(np.concatenate([x_new[a], x_replay[b]]).astype(np.float32))
        yb = torch.from_numpy(np.concatenate([g_new[a], g_rep[b]]))
        xb, yb = augment(xb, yb, rng)
        loss = heatmap_loss(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
    return model.eval(), losses


def cross_validate(
    sources: list[MiraBestSource],
    base_model,
    replay: tuple[np.ndarray, np.ndarray],
    cfg: FinetuneConfig,
    *,
    progress: bool = True,
) -> dict:
    """Held-out predictions of the fine-tuned locator for every source (grouped k-fold)."""
    from ml.core.learned.model import predict

    rng = np.random.default_rng(cfg.seed)
    folds = assign_folds(spatial_groups(sources), cfg.k, cfg.seed)
    x_src, h_src = shifted_training_frames(sources, cfg.shifts, rng)
    test_frames = np.stack([load_frame(s) for s in sources])
    centre = (RADIO_SIZE - 1) / 2.0
    pred = {"finetuned": np.zeros((len(sources), 2)), "finetuned_tta": np.zeros((len(sources), 2))}
    fold_log = []
    for f in range(cfg.k):
        t0 = time.time()
        train = np.flatnonzero(folds != f)
        test = np.flatnonzero(folds == f)
        model, losses = finetune(
            base_model,
            np.concatenate([x_src[i] for i in train]),
            np.concatenate([h_src[i] for i in train]),
            *replay,
            cfg,
            rng,
        )
        pred["finetuned"][test] = predict(model, test_frames[test])
        pred["finetuned_tta"][test] = predict(model, test_frames[test], tta=True)
        fold_log.append(
            {
                "fold": f,
                "n_train_sources": int(len(train)),
                "n_test_sources": int(len(test)),
                "loss_first_last_20": [
                    round(float(np.mean(losses[:20])), 4),
                    round(float(np.mean(losses[-20:])), 4),
                ],
                "seconds": round(time.time() - t0, 1),
            }
        )
        if progress:
            print(json.dumps(fold_log[-1]), flush=True)
    offs = {
        name: np.hypot(p[:, 0] - centre, p[:, 1] - centre) * RADIO_PIXEL_SCALE_ARCSEC
        for name, p in pred.items()
    }
    groups = _groups(sources)
    return {
        "per_group": {
            g: {name: _summary(o[sel]) for name, o in offs.items()} for g, sel in groups.items()
        },
        "folds": fold_log,
        "records": [
            {
                "file": s.path.name,
                "class_code": s.code,
                "fold": int(folds[i]),
                **{f"{name}_xy_px": [round(float(v), 2) for v in pred[name][i]] for name in pred},
                **{f"{name}_offset_arcsec": round(float(offs[name][i]), 2) for name in offs},
            }
            for i, s in enumerate(sources)
        ],
    }


def main(argv: list[str] | None = None) -> dict:
    import torch

    from ml.checkpoints import file_sha256
    from ml.core.learned.train import Config, build_dataset, load_locator, read_core_locator

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--out-dir", type=Path, default=None, help="default: results/")
    parser.add_argument("--locator", type=Path, default=LEARNED_CHECKPOINT)
    for f in dataclasses.fields(FinetuneConfig):
        parser.add_argument(
            f"--{f.name.replace('_', '-')}", type=type(f.default), default=f.default
        )
    args = parser.parse_args(argv)
    cfg = FinetuneConfig(
        **{f.name: getattr(args, f.name) for f in dataclasses.fields(FinetuneConfig)}
    )
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    base = load_locator(args.locator)
    ckpt = read_core_locator(args.locator)
    # replay: the base network's own training frames (its cached dataset, training rows only)
    data = build_dataset(Config(**{k: v for k, v in ckpt["config"].items() if k != "out"}))
    tr = ~data["val"]
    replay = (data["x"][tr], data["host"][tr])
    sources = list_sources(args.data_dir)
    t0 = time.time()
    result = cross_validate(sources, base, replay, cfg)
    goal = result["per_group"]["WAT+HT"]
    out = {
        "data": {
            "set": "real: MiraBest VLA FIRST 1.4 GHz cutouts (images/mirabest_first), all 103",
            "split": f"{cfg.k}-fold cross-validation over MiraBest, whole spatial groups "
            f"(friends-of-friends at {GROUP_RADIUS_ARCSEC:g} arcsec) per fold; every source "
            "is predicted by a network fine-tuned without it",
            "host_position": "image centre (SDSS host)",
            "pretrained_on": "non-MiraBest data only (see results/core_location.json "
            "learned_locator)",
        },
        "command": "python -m ml.evaluation.core_location.finetune",
        "config": dataclasses.asdict(cfg),
        "base_checkpoint": {"path": str(args.locator), "sha256": file_sha256(args.locator)},
        "goal": {
            "statement": f">= {GOAL_FRACTION:.0%} of WAT+HT (codes 102+104) within "
            f'{WITHIN_ARCSEC:g}"',
            **{
                f"{name}_frac_within_5arcsec": goal[name]["frac_within_5arcsec"]
                for name in ("finetuned", "finetuned_tta")
            },
            "met_90pct": max(goal[n]["frac_within_5arcsec"] for n in ("finetuned", "finetuned_tta"))
            >= GOAL_FRACTION,
        },
        "seconds": round(time.time() - t0, 1),
        **result,
    }
    out_dir = args.out_dir or results_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "core_location_finetune.json").write_text(json.dumps(out, indent=1) + "\n")
    for g in ("WAT+HT", "WAT", "HT", "FRI", "FRII", "all"):
        row = out["per_group"][g]
        print(
            f"{g:7s} "
            + "  ".join(
                f'{n}: n={row[n]["n"]} <=5" {row[n]["frac_within_5arcsec"]:.3f}' for n in row
            )
        )
    return out


if __name__ == "__main__":
    main()
