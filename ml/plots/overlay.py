"""Seed Figure-8 style overlays, drawn with matplotlib WCSAxes (no ORM; Agg backend): the one
renderer of the component pages (:mod:`catalog.images.overlay`) and of the Norris-71 failure
figures (:mod:`ml.evaluation.norris71.figures`).

Left: the radio image with its contours; right (unless ``optical_panel`` is off): the optical
stamp (or, without one, a map of the optical catalogue) under the same radio contours. On
both, every candidate is marked; the model's best candidate is circled in red (labelled
"prime" when it is the prime host of seed §4.2), the next highest likelihoods in orange, gold
and cyan; the labelled (expert) host is a magenta cross, as the seed's Figure 8 marks the
expert host; a method's own host-position estimate, when it has one, is a magenta star.
Contours: :mod:`ml.plots.contours` (robust noise, a floor, at most 8 levels). A compact
source (its island within :data:`INSET_EXTENT_PX` of the component) gets a zoomed inset of
the central :data:`INSET_BOX_PX` pixels, since a point source is a few pixels of the 3.6′
frame (seed §3.3). The title says what the contours are.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")  # workers and tests have no display

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from astropy.wcs import WCS  # noqa: E402

from ml.plots.contours import Contours, compact_extent_px, contour_levels  # noqa: E402

__all__ = ["OverlayCandidate", "OverlayInputs", "contour_levels", "draw_overlay", "render_overlay"]

RANK_COLOURS = ("red", "orange", "gold", "cyan")
INSET_EXTENT_PX = 12.0
INSET_BOX_PX = 40


@dataclass
class OverlayCandidate:
    ra: float
    dec: float
    likelihood: float | None
    rank: int | None
    is_prime: bool = False
    r_mag: float | None = None


@dataclass
class OverlayInputs:
    """Everything one overlay shows; positions ICRS degrees, images in their own WCS."""

    title: str
    ra: float
    dec: float
    radio: np.ndarray
    radio_wcs: WCS
    radio_caption: str
    radio_sigma: float | None = None  # contour unit (image units); None: from the image
    optical: np.ndarray | None = None
    optical_wcs: WCS | None = None
    optical_caption: str = "optical catalogue map (no optical pixels)"
    candidates: list[OverlayCandidate] = field(default_factory=list)
    label_host: tuple[float, float] | None = None
    label_caption: str = ""
    #: contour levels in units of the contour sigma; None: chosen by ml.plots.contours
    contour_sigmas: tuple[float, ...] | None = None
    #: the zoomed inset for a compact source (None: when the source is compact)
    inset: bool | None = None
    #: asinh softening of the radio image (image units); None: a percentile stretch. A
    #: noise-free render is softened at the survey rms so that faint cores and bright lobes
    #: both show.
    stretch_softening: float | None = None
    predicted_host: tuple[float, float] | None = None
    predicted_caption: str = "predicted host position"
    optical_panel: bool = True


def _stretch(img: np.ndarray, softening: float | None = None) -> tuple[np.ndarray, float, float]:
    if softening is not None:
        out = np.arcsinh(img / softening)
        return out, 0.0, max(float(np.nanmax(out)), 1e-6)
    lo, hi = np.nanpercentile(img, [1.0, 99.7])
    if not np.isfinite(hi) or hi <= lo:
        hi = lo + 1.0
    return np.arcsinh((np.clip(img, lo, hi) - lo) / ((hi - lo) / 10.0)), 0.0, float(np.arcsinh(10))


def _mark(ax, inputs: OverlayInputs, *, dark: bool) -> None:
    tr = ax.get_transform("icrs")
    cands = inputs.candidates
    if cands:
        ax.scatter(
            [c.ra for c in cands],
            [c.dec for c in cands],
            transform=tr,
            s=14,
            marker="o",
            facecolor="none",
            edgecolor="white" if dark else "black",
            linewidth=0.8,
            label="candidate",
            zorder=3,
        )
    ranked = sorted((c for c in cands if c.rank is not None), key=lambda c: c.rank)
    for i, c in enumerate(ranked[: len(RANK_COLOURS)]):
        what = "prime" if c.is_prime else ("best" if i == 0 else f"rank {c.rank}")
        if c.likelihood is not None:
            what += f" p={c.likelihood:.2f}"
        ax.scatter(
            [c.ra],
            [c.dec],
            transform=tr,
            s=260 if i == 0 else 150,
            marker="o",
            facecolor="none",
            edgecolor=RANK_COLOURS[i],
            linewidth=2.0 if i == 0 else 1.4,
            label=what,
            zorder=4,
        )
    if inputs.label_host is not None:
        ax.scatter(
            [inputs.label_host[0]],
            [inputs.label_host[1]],
            transform=tr,
            s=420,
            marker="+",
            color="magenta",
            linewidth=2.2,
            label=inputs.label_caption or "label host",
            zorder=6,
        )
    if inputs.predicted_host is not None:
        ax.scatter(
            [inputs.predicted_host[0]],
            [inputs.predicted_host[1]],
            transform=tr,
            s=200,
            marker="*",
            facecolor="none",
            edgecolor="magenta",
            linewidth=1.2,
            label=inputs.predicted_caption,
            zorder=6,
        )
    ax.scatter(
        [inputs.ra],
        [inputs.dec],
        transform=tr,
        s=18,
        marker="x",
        color="tab:green",
        zorder=5,
        label="component",
    )


def draw_overlay(inputs: OverlayInputs, *, dpi: int = 100):
    """The overlay as a matplotlib ``Figure`` (close it with ``plt.close``)."""
    two = inputs.optical_panel
    fig = plt.figure(figsize=(10.0, 5.2) if two else (6.0, 6.4), dpi=dpi)
    contours = contour_levels(inputs.radio, inputs.radio_sigma, inputs.contour_sigmas)
    levels = contours.levels
    ax1 = fig.add_subplot(1, 2 if two else 1, 1, projection=inputs.radio_wcs)
    img, vmin, vmax = _stretch(inputs.radio, inputs.stretch_softening)
    ax1.imshow(img, origin="lower", cmap="gray_r", vmin=vmin, vmax=vmax)
    if levels:
        ax1.contour(inputs.radio, levels=levels, colors="tab:blue", linewidths=0.7)
    _mark(ax1, inputs, dark=False)
    ax1.set_title(inputs.radio_caption, fontsize=9)
    axes = [ax1]
    if two:
        axes.append(_optical_panel(fig, inputs, levels))
    for ax in axes:
        ax.coords[0].set_axislabel("RA (ICRS)")
        ax.coords[1].set_axislabel("Dec (ICRS)")
        ax.coords[0].set_ticklabel(size=7)
        ax.coords[1].set_ticklabel(size=7)
    handles, names = ax1.get_legend_handles_labels()
    if handles:
        ncol = min(6 if two else 3, len(handles))
        fig.legend(handles, names, loc="lower center", ncol=ncol, fontsize=8)
    title = f"{inputs.title}\n{contours.caption()}"
    inset = _wants_inset(inputs, contours)
    if inset:
        title += f"; inset: the central {INSET_BOX_PX} px, zoomed"
    fig.suptitle(title, fontsize=10)
    if two:
        fig.subplots_adjust(left=0.08, right=0.98, top=0.84, bottom=0.2, wspace=0.3)
    else:
        fig.subplots_adjust(left=0.16, right=0.96, top=0.84, bottom=0.22)
    if inset:  # placed on the radio panel's final position
        _inset(fig, ax1, inputs, contours)
    return fig


def _centre_px(inputs: OverlayInputs) -> tuple[float, float]:
    x, y = inputs.radio_wcs.world_to_pixel_values(inputs.ra, inputs.dec)
    return float(x), float(y)


def _wants_inset(inputs: OverlayInputs, contours: Contours) -> bool:
    if inputs.inset is not None:
        return inputs.inset and bool(contours.levels)
    if not contours.levels or min(inputs.radio.shape) < 2 * INSET_BOX_PX:
        return False
    extent = compact_extent_px(inputs.radio, contours.levels[0], _centre_px(inputs))
    return 0 < extent <= INSET_EXTENT_PX


def _inset(fig, ax1, inputs: OverlayInputs, contours: Contours) -> None:
    """The central box around the component, zoomed, in the radio panel's upper-left corner."""
    cx, cy = (int(round(v)) for v in _centre_px(inputs))
    ny, nx = inputs.radio.shape
    h = INSET_BOX_PX // 2
    x0, y0 = min(max(cx - h, 0), nx - INSET_BOX_PX), min(max(cy - h, 0), ny - INSET_BOX_PX)
    sub = inputs.radio[y0 : y0 + INSET_BOX_PX, x0 : x0 + INSET_BOX_PX]
    box = ax1.get_position()
    size = 0.42 * box.width
    ax = fig.add_axes(
        [box.x0 + 0.008, box.y1 - size * box.height / box.width - 0.008, size,
         size * box.height / box.width],
        projection=inputs.radio_wcs[y0 : y0 + INSET_BOX_PX, x0 : x0 + INSET_BOX_PX],
    )  # fmt: skip
    img, vmin, vmax = _stretch(sub, inputs.stretch_softening)
    ax.imshow(img, origin="lower", cmap="gray_r", vmin=vmin, vmax=vmax)
    ax.contour(sub, levels=contours.levels, colors="tab:blue", linewidths=0.8)
    tr = ax.get_transform("icrs")
    inside = [c for c in inputs.candidates if c.rank is not None and c.rank <= len(RANK_COLOURS)]
    for c in inside:
        ax.scatter([c.ra], [c.dec], transform=tr, s=90, marker="o", facecolor="none",
                   edgecolor=RANK_COLOURS[c.rank - 1], linewidth=1.4)  # fmt: skip
    ax.scatter([inputs.ra], [inputs.dec], transform=tr, s=30, marker="x", color="tab:green")
    ax.set_xlim(-0.5, INSET_BOX_PX - 0.5)
    ax.set_ylim(-0.5, INSET_BOX_PX - 0.5)
    for coord in ax.coords:
        coord.set_ticks_visible(False)
        coord.set_ticklabel_visible(False)
        coord.set_axislabel("")
    ax.set_label("inset")
    ax.text(0.04, 0.04, f"central {INSET_BOX_PX} px", transform=ax.transAxes, fontsize=7,
            color="tab:blue")  # fmt: skip


