"""The decision rule of seed §4.2 and the per-field output in the layout of the seed's Table 3.

Seed §4.2: a candidate whose host likelihood exceeds 0.5 is a *positive host candidate*; if a
field has exactly one positive it is the *prime host*; if it has none or several, the candidate
with the highest likelihood is the *best candidate*.  We always report the best candidate (the
argmax, which equals the prime host whenever one exists) so that accuracy is defined for every
field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "FieldDecision",
    "decide",
    "decide_field",
    "decide_many",
    "field_posterior",
    "format_table3",
    "TABLE3_COLUMNS",
]

# Seed §4.2 threshold on the sigmoid output.
THRESHOLD = 0.5


def decide(
    likelihoods: Sequence[float] | np.ndarray, *, threshold: float = THRESHOLD
) -> tuple[int, np.ndarray, int | None]:
    """Apply the seed §4.2 decision rule to the candidates of one field.

    Parameters
    ----------
    likelihoods : array_like, (N,)
        Host likelihood of each candidate, dimensionless in [0, 1].
    threshold : float
        Positive-candidate threshold (seed: 0.5, strictly greater than).

    Returns
    -------
    best_index : int
        Index of the highest likelihood (first one on ties).
    positives : ndarray of int
        Indices with likelihood > threshold, ascending.
    prime_index : int or None
        The single positive if there is exactly one, else None.

    Raises
    ------
    ValueError
        If ``likelihoods`` is not a non-empty 1-D array of finite values in [0, 1].
    """
    arr = np.asarray(likelihoods, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"likelihoods must be 1-D, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("likelihoods is empty: a field needs at least one candidate")
    if not np.all(np.isfinite(arr)):
        raise ValueError(
            f"likelihoods must be finite, got NaN/inf at {np.flatnonzero(~np.isfinite(arr)).tolist()}"
        )
    if arr.min() < 0.0 or arr.max() > 1.0:
        raise ValueError(
            f"likelihoods must lie in [0, 1], got min {arr.min():.6g} max {arr.max():.6g}"
        )
    if not 0.0 <= threshold < 1.0:
        raise ValueError(f"threshold must lie in [0, 1), got {threshold}")
    positives = np.flatnonzero(arr > threshold)
    best = int(np.argmax(arr))
    prime = int(positives[0]) if positives.size == 1 else None
    return best, positives, prime


def decide_many(
    likelihoods: np.ndarray, starts: np.ndarray, *, threshold: float = THRESHOLD
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`decide` for many fields at once (the epoch pipeline scores ~10^5 fields a tile).

    Parameters
    ----------
    likelihoods : ndarray (M,)
        Host likelihoods in [0, 1] of all candidates, field after field.
    starts : ndarray (F,) of int
        Index in ``likelihoods`` where each field's candidates begin (ascending, first 0);
        every field has at least one candidate.

    Returns
    -------
    rank : ndarray (M,) of int
        1 = highest likelihood of its field; ties keep the input order (as a stable sort).
    is_positive : ndarray (M,) of bool
        likelihood > ``threshold`` (seed §4.2).
    is_prime : ndarray (M,) of bool
        The only positive of its field.

    Identical, field by field, to :func:`decide` (``tests/ml/test_host_decision.py``).
    """
    lik = np.asarray(likelihoods, dtype=float)
    starts = np.asarray(starts, dtype=np.int64)
    if lik.ndim != 1 or lik.size == 0:
        raise ValueError(f"likelihoods must be a non-empty 1-D array, got shape {lik.shape}")
    if not np.all(np.isfinite(lik)) or lik.min() < 0.0 or lik.max() > 1.0:
        raise ValueError("likelihoods must be finite and lie in [0, 1]")
    if starts.ndim != 1 or starts.size == 0 or starts[0] != 0 or np.any(np.diff(starts) <= 0):
        raise ValueError("starts must begin at 0 and strictly increase (no empty field)")
    if starts[-1] >= lik.size:
        raise ValueError(f"starts[-1]={starts[-1]} leaves the last field empty")
    if not 0.0 <= threshold < 1.0:
        raise ValueError(f"threshold must lie in [0, 1), got {threshold}")
    sizes = np.diff(np.append(starts, lik.size))
    field = np.repeat(np.arange(starts.size), sizes)
    # order by field, then by descending likelihood, then by input position (stable)
    order = np.lexsort((np.arange(lik.size), -lik, field))
    rank = np.empty(lik.size, dtype=np.int64)
    rank[order] = np.arange(lik.size) - np.repeat(starts, sizes)[order] + 1
    positive = lik > threshold
    n_pos = np.add.reduceat(positive.astype(np.int64), starts)
    prime = positive & (n_pos[field] == 1)
    return rank, positive, prime


