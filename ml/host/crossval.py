"""Cross-validate the host identifier on simulated fields (seed §4.2, Figure 7).

10 folds, ``GroupKFold`` over fields (no field in two folds), precision and recall at 0.5 per
fold (seed Figure 7), best-candidate accuracy and the nearest-neighbour baseline on the same
test fields, per morphology class; optionally a bf16 inference check per fold.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from sklearn.model_selection import GroupKFold

from ml.host.data import LabelledField, nearest_neighbour_index
from ml.host.decision import decide
from ml.host.engine import HostEngine
from ml.host.fit import TrainConfig, fit
from ml.host.model import HostConfig


def evaluate(likelihoods: Sequence[np.ndarray], fields: Sequence[LabelledField]) -> dict[str, Any]:
    """Seed §4.2 metrics of per-field likelihoods against the labels.

    Returns accuracy (best candidate = labelled host), prime-host count, pair-level precision
    and recall at 0.5 (seed Figure 7), and the nearest-neighbour accuracy on the same fields.
    """
    correct = prime = tp = fp = fn = nn_correct = 0
    for lik, lf in zip(likelihoods, fields, strict=True):
        best, positives, p = decide(lik)
        host = lf.host_index
        correct += int(best == host)
        prime += int(p is not None)
        pos = np.zeros(len(lik), dtype=bool)
        pos[positives] = True
        tp += int((pos & lf.is_host).sum())
        fp += int((pos & ~lf.is_host).sum())
        fn += int((~pos & lf.is_host).sum())
        nn_correct += int(nearest_neighbour_index(lf) == host)
    n = len(fields)
    return {
        "n_fields": n,
        "correct": correct,
        "accuracy": correct / n if n else float("nan"),
        "prime_hosts": prime,
        "precision": tp / (tp + fp) if tp + fp else float("nan"),
        "recall": tp / (tp + fn) if tp + fn else float("nan"),
        "nn_correct": nn_correct,
        "nn_accuracy": nn_correct / n if n else float("nan"),
    }


def cross_validate(
    fields: Sequence[LabelledField],
    cfg: HostConfig,
    tcfg: TrainConfig,
    *,
    bf16_check: bool = True,
    log: Any = print,
) -> dict[str, Any]:
    """``tcfg.folds``-fold CV grouped by field; per-fold and per-morphology metrics."""
    groups = np.array([lf.group for lf in fields])
    if len(np.unique(groups)) < tcfg.folds:
        raise ValueError(
            f"cross_validate: {len(np.unique(groups))} field groups for {tcfg.folds} folds"
        )
    folds = []
    per_morph: dict[str, dict[str, int]] = {}
    bf16_same = bf16_total = bf16_rescored = 0
    all_lik: list[np.ndarray] = []
    all_fields: list[LabelledField] = []
    splitter = GroupKFold(n_splits=tcfg.folds)
    for k, (tr, te) in enumerate(splitter.split(np.zeros(len(fields)), groups=groups)):
        assert not set(groups[tr]) & set(groups[te])  # no field in two folds
        t0 = time.perf_counter()
        train_f = [fields[i] for i in tr]
        test_f = [fields[i] for i in te]
        model, hist = fit(train_f, cfg, tcfg, seed=tcfg.seed + k)
        t_fit = time.perf_counter() - t0
        engine = HostEngine(model)
        lik = engine.score([lf.field for lf in test_f])
        m = evaluate(lik, test_f)
        # best-candidate accuracy on the fold's own training fields: tells under-fitting
        # (low here too) from over-fitting (high here, low on the test fields)
        m["train_correct"] = evaluate(engine.score([lf.field for lf in train_f]), train_f)[
            "correct"
        ]
        if bf16_check:
            eng16 = HostEngine(model, dtype=torch.bfloat16)
            lik16 = eng16.score([lf.field for lf in test_f])
            bf16_rescored += eng16.fp32_rescored_fields
            same = sum(int(np.argmax(a) == np.argmax(b)) for a, b in zip(lik, lik16, strict=True))
            bf16_same += same
            bf16_total += len(test_f)
            m["bf16_same_best"] = same
        m.update(fold=k, train_fields=len(train_f), loss_history=hist)
        m["seconds_fit"] = t_fit
        m["seconds"] = time.perf_counter() - t0
        folds.append(m)
        log(
            f"fold {k}: acc {m['correct']}/{m['n_fields']} (NN {m['nn_correct']}, own "
            f"training fields {m['train_correct']}/{m['train_fields']}), "
            f"P {m['precision']:.3f} R {m['recall']:.3f}, {m['seconds']:.0f} s"
        )
        for lk, lf in zip(lik, test_f, strict=True):
            d = per_morph.setdefault(lf.morphology, {"n": 0, "model": 0, "nn": 0})
            d["n"] += 1
            d["model"] += int(int(np.argmax(lk)) == lf.host_index)
            d["nn"] += int(nearest_neighbour_index(lf) == lf.host_index)
        all_lik += lik
        all_fields += test_f
    pooled = evaluate(all_lik, all_fields)
    prec = np.array([f["precision"] for f in folds], float)
    rec = np.array([f["recall"] for f in folds], float)
    return {
        "folds": folds,
        "pooled": pooled,
        "precision_mean_std": [float(np.nanmean(prec)), float(np.nanstd(prec))],
        "recall_mean_std": [float(np.nanmean(rec)), float(np.nanstd(rec))],
        "per_morphology": {
            m: {
                **v,
                "model_accuracy": v["model"] / v["n"],
                "nn_accuracy": v["nn"] / v["n"],
            }
            for m, v in sorted(per_morph.items())
        },
        "bf16_same_best_candidate": f"{bf16_same}/{bf16_total}" if bf16_check else None,
        # near ties (top-2 gap < HostEngine.tie_margin) that the bf16 engine re-scored in fp32
        "bf16_fp32_rescored_fields": bf16_rescored if bf16_check else None,
    }
