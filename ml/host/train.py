"""Command line: cross-validate the host identifier on simulated fields (seed §3.3, §4.2, Fig 7).

``python -m ml.host.train`` / ``python -m ml.train host`` read a ``configs/host_*.json``, build
the simulated fields (:mod:`ml.host.data`), run :func:`ml.host.crossval.cross_validate` (which
trains with :func:`ml.host.fit.fit`) and write the result JSON.

    nice -n 10 .venv/bin/python -m ml.host.train --config configs/host_sim_full.json \
        --out results/host_sim_full.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ml.host.crossval import cross_validate
from ml.host.data import MORPHOLOGY_CLASSES, SimDataConfig, build_sim_fields
from ml.host.fit import TrainConfig
from ml.host.model import HostConfig


def load_json_config(path: Path) -> tuple[HostConfig, TrainConfig, SimDataConfig]:
    """Read a ``configs/host_*.json``: sections ``model``, ``train``, ``data`` (+ ``comment``)."""
    raw = json.loads(Path(path).read_text())
    unknown = sorted(set(raw) - {"model", "train", "data", "comment"})
    if unknown:
        raise ValueError(f"{path}: unknown sections {unknown}")
    data = dict(raw.get("data", {}))
    if "morphologies" in data:
        data["morphologies"] = tuple(data["morphologies"])
    return (
        HostConfig.from_dict(raw.get("model", {})),
        TrainConfig(**raw.get("train", {})),
        SimDataConfig(**data),
    )


@dataclass(frozen=True)
class RunConfig:
    """What ``python -m ml.train host --config X`` runs: the CV of config X into ``out``."""

    config: Path
    out: Path
    no_bf16_check: bool = False


def config_from_file(path: str | Path) -> RunConfig:
    """``ml.train`` protocol: ``configs/host_sim_full.json`` -> ``results/host_sim_full.json``."""
    from ml.paths import results_dir

    path = Path(path)
    load_json_config(path)  # fail early on a bad file
    return RunConfig(config=path, out=results_dir() / f"{path.stem}.json")


def main(argv: list[str] | RunConfig | None = None) -> dict[str, Any]:
    if isinstance(argv, RunConfig):
        args = argv
    else:
        ap = argparse.ArgumentParser(description="Simulated 10-fold CV of the host identifier")
        ap.add_argument("--config", type=Path, required=True, help="configs/host_*.json")
        ap.add_argument("--out", type=Path, required=True, help="results/host_sim*.json")
        ap.add_argument("--no-bf16-check", action="store_true")
        args = ap.parse_args(argv)
    cfg, tcfg, dcfg = load_json_config(args.config)
    torch.set_num_threads(tcfg.threads)
    t0 = time.perf_counter()
    fields = build_sim_fields(dcfg, progress=True)
    t_data = time.perf_counter() - t0
    if dcfg.with_optical != cfg.use_optical and cfg.use_optical:
        raise ValueError(f"{args.config}: model uses optical stamps but data.with_optical is false")
    if cfg.radio_size != dcfg.radio_size or (
        cfg.use_optical and cfg.optical_size != dcfg.optical_size
    ):
        raise ValueError(f"{args.config}: model and data image sizes disagree")
    cv = cross_validate(fields, cfg, tcfg, bf16_check=not args.no_bf16_check)
    out = {
        "data_set": "SIMULATED fields (ml.sim.field.simulate_field), not real data",
        "split": f"{tcfg.folds}-fold GroupKFold over fields (group = simulator seed); each "
        "field is a test field exactly once; models never see their test fields",
        "command": f"nice -n 10 .venv/bin/python -m ml.host.train --config {args.config} "
        f"--out {args.out}",
        "model_config": cfg.to_dict(),
        "train_config": dataclasses.asdict(tcfg),
        "data_config": {**dataclasses.asdict(dcfg), "optical_size": dcfg.optical_size},
        "resolution_note": "reduced resolution for the CPU budget: radio "
        f"{dcfg.radio_size}^2 (whole 3.6' frame resampled), optical {dcfg.optical_size}^2 "
        f'({dcfg.optical_crop // 4}" crop); paper: 217^2 and 240^2',
        "class_probs_note": (
            "from the shared trunk's classifier head (trained on the simulator's true classes)"
            if cfg.shared_trunk
            else "not used: the simulator's true class would leak the label and no external "
            "classifier is wired onto simulated candidates here"
        ),
        "imbalance": f"per epoch all hosts + {tcfg.neg_per_pos} re-drawn same-field negatives "
        f"per host; BCE pos_weight = {tcfg.neg_per_pos} (equal total weight)",
        "morphology_classes": list(MORPHOLOGY_CLASSES),
        "n_fields": len(fields),
        "seconds_data": t_data,
        "seconds_total": time.perf_counter() - t0,
        **cv,
    }
    out["seconds_total"] = time.perf_counter() - t0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, default=float))
    p = out["pooled"]
    print(
        f"pooled: model {p['correct']}/{p['n_fields']}, nearest neighbour "
        f"{p['nn_correct']}/{p['n_fields']}; P {p['precision']:.3f} R {p['recall']:.3f}"
    )
    for m, v in out["per_morphology"].items():
        print(f"  {m:<8} model {v['model']}/{v['n']}  NN {v['nn']}/{v['n']}")
    return out


if __name__ == "__main__":
    main()
