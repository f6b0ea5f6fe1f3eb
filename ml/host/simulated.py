"""Train a host identifier on SIMULATED fields only and save one checkpoint: the public
training entry point that the service (``catalog.methods.training``) and the Norris-71
evaluation (``python -m ml.evaluation.norris71.model``) both call.

The model never sees a Norris field, Table 6 or a real candidate (Lou, Lake & Tsai 2023
§3.3 train on labelled fields; here the labels are the simulator's truth).
"""

from __future__ import annotations


def train_checkpoint(
    config: str, out: str, *, n_fields: int | None = None, cache_dir: str | None = None
) -> dict:
    """Train a host identifier on SIMULATED fields only and save it for the Norris-71 rows.

    Uses the training code of :mod:`ml.host.fit` (``fit`` on all fields of the config's
    simulated data set -- no cross-validation, no Norris field, no Table 6) and writes a
    checkpoint with its config, loss history and training-data description.

    Parameters
    ----------
    config : str
        A ``configs/host_*.json`` of ``ml.host.train``; optical stamps are not rendered when
        the model does not use them.
    out : str
        Checkpoint path (keep it under ``var/``; weights are not committed).
    n_fields : int, optional
        Override the number of simulated fields.
    cache_dir : str, optional
        Simulated-field cache (default that of ``ml.host.data.build_sim_fields``).
    """
    import dataclasses
    import time

    import torch

    from ml.host.data import build_sim_fields
    from ml.host.fit import fit
    from ml.host.model import save_checkpoint
    from ml.host.train import load_json_config

    cfg, tcfg, dcfg = load_json_config(config)
    if cfg.use_optical:
        raise ValueError(f"{config}: use_optical=True cannot be evaluated on Norris-71 (no stamps)")
    dcfg = dataclasses.replace(
        dcfg, with_optical=False, **({"n_fields": n_fields} if n_fields else {})
    )
    torch.set_num_threads(min(2, tcfg.threads))
    t0 = time.perf_counter()
    fields = build_sim_fields(dcfg, progress=True, cache_dir=cache_dir)
    model, hist = fit(fields, cfg, tcfg, seed=tcfg.seed)
    info = {
        "training_data": "SIMULATED fields only (ml.sim.field.simulate_field via ml.host.data); "
        "no Norris-71 field, no Table 6, no real candidates",
        "training_config_file": str(config),
        "data_config": dataclasses.asdict(dcfg),
        "train_config": dataclasses.asdict(tcfg),
        "n_training_fields": len(fields),
        "train_loss_per_epoch": hist,
        "seconds": round(time.perf_counter() - t0, 1),
        "command": f"nice -n 10 .venv/bin/python -m ml.evaluation.norris71.model --config {config} "
        f"--out {out}" + (f" --n-fields {n_fields}" if n_fields else ""),
    }
    sha = save_checkpoint(
        out,
        model,
        metrics={"train_loss_per_epoch": hist},
        extra={"training": info, "simulated": True},  # registry: is_simulated_training
    )
    return {**info, "sha256": sha, "checkpoint": str(out)}
