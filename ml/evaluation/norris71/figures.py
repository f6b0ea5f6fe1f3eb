"""Failure overlays of the Norris-71 benchmark (seed Figure 8 style)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ml.data.norris import (
    Norris71,
    Norris71Field,
)
from ml.evaluation.norris71.fields import (
    OVERLAY_SIZE_PX,
    field_components,
    render_norris_field,
)
from ml.evaluation.norris71.rows import (
    FieldOutcome,
    Method,
)

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------------
# overlays (seed Figure 8 style)
# ----------------------------------------------------------------------------------------------


def overlay_png(data: Norris71, m: Method, f: Norris71Field, o: FieldOutcome, path: Path) -> bool:
    """Radio field rendered from Table 4 at the VLASS beam, candidates, truth and prediction."""
    comps = field_components(data, f.ra, f.dec, OVERLAY_SIZE_PX / 2)
    rendered = render_norris_field(comps, f.ra, f.dec)
    if rendered is None:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    img, wcs = rendered
    a = f.candidate_arrays()
    fig = plt.figure(figsize=(6.4, 6.4))
    ax = fig.add_subplot(projection=wcs)
    # asinh stretch softened at ~the VLASS QL rms (0.13 mJy/beam): a 0.3 mJy core and a
    # 100 mJy lobe both show, as in the seed's Figure 8.
    ax.imshow(np.arcsinh(img / 1.3e-4), origin="lower", cmap="gray_r", vmin=0)
    # Figure-8 style contours at sigma_VLASS x 2^k from sigma/2 (the render is noise-free, so
    # structure VLASS would barely detect is drawn too) -- it shows under the markers.
    levels = 1.3e-4 * 2.0 ** np.arange(-1, 12)
    levels = levels[levels < float(np.nanmax(img))]
    if levels.size:
        ax.contour(img, levels=levels, colors="tab:purple", linewidths=0.8)
    t = ax.get_transform("world")
    ax.scatter(
        a["ra"],
        a["dec"],
        transform=t,
        s=40,
        facecolors="none",
        edgecolors="tab:blue",
        label="PS1 candidates",
    )
    h = f.host_index
    ax.scatter(
        [a["ra"][h]],
        [a["dec"][h]],
        transform=t,
        s=260,
        marker="s",
        facecolors="none",
        edgecolors="tab:green",
        linewidths=1.5,
        label="expert host (truth)",
    )
    b = o.best
    ax.scatter(
        [a["ra"][b]],
        [a["dec"][b]],
        transform=t,
        s=120,
        marker="x",
        color="tab:red",
        linewidths=2,
        label="chosen",
    )
    ax.scatter(
        [f.ra],
        [f.dec],
        transform=t,
        s=400,
        marker="+",
        color="tab:orange",
        linewidths=0.8,
        label="VLASS component",
    )
    if o.pred_ra is not None:
        ax.scatter(
            [o.pred_ra],
            [o.pred_dec],
            transform=t,
            s=160,
            marker="*",
            facecolors="none",
            edgecolors="magenta",
            label="predicted host position",
        )
    ax.set_xlabel("RA (ICRS)")
    ax.set_ylabel("Dec (ICRS)")
    ax.set_title(
        f"{f.vlass_name.split()[-1]}  {m.key}\nNorris {f.norris_source.sid}: "
        f"{','.join(f.norris_source.component_ids)}; contours 0.065 mJy/beam x 2^k (3 GHz)",
        fontsize=9,
    )
    ax.legend(loc="lower left", fontsize=7, framealpha=0.8)
    fig.savefig(path, dpi=80, bbox_inches="tight")
    plt.close(fig)
    return True
