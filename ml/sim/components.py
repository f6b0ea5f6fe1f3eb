"""CIRADA-like components of a simulated VLASS field (step 1 and 2 of :mod:`ml.sim.field`).

PyBDSF, used for the CIRADA VLASS catalogue (Gordon et al. 2021), detects peaks above 5 sigma
and fits one Gaussian per peak; :func:`find_components` reproduces what such a fit returns from
the noiseless model image, and :func:`component_table` writes the result as the simulated
component catalogue (CIRADA column names, ``is_target`` for the component a cutout is centred
on, as seed §2.1 centres a QL cutout on a CIRADA component).
"""

from __future__ import annotations

import math

import numpy as np
from astropy.table import Table
from astropy.wcs import WCS
from scipy import ndimage

from ml.seed import CUTOUT_SIZE_PX as RADIO_SIZE
from ml.sim.radio import _pixel_to_offset_matrix
from ml.sim.vlass import Beam

DETECTION_SIGMA = 5.0


def find_components(model: np.ndarray, noise_jy: float, beam: Beam, wcs: WCS) -> list[dict]:
    """CIRADA-like components of a noiseless image: islands above 5 sigma, split at peaks.

    PyBDSF (used for the CIRADA VLASS catalogue, Gordon et al. 2021) detects peaks above
    5 sigma, grows islands down to 3 sigma and fits one Gaussian per peak, so its total
    fluxes include the wings below the threshold.  Here each >5-sigma local maximum (at
    least a beam apart) seeds a watershed basin over *all* the emission of the noiseless
    model, and each basin is measured by its moments -- the flux and size a Gaussian fit
    would give for an isolated component.  Islands (for ``S_Code``) are the connected
    >3-sigma regions.

    Returns
    -------
    list of dict
        ``x, y`` (0-based pixel, flux-weighted centroid), ``flux_jy`` (integrated),
        ``peak_jy`` (Jy/beam), ``maj, min`` (image-plane FWHM, arcsec), ``pa_deg``,
        ``island`` (label), ``n_in_island``.
    """
    from skimage.feature import peak_local_max
    from skimage.segmentation import watershed

    thr = DETECTION_SIGMA * noise_jy
    if not (model > thr).any():
        return []
    islands, n_isl = ndimage.label(model > 3.0 * noise_jy)
    pix_arcsec = math.sqrt(abs(np.linalg.det(_pixel_to_offset_matrix(wcs))))
    beam_px = beam.area_arcsec2 / pix_arcsec**2
    md = max(int(round(beam.bmaj_arcsec / pix_arcsec)), 2)
    # exclude_border=False: a source at the cutout edge is still a component
    peaks = peak_local_max(
        model, min_distance=md, threshold_abs=thr, labels=islands, exclude_border=False
    )
    if len(peaks) == 0:
        return []
    markers = np.zeros(model.shape, np.int32)
    for k, (py, px) in enumerate(peaks, start=1):
        markers[py, px] = k
    emission = model > 1e-3 * noise_jy
    seg = watershed(-model, markers, mask=emission)
    comps = []
    labels = np.unique(seg[seg > 0])
    yy, xx = np.indices(model.shape)
    objs = ndimage.find_objects(seg)
    for lab in labels:
        sl = objs[lab - 1]
        if sl is None:
            continue
        sub = seg[sl] == lab
        w = np.where(sub, model[sl], 0.0)
        tot = w.sum()
        if tot <= 0:
            continue
        # position: centroid of the basin's upper half (above half its peak) -- what a
        # Gaussian fit to the component returns; the whole-basin centroid would be pulled
        # towards whatever faint emission (a jet, the core) shares the basin
        top = np.where(w >= 0.5 * w.max(), w, 0.0)
        x = (top * xx[sl]).sum() / top.sum()
        y = (top * yy[sl]).sum() / top.sum()
        mx = (w * xx[sl]).sum() / tot
        my = (w * yy[sl]).sum() / tot
        dx = xx[sl] - mx
        dy = yy[sl] - my
        cxx = (w * dx * dx).sum() / tot
        cyy = (w * dy * dy).sum() / tot
        cxy = (w * dx * dy).sum() / tot
        ev, evec = np.linalg.eigh(np.array([[cxx, cxy], [cxy, cyy]]))
        ev = np.maximum(ev, 1e-6)
        vx, vy = evec[:, 1]
        pa = math.degrees(math.atan2(-vx, vy)) % 180.0  # east = -x
        fw = 2.0 * math.sqrt(2.0 * math.log(2.0)) * pix_arcsec
        py, px = peaks[lab - 1]
        isl = int(islands[py, px])
        comps.append(
            {
                "x": float(x),
                "y": float(y),
                "flux_jy": float(tot / beam_px),
                "peak_jy": float(model[sl][sub].max()),
                "maj": float(fw * math.sqrt(ev[1])),
                "min": float(fw * math.sqrt(ev[0])),
                "pa_deg": float(pa),
                "island": isl,
            }
        )
    counts = np.bincount([c["island"] for c in comps], minlength=n_isl + 1)
    for c in comps:
        c["n_in_island"] = int(counts[c["island"]])
    return comps