def _optical_panel(fig, inputs: OverlayInputs, levels: list[float]):
    if inputs.optical is not None and inputs.optical_wcs is not None:
        ax2 = fig.add_subplot(1, 2, 2, projection=inputs.optical_wcs)
        oimg, ovmin, ovmax = _stretch(inputs.optical)
        ax2.imshow(oimg, origin="lower", cmap="gray", vmin=ovmin, vmax=ovmax)
    else:
        ax2 = fig.add_subplot(1, 2, 2, projection=inputs.radio_wcs)
        ny, nx = inputs.radio.shape
        ax2.imshow(np.zeros((ny, nx)), origin="lower", cmap="gray", vmin=0, vmax=1)
        mags = [c for c in inputs.candidates if c.r_mag is not None and np.isfinite(c.r_mag)]
        if mags:
            size = [max(4.0, 9.0 * (24.0 - c.r_mag)) for c in mags]
            ax2.scatter(
                [c.ra for c in mags],
                [c.dec for c in mags],
                transform=ax2.get_transform("icrs"),
                s=size,
                color="0.85",
                alpha=0.8,
            )
    if levels:
        ax2.contour(
            inputs.radio,
            levels=levels,
            colors="deepskyblue",
            linewidths=0.7,
            transform=ax2.get_transform(inputs.radio_wcs),
        )
    _mark(ax2, inputs, dark=True)
    ax2.set_title(inputs.optical_caption, fontsize=9)
    if inputs.optical is not None and inputs.optical_wcs is not None:
        # keep the optical panel on the radio field (stamps may be smaller or larger)
        ny, nx = inputs.optical.shape
        ax2.set_xlim(-0.5, nx - 0.5)
        ax2.set_ylim(-0.5, ny - 0.5)
    return ax2


def render_overlay(inputs: OverlayInputs, *, dpi: int = 100) -> bytes:
    """PNG bytes of the overlay."""
    fig = draw_overlay(inputs, dpi=dpi)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
