"""Stratified k-fold cross-validation of the catalogue classifier (seed §4.1, Table 1).

Per-fold :func:`ml.classifier.metrics.class_report` of the MLP on the development rows; the
same folds and per-fold seeds are reused by the variant study (:mod:`.variants`).
"""

from __future__ import annotations

from dataclasses import replace

from sklearn.model_selection import StratifiedKFold

from ml.classifier.catalogue import CatalogueConfig, fit_catalogue_mlp
from ml.classifier.metrics import class_report

N_FOLDS = 10


def take_rows(abs_b, idx):
    """``abs_b[idx]``, or None when no Galactic latitudes were given."""
    return None if abs_b is None else abs_b[idx]


def cross_validate(
    mags, labels, config: CatalogueConfig, n_folds: int = N_FOLDS, *, abs_b=None
) -> list[dict]:
    """Stratified ``n_folds``-fold CV (seed §4.1); one :func:`class_report` per fold.

    ``abs_b`` (Galactic |b|, deg, one per row) is needed when ``config.position != "none"``.
    """
    skf = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=config.seed)
    reports = []
    for k, (tr, va) in enumerate(skf.split(mags, labels)):
        fitted = fit_catalogue_mlp(
            mags[tr], labels[tr], replace(config, seed=config.seed + k), abs_b=take_rows(abs_b, tr)
        )
        reports.append(class_report(labels[va], fitted.predict(mags[va], take_rows(abs_b, va))))
        print(
            f"  fold {k + 1}/{n_folds}: accuracy {100 * reports[-1]['accuracy']:.2f} %", flush=True
        )
    return reports
