"""Figure-9 style plot of the worst core-location offsets on MiraBest."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ml.core.location import DEFAULT_THRESHOLD_FRACTION
from ml.evaluation.core_location.scoring import WITHIN_ARCSEC
from ml.preprocess.radio import RADIO_SIZE


def plot_worst(
    sources, frames, result: dict, path: Path, n: int = 6, codes=("102", "104"), by: str = "gated"
) -> None:
    """Figure-9 style panels: emission, skeleton, host, centroid, geodesic centre, both gates.

    The ``n`` worst offsets of method ``by`` (default the gated core) among the sources whose
    class code is in ``codes`` (default: the goal's WAT+HT; ``None`` = all sources).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from skimage.morphology import skeletonize

    recs = result["records"]
    keep = [i for i, r in enumerate(recs) if codes is None or r["class_code"] in codes]
    order = [keep[j] for j in np.argsort([-recs[i][f"{by}_offset_arcsec"] for i in keep])[:n]]
    centre = (RADIO_SIZE - 1) / 2.0
    fig, axes = plt.subplots(2, 3, figsize=(12, 8.4), constrained_layout=True)
    for ax, i in zip(axes.flat, order, strict=False):
        img, rec = frames[i], recs[i]
        ax.imshow(np.sqrt(img), origin="lower", cmap="gray_r")
        thr = DEFAULT_THRESHOLD_FRACTION * float(img.max())
        skel = skeletonize(img > thr)
        yy, xx = np.nonzero(skel)
        ax.plot(xx, yy, ",", color="tab:orange", alpha=0.6)
        ax.contour(img, levels=[thr], colors="tab:orange", linewidths=0.6)
        ax.plot(centre, centre, "+", color="k", ms=14, mew=1.5, label="host (SDSS)")
        ax.add_patch(plt.Circle((centre, centre), WITHIN_ARCSEC, fill=False, ls=":", color="k"))
        styles = (("centroid", "bs"), ("geodesic", "g^"), ("gated_seed", "mv"), ("gated", "rx"))
        if "learned_xy_px" in rec:
            styles += (("learned", "co"),)
        for m, style in styles:
            x, y = rec[f"{m}_xy_px"]
            ax.plot(x, y, style, ms=8, mfc="none" if m != "gated" else None, label=m)
        extra = f', learned {rec["learned_offset_arcsec"]:.1f}"' if "learned_xy_px" in rec else ""
        ax.set_title(
            f"{rec['file'][:22]} {rec['group']}\ngated ({rec['gated_method']}) "
            f'{rec["gated_offset_arcsec"]:.1f}", centroid {rec["centroid_offset_arcsec"]:.1f}"'
            + extra,
            fontsize=9,
        )
        ax.set_xlabel('x (px = 1")')
        ax.set_ylabel('y (px = 1")')
    axes.flat[0].legend(fontsize=7, loc="lower left")
    fig.suptitle(
        f"Worst {n} {by} core positions"
        + ("" if codes is None else f" among classes {'+'.join(codes)}")
        + f', real FIRST (MiraBest), 240" frames at 1"/px; contour = '
        f"{DEFAULT_THRESHOLD_FRACTION:g} x peak"
    )
    fig.savefig(path, dpi=110)
    plt.close(fig)
