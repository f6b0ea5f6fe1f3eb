"""Seed Figure-8 style overlays, drawn with matplotlib WCSAxes (no ORM; Agg backend): the one
renderer of the component pages (:mod:`catalog.images.overlay`) and of the Norris-71 failure
figures (:mod:`ml.evaluation.norris71.figures`).

Left: the radio image with its contours; right (unless ``optical_panel`` is off): the optical
stamp (or, without one, a map of the optical catalogue) under the same radio contours. On
both, every candidate is marked; the model's best candidate is circled in red (labelled
"prime" when it is the prime host of seed §4.2), the next highest likelihoods in orange, gold
and cyan; the labelled (expert) host is a magenta cross, as the seed's Figure 8 marks the
expert host; a method's own host-position estimate, when it has one, is a magenta star.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")  # workers and tests have no display

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from astropy.stats import sigma_clipped_stats  # noqa: E402
from astropy.wcs import WCS  # noqa: E402

RANK_COLOURS = ("red", "orange", "gold", "cyan")
CONTOUR_SIGMAS = (3, 6, 12, 24, 48, 96, 192)


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
    #: contour levels in units of the contour sigma (seed Figure 8: 3σ doubling)
    contour_sigmas: tuple[float, ...] = CONTOUR_SIGMAS
    #: asinh softening of the radio image (image units); None: a percentile stretch. A
    #: noise-free render is softened at the survey rms so that faint cores and bright lobes
    #: both show.
    stretch_softening: float | None = None
    predicted_host: tuple[float, float] | None = None
    predicted_caption: str = "predicted host position"
    optical_panel: bool = True


def contour_levels(
    img: np.ndarray, sigma: float | None, sigmas: tuple[float, ...] = CONTOUR_SIGMAS
) -> tuple[list[float], float]:
    """The contour levels ``sigmas × sigma`` below the image peak, and the sigma used (the
    sigma-clipped rms of the image when ``sigma`` is None)."""
    finite = img[np.isfinite(img)]
    if sigma is None:
        _, _, sigma = sigma_clipped_stats(finite, sigma=3.0, maxiters=5)
    sigma = float(sigma) if sigma and np.isfinite(sigma) and sigma > 0 else 1e-4
    peak = float(np.nanmax(finite)) if finite.size else 0.0
    levels = [s * sigma for s in sigmas if s * sigma < peak]
    return levels, sigma


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
    levels, sigma = contour_levels(inputs.radio, inputs.radio_sigma, inputs.contour_sigmas)
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
    steps = ", ".join(f"{s:g}" for s in inputs.contour_sigmas[: len(levels)])
    fig.suptitle(f"{inputs.title} — contours {steps} × {sigma * 1e3:.3g} mJy/beam", fontsize=10)
    if two:
        fig.subplots_adjust(left=0.08, right=0.98, top=0.86, bottom=0.2, wspace=0.3)
    else:
        fig.subplots_adjust(left=0.16, right=0.96, top=0.86, bottom=0.22)
    return fig


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
