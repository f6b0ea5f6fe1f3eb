"""What changed between two epochs of a survey.

Components of A and B are matched by position: mutual nearest neighbours within
``settings.RADIOHOST_EPOCH_MATCH_ARCSEC`` (a KD-tree on unit vectors, no per-component
SkyCoord). Per component the *host* is its best candidate (rank 1) under the epoch's own
model version. Stored as :class:`catalog.models.EpochDiffEntry` rows, one per changed
component:

* ``new`` -- a science component of B with no match in A;
* ``gone`` -- a science component of A with no match in B;
* ``changed`` -- matched, and the host changed (another optical source, or a host appeared
  or vanished) and/or the best likelihood moved by more than
  ``settings.RADIOHOST_DIFF_LIKELIHOOD_MOVED`` (0.2).

Unchanged matches are only counted. Re-running replaces the diff (idempotent).
"""

from __future__ import annotations

import time

import numpy as np
from django.conf import settings
from django.db import transaction
from scipy.spatial import cKDTree

from catalog.models import Epoch, EpochDiff, EpochDiffEntry, HostPrediction, RadioComponent
from ml.sky import unit_vectors


def _components(epoch: Epoch) -> tuple[np.ndarray, np.ndarray]:
    rows = list(
        RadioComponent.objects.filter(epoch=epoch, is_science=True)
        .order_by("pk")
        .values_list("pk", "ra", "dec")
    )
    if not rows:
        return np.empty(0, np.int64), np.empty((0, 3))
    a = np.array(rows, dtype=float)
    return a[:, 0].astype(np.int64), unit_vectors(a[:, 1], a[:, 2])


def _hosts(epoch: Epoch) -> dict[int, tuple[int, float]]:
    """component id -> (best candidate's optical source id, its likelihood)."""
    if epoch.model_version_id is None:
        return {}
    rows = HostPrediction.objects.filter(
        model_version_id=epoch.model_version_id,
        rank=1,
        candidate__component__epoch=epoch,
    ).values_list("candidate__component_id", "candidate__optical_source_id", "likelihood")
    return {c: (o, lk) for c, o, lk in rows}


def match(
    xyz_a: np.ndarray, xyz_b: np.ndarray, radius_arcsec: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mutual nearest neighbours within the radius: (index in A, index in B, separation arcsec)."""
    if len(xyz_a) == 0 or len(xyz_b) == 0:
        e = np.empty(0, np.int64)
        return e, e, np.empty(0)
    chord = 2 * np.sin(np.radians(radius_arcsec / 3600.0) / 2)
    d_ab, j = cKDTree(xyz_b).query(xyz_a, distance_upper_bound=chord)
    _, i_back = cKDTree(xyz_a).query(xyz_b)
    ia = np.flatnonzero(np.isfinite(d_ab))
    jb = j[ia]
    mutual = i_back[jb] == ia
    ia, jb = ia[mutual], jb[mutual]
    sep = np.degrees(2 * np.arcsin(np.clip(d_ab[ia] / 2, 0, 1))) * 3600.0
    return ia, jb, sep


@transaction.atomic
def diff_epochs(
    a: Epoch, b: Epoch, *, radius_arcsec: float | None = None, threshold: float | None = None
) -> EpochDiff:
    """Compute and store the diff A → B (replacing an earlier one of the same pair/model)."""
    t0 = time.perf_counter()
    a, b = Epoch.objects.get(pk=a.pk), Epoch.objects.get(pk=b.pk)  # their current model versions
    radius = float(
        radius_arcsec if radius_arcsec is not None else settings.RADIOHOST_EPOCH_MATCH_ARCSEC
    )
    thr = float(threshold if threshold is not None else settings.RADIOHOST_DIFF_LIKELIHOOD_MOVED)
    ids_a, xyz_a = _components(a)
    ids_b, xyz_b = _components(b)
    ia, jb, sep = match(xyz_a, xyz_b, radius)
    host_a, host_b = _hosts(a), _hosts(b)
    entries: list[EpochDiffEntry] = []
    n_host = n_moved = 0
    for i, j, s in zip(ia.tolist(), jb.tolist(), sep.tolist(), strict=True):
        ca, cb = int(ids_a[i]), int(ids_b[j])
        ha, la = host_a.get(ca, (None, None))
        hb, lb = host_b.get(cb, (None, None))
        changed = ha != hb
        moved = la is not None and lb is not None and abs(lb - la) > thr
        n_host += changed
        n_moved += moved
        if changed or moved:
            entries.append(EpochDiffEntry(
                kind=EpochDiffEntry.Kind.CHANGED, component_a_id=ca, component_b_id=cb,
                separation_arcsec=s, host_a_id=ha, host_b_id=hb, likelihood_a=la,
                likelihood_b=lb, host_changed=changed, likelihood_moved=moved,
            ))  # fmt: skip
    gone = np.setdiff1d(np.arange(ids_a.size), ia)
    new = np.setdiff1d(np.arange(ids_b.size), jb)
    for i in gone.tolist():
        ha, la = host_a.get(int(ids_a[i]), (None, None))
        entries.append(EpochDiffEntry(kind=EpochDiffEntry.Kind.GONE, component_a_id=int(ids_a[i]),
                                      host_a_id=ha, likelihood_a=la))  # fmt: skip
    for j in new.tolist():
        hb, lb = host_b.get(int(ids_b[j]), (None, None))
        entries.append(EpochDiffEntry(kind=EpochDiffEntry.Kind.NEW, component_b_id=int(ids_b[j]),
                                      host_b_id=hb, likelihood_b=lb))  # fmt: skip
    diff, _ = EpochDiff.objects.update_or_create(
        epoch_a=a,
        epoch_b=b,
        model_version_id=b.model_version_id,
        defaults={
            "radius_arcsec": radius,
            "likelihood_threshold": thr,
            "n_a": int(ids_a.size),
            "n_b": int(ids_b.size),
            "n_matched": int(ia.size),
            "n_new": int(new.size),
            "n_gone": int(gone.size),
            "n_host_changed": int(n_host),
            "n_likelihood_moved": int(n_moved),
        },
    )
    diff.entries.all().delete()
    for e in entries:
        e.diff = diff
    EpochDiffEntry.objects.bulk_create(entries, batch_size=5000)
    EpochDiff.objects.filter(pk=diff.pk).update(seconds=time.perf_counter() - t0)
    diff.refresh_from_db()
    return diff


def previous_epoch(epoch: Epoch) -> Epoch | None:
    """The latest processed epoch of the same survey created before this one."""
    return (
        Epoch.objects.filter(
            survey_id=epoch.survey_id, state=Epoch.State.PROCESSED, pk__lt=epoch.pk
        )
        .order_by("-pk")
        .first()
    )


def diff_previous(epoch_id: int) -> EpochDiff | None:
    """The diff of a just-processed epoch against its survey's previous one (None if first)."""
    b = Epoch.objects.get(pk=epoch_id)
    if b.state != Epoch.State.PROCESSED:
        return None
    a = previous_epoch(b)
    return diff_epochs(a, b) if a is not None else None