def field_posterior(likelihoods: Sequence[float] | np.ndarray) -> np.ndarray:
    """Per-field posterior that each candidate is *the* host, from per-pair likelihoods.

    Beyond the seed: its sigmoid output is a per-pair score, and a model trained with balanced
    classes (our ``pos_weight``) puts many candidates of a field above 0.5, so §4.2's
    "exactly one positive" rarely fires. A field has one host among its N candidates, so with a
    uniform prior over them Bayes gives ``P(i) = LR_i / sum_j LR_j``; the likelihood ratio is the
    model's odds ``p / (1 - p)`` over the training prior odds, a constant that cancels. The
    argmax is unchanged (accuracy too); only the > 0.5 decisions change, and at most one
    candidate can then exceed 0.5.

    Parameters
    ----------
    likelihoods : array_like, (N,)
        Host likelihoods of one field's candidates, in [0, 1].

    Returns
    -------
    ndarray (N,), float64, summing to 1 (candidates at likelihood 1 share it; all at 0: uniform).
    """
    decide(likelihoods)  # same validation as the decision rule
    p = np.asarray(likelihoods, dtype=float)
    with np.errstate(divide="ignore"):
        log_odds = np.log(p) - np.log1p(-p)  # -inf at 0, +inf at 1
    if np.isposinf(log_odds).any():
        w = np.isposinf(log_odds).astype(float)
    elif np.isneginf(log_odds).all():
        w = np.ones_like(p)
    else:
        w = np.exp(log_odds - log_odds[np.isfinite(log_odds)].max())
    return w / w.sum()


@dataclass(frozen=True)
class FieldDecision:
    """The §4.2 outcome for one field, with enough context to print a Table-3 block."""

    field_id: str
    candidate_ids: tuple[str, ...]
    likelihoods: np.ndarray
    best_index: int
    positives: np.ndarray
    prime_index: int | None
    class_probs: np.ndarray | None = None
    ra_deg: np.ndarray | None = None
    dec_deg: np.ndarray | None = None
    truth_index: int | None = None

    @property
    def best_id(self) -> str:
        return self.candidate_ids[self.best_index]

    @property
    def correct(self) -> bool | None:
        """Best candidate == labelled host, or None when the field is unlabelled."""
        return None if self.truth_index is None else self.best_index == self.truth_index


