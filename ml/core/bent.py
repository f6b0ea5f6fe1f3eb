"""Bent radio sources: the skeleton's diameter path, its bend and its ends.

Seed §5.3 argues for the geodesic centre on bent sources; on the real FIRST WAT/HT sample
(ml.evaluation.core_location) it alone puts the core within 5" of the host for ~40% only.
A radio astronomer reads more off the same skeleton: its longest path (the two tails, or
head and tail), how much it bends, and which end is bright and compact. The functions
here expose those measurements; :func:`ml.core.location.locate_core` (``strategy="bent"``)
gates on them. Pixel convention as in :mod:`ml.core.location`. Nothing here imports Django.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import shortest_path
from skimage.graph import pixel_graph
from skimage.morphology import skeletonize


def check_image(img: np.ndarray) -> np.ndarray:
    """``img`` as a finite 2-D float64 array, or a ``ValueError`` saying what is wrong."""
    arr = np.asarray(img)
    if arr.ndim != 2:
        raise ValueError(f"img must be a 2-D array, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("img is empty")
    arr = arr.astype(np.float64, copy=False)
    if not np.isfinite(arr).all():
        raise ValueError("img has NaN/inf pixels; fill them first (ml.preprocess.radio.fill_nans)")
    return arr


# A path whose ends subtend at least this angle at the apex is "straight" (degrees): a
# head-tail's tail is often curved but rarely folded back (its bending angle in our real
# sample is 140-180 deg), whereas a WAT's tails open at 50-130 deg.
DEFAULT_STRAIGHT_DEG = 135.0
# A head-tail's head is the bright compact end: its peak (within END_RADIUS_PX of the path's
# end) is at least this many times the other end's ...
DEFAULT_HEAD_RATIO = 2.0
# ... and holds (nearly) the brightest emission of the structure (fraction of its peak).
DEFAULT_HEAD_PEAK_FRACTION = 0.85
# Paths bent more sharply than this (bending angle below it, degrees) are U/V-shaped tails
# whose core would be taken as the brightest ridge emission near the geodesic centre (a core
# is a compact flat-spectrum component that usually shows as a local brightness maximum,
# seed §5.3). Measured on the real FIRST WATs it changes nothing (38% within 5" with
# bent_deg 100 or 120 as with 0; results/core_location.json "ablation"), so it is off
# (0 deg: no path qualifies) by default and kept as an option.
DEFAULT_BENT_DEG = 0.0
# Width (standard deviation) of the positional weight around the geodesic centre, as a
# fraction of the path length, and never below END_RADIUS_PX.
DEFAULT_RIDGE_WIDTH = 0.1
# Radius (pixels) within which an end's brightness is read: ~half a FIRST beam (5.4") or
# one VLASS beam (2.5") at 1"/px, so it measures the end's compact emission.
END_RADIUS_PX = 3
# A skeleton path within this distance (pixels) of its chord is straight: skeletons of
# smooth emission wiggle by a pixel or two, far less than a FIRST (5.4") or VLASS (2.5")
# beam at 1"/px, and such a wiggle near an end would otherwise give a sharp "bend".
MIN_SAGITTA_PX = 2.0


def diameter_path(structure: np.ndarray) -> tuple[np.ndarray, float]:
    """The longest geodesic path along the skeleton of one connected structure.

    ``structure`` -> ``skimage.morphology.skeletonize`` -> ``skimage.graph.pixel_graph``
    (8-connected, edges 1 or sqrt(2) px) -> all-pairs Dijkstra -> the two skeleton pixels
    farthest apart along the skeleton (the graph's diameter) and the path between them.
    For a wide-angle tail these are the ends of the two tails; for a head-tail, the head
    and the end of the tail.

    Parameters
    ----------
    structure : ndarray of bool, shape (ny, nx)
        Pixels of the structure (at least one True).

    Returns
    -------
    path : ndarray of int, shape (n, 2)
        (row, col) of the skeleton pixels from one end to the other, n >= 1. Orientation:
        starts at the end with the lower raveled index (deterministic).
    length_px : float
        Geodesic length of the path, pixels (0 for a single pixel).

    Raises
    ------
    ValueError
        If ``structure`` is not 2-D or has no True pixel.
    """
    st = np.asarray(structure, dtype=bool)
    if st.ndim != 2:
        raise ValueError(f"structure must be a 2-D array, got shape {st.shape}")
    if not st.any():
        raise ValueError("structure is empty (no True pixel)")
    skel = skeletonize(st)
    if skel.sum() < 2:  # a blob thinning to one pixel (or nothing): a path of one pixel
        rr, cc = np.nonzero(skel if skel.any() else st)
        k = len(rr) // 2
        return np.array([[rr[k], cc[k]]]), 0.0
    graph, nodes = pixel_graph(skel, connectivity=2)
    dist, pred = shortest_path(graph, method="D", directed=False, return_predecessors=True)
    d = np.where(np.isfinite(dist), dist, -1.0)
    a, b = np.unravel_index(int(np.argmax(d)), d.shape)  # first maximum: a < b
    length = float(d[a, b])
    walk = [int(b)]
    while walk[-1] != a:
        walk.append(int(pred[a, walk[-1]]))
    walk.reverse()
    path = np.column_stack(np.unravel_index(nodes[np.array(walk)], skel.shape))
    return path.astype(int), length


def bend_apex(path: np.ndarray, min_sagitta_px: float = MIN_SAGITTA_PX) -> tuple[int, float]:
    """Apex of a path and its bending angle.

    The apex is the path point farthest from the chord joining the two ends; the bending
    angle is the angle between the directions from the apex to the two ends: 180 deg for a
    straight source, small for a tightly folded U (a narrow-angle tail). A path that never
    leaves the chord by more than ``min_sagitta_px`` is straight (180 deg): a pixel-scale
    wiggle of the skeleton near an end would otherwise read as a sharp bend there.

    Parameters
    ----------
    path : ndarray, shape (n, 2)
        (row, col) pixels, e.g. from :func:`diameter_path`.
    min_sagitta_px : float
        Pixels (>= 0); largest distance from the chord that still counts as straight.

    Returns
    -------
    apex_index : int
        Index into ``path`` (the middle index for a path with coincident ends or n < 3).
    angle_deg : float
        Bending angle in degrees, in [0, 180].

    Raises
    ------
    ValueError
        If ``path`` is not an (n, 2) array with n >= 1.
    """
    p = np.asarray(path, dtype=float)
    if p.ndim != 2 or p.shape[1] != 2 or len(p) == 0:
        raise ValueError(f"path must have shape (n, 2) with n >= 1, got {p.shape}")
    if not min_sagitta_px >= 0:
        raise ValueError(f"min_sagitta_px must be >= 0, got {min_sagitta_px!r}")
    p0, p1 = p[0], p[-1]
    chord = p1 - p0
    length = float(np.hypot(*chord))
    if len(p) < 3 or length == 0.0:
        return len(p) // 2, 180.0
    rel = p - p0
    dist = np.abs(rel[:, 0] * chord[1] - rel[:, 1] * chord[0]) / length
    k = int(np.argmax(dist))
    if dist[k] <= min_sagitta_px:
        return k, 180.0
    v0, v1 = p0 - p[k], p1 - p[k]
    n0, n1 = float(np.hypot(*v0)), float(np.hypot(*v1))
    if n0 == 0.0 or n1 == 0.0:  # straight: the farthest point is an end (distance 0)
        return k, 180.0
    cosang = float(np.clip(v0 @ v1 / (n0 * n1), -1.0, 1.0))
    return k, float(np.degrees(np.arccos(cosang)))


def end_brightness(
    img: np.ndarray, path: np.ndarray, radius_px: int = END_RADIUS_PX
) -> tuple[tuple[int, int], tuple[int, int], float, float]:
    """Brightest pixel within ``radius_px`` of each end of ``path`` and its value.

    Parameters
    ----------
    img : ndarray, shape (ny, nx)
        Surface brightness (any unit).
    path : ndarray, shape (n, 2)
        (row, col) pixels from :func:`diameter_path`.
    radius_px : int
        Half-side of the square window around each end, pixels (>= 0).

    Returns
    -------
    rc0, rc1 : tuple of int
        (row, col) of the brightest pixel near the first / last end.
    b0, b1 : float
        Their values, unit of ``img``.

    Raises
    ------
    ValueError
        If ``radius_px`` is negative or ``path`` is empty.
    """
    if radius_px < 0:
        raise ValueError(f"radius_px must be >= 0, got {radius_px!r}")
    arr = check_image(img)
    p = np.asarray(path)
    if p.ndim != 2 or p.shape[1] != 2 or len(p) == 0:
        raise ValueError(f"path must have shape (n, 2) with n >= 1, got {p.shape}")
    out = []
    for r, c in (p[0], p[-1]):
        r0, c0 = max(int(r) - radius_px, 0), max(int(c) - radius_px, 0)
        win = arr[r0 : int(r) + radius_px + 1, c0 : int(c) + radius_px + 1]
        i, j = np.unravel_index(int(np.argmax(win)), win.shape)
        out.append(((r0 + int(i), c0 + int(j)), float(win[i, j])))
    return out[0][0], out[1][0], out[0][1], out[1][1]


def ridge_peak(
    img: np.ndarray, structure: np.ndarray, anchor_rc: tuple[float, float], sigma_px: float
) -> tuple[float, float]:
    """Brightest emission of ``structure`` near ``anchor_rc``, Gaussian-weighted by distance.

    Maximises ``img * exp(-d**2 / (2 sigma_px**2))`` over the structure's pixels, ``d``
    being the distance to the anchor: a local brightness maximum (a core) near the anchor
    wins over the anchor pixel itself, a bright lobe far from it does not.

    Parameters
    ----------
    img : ndarray, shape (ny, nx)
        Surface brightness.
    structure : ndarray of bool, shape (ny, nx)
        Pixels allowed (at least one True).
    anchor_rc : (float, float)
        (row, col) of the anchor, pixels.
    sigma_px : float
        Width of the weight, pixels (> 0).

    Returns
    -------
    (x, y) : tuple of float
        Pixels (x = column, y = row).

    Raises
    ------
    ValueError
        Non-positive ``sigma_px``, shape mismatch, or empty ``structure``.
    """
    if not (np.isfinite(sigma_px) and sigma_px > 0):
        raise ValueError(f"sigma_px must be positive and finite, got {sigma_px!r}")
    arr = check_image(img)
    st = np.asarray(structure, dtype=bool)
    if st.shape != arr.shape:
        raise ValueError(f"structure shape {st.shape} differs from img shape {arr.shape}")
    if not st.any():
        raise ValueError("structure is empty (no True pixel)")
    rr, cc = np.nonzero(st)
    d2 = (rr - anchor_rc[0]) ** 2 + (cc - anchor_rc[1]) ** 2
    k = int(np.argmax(arr[rr, cc] * np.exp(-d2 / (2.0 * sigma_px**2))))
    return float(cc[k]), float(rr[k])
