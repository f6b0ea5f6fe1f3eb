"""Radio-source morphologies as lists of Gaussian components relative to the host.

Every source is described in the host's tangent plane: ``east``/``north`` offsets in arcsec,
fluxes in Jy at 3 GHz (the VLASS frequency), deconvolved FWHM sizes in arcsec, PAs east of
north.  Parametric shapes follow the classes of Fanaroff & Riley 1974 and the bent / X / Z
classes used by radio morphology catalogues (e.g. Proctor 2011; Miraghaei & Best 2017); the
real FIRST images of :mod:`ml.sim.templates` supply the other half of the extended sources.

Host at the core (seed §1: the host of a radio galaxy is where the core / jets originate; the
seed's model B learns exactly this association).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

MORPHOLOGIES = ("compact", "FRI", "FRII", "bent", "XZ")
#: lower flux limit (3 GHz, mJy) of extended sources
EXTENDED_MIN_MJY = 5.0


@dataclass
class RadioSource:
    """One physical radio source.

    Attributes
    ----------
    morphology : str
        One of :data:`MORPHOLOGIES`.
    gaussians : ndarray, shape (k, 6)
        ``east, north`` (arcsec from the host), ``flux_jy`` (3 GHz), ``maj, min`` (deconvolved
        FWHM, arcsec), ``pa_deg``.
    template : object, optional
        A :class:`ml.sim.templates.Template` placed with its host on the host position.
    template_scale, template_rot_deg, template_flip, template_flux_jy : float / bool
        How the template is resized (arcsec per template pixel), rotated, mirrored and scaled.
    core_offset : ndarray, shape (2,)
        Offset of the radio core from the host (east, north arcsec); already included in
        ``gaussians``, kept for the record.
    """

    morphology: str
    gaussians: np.ndarray
    template: object | None = None
    template_scale: float = 1.0
    template_rot_deg: float = 0.0
    template_flip: bool = False
    template_flux_jy: float = 0.0
    core_offset: np.ndarray = field(default_factory=lambda: np.zeros(2))
    las_arcsec: float = 0.0

    @property
    def total_flux_jy(self) -> float:
        return float(self.gaussians[:, 2].sum()) + self.template_flux_jy


def draw_total_flux_jy(
    rng: np.random.Generator, lo_mjy: float = 1.5, hi_mjy: float = 300.0
) -> float:
    """Integrated 3 GHz flux, Jy, from N(>S) ∝ S^-0.8 (Euclidean-ish 1-300 mJy radio counts)."""
    u = rng.random()
    a, b = lo_mjy**-0.8, hi_mjy**-0.8
    return float((a + u * (b - a)) ** (-1 / 0.8)) * 1e-3


def _rot(east, north, pa_deg):
    """Rotate offsets given along (perp, axis) so that ``axis`` points to PA ``pa_deg``."""
    t = math.radians(pa_deg)
    # axis unit vector (sin t, cos t); perpendicular (cos t, -sin t)
    return east * math.cos(t) + north * math.sin(t), -east * math.sin(t) + north * math.cos(t)


def _chain(rng, start, direction_deg, length, n, flux, width0, width1, curvature_deg=0.0):
    """Gaussians along a (possibly curved) jet: start point, initial PA, total length."""
    out = []
    pos = np.array(start, float)
    step = length / n
    pa = direction_deg
    w = np.linspace(width0, width1, n)
    fl = flux * np.linspace(1.0, 0.35, n)
    fl = fl / fl.sum() * flux
    for k in range(n):
        pa += curvature_deg / n
        t = math.radians(pa)
        pos = pos + step * np.array([math.sin(t), math.cos(t)])
        out.append([pos[0], pos[1], fl[k], max(w[k], step * 1.2), w[k], pa % 180.0])
    return out


def parametric_source(morphology: str, rng: np.random.Generator, core_offset) -> RadioSource:
    """A parametric radio source of the given morphology (offsets relative to the host).

    Raises
    ------
    ValueError
        For an unknown morphology.
    """
    if morphology not in MORPHOLOGIES:
        raise ValueError(f"unknown morphology {morphology!r}; expected one of {MORPHOLOGIES}")
    # extended sources are drawn brighter: a 3 mJy double would be two sub-5-sigma lobes in
    # VLASS, and multi-component CIRADA sources are mostly > 5 mJy (Gordon et al. 2021)
    s = draw_total_flux_jy(rng, lo_mjy=1.5 if morphology == "compact" else EXTENDED_MIN_MJY)
    core = np.asarray(core_offset, float)
    axis = rng.uniform(0, 180)
    g: list[list[float]] = []
    las = 0.0
    if morphology == "compact":
        maj = rng.uniform(0.0, 2.5)
        g.append([core[0], core[1], s, maj, maj * rng.uniform(0.3, 1.0), axis])
    elif morphology == "FRII":
        las = float(10 ** rng.uniform(math.log10(20), math.log10(150)))
        f_core = 10 ** rng.uniform(-2.3, -0.7)
        arm = las / 2
        ratio = rng.uniform(0.65, 1.0)  # arm-length asymmetry
        bend = rng.normal(0, 8)  # small misalignment of the two lobes, degrees
        g.append([core[0], core[1], s * f_core, 0.0, 0.0, 0.0])
        for sign, length in ((1, arm), (-1, arm * ratio)):
            pa = axis + (bend if sign > 0 else 0) + (0 if sign > 0 else 180)
            lobe_flux = s * (1 - f_core) * rng.uniform(0.35, 0.65)
            e, n = _rot(0.0, length * 0.85, pa)
            lmaj = length * rng.uniform(0.3, 0.6)
            g.append(
                [
                    core[0] + e,
                    core[1] + n,
                    lobe_flux * 0.6,
                    lmaj,
                    lmaj * rng.uniform(0.3, 0.7),
                    pa % 180,
                ]
            )
            e, n = _rot(0.0, length, pa)
            g.append([core[0] + e, core[1] + n, lobe_flux * 0.4, rng.uniform(0, 2), 0.0, pa % 180])
    elif morphology == "FRI":
        las = float(10 ** rng.uniform(math.log10(10), math.log10(70)))
        f_core = rng.uniform(0.15, 0.5)
        g.append([core[0], core[1], s * f_core, rng.uniform(0, 1.5), 0.0, axis])
        for sign in (0, 180):
            jf = s * (1 - f_core) / 2 * rng.uniform(0.7, 1.3)
            g += _chain(rng, core, axis + sign, las / 2, 6, jf, 1.5, las / 6)
    elif morphology == "bent":
        las = float(10 ** rng.uniform(math.log10(15), math.log10(80)))
        f_core = rng.uniform(0.1, 0.4)
        g.append([core[0], core[1], s * f_core, rng.uniform(0, 1.5), 0.0, axis])
        kind = rng.choice(["WAT", "NAT"])
        # C shape: both jets curve towards the same side (the direction of motion through
        # the cluster gas); a narrow-angle / head-tail source bends by ~150-180 degrees.
        c = rng.uniform(40, 90) if kind == "WAT" else rng.uniform(120, 170)
        for sign, curv in ((0, c), (180, -c)):
            jf = s * (1 - f_core) / 2 * rng.uniform(0.7, 1.3)
            g += _chain(rng, core, axis + sign, las / 2, 8, jf, 1.5, las / 8, curvature_deg=curv)
    elif morphology == "XZ":
        las = float(10 ** rng.uniform(math.log10(25), math.log10(120)))
        f_core = 10 ** rng.uniform(-2, -0.7)
        g.append([core[0], core[1], s * f_core, 0.0, 0.0, 0.0])
        main = s * (1 - f_core) * 0.7
        wing = s * (1 - f_core) * 0.3
        x_shape = rng.random() < 0.5
        wing_axis = axis + rng.uniform(35, 90) * rng.choice([-1, 1])
        for sign in (0, 180):
            e, n = _rot(0.0, las / 2, axis + sign)
            g.append([core[0] + e, core[1] + n, main / 2, las / 6, las / 12, axis % 180])
            if x_shape:
                # X: a second, fainter pair of lobes through the core (Leahy & Williams 1984)
                g += _chain(rng, core, wing_axis + sign, las / 2.5, 4, wing / 2, 3, las / 8)
            else:
                # Z: wings leave the lobe ends in point-symmetric directions
                g += _chain(
                    rng, core + np.array([e, n]), wing_axis + sign, las / 3, 4, wing / 2, 3, las / 8
                )
    arr = np.asarray(g, float)
    arr[:, 3:5] = np.maximum(arr[:, 3:5], 0.0)
    sw = arr[:, 4] > arr[:, 3]
    arr[sw, 3], arr[sw, 4] = arr[sw, 4], arr[sw, 3].copy()
    return RadioSource(morphology, arr, core_offset=core, las_arcsec=las)
