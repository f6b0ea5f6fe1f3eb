"""Calibration and decision figures of a reliability: ECE, Brier score, a 10-bin reliability
diagram, top-1 accuracy and the seed's precision/recall at 0.5.

All on the *best* candidate of each field (the host a catalogue publishes): its reliability
is the confidence, "it is the simulated host" the outcome (the top-label calibration of Guo et
al. 2017 §2). Every simulated field has its host among the candidates.
"""

from __future__ import annotations

import numpy as np

N_BINS = 10


def reliability_bins(conf, correct, n_bins: int = N_BINS) -> list[dict]:
    """Per equal-width bin of confidence: count, mean confidence, observed accuracy."""
    conf = np.asarray(conf, float)
    correct = np.asarray(correct, float)
    idx = np.clip((conf * n_bins).astype(int), 0, n_bins - 1)
    out = []
    for b in range(n_bins):
        m = idx == b
        out.append(
            {
                "lo": b / n_bins,
                "hi": (b + 1) / n_bins,
                "n": int(m.sum()),
                "mean_confidence": round(float(conf[m].mean()), 4) if m.any() else None,
                "accuracy": round(float(correct[m].mean()), 4) if m.any() else None,
            }
        )
    return out


def ece(conf, correct, n_bins: int = N_BINS) -> float:
    """Expected calibration error: Σ_b (n_b / N) |acc_b − conf_b| (Guo et al. 2017 eq. 3)."""
    conf = np.asarray(conf, float)
    total = 0.0
    for b in reliability_bins(conf, correct, n_bins):
        if b["n"]:
            total += b["n"] * abs(b["accuracy"] - b["mean_confidence"])
    return float(total / max(conf.size, 1))


def brier(conf, correct) -> float:
    conf = np.asarray(conf, float)
    return float(np.mean((conf - np.asarray(correct, float)) ** 2))


def decision_figures(best, conf, host, threshold: float = 0.5) -> dict:
    """Top-1 accuracy, and precision/recall of "a host is declared when its reliability
    exceeds ``threshold``" (seed §4.2's 0.5)."""
    best, host, conf = np.asarray(best), np.asarray(host), np.asarray(conf, float)
    correct = best == host
    declared = conf > threshold
    tp = int(np.sum(declared & correct))
    return {
        "n_fields": int(best.size),
        "top1": round(float(correct.mean()), 4),
        "n_correct": int(correct.sum()),
        "precision_at_0.5": round(tp / max(int(declared.sum()), 1), 4),
        "recall_at_0.5": round(tp / max(best.size, 1), 4),
        "ece": round(ece(conf, correct), 4),
        "brier": round(brier(conf, correct), 4),
    }
