"""The Norris-71 benchmark rows: what each method decides for one field (seed §4.2)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ml.association.associate import associate
from ml.association.params import AssociationParams
from ml.association.rules import ComponentSky
from ml.data.norris71 import Norris71, Norris71Field
from ml.evaluation.norris71.fields import render_norris_field
from ml.sky import separation_arcsec

log = logging.getLogger(__name__)


#: A candidate within this radius of a positional method's host estimate is "positive" (arcsec);
#: 3" is the radio-host matching radius of the seed's label construction (lou2023 PROVENANCE).
POSITIONAL_MATCH_ARCSEC = 3.0
#: Seed §4.2 decision threshold on the host likelihood.
LIKELIHOOD_THRESHOLD = 0.5


# ----------------------------------------------------------------------------------------------
# per-field outcome of a method
# ----------------------------------------------------------------------------------------------


@dataclass
class FieldOutcome:
    """What one method decided for one field.

    Attributes
    ----------
    best : int
        Index of the chosen (best) candidate.
    positives : ndarray of bool
        Positive host candidates (likelihood > 0.5, or within the positional radius).
    likelihood : ndarray or None
        Host likelihood per candidate when the method has one.
    pred_ra, pred_dec : float or None
        The method's host-position estimate (deg) when it has one.
    info : dict
        Method-specific facts for the per-field table and failure reasons.
    """

    best: int
    positives: np.ndarray
    likelihood: np.ndarray | None = None
    pred_ra: float | None = None
    pred_dec: float | None = None
    info: dict = field(default_factory=dict)


@dataclass
class Method:
    """A row of the benchmark."""

    key: str
    label: str
    kind: str  # "baseline", "oracle reference", "peer (logged)", "ours"
    inputs: list[str]
    uses_table6: bool
    positive_rule: str
    run: Callable[[Norris71Field], FieldOutcome]
    notes: str = ""
    details: dict = field(default_factory=dict)


def _positional(f: Norris71Field, ra: float, dec: float, info: dict | None = None) -> FieldOutcome:
    a = f.candidate_arrays()
    d = separation_arcsec(ra, dec, a["ra"], a["dec"])
    return FieldOutcome(
        best=int(np.argmin(d)),
        positives=d <= POSITIONAL_MATCH_ARCSEC,
        pred_ra=float(ra),
        pred_dec=float(dec),
        info=info or {},
    )


def _from_likelihood(lik: np.ndarray, info: dict | None = None) -> FieldOutcome:
    lik = np.asarray(lik, dtype=float)
    return FieldOutcome(
        best=int(np.argmax(lik)),
        positives=lik > LIKELIHOOD_THRESHOLD,
        likelihood=lik,
        info=info or {},
    )


def weighted_centroid(ra: np.ndarray, dec: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Weighted mean direction (deg) of positions (deg) with non-negative weights."""
    ra, dec, w = (np.asarray(x, dtype=float) for x in (ra, dec, w))
    if ra.size == 0 or w.sum() <= 0:
        raise ValueError("weighted_centroid needs at least one position with positive weight")
    r, d = np.radians(ra), np.radians(dec)
    v = np.array(
        [
            (w * np.cos(d) * np.cos(r)).sum(),
            (w * np.cos(d) * np.sin(r)).sum(),
            (w * np.sin(d)).sum(),
        ]
    )
    v /= np.linalg.norm(v)
    return float(np.degrees(np.arctan2(v[1], v[0])) % 360.0), float(np.degrees(np.arcsin(v[2])))


# ----------------------------------------------------------------------------------------------
# methods
# ----------------------------------------------------------------------------------------------


def nn_vlass(f: Norris71Field) -> FieldOutcome:
    """Baseline 1: the candidate nearest to the VLASS component position."""
    return _positional(f, f.ra, f.dec)


