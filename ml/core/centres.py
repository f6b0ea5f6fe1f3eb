"""Single core estimators of a radio source: flux-weighted centroid and geodesic centre.

Seed §5.3 (Figure 9) compares the two: the centroid of a bent source can fall off the emission,
the geodesic centre of its skeleton stays on it. :func:`source_components` groups the
components above the threshold into one source by friends-of-friends (no position prior).
The gate that chooses between the estimators is :mod:`ml.core.location`. Pixel convention
as there: ``x`` = column, ``y`` = row, 0-based.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import ndimage
from scipy.sparse.csgraph import shortest_path
from skimage.graph import central_pixel, pixel_graph
from skimage.morphology import skeletonize

# The bent-source measurements live in ml.core.bent; their defaults are re-exported here
# because the gate below takes them as parameters.
from ml.core.bent import check_image

# Components whose emission comes within this many pixels of the source's structure are
# part of the source (a lobe, a detached tail); farther ones are unrelated field sources,
# which in a 3.6' FIRST/VLASS field occur in roughly a third of cutouts and would drag a
# centroid tens of arcsec off (results/core_location_worst.png). 20 px = 20" at 1"/px,
# ~4 FIRST or ~8 VLASS beams.
DEFAULT_LINK_PX = 20.0

_EIGHT = np.ones((3, 3), dtype=bool)  # 8-connectivity: diagonal neighbours touch


def mask_above(arr: np.ndarray, threshold: float | None) -> np.ndarray:
    """Pixels strictly above ``threshold`` (default 0); an error when there are none."""
    thr = 0.0 if threshold is None else float(threshold)
    if not np.isfinite(thr):
        raise ValueError(f"threshold must be finite, got {threshold!r}")
    mask = arr > thr
    if not mask.any():
        raise ValueError(
            f"no pixel above threshold {thr:g} (image max {arr.max():g}); nothing to locate"
        )
    return mask


def flux_weighted_centroid(img: np.ndarray, threshold: float | None = None) -> tuple[float, float]:
    """Intensity-weighted mean pixel position of the emission above ``threshold``.

    Parameters
    ----------
    img : ndarray, shape (ny, nx)
        Surface brightness (any unit; preprocessed images are dimensionless, background 0).
    threshold : float, optional
        Only pixels strictly above it count (same unit as ``img``); default 0, i.e. all
        positive emission.

    Returns
    -------
    (x, y) : tuple of float
        Pixels (x = column, y = row).

    Raises
    ------
    ValueError
        If ``img`` is not 2-D / has non-finite pixels, or nothing is above ``threshold``.
    """
    arr = check_image(img)
    mask = mask_above(arr, threshold)
    w = np.where(mask, arr, 0.0)
    total = w.sum()
    rows, cols = np.nonzero(mask)
    return float((w[rows, cols] * cols).sum() / total), float((w[rows, cols] * rows).sum() / total)


def label_components(arr: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """8-connected components of ``mask`` (labels, 1-based) and their summed flux in ``arr``."""
    labels, n = ndimage.label(mask, structure=_EIGHT)
    flux = np.asarray(ndimage.sum(arr, labels, index=np.arange(1, n + 1)), dtype=float)
    return labels, flux


def skeleton_centre(structure: np.ndarray, criterion: str) -> tuple[int, int, int]:
    """(row, col, n_skeleton_pixels) of the centre of ``structure``'s skeleton."""
    skel = skeletonize(structure)
    if skel.sum() <= 1:  # a blob that thins to one pixel (or nothing): that is the centre
        rr, cc = np.nonzero(skel if skel.any() else structure)
        k = len(rr) // 2
        return int(rr[k]), int(cc[k]), int(skel.sum())
    # Edge weights are pixel distances (1 or sqrt 2), so path lengths are geodesic lengths.
    graph, nodes = pixel_graph(skel, connectivity=2)
    if criterion == "closeness":
        # scikit-image's central_pixel: minimum *sum* of geodesic distances.
        (r, c), _ = central_pixel(graph, nodes=nodes, shape=skel.shape)
        return int(r), int(c), len(nodes)
    # The (and graph theory's) centre: minimum *maximum* geodesic distance
    # (eccentricity), i.e. the midpoint of the skeleton's longest path, so two tails of a
    # WAT of equal length put the centre at their junction (seed §5.3, Figure 9).
    dist = shortest_path(graph, method="D", directed=False)
    ecc = np.where(np.isfinite(dist), dist, 0.0).max(axis=1)
    best = np.flatnonzero(ecc == ecc.min())
    # Ties (an even-length path has two middle pixels): deterministic, lowest raveled index.
    r, c = np.unravel_index(nodes[best[0]], skel.shape)
    return int(r), int(c), len(nodes)


