"""Per-class precision / recall / F1 and the seed's Table 1 / Table 2 layouts (seed §4.1).

The seed reports, for GALAXY, QSO and STAR, precision, recall and F1-score: Table 1 as the
mean +/- standard deviation over the 10 folds of a stratified cross-validation, Table 2 on a
held-out test set, and the confusion matrix as Figure 6.  These helpers produce exactly those
numbers from label arrays (scikit-learn does the counting) and print them in that layout.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from ml.classifier.photometry import CLASSES


def class_report(y_true, y_pred, classes: Sequence[str] = CLASSES) -> dict:
    """Precision, recall, F1 and support per class, overall accuracy, confusion matrix.

    Parameters
    ----------
    y_true, y_pred : array_like of int, shape (N,)
        Class indices into ``classes``.
    classes : sequence of str

    Returns
    -------
    dict
        ``{"per_class": {cls: {"precision", "recall", "f1", "support"}}, "accuracy",
        "macro_f1", "confusion": [[...]] (rows = true, columns = predicted), "n"}``; plain
        Python types so it serialises to JSON and loads with ``torch.load(weights_only=True)``.

    Raises
    ------
    ValueError
        Empty input or unequal lengths.
    """
    t = np.asarray(y_true)
    p = np.asarray(y_pred)
    if t.size == 0 or t.shape != p.shape:
        raise ValueError(
            f"y_true and y_pred must be non-empty and equal length, got {t.shape}, {p.shape}"
        )
    labels = list(range(len(classes)))
    prec, rec, f1, sup = precision_recall_fscore_support(
        t, p, labels=labels, average=None, zero_division=0
    )
    per = {
        c: {
            "precision": float(prec[k]),
            "recall": float(rec[k]),
            "f1": float(f1[k]),
            "support": int(sup[k]),
        }
        for k, c in enumerate(classes)
    }
    return {
        "per_class": per,
        "accuracy": float(np.mean(t == p)),
        "macro_f1": float(np.mean(f1)),
        "confusion": confusion_matrix(t, p, labels=labels).tolist(),
        "n": int(t.size),
    }


def summarise_folds(reports: Sequence[dict], classes: Sequence[str] = CLASSES) -> dict:
    """Mean and (population) standard deviation over folds of every figure of :func:`class_report`.

    Returns
    -------
    dict
        ``{"per_class": {cls: {metric: {"mean", "std"}}}, "accuracy": {"mean", "std"},
        "macro_f1": {...}, "n_folds"}``.
    """
    if not reports:
        raise ValueError("summarise_folds needs at least one fold report")

    def ms(vals):
        a = np.asarray(vals, dtype=np.float64)
        return {"mean": float(a.mean()), "std": float(a.std())}

    per = {
        c: {m: ms([r["per_class"][c][m] for r in reports]) for m in ("precision", "recall", "f1")}
        for c in classes
    }
    return {
        "per_class": per,
        "accuracy": ms([r["accuracy"] for r in reports]),
        "macro_f1": ms([r["macro_f1"] for r in reports]),
        "n_folds": len(reports),
    }


def format_table(summary: dict, title: str, classes: Sequence[str] = CLASSES) -> str:
    """Seed Table 1 / Table 2 layout: one row per class, columns Precision, Recall, F1-score.

    ``summary`` is either a :func:`summarise_folds` result (cells "mean +/- std", Table 1) or a
    :func:`class_report` result (single values, Table 2).  Values are percentages.
    """

    def cell(v) -> str:
        if isinstance(v, dict):
            return f"{100 * v['mean']:6.2f} ± {100 * v['std']:4.2f}"
        return f"{100 * v:6.2f}"

    width = 15 if "n_folds" in summary else 8
    lines = [
        title,
        f"{'Class':<8} {'Precision':>{width}} {'Recall':>{width}} {'F1-score':>{width}}",
    ]
    for c in classes:
        row = summary["per_class"][c]
        lines.append(
            f"{c:<8} {cell(row['precision']):>{width}} {cell(row['recall']):>{width}} "
            f"{cell(row['f1']):>{width}}"
        )
    lines.append(f"{'Accuracy':<8} {cell(summary['accuracy']):>{width}}")
    return "\n".join(lines)


def plot_confusion(confusion, path, title: str, classes: Sequence[str] = CLASSES) -> None:
    """Save the confusion matrix (seed Figure 6 layout: true rows, predicted columns,
    row-normalised colour, counts and percentages written in the cells) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cm = np.asarray(confusion, dtype=np.float64)
    frac = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(4.8, 4.2), dpi=120)
    im = ax.imshow(frac, cmap="Blues", vmin=0, vmax=1)
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(
                j,
                i,
                f"{int(cm[i, j])}\n{100 * frac[i, j]:.1f}%",
                ha="center",
                va="center",
                color="white" if frac[i, j] > 0.5 else "black",
                fontsize=9,
            )
    ax.set_xticks(range(len(classes)), classes)
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("Predicted class")
    ax.set_ylabel("True class")
    ax.set_title(title, fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="fraction of true class")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