def decide_field(
    field_id: str,
    candidate_ids: Sequence[object],
    likelihoods: Sequence[float] | np.ndarray,
    *,
    class_probs: np.ndarray | None = None,
    ra_deg: np.ndarray | None = None,
    dec_deg: np.ndarray | None = None,
    truth_index: int | None = None,
    threshold: float = THRESHOLD,
) -> FieldDecision:
    """:func:`decide` plus the bookkeeping needed by :func:`format_table3`.

    Raises
    ------
    ValueError
        If the per-candidate arrays do not all have one entry per candidate.
    """
    lik = np.asarray(likelihoods, dtype=float)
    ids = tuple(str(c) for c in candidate_ids)
    if len(ids) != lik.shape[0]:
        raise ValueError(
            f"field {field_id}: {len(ids)} candidate ids but {lik.shape[0]} likelihoods"
        )
    for name, arr in (("class_probs", class_probs), ("ra_deg", ra_deg), ("dec_deg", dec_deg)):
        if arr is not None and len(arr) != len(ids):
            raise ValueError(
                f"field {field_id}: {name} has {len(arr)} rows for {len(ids)} candidates"
            )
    if truth_index is not None and not 0 <= truth_index < len(ids):
        raise ValueError(
            f"field {field_id}: truth_index {truth_index} out of range 0..{len(ids) - 1}"
        )
    best, positives, prime = decide(lik, threshold=threshold)
    return FieldDecision(
        field_id=str(field_id),
        candidate_ids=ids,
        likelihoods=lik,
        best_index=best,
        positives=positives,
        prime_index=prime,
        class_probs=None if class_probs is None else np.asarray(class_probs, dtype=float),
        ra_deg=None if ra_deg is None else np.asarray(ra_deg, dtype=float),
        dec_deg=None if dec_deg is None else np.asarray(dec_deg, dtype=float),
        truth_index=truth_index,
    )


# The seed's Table 3 lists, per radio component, its candidates with position, the optical
# classifier's GALAXY/QSO/STAR probabilities and the host likelihood, and marks the chosen host;
# the same columns are in the authors' logged per-candidate file (lou2023 notes, PROVENANCE.md).
TABLE3_COLUMNS = (
    "component",
    "candidate",
    "ra_deg",
    "dec_deg",
    "p_galaxy",
    "p_qso",
    "p_star",
    "host_likelihood",
    "positive",
    "decision",
    "truth",
)


def format_table3(
    decisions: Sequence[FieldDecision], *, max_rows_per_field: int | None = None
) -> str:
    """Render field decisions as a fixed-width text table in the seed's Table 3 layout.

    Candidates of each field are sorted by descending likelihood.  ``decision`` is ``prime``
    (the single positive), ``best`` (highest likelihood when there are zero or several
    positives) or empty; ``positive`` is ``Y`` when the likelihood > 0.5; ``truth`` is ``host``
    for the labelled host when known.

    Parameters
    ----------
    decisions : sequence of FieldDecision
    max_rows_per_field : int, optional
        Keep only the top rows of each field (the labelled host is always kept).
    """
    header = (
        f"{'component':<28} {'candidate':<20} {'ra_deg':>11} {'dec_deg':>11} "
        f"{'p_galaxy':>8} {'p_qso':>8} {'p_star':>8} {'host_lik':>9} {'pos':>3} "
        f"{'decision':<8} {'truth':<5}"
    )
    lines = [header, "-" * len(header)]

    def fmt(v: float | None, w: int, p: int) -> str:
        return f"{'':>{w}}" if v is None else f"{v:>{w}.{p}f}"

    for d in decisions:
        order = np.argsort(-d.likelihoods, kind="stable")
        if max_rows_per_field is not None:
            keep = list(order[:max_rows_per_field])
            if d.truth_index is not None and d.truth_index not in keep:
                keep.append(d.truth_index)
            order = np.asarray(keep)
        for k, i in enumerate(order):
            probs = d.class_probs[i] if d.class_probs is not None else (None, None, None)
            tag = ""
            if i == d.best_index:
                tag = "prime" if d.prime_index is not None else "best"
            lines.append(
                f"{(d.field_id if k == 0 else ''):<28} {d.candidate_ids[i]:<20} "
                f"{fmt(None if d.ra_deg is None else d.ra_deg[i], 11, 6)} "
                f"{fmt(None if d.dec_deg is None else d.dec_deg[i], 11, 6)} "
                f"{fmt(probs[0], 8, 4)} {fmt(probs[1], 8, 4)} {fmt(probs[2], 8, 4)} "
                f"{d.likelihoods[i]:>9.4f} {('Y' if i in d.positives else ''):>3} "
                f"{tag:<8} {('host' if d.truth_index == i else ''):<5}"
            )
    return "\n".join(lines)