def geodesic_centre(
    img: np.ndarray, threshold: float, *, criterion: Literal["minimax", "closeness"] = "minimax"
) -> tuple[float, float]:
    """Centre of the skeleton of the brightest connected structure above ``threshold``.

    Emission above ``threshold`` -> 8-connected components -> the one with the largest
    summed flux -> ``skimage.morphology.skeletonize`` -> ``skimage.graph.pixel_graph``
    (edge length 1 or sqrt(2) px) -> the skeleton pixel minimising the maximum geodesic
    distance to every other skeleton pixel (``criterion="minimax"``), or the one
    minimising the sum (``"closeness"``, ``skimage.graph.central_pixel``).

    Parameters
    ----------
    img : ndarray, shape (ny, nx)
        Surface brightness (any unit).
    threshold : float
        Emission level defining the structure, same unit as ``img``.
    criterion : {"minimax", "closeness"}
        Which graph centre.

    Returns
    -------
    (x, y) : tuple of float
        Pixels (x = column, y = row); always a pixel of the structure.

    Raises
    ------
    ValueError
        Bad image, unknown criterion, or no pixel above ``threshold``.
    """
    if criterion not in ("minimax", "closeness"):
        raise ValueError(f"criterion must be 'minimax' or 'closeness', got {criterion!r}")
    if threshold is None:
        raise ValueError("geodesic_centre needs an explicit threshold (same unit as img)")
    arr = check_image(img)
    mask = mask_above(arr, threshold)
    labels, flux = label_components(arr, mask)
    structure = labels == (int(np.argmax(flux)) + 1)
    r, c, _ = skeleton_centre(structure, criterion)
    return float(c), float(r)


def source_components(
    labels: np.ndarray, flux: np.ndarray, link_px: float = DEFAULT_LINK_PX
) -> np.ndarray:
    """Labels (1-based) of the components grouped with the brightest one.

    Friends-of-friends: starting from the component with the largest summed flux, add
    every component whose nearest pixel lies within ``link_px`` pixels of the group, until
    nothing more joins. Uses no position prior (not the frame centre), only connectivity.

    Parameters
    ----------
    labels : ndarray of int, shape (ny, nx)
        ``scipy.ndimage.label`` output (0 = background).
    flux : ndarray, shape (n,)
        Summed flux of components 1..n.
    link_px : float
        Linking length, pixels; 0 keeps only the brightest component, ``inf`` keeps all.

    Returns
    -------
    ndarray of int
        Sorted labels of the source's components (always contains the brightest).
    """
    if not link_px >= 0:
        raise ValueError(f"link_px must be >= 0, got {link_px!r}")
    seed = int(np.argmax(flux)) + 1
    members = {seed}
    if np.isinf(link_px):
        return np.arange(1, len(flux) + 1)
    while True:
        dist = ndimage.distance_transform_edt(~np.isin(labels, list(members)))
        near = np.unique(labels[(dist <= link_px) & (labels > 0)])
        new = set(int(v) for v in near) - members
        if not new:
            return np.array(sorted(members))
        members |= new
