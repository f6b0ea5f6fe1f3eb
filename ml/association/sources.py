"""A group of associated components as a source-catalogue row: type, position, flux, size.

The layout follows the host tables users know (CIRADA's VLASS source/host table, Gordon et
al. 2023; LoTSS DR1, Williams et al. 2019): one row per source with its name, type, number of
components, the components' summed flux and the largest angular size (LAS).

Types (radio morphology from the components alone; the host is not read):

* ``single`` -- one component;
* ``double without core`` -- two components of comparable flux (ratio within the
  Magliocchetti et al. 1998 double criterion, :data:`ml.association.params.DOUBLE_MAX_FLUX_RATIO`):
  two lobes, the host expected between them;
* ``core-double`` -- two components of unequal flux: a core with a one-sided jet or one
  detected lobe (the host on the brighter-peak component);
* ``core-triple`` -- three components, the third within
  :data:`ml.association.params.TRIPLE_MIDPOINT_FRACTION` of the widest pair's separation from
  its midpoint: the triple criterion's core between two lobes (Norris et al. 2006 §3.2);
* ``multi`` -- any other group (three components not core-triple-like, four or more).

Position: the integrated-flux-weighted centroid of the members (the host tables' source
position); the core position is the association's own (:meth:`ComponentSky.core`).
LAS: a single component's deconvolved major axis (NaN where unresolved or unmeasured); a group's
largest separation between two members.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.association.params import DOUBLE_MAX_FLUX_RATIO, TRIPLE_MIDPOINT_FRACTION
from ml.sky import angle_arcsec, unit_vectors

SINGLE = "single"
CORE_DOUBLE = "core-double"
CORE_TRIPLE = "core-triple"
DOUBLE_NO_CORE = "double without core"
MULTI = "multi"
SOURCE_TYPES = (SINGLE, CORE_DOUBLE, CORE_TRIPLE, DOUBLE_NO_CORE, MULTI)


@dataclass(frozen=True)
class SourceRow:
    """One source: ``ra``/``dec`` the flux-weighted centroid (deg), ``las_arcsec`` its size."""

    name: str
    source_type: str
    n_components: int
    ra: float
    dec: float
    total_flux_mjy: float
    las_arcsec: float


def _radec(v: np.ndarray) -> tuple[float, float]:
    v = v / np.linalg.norm(v)
    return float(np.degrees(np.arctan2(v[1], v[0])) % 360.0), float(
        np.degrees(np.arcsin(np.clip(v[2], -1.0, 1.0)))
    )


def source_type(ra_deg, dec_deg, flux_mjy) -> str:
    """The type of a group of components (deg, deg, mJy arrays); see the module docstring."""
    ra, dec, flux = (np.atleast_1d(np.asarray(a, float)) for a in (ra_deg, dec_deg, flux_mjy))
    n = ra.size
    if n == 0:
        raise ValueError("a source needs at least one component")
    if n == 1:
        return SINGLE
    if n == 2:
        ratio = max(flux) / min(flux)
        return DOUBLE_NO_CORE if ratio <= DOUBLE_MAX_FLUX_RATIO else CORE_DOUBLE
    if n == 3:
        xyz = unit_vectors(ra, dec)
        sep = angle_arcsec(xyz[:, None, :], xyz[None, :, :])
        a, b = np.unravel_index(np.argmax(sep), sep.shape)
        k = 3 - a - b  # the member outside the widest pair
        mid = xyz[a] + xyz[b]
        mid /= np.linalg.norm(mid)
        if angle_arcsec(xyz[k], mid) <= TRIPLE_MIDPOINT_FRACTION * sep[a, b]:
            return CORE_TRIPLE
    return MULTI


def largest_angular_size(ra_deg, dec_deg, dc_major_arcsec=None) -> float:
    """LAS (arcsec): a group's largest member separation; a single's deconvolved major axis."""
    ra, dec = (np.atleast_1d(np.asarray(a, float)) for a in (ra_deg, dec_deg))
    if ra.size == 1:
        if dc_major_arcsec is None:
            return float("nan")
        m = float(np.atleast_1d(np.asarray(dc_major_arcsec, float))[0])
        return m if np.isfinite(m) and m > 0 else float("nan")
    xyz = unit_vectors(ra, dec)
    return float(angle_arcsec(xyz[:, None, :], xyz[None, :, :]).max())


def source_name(ra_deg: float, dec_deg: float) -> str:
    """IAU-style ``Jhhmmss.ss±ddmmss.s`` of the source position, truncated as survey names are
    (CIRADA's ``Source_name``)."""
    ra_s = (ra_deg % 360.0) / 15.0 * 3600.0
    h, rem = divmod(ra_s, 3600.0)
    m, s = divmod(rem, 60.0)
    s = np.floor(s * 100) / 100
    sign = "-" if dec_deg < 0 else "+"
    d_s = abs(dec_deg) * 3600.0
    d, rem = divmod(d_s, 3600.0)
    dm, ds = divmod(rem, 60.0)
    ds = np.floor(ds * 10) / 10
    return f"J{int(h):02d}{int(m):02d}{s:05.2f}{sign}{int(d):02d}{int(dm):02d}{ds:04.1f}"


def source_row(ra_deg, dec_deg, flux_mjy, dc_major_arcsec=None) -> SourceRow:
    """The row of one group of components (positions in deg, integrated fluxes in mJy > 0)."""
    ra, dec, flux = (np.atleast_1d(np.asarray(a, float)) for a in (ra_deg, dec_deg, flux_mjy))
    if not ra.size == dec.size == flux.size:
        raise ValueError(f"ra, dec and flux need one value per component ({ra.size}, "
                         f"{dec.size}, {flux.size})")  # fmt: skip
    if ra.size == 0:
        raise ValueError("a source needs at least one component")
    if np.any(~np.isfinite(flux)) or np.any(flux <= 0):
        raise ValueError("fluxes must be finite and > 0 mJy")
    if ra.size == 1:
        pra, pdec = float(ra[0]), float(dec[0])
    else:
        pra, pdec = _radec((unit_vectors(ra, dec) * flux[:, None]).sum(axis=0))
    return SourceRow(
        name=source_name(pra, pdec),
        source_type=source_type(ra, dec, flux),
        n_components=int(ra.size),
        ra=pra,
        dec=pdec,
        total_flux_mjy=float(flux.sum()),
        las_arcsec=largest_angular_size(ra, dec, dc_major_arcsec),
    )
