"""Co-registered augmentation: one flip + rotation applied to radio, optical and (x, y).

Seed §3.1 item 4 augments the training set with random flips (left-right or top-bottom)
and rotations by theta in [0, 360 deg). The radio image, the candidate's optical stamps
and the candidate's position must move together, otherwise the label "this candidate is
the host" would point at the wrong place.

Conventions (used everywhere in this module):

* Images are arrays ``(..., H, W)``; row index = y, column index = x.
* ``xy = (dx, dy)`` is the candidate's offset from the radio-cutout centre in radio-cutout
  pixels: ``dx`` = +1 per column to the right (increasing column), ``dy`` = +1 per row
  (increasing row, i.e. *up* when shown with ``origin='lower'``, the FITS/astronomy
  display). The centre of an ``H x W`` array is pixel ((W - 1) / 2, (H - 1) / 2), between
  the two middle pixels for the seed's even 240 x 240 frames.
* The transform is: flip first (``"lr"``: dx -> -dx; ``"ud"``: dy -> -dy), then rotate
  counter-clockwise (as displayed with ``origin='lower'``) by ``theta_deg`` about the
  centre: ``dx' = dx cos t - dy sin t``, ``dy' = dx sin t + dy cos t``.
* Each image is transformed about its own centre. Radio (centred on the component) and
  optical (centred on the candidate) frames share the sky orientation, so rotating both
  by the same angle about their own centres is the same rigid sky rotation up to a
  translation, and the candidate's offset transforms by the formula above.

Pixels rotated in from outside the frame are 0 (the clipped radio background and the
bottom of the optical stretch). Nothing here imports Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import ndimage

Flip = Literal["lr", "ud"] | None
FLIPS: tuple[Flip, ...] = (None, "lr", "ud")


@dataclass(frozen=True)
class Transform:
    """A flip (None, ``"lr"`` or ``"ud"``) followed by a CCW rotation of ``theta_deg`` degrees."""

    flip: Flip
    theta_deg: float

    def __post_init__(self) -> None:
        if self.flip not in FLIPS:
            raise ValueError(f"flip must be one of {FLIPS}, got {self.flip!r}")
        if not np.isfinite(self.theta_deg):
            raise ValueError(f"theta_deg must be finite, got {self.theta_deg!r}")

    def matrix(self) -> np.ndarray:
        """2 x 2 forward matrix acting on column vectors (dx, dy)."""
        f = np.diag([-1.0 if self.flip == "lr" else 1.0, -1.0 if self.flip == "ud" else 1.0])
        t = np.deg2rad(self.theta_deg)
        rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
        return rot @ f


def random_transform(rng: np.random.Generator) -> Transform:
    """Draw a flip (none / left-right / top-bottom, equally likely) and theta ~ U[0, 360).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness; the same seed gives the same transform.

    Returns
    -------
    Transform

    Raises
    ------
    ValueError
        If ``rng`` is not a ``numpy.random.Generator``.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
            f"got {type(rng).__name__}"
        )
    flip = FLIPS[int(rng.integers(len(FLIPS)))]
    return Transform(flip=flip, theta_deg=float(rng.uniform(0.0, 360.0)))


def transform_xy(transform: Transform, xy: np.ndarray) -> np.ndarray:
    """Apply ``transform`` to offsets ``xy`` of shape (2,) or (N, 2), pixels from the centre."""
    arr = np.asarray(xy, dtype=np.float64)
    if arr.shape[-1:] != (2,) or arr.ndim not in (1, 2):
        raise ValueError(f"xy must have shape (2,) or (N, 2) as (dx, dy), got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("xy must be finite")
    return arr @ transform.matrix().T


def _transform_planes(transform: Transform, images: np.ndarray, name: str) -> np.ndarray:
    arr = np.asarray(images)
    if arr.ndim < 2 or arr.shape[-1] == 0 or arr.shape[-2] == 0:
        raise ValueError(f"{name} must be an array (..., H, W), got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} has NaN/inf pixels; preprocess it first")
    h, w = arr.shape[-2:]
    # affine_transform maps each *output* (row, col) to the input position it samples:
    # in (dx, dy) that is A^-1 p', and in (row, col) order the matrix is swapped.
    inv = np.linalg.inv(transform.matrix())
    m_rc = inv[::-1, ::-1]
    centre = np.array([(h - 1) / 2.0, (w - 1) / 2.0])
    offset = centre - m_rc @ centre
    planes = arr.reshape(-1, h, w).astype(np.float32, copy=False)
    out = np.empty_like(planes)
    for i, plane in enumerate(planes):
        # order=1: bilinear keeps values inside the input range (no ringing above 1).
        ndimage.affine_transform(
            plane, m_rc, offset=offset, output=out[i], order=1, mode="constant", cval=0.0
        )
    return out.reshape(arr.shape)


def apply_transform(
    transform: Transform, radio: np.ndarray, optical: np.ndarray | None, xy: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Apply one transform to radio image(s), optical stamp(s) and offset(s).

    Parameters
    ----------
    transform : Transform
    radio : ndarray, shape (..., H, W)
        E.g. (240, 240), or a batch (N, 240, 240) that all get the same transform.
    optical : ndarray, shape (..., H', W'), or None
        E.g. (5, 240, 240) or (N, 5, 240, 240).
    xy : ndarray, shape (2,) or (N, 2)
        Candidate offsets (dx, dy) from the radio-cutout centre, radio pixels.

    Returns
    -------
    (radio', optical', xy')
        float32 images of the input shapes; xy' float64.
    """
    if not isinstance(transform, Transform):
        raise ValueError(f"transform must be a Transform, got {type(transform).__name__}")
    xy_out = transform_xy(transform, xy)
    radio_out = _transform_planes(transform, radio, "radio")
    optical_out = None if optical is None else _transform_planes(transform, optical, "optical")
    return radio_out, optical_out, xy_out


def augment(
    radio: np.ndarray, optical: np.ndarray | None, xy: np.ndarray, *, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Draw a random flip + rotation (seed §3.1 item 4) and apply it to all three inputs.

    See :func:`apply_transform` for shapes and the module docstring for the convention.
    """
    return apply_transform(random_transform(rng), radio, optical, xy)
