"""The rows compared on the same fields: nearest neighbour, today's positional method with its
field posterior, and the likelihood ratio (flat q/n as the pipeline stores it; with q(m))."""

from __future__ import annotations

import numpy as np

from ml.evaluation.host_reliability.fields import FieldSet
from ml.host.decision import field_posterior
from ml.host.likelihood_ratio import LRModel, field_reliability, local_density_arcsec2
from ml.host.positional import positional_likelihood


def _per_field(fs: FieldSet, score: np.ndarray):
    best = np.array([int(np.argmax(score[s])) for s in fs.field_slices()])
    return best


def nearest(fs: FieldSet) -> dict:
    best = np.array([int(np.argmin(fs.sep_comp[s])) for s in fs.field_slices()])
    return {"best": best, "conf": None, "likelihood": None}


def positional(fs: FieldSet) -> dict:
    """Today's deployed ranking and reliability: Gaussian likelihood of the core offset,
    normalised over the field (:func:`ml.host.decision.field_posterior`)."""
    sizes = np.diff(np.append(fs.starts, fs.sep_core.size))
    lik = np.exp(-0.5 * (fs.sep_core / np.repeat(fs.sigma, sizes)) ** 2)
    best = _per_field(fs, lik)
    conf = np.empty(fs.n_fields)
    for k, s in enumerate(fs.field_slices()):
        conf[k] = field_posterior(lik[s])[best[k]]
    return {"best": best, "conf": conf, "likelihood": lik}


def likelihood_ratio(fs: FieldSet, model: LRModel, *, use_magnitudes: bool) -> dict:
    """LR reliability of every candidate; ``use_magnitudes=False`` is the pipeline's form
    (q/n flat, each field's own background density)."""
    sizes = np.diff(np.append(fs.starts, fs.sep_core.size))
    sigma = np.repeat(fs.sigma, sizes)
    density = np.repeat(local_density_arcsec2(fs.sep_core, fs.starts), sizes)
    lr = model.likelihood_ratio(
        fs.sep_core, sigma, fs.mag_r if use_magnitudes else None, density=density
    )
    rel, p_none = field_reliability(lr, fs.starts, model.q0)
    best = _per_field(fs, lr)
    conf = np.array([rel[s][best[k]] for k, s in enumerate(fs.field_slices())])
    return {"best": best, "conf": conf, "p_no_host": p_none, "lr": lr}


def positional_lik_of_best(fs: FieldSet, best: np.ndarray) -> np.ndarray:
    """The seed §4.2 likelihood of each field's chosen candidate (for the acceptance count)."""
    out = np.empty(fs.n_fields)
    for k, s in enumerate(fs.field_slices()):
        out[k] = positional_likelihood(
            fs.sep_core[s][[best[k]]], multi_component=bool(fs.multi[k]),
            sigma_arcsec=float(fs.sigma[k]),
        )[0]  # fmt: skip
    return out
