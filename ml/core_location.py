"""Where is the radio core? Flux-weighted centroid, geodesic centre and the gated choice.

Seed §5.2 positions each candidate relative to the radio source, which needs a core
position; §5.3 and Figure 9 show that the flux-weighted centroid of a bent source (a
wide-angle or head-tail) can fall off the emission, far from the host, while the
geodesic centre of the emission skeleton stays on it. :func:`locate_core` makes the
§5.3 choice: geodesic centre for one connected extended structure, centroid for several
disconnected components or a compact source.

Pixel convention (all functions): ``x`` = column index, ``y`` = row index, 0-based,
pixel centres at integers (the numpy convention; ``origin='lower'`` in matplotlib shows
y increasing upwards). Nothing here imports Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import ndimage
from scipy.sparse.csgraph import shortest_path
from skimage.graph import central_pixel, pixel_graph
from skimage.morphology import skeletonize

# Defaults of the gated choice, on images from ml.preprocess.radio.preprocess_radio
# (background 0, peak <= 1). They were chosen by a sweep on the real MiraBest FIRST sample
# that ml.evaluation.core_location also reports on, so the figures there are tuned-on-test;
# its 2-fold cross-validation ("cross_validated_gate" in results/core_location.json) puts the
# optimism at ~2 points of the WAT+HT within-5" fraction.
DEFAULT_THRESHOLD_FRACTION = 0.2  # of the image peak: emission kept for the structure
DEFAULT_DOMINANCE = 0.85  # largest component's share of the kept flux for "one structure"
DEFAULT_MIN_SKELETON_PX = 10  # shorter skeleton = compact (~2 FIRST beams at 1"/px)
# Components whose emission comes within this many pixels of the source's structure are
# part of the source (a lobe, a detached tail); farther ones are unrelated field sources,
# which in a 3.6' FIRST/VLASS field occur in roughly a third of cutouts and would drag a
# centroid tens of arcsec off (results/core_location_worst.png). 20 px = 20" at 1"/px,
# ~4 FIRST or ~8 VLASS beams.
DEFAULT_LINK_PX = 20.0

_EIGHT = np.ones((3, 3), dtype=bool)  # 8-connectivity: diagonal neighbours touch


@dataclass(frozen=True)
class CoreLocation:
    """A radio core position in pixels (``x`` column, ``y`` row) and how it was found.

    ``method`` is ``"geodesic"`` or ``"centroid"``; ``n_components`` counts the
    connected components above the threshold grouped into the source and ``dominance``
    is the brightest one's share of their summed flux (both 1 for a single structure).
    """

    x: float
    y: float
    method: Literal["geodesic", "centroid"]
    n_components: int = 1
    dominance: float = 1.0


def _check(img: np.ndarray) -> np.ndarray:
    arr = np.asarray(img)
    if arr.ndim != 2:
        raise ValueError(f"img must be a 2-D array, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError("img is empty")
    arr = arr.astype(np.float64, copy=False)
    if not np.isfinite(arr).all():
        raise ValueError("img has NaN/inf pixels; fill them first (ml.preprocess.radio.fill_nans)")
    return arr


def _mask(arr: np.ndarray, threshold: float | None) -> np.ndarray:
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
    arr = _check(img)
    mask = _mask(arr, threshold)
    w = np.where(mask, arr, 0.0)
    total = w.sum()
    rows, cols = np.nonzero(mask)
    return float((w[rows, cols] * cols).sum() / total), float((w[rows, cols] * rows).sum() / total)


def _components(arr: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels, n = ndimage.label(mask, structure=_EIGHT)
    flux = np.asarray(ndimage.sum(arr, labels, index=np.arange(1, n + 1)), dtype=float)
    return labels, flux


def _skeleton_centre(structure: np.ndarray, criterion: str) -> tuple[int, int, int]:
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
    arr = _check(img)
    mask = _mask(arr, threshold)
    labels, flux = _components(arr, mask)
    structure = labels == (int(np.argmax(flux)) + 1)
    r, c, _ = _skeleton_centre(structure, criterion)
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


def locate_core(
    img: np.ndarray,
    *,
    threshold: float | None = None,
    dominance: float = DEFAULT_DOMINANCE,
    min_skeleton_px: int = DEFAULT_MIN_SKELETON_PX,
    link_px: float = DEFAULT_LINK_PX,
) -> CoreLocation:
    """The seed §5.3 gated core: geodesic centre for one extended structure, else centroid.

    Emission above ``threshold`` is split into 8-connected components; the source is the
    brightest component plus those linked to it within ``link_px``
    (:func:`source_components`; unrelated field sources are left out). Then:

    * the brightest component carries >= ``dominance`` of the source's flux **and** its
      skeleton is at least ``min_skeleton_px`` long -> one connected (possibly bent)
      structure -> geodesic centre of that component, which stays on the emission where
      a bent source's centroid falls off it (seed Figure 9);
    * several comparable components (e.g. an FR II's detached lobes, whose host sits in
      the gap between them where no skeleton runs) or a compact source (short skeleton,
      where centroid and skeleton coincide but the centroid is sub-pixel) -> flux-weighted
      centroid of the source's components.

    Parameters
    ----------
    img : ndarray, shape (ny, nx)
        Surface brightness; typically ``preprocess_radio`` output (dimensionless, in [0, 1]).
    threshold : float, optional
        Same unit as ``img``; default ``0.2 * img.max()``.
    dominance : float
        In (0, 1].
    min_skeleton_px : int
        Pixels; a skeleton shorter than this is a compact source.
    link_px : float
        Pixels; linking length that groups components into the source.

    Returns
    -------
    CoreLocation
        Pixel position (x = column, y = row) and the method used.

    Raises
    ------
    ValueError
        Bad image (not 2-D, non-finite, nothing positive), ``dominance`` outside (0, 1],
        negative ``min_skeleton_px`` or ``link_px``.
    """
    arr = _check(img)
    if not (0.0 < dominance <= 1.0):
        raise ValueError(f"dominance must be in (0, 1], got {dominance!r}")
    if min_skeleton_px < 0:
        raise ValueError(f"min_skeleton_px must be >= 0, got {min_skeleton_px!r}")
    if not link_px >= 0:
        raise ValueError(f"link_px must be >= 0, got {link_px!r}")
    if threshold is None:
        peak = float(arr.max())
        if not peak > 0:
            raise ValueError(f"img has no positive emission (max {peak:g}); nothing to locate")
        threshold = DEFAULT_THRESHOLD_FRACTION * peak
    mask = _mask(arr, threshold)
    labels, flux = _components(arr, mask)
    members = source_components(labels, flux, link_px)
    k = int(np.argmax(flux)) + 1
    share = float(flux[k - 1] / flux[members - 1].sum())
    if share >= dominance:
        r, c, n_skel = _skeleton_centre(labels == k, "minimax")
        if n_skel >= min_skeleton_px:
            return CoreLocation(float(c), float(r), "geodesic", len(members), share)
    src = np.isin(labels, members)
    w = np.where(src, arr, 0.0)
    rows, cols = np.nonzero(src)
    total = w[rows, cols].sum()
    x = float((w[rows, cols] * cols).sum() / total)
    y = float((w[rows, cols] * rows).sum() / total)
    return CoreLocation(x, y, "centroid", len(members), share)