def oracle_centroid(weight: str) -> Callable[[Norris71Field], FieldOutcome]:
    """Baseline 2: nearest candidate to the flux-weighted centroid of the Table-6 source."""
    if weight not in ("int", "peak"):
        raise ValueError(f"weight must be 'int' or 'peak', got {weight!r}")

    def run(f: Norris71Field) -> FieldOutcome:
        cs = f.source_components
        w = np.array([c.int_flux_mjy if weight == "int" else c.peak_flux_mjy for c in cs])
        ra, dec = weighted_centroid(np.array([c.ra for c in cs]), np.array([c.dec for c in cs]), w)
        return _positional(f, ra, dec, {"group": [c.cid for c in cs]})

    return run


def authors_logged(f: Norris71Field) -> FieldOutcome:
    """Baseline 3: the seed authors' logged model B, argmax of their host likelihood."""
    return _from_likelihood(f.candidate_arrays()["host_likelihood"])


class AssociationMethod:
    """Ours, model-free: associate Table-4 components around the VLASS component, then the
    nearest candidate to their core. Reads Table 4 positions/fluxes only (never Table 6)."""

    def __init__(self, data: Norris71, params: AssociationParams | None = None):
        a = data.component_arrays()
        self.cids = a["cid"]
        # shapes feed the learned edge model and the rules' aligned doubles
        shape = {
            "major_arcsec": a["major_arcsec"],
            "minor_arcsec": a["minor_arcsec"],
            "pa_deg": a["pa_deg"],
            "rms_mjy": np.array([c.rms_ujy for c in data.components]) / 1000.0,
        }
        self.sky = ComponentSky(
            a["ra"], a["dec"], a["int_flux_mjy"], a["peak_flux_mjy"], params, **shape
        )

    def associate(self, f: Norris71Field):
        return associate(self.sky, f.ra, f.dec)

    def __call__(self, f: Norris71Field) -> FieldOutcome:
        asc = self.associate(f)
        return _positional(
            f, asc.core_ra, asc.core_dec, {"group": [str(self.cids[m]) for m in asc.members]}
        )


def _core_locator():
    try:
        from ml.core.location import locate_core
    except ImportError as exc:
        return None, f"ml.core.location.locate_core not importable: {exc}"
    return locate_core, ""


def gated_core_method(
    data: Norris71,
    group_of: Callable[[Norris71Field], list],
    locate_core,
    *,
    centre_on_vlass: bool = False,
):
    """Render a group of components at the VLASS beam and take ``locate_core``'s position.

    With ``centre_on_vlass`` the image is the whole 3.6' field centred on the VLASS position
    (what the seed's §5.3 proposal would see in a VLASS cutout); otherwise it is centred on the
    group's integrated-flux centroid and a single-component group keeps the VLASS position.
    """

    def run(f: Norris71Field) -> FieldOutcome:
        comps = group_of(f)
        if centre_on_vlass:
            cra, cdec = f.ra, f.dec
        elif len(comps) == 1:
            return _positional(
                f, f.ra, f.dec, {"group": [comps[0].cid], "core": "single component"}
            )
        else:
            cra, cdec = weighted_centroid(
                np.array([c.ra for c in comps]),
                np.array([c.dec for c in comps]),
                np.array([c.int_flux_mjy for c in comps]),
            )
        img, wcs = render_norris_field(comps, cra, cdec)
        res = locate_core(img)
        xy = _core_xy(res)
        ra, dec = wcs.pixel_to_world_values(xy[0], xy[1])
        info = {"group": [c.cid for c in comps], "core_xy_px": [round(xy[0], 2), round(xy[1], 2)]}
        if hasattr(res, "method"):
            info["core_method"] = str(res.method)
        return _positional(f, float(ra), float(dec), info)

    return run


def _core_xy(res) -> tuple[float, float]:
    """Accept ``(x, y)``, an object with ``.x/.y`` or ``.xy``, or a dict; x = column, y = row."""
    if isinstance(res, dict):
        for k in ("xy", "core_xy"):
            if k in res:
                return float(res[k][0]), float(res[k][1])
        return float(res["x"]), float(res["y"])
    for k in ("xy", "core_xy"):
        if hasattr(res, k):
            v = getattr(res, k)
            return float(v[0]), float(v[1])
    if hasattr(res, "x") and hasattr(res, "y"):
        return float(res.x), float(res.y)
    x, y = res[0], res[1]
    return float(x), float(y)
