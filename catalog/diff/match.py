"""One tile of an epoch diff: the coverage of an epoch, the mutual-nearest match, the classes.

:func:`diff_tile` compares the components of two epochs in a set of coverage pixels (with a
one-pixel margin, so it finds every match a whole-sky match would); :mod:`catalog.diff.epochs`
plans the tiles, stores their rows and sums them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db.models import F
from scipy.spatial import cKDTree

from catalog.models import Epoch, EpochDiffEntry, RadioComponent
from catalog.read.host_catalogue import host_rows
from catalog.sky.spatial import EPOCH_TILE_ORDER, HPX_ORDER, neighbour_pixels, ranges_q
from ml.sky import unit_vectors

Kind = EpochDiffEntry.Kind
#: host_rows batch (two queries each)
_BATCH = 5000


def coverage(epoch: Epoch, order: int | None = None) -> set[int]:
    """Nested HEALPix pixels at ``order`` holding a science component of ``epoch`` (one query)."""
    order = settings.RADIOHOST_DIFF_COVERAGE_ORDER if order is None else int(order)
    shift = 4 ** (HPX_ORDER - order)  # nested: a parent pixel is the index // 4^(Δorder)
    return set(
        RadioComponent.objects.filter(epoch=epoch, is_science=True)
        .annotate(pix=F("hpx") / shift)
        .values_list("pix", flat=True)
        .distinct()
    )


def pixel_area_deg2(order: int) -> float:
    return 41252.96124941928 / (12 * 4**order)


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


def classify(
    host_a: int | None, rel_a: float | None, host_b: int | None, rel_b: float | None, thr: float
) -> str | None:
    """The change between two answers for one matched component, or None (unchanged)."""
    if host_a is None and host_b is None:
        return None
    if host_b is None:
        return Kind.HOST_LOST
    if host_a is None:
        return Kind.HOST_FOUND
    if host_a != host_b:
        return Kind.HOST_CHANGED
    if rel_a is not None and rel_b is not None and abs(rel_b - rel_a) > thr:
        return Kind.RELIABILITY_CHANGED
    return None


@dataclass
class Params:
    radius_arcsec: float
    threshold: float
    order: int
    overlap: set[int]


@dataclass
class TileResult:
    entries: list[EpochDiffEntry] = field(default_factory=list)
    n_a: int = 0
    n_b: int = 0
    n_matched: int = 0


def _side(epoch: Epoch, pixels: set[int], order: int) -> tuple[list, np.ndarray, np.ndarray]:
    """Science components of ``epoch`` in ``pixels`` (coverage order): rows, own pixel, xyz."""
    shift = 2 * (HPX_ORDER - order)
    rows = list(
        RadioComponent.objects.filter(ranges_q(pixels, order), epoch=epoch, is_science=True)
        .order_by("pk")
        .values("id", "ra", "dec", "hpx")
    )
    if not rows:
        return [], np.empty(0, np.int64), np.empty((0, 3))
    pix = np.array([r["hpx"] for r in rows], dtype=np.int64) >> shift
    xyz = unit_vectors(np.array([r["ra"] for r in rows]), np.array([r["dec"] for r in rows]))
    return rows, pix, xyz


def _answers(rows: list, epoch: Epoch) -> dict[int, tuple[int | None, float | None, float | None]]:
    """component id -> (host optical id or None, reliability, likelihood) under the epoch's model."""
    out = {}
    for k in range(0, len(rows), _BATCH):
        for h in host_rows(rows[k : k + _BATCH], epoch.model_version):
            no_host = h.optical_id is None or bool(getattr(h, "no_host", False))
            out[h.component_id] = (None if no_host else h.optical_id, h.reliability, h.likelihood)
    return out


def diff_tile(a: Epoch, b: Epoch, p: Params, own: set[int]) -> TileResult:
    """The diff of the components of A and B in the coverage pixels ``own`` (inside the overlap).

    Both epochs are read over ``own`` and one ring of neighbouring pixels (a pixel is ~0.9° at
    order 6, the match radius a few arcsec), so every match of a component in ``own`` is
    found exactly as a whole-sky match would; a pair belongs to the tile holding B's
    component, ``gone`` to the tile holding A's: each component is counted by one tile.
    """
    own = own & p.overlap
    margin = (neighbour_pixels(own, p.order) | own) & p.overlap
    rows_a, pix_a, xyz_a = _side(a, margin, p.order)
    rows_b, pix_b, xyz_b = _side(b, margin, p.order)
    ia, jb, sep = match(xyz_a, xyz_b, p.radius_arcsec)
    in_a = np.isin(pix_a, list(own))
    in_b = np.isin(pix_b, list(own))
    res = TileResult(n_a=int(in_a.sum()), n_b=int(in_b.sum()))
    keep = in_b[jb]
    ia, jb, sep = ia[keep], jb[keep], sep[keep]
    res.n_matched = int(ia.size)
    ans_a = _answers([rows_a[i] for i in ia.tolist()], a)
    ans_b = _answers([rows_b[j] for j in jb.tolist()], b)
    for i, j, s in zip(ia.tolist(), jb.tolist(), sep.tolist(), strict=True):
        ca, cb = rows_a[i]["id"], rows_b[j]["id"]
        ha, ra, la = ans_a.get(ca, (None, None, None))
        hb, rb, lb = ans_b.get(cb, (None, None, None))
        kind = classify(ha, ra, hb, rb, p.threshold)
        if kind is not None:
            res.entries.append(EpochDiffEntry(
                kind=kind, component_a_id=ca, component_b_id=cb, separation_arcsec=s,
                host_a_id=ha, host_b_id=hb, likelihood_a=la, likelihood_b=lb,
                reliability_a=ra, reliability_b=rb,
            ))  # fmt: skip
    _, matched_a, _ = match(xyz_b, xyz_a, p.radius_arcsec)  # every A matched by any B near it
    gone = sorted(set(np.flatnonzero(in_a).tolist()) - set(matched_a.tolist()))
    new = sorted(set(np.flatnonzero(in_b).tolist()) - set(jb.tolist()))
    ans_gone = _answers([rows_a[i] for i in gone], a)
    ans_new = _answers([rows_b[j] for j in new], b)
    for i in gone:
        ha, ra, la = ans_gone.get(rows_a[i]["id"], (None, None, None))
        res.entries.append(EpochDiffEntry(kind=Kind.GONE, component_a_id=rows_a[i]["id"],
                                          host_a_id=ha, likelihood_a=la, reliability_a=ra))  # fmt: skip
    for j in new:
        hb, rb, lb = ans_new.get(rows_b[j]["id"], (None, None, None))
        res.entries.append(EpochDiffEntry(kind=Kind.NEW, component_b_id=rows_b[j]["id"],
                                          host_b_id=hb, likelihood_b=lb, reliability_b=rb))  # fmt: skip
    return res


def tiles_of(pixels: set[int], order: int) -> dict[int, set[int]]:
    """Coverage pixels grouped by their epoch-pipeline tile (nested parent at the tile order)."""
    shift = 4 ** max(order - EPOCH_TILE_ORDER, 0)
    out: dict[int, set[int]] = {}
    for px in pixels:
        out.setdefault(px // shift, set()).add(px)
    return out