def component_table(comps, parts, wcs, beam, noise_jy, sources) -> Table:
    """Components with their parent source and whether one is the field's catalogued one."""
    c_pix = (RADIO_SIZE - 1) / 2.0
    rows = []
    for k, c in enumerate(comps):
        ix, iy = int(round(c["x"])), int(round(c["y"]))
        ix, iy = min(max(ix, 0), RADIO_SIZE - 1), min(max(iy, 0), RADIO_SIZE - 1)
        sid = int(np.argmax([p[iy, ix] for p in parts]))
        ra, dec = wcs.pixel_to_world_values(c["x"], c["y"])
        dmaj = math.sqrt(max(c["maj"] ** 2 - beam.bmaj_arcsec**2, 0.0))
        dmin = math.sqrt(max(c["min"] ** 2 - beam.bmin_arcsec**2, 0.0))
        rows.append(
            (
                k,
                sid,
                float(ra),
                float(dec),
                c["x"] - c_pix,
                c["y"] - c_pix,
                c["flux_jy"] * 1e3,
                c["peak_jy"] * 1e3,
                c["maj"],
                c["min"],
                c["pa_deg"],
                dmaj,
                dmin,
                c["pa_deg"],
                "S" if c["n_in_island"] == 1 else "M",
                int(c["island"]),
                sources[sid].morphology,
                sid > 0,
                noise_jy * 1e3,
            )
        )
    names = (
        "component_id",
        "source_id",
        "ra",
        "dec",
        "x",
        "y",
        "total_flux_mjy",
        "peak_flux_mjy_beam",
        "maj_arcsec",
        "min_arcsec",
        "pa_deg",
        "dc_maj_arcsec",
        "dc_min_arcsec",
        "dc_pa_deg",
        "s_code",
        "island_id",
        "morphology",
        "is_decoy",
        "isl_rms_mjy_beam",
    )
    dtypes = (
        "i4",
        "i4",
        "f8",
        "f8",
        "f4",
        "f4",
        "f4",
        "f4",
        "f4",
        "f4",
        "f4",
        "f4",
        "f4",
        "f4",
        "U1",
        "i4",
        "U8",
        "?",
        "f4",
    )
    arr = np.array(rows, dtype=list(zip(names, dtypes, strict=True)))
    t = Table(arr, copy=False)
    # the catalogued component is the one nearest the cutout centre
    t["is_target"] = np.zeros(len(t), bool)
    if len(t):
        t["is_target"][int(np.argmin(np.hypot(arr["x"], arr["y"])))] = True
    t.meta["simulated"] = True
    return t
