"""Failure overlays of the Norris-71 benchmark (seed Figure 8 style)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ml.data.norris71 import Norris71, Norris71Field
from ml.evaluation.norris71.fields import OVERLAY_SIZE_PX, field_components, render_norris_field
from ml.evaluation.norris71.rows import FieldOutcome, Method

#: VLASS Quick Look rms (Jy/beam): the stretch softening and the contour unit of a render
VLASS_RMS_JY = 1.3e-4
#: Figure-8 style contours at sigma_VLASS x 2^k from sigma/2 (the render is noise-free, so
#: structure VLASS would barely detect is drawn too)
CONTOUR_STEPS = tuple(float(x) for x in 2.0 ** np.arange(-1, 12))


def overlay_png(data: Norris71, m: Method, f: Norris71Field, o: FieldOutcome, path: Path) -> bool:
    """Radio field rendered from Table 4 at the VLASS beam, candidates, truth and prediction,
    drawn by the pages' renderer (:func:`ml.plots.overlay.render_overlay`)."""
    comps = field_components(data, f.ra, f.dec, OVERLAY_SIZE_PX / 2)
    rendered = render_norris_field(comps, f.ra, f.dec)
    if rendered is None:
        return False
    from ml.plots.overlay import OverlayCandidate, OverlayInputs, render_overlay

    img, wcs = rendered
    a = f.candidate_arrays()
    lik = o.likelihood
    cands = [
        OverlayCandidate(
            ra=float(a["ra"][i]),
            dec=float(a["dec"][i]),
            likelihood=None if lik is None else float(lik[i]),
            rank=1 if i == o.best else None,  # the method's choice; the rest unranked
        )
        for i in range(len(a["ra"]))
    ]
    h = f.host_index
    inputs = OverlayInputs(
        title=f"{f.vlass_name.split()[-1]}  {m.key}\nNorris {f.norris_source.sid}: "
        f"{','.join(f.norris_source.component_ids)} (3 GHz)",
        ra=f.ra,
        dec=f.dec,
        radio=np.asarray(img, float),
        radio_wcs=wcs,
        radio_caption="Table 4 components rendered at the VLASS beam; PS1 candidates",
        radio_sigma=VLASS_RMS_JY,
        candidates=cands,
        label_host=(float(a["ra"][h]), float(a["dec"][h])),
        label_caption="expert host (truth)",
        contour_sigmas=CONTOUR_STEPS,
        # asinh softened at ~the VLASS QL rms: a 0.3 mJy core and a 100 mJy lobe both show,
        # as in the seed's Figure 8
        stretch_softening=VLASS_RMS_JY,
        predicted_host=None if o.pred_ra is None else (o.pred_ra, o.pred_dec),
        optical_panel=False,
    )
    path.write_bytes(render_overlay(inputs, dpi=80))
    return True
