"""Radio contour levels for the overlays: from a robust noise estimate, with a floor, and a
bounded number of levels.

The noise is the MAD-based standard deviation of the finite pixels (astropy ``mad_std``):
a bright extended source leaves the median absolute deviation nearly untouched, where an rms
or a 3-iteration sigma clip is pulled up by it. The noise has a floor of
:data:`DYNAMIC_RANGE` below the peak, so a noise-free model image (a render from the
catalogue) never gets contours at rounding level. The first contour of a measured-noise
image is at :data:`FIRST_SIGMA_MEASURED`: a VLASS-like 240 px cutout holds ~10^4 beams, so a
3σ contour draws ~10 noise islands and the source cannot be picked out, while 5σ draws none
expected (Gaussian tail 3e-7 per beam). Levels then double, as in the seed's Figure 8, or
step by a larger factor so that at most :data:`MAX_LEVELS` reach the peak.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from astropy.stats import mad_std

MAX_LEVELS = 8
FIRST_SIGMA_MEASURED = 5.0
#: a model image has no noise: the first contour sits at 3× the survey noise it was given
FIRST_SIGMA_GIVEN = 3.0
DYNAMIC_RANGE = 1e-4


@dataclass(frozen=True)
class Contours:
    """Contour levels (image units, increasing, all below the peak) and how they were made."""

    levels: list[float]
    sigma: float
    first_sigma: float
    factor: float
    noise: str  # where sigma came from, for the caption
    peak: float
    multiples: list[float] = field(default_factory=list)

    def caption(self) -> str:
        if not self.levels:
            return f"no emission above {self.first_sigma:g}σ (σ = {self.sigma * 1e3:.3g} mJy/beam)"
        steps = ", ".join(f"{m:.3g}" for m in self.multiples)
        return f"contours {steps} × σ, σ = {self.sigma * 1e3:.3g} mJy/beam ({self.noise})"


def robust_sigma(img: np.ndarray) -> float:
    finite = img[np.isfinite(img)]
    return float(mad_std(finite)) if finite.size else float("nan")


def contour_levels(
    img: np.ndarray,
    sigma: float | None = None,
    multiples: tuple[float, ...] | None = None,
    *,
    max_levels: int = MAX_LEVELS,
) -> Contours:
    """The contours of ``img``: ``multiples`` × sigma when given (capped at ``max_levels``),
    else from the first contour up by factors of at least 2 (at most ``max_levels``).

    ``sigma`` is the noise in image units when known (a model image: the survey's noise);
    None measures it (:func:`robust_sigma`). An image with no finite positive pixel, or none
    above the first level, has no levels.
    """
    finite = img[np.isfinite(img)]
    peak = float(finite.max()) if finite.size else 0.0
    given = sigma is not None
    noise = "survey noise of the model image" if given else "MAD of the image"
    s = float(sigma) if given else robust_sigma(img)
    floor = peak * DYNAMIC_RANGE if peak > 0 else 0.0
    if not np.isfinite(s) or s < floor:
        s, noise = floor, f"floor at {DYNAMIC_RANGE:g} × peak"
    first = FIRST_SIGMA_GIVEN if given else FIRST_SIGMA_MEASURED
    if multiples is not None:
        first = float(multiples[0])
    empty = Contours([], s, first, 2.0, noise, peak)
    if peak <= 0 or s <= 0 or first * s >= peak:
        return empty
    if multiples is not None:
        mult = [float(m) for m in multiples if m * s < peak][:max_levels]
        factor = mult[1] / mult[0] if len(mult) > 1 else 2.0
    else:
        factor = max(2.0, (peak / (first * s)) ** (1.0 / max(max_levels - 1, 1)))
        mult = [first * factor**k for k in range(max_levels) if first * factor**k * s < peak]
    return Contours([m * s for m in mult], s, first, factor, noise, peak, mult)


def compact_extent_px(img: np.ndarray, level: float, centre: tuple[float, float]) -> float:
    """The largest distance (px) from ``centre`` (x, y) of a pixel above ``level`` within the
    island around it; 0 when the centre's neighbourhood has none. Measures whether a source
    is compact enough to need the zoomed inset."""
    from scipy import ndimage

    above = np.isfinite(img) & (img >= level)
    if not above.any():
        return 0.0
    labels, _ = ndimage.label(above)
    ny, nx = img.shape
    cx, cy = (int(round(v)) for v in centre)
    y0, y1, x0, x1 = max(cy - 3, 0), min(cy + 4, ny), max(cx - 3, 0), min(cx + 4, nx)
    ids = set(np.unique(labels[y0:y1, x0:x1])) - {0}
    if not ids:
        return 0.0
    ys, xs = np.nonzero(np.isin(labels, list(ids)))
    return float(np.hypot(xs - centre[0], ys - centre[1]).max())
