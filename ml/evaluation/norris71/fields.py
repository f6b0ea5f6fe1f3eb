"""The Norris-71 field geometry: Table 4 components around a position and their rendering at
the VLASS beam (shared by the benchmark rows, its overlays and :mod:`ml.evaluation.norris71.model`)."""

from __future__ import annotations

import logging

import numpy as np

from ml.data.norris71 import Norris71

log = logging.getLogger(__name__)


#: Overlay render size (pixels at 1"/px): covers every candidate (all lie within 78").
OVERLAY_SIZE_PX = 217


def field_components(data: Norris71, ra: float, dec: float, half_arcsec: float):
    """Table-4 components within a square of half-side ``half_arcsec`` (plus 30" margin so that
    the wings of bright neighbours appear) around a position."""
    a = data.component_arrays()
    dx = (a["ra"] - ra) * np.cos(np.radians(dec)) * 3600.0
    dy = (a["dec"] - dec) * 3600.0
    keep = (np.abs(dx) < half_arcsec + 30) & (np.abs(dy) < half_arcsec + 30)
    return [data.components[i] for i in np.flatnonzero(keep)]


def _renderer():
    try:
        from ml.sim.radio import render_components
        from ml.sim.vlass import vlass_wcs
    except ImportError as exc:  # pragma: no cover - depends on the tree state
        log.warning("ml.sim.radio unavailable (%s): no rendered fields, no overlays", exc)
        return None
    return render_components, vlass_wcs


def render_norris_field(comps, center_ra: float, center_dec: float, size: int = OVERLAY_SIZE_PX):
    """Render Table-4 components as a noise-free VLASS-beam image centred on a position.

    Returns ``(image [Jy/beam, float32], wcs)`` or ``None`` when the simulator is unavailable.
    The components' deconvolved ATLAS sizes are kept; the flux is moved 1.4 -> 3 GHz with
    alpha = -0.7 by :func:`ml.sim.radio.render_components`.
    """
    r = _renderer()
    if r is None:
        return None
    render_components, vlass_wcs = r
    from astropy.coordinates import SkyCoord

    wcs = vlass_wcs(SkyCoord(center_ra, center_dec, unit="deg"), size=size)
    comps = list(comps)
    arr = {
        "ra": np.array([c.ra for c in comps]),
        "dec": np.array([c.dec for c in comps]),
        "flux": np.array([c.int_flux_mjy for c in comps]),
        "maj": np.array([c.major_arcsec for c in comps]),
        "min": np.array([c.minor_arcsec for c in comps]),
        "pa": np.array([c.pa_deg for c in comps]),
    }
    # Table 4 sets an axis to 0 when unresolved; a minor axis larger than major cannot occur
    # there, but guard against rounding so the simulator's validation does not trip.
    arr["min"] = np.minimum(arr["min"], arr["maj"])
    img = render_components(
        arr["ra"], arr["dec"], arr["flux"], arr["maj"], arr["min"], arr["pa"], wcs=wcs
    )
    return img, wcs
