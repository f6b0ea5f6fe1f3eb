"""A SIMULATED survey epoch at catalogue level, vectorised (the epoch pipeline's
tests and ``bench/pipeline.py``).

Where :func:`ml.sim.formats.write_sky` renders images field by field (~10 fields/s), this draws
a whole patch of sky as catalogue rows in one pass: radio sources at the VLASS component
density (~100 deg⁻²: 3.4 M components over the ~33,900 deg² north of Dec −40°), a mix of
single components, doubles (two lobes within the Magliocchetti et al. 1998 scale) and triples
(two lobes and a faint core at their midpoint), and optical sources at the seed's candidate
density (~18 PS1 objects in a 3.6′ box, seed §2.2.2), uniform wherever a component's box can
reach, plus the host of every radio source near its core. Every row says it is simulated: names start ``VLASS<e>QLCIR``
with ``Tile = SIMULATED`` (the CIRADA writer below), optical ids ``SIM…``.

A second epoch of the same sky (``repeat``) moves positions by the astrometric error and
fluxes by their noise, drops and adds a few sources: the input of the per-epoch diff.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.sim.catalogues import j_name

VLASS_DENSITY_DEG2 = 100.0
#: seed §2.2.2: ~18 candidates in the 3.6' x 3.6' box
OPTICAL_PER_ARCMIN2 = 18 / 3.6**2
BOX_ARCSEC = 108.0


@dataclass
class SimEpoch:
    """Catalogue rows of a simulated epoch (components and optical sources), ICRS degrees."""

    ra: np.ndarray
    dec: np.ndarray
    total_mjy: np.ndarray
    peak_mjy: np.ndarray
    source: np.ndarray  # index of the radio source each component belongs to
    opt_ra: np.ndarray
    opt_dec: np.ndarray
    opt_r_mag: np.ndarray

    def __len__(self) -> int:
        return int(self.ra.size)


def _offset(ra, dec, east_arcsec, north_arcsec):
    """Small offsets on the sky (tangent plane; fine for < 10′)."""
    dec2 = dec + north_arcsec / 3600.0
    ra2 = (ra + east_arcsec / 3600.0 / np.cos(np.radians(dec2))) % 360.0
    return ra2, np.clip(dec2, -89.999, 89.999)


def _xyz(ra, dec) -> np.ndarray:
    r, d = np.radians(ra), np.radians(dec)
    return np.stack([np.cos(d) * np.cos(r), np.cos(d) * np.sin(r), np.sin(d)], axis=-1)


def _chord(arcsec: float) -> float:
    return float(2 * np.sin(np.radians(arcsec / 3600.0) / 2))


def simulate_epoch(
    n_components: int,
    *,
    seed: int = 0,
    ra0: float = 150.0,
    dec0: float = 20.0,
    density_deg2: float = VLASS_DENSITY_DEG2,
    double_fraction: float = 0.12,
    triple_fraction: float = 0.04,
    optical: bool = True,
    optical_per_arcmin2: float = OPTICAL_PER_ARCMIN2,
) -> SimEpoch:
    """About ``n_components`` components on a square patch centred on (ra0, dec0).

    ``optical_per_arcmin2``: the optical density; the default is the seed's (18 per 3.6′ box),
    ``260 / 3.6**2`` is PS1 DR2 at full depth (~260 objects per box)."""
    rng = np.random.default_rng(seed)
    mean_per_source = 1 + double_fraction + 2 * triple_fraction
    n_src = max(1, int(round(n_components / mean_per_source)))
    side = np.sqrt(n_components / density_deg2)  # deg
    sdec = dec0 + (rng.random(n_src) - 0.5) * side
    sra = (ra0 + (rng.random(n_src) - 0.5) * side / np.cos(np.radians(dec0))) % 360.0
    # Euclidean-ish counts: S from a power law dN/dS ∝ S^-1.8 between 1 mJy and 2 Jy
    u = rng.random(n_src)
    a = -0.8
    s_src = (1.0**a + u * (2000.0**a - 1.0**a)) ** (1 / a)
    kind = rng.choice(3, size=n_src, p=[1 - double_fraction - triple_fraction,
                                        double_fraction, triple_fraction])  # fmt: skip
    ra, dec, tot, src = [], [], [], []
    single = kind == 0
    ra.append(sra[single]), dec.append(sdec[single]), tot.append(s_src[single])
    src.append(np.flatnonzero(single))
    for k in (1, 2):
        m = np.flatnonzero(kind == k)
        theta = 100.0 * np.sqrt(s_src[m] / 100.0)  # Magliocchetti scale (arcsec)
        d = np.minimum(rng.uniform(0.15, 0.8, m.size) * theta, 110.0)
        pa = rng.uniform(0, 2 * np.pi, m.size)
        ratio = rng.uniform(1.0, 2.5, m.size)
        f1 = s_src[m] * ratio / (1 + ratio)
        for sign, f in ((1, f1), (-1, s_src[m] - f1)):
            r2, d2 = _offset(sra[m], sdec[m], sign * d / 2 * np.sin(pa), sign * d / 2 * np.cos(pa))
            ra.append(r2), dec.append(d2), tot.append(f), src.append(m)
        if k == 2:
            ra.append(sra[m]), dec.append(sdec[m]), tot.append(0.2 * np.minimum(f1, s_src[m] - f1))
            src.append(m)
    ra, dec, tot, src = (np.concatenate(x) for x in (ra, dec, tot, src))
    peak = tot * rng.uniform(0.3, 1.0, tot.size)
    order = np.argsort(src, kind="stable")
    ra, dec, tot, peak, src = ra[order], dec[order], tot[order], peak[order], src[order]
    if not optical:
        e = np.empty(0)
        return SimEpoch(ra, dec, tot, peak, src, e, e, e)
    # optical: the seed's density, uniform, wherever a candidate box can reach (within 210"
    # of a source centre: a lobe sits < 55" from it and a box corner 153" from the lobe),
    # plus a host at each core
    from scipy.spatial import cKDTree

    area_arcmin2 = side * side * 3600.0
    n_opt = rng.poisson(optical_per_arcmin2 * area_arcmin2)
    udec = dec0 + (rng.random(n_opt) - 0.5) * side
    ura = (ra0 + (rng.random(n_opt) - 0.5) * side / np.cos(np.radians(dec0))) % 360.0
    d, _ = cKDTree(_xyz(sra, sdec)).query(_xyz(ura, udec), distance_upper_bound=_chord(210.0))
    keep = np.isfinite(d)
    ora, odec = ura[keep], udec[keep]
    hra, hdec = _offset(sra, sdec, rng.normal(0, 0.6, n_src), rng.normal(0, 0.6, n_src))
    opt_ra, opt_dec = np.concatenate([ora, hra]), np.concatenate([odec, hdec])
    mag = rng.uniform(16.0, 23.0, opt_ra.size)
    return SimEpoch(ra, dec, tot, peak, src, opt_ra, opt_dec, mag)


def repeat(ep: SimEpoch, *, seed: int = 1, astrometry_arcsec: float = 0.5,
           drop: float = 0.01, add: float = 0.01) -> SimEpoch:  # fmt: skip
    """The same sky observed again: positions jitter, fluxes vary, some components come and go."""
    rng = np.random.default_rng(seed)
    keep = rng.random(len(ep)) >= drop
    ra, dec = _offset(ep.ra[keep], ep.dec[keep], rng.normal(0, astrometry_arcsec, keep.sum()),
                      rng.normal(0, astrometry_arcsec, keep.sum()))  # fmt: skip
    tot = ep.total_mjy[keep] * rng.lognormal(0, 0.1, keep.sum())
    peak = ep.peak_mjy[keep] * tot / ep.total_mjy[keep]
    n_add = rng.binomial(len(ep), add)
    pick = rng.integers(0, len(ep), n_add)
    ara, adec = _offset(ep.ra[pick], ep.dec[pick], rng.uniform(-300, 300, n_add),
                        rng.uniform(-300, 300, n_add))  # fmt: skip
    atot = rng.uniform(1.0, 5.0, n_add)
    return SimEpoch(
        np.concatenate([ra, ara]), np.concatenate([dec, adec]),
        np.concatenate([tot, atot]), np.concatenate([peak, atot * 0.8]),
        np.concatenate([ep.source[keep], -1 - np.arange(n_add)]),
        ep.opt_ra, ep.opt_dec, ep.opt_r_mag,
    )  # fmt: skip


def component_names(ep: SimEpoch, epoch: str) -> list[str]:
    """Unique CIRADA-style names (``VLASS<epoch>QLCIR J…``; a suffix breaks J-name ties)."""
    seen: dict[str, int] = {}
    out = []
    for r, d in zip(ep.ra.tolist(), ep.dec.tolist(), strict=True):
        n = f"VLASS{epoch}QLCIR {j_name(r, d, 3, 2)}"
        k = seen.get(n, 0)
        seen[n] = k + 1
        out.append(n if k == 0 else f"{n}_{k}")
    return out


def write_cirada_csv(ep: SimEpoch, path: str | Path, epoch: str) -> Path:
    """The components as a CIRADA-format CSV (the required columns + ``Tile = SIMULATED``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Component_name", "RA", "DEC", "Total_flux", "Peak_flux", "Duplicate_flag",
                    "Quality_flag", "Tile"])  # fmt: skip
        for n, r, d, t, p in zip(component_names(ep, epoch), ep.ra.tolist(), ep.dec.tolist(),
                                 ep.total_mjy.tolist(), ep.peak_mjy.tolist(), strict=True):  # fmt: skip
            w.writerow([n, f"{r:.7f}", f"{d:.7f}", f"{t:.4f}", f"{p:.4f}", 0, 0, "SIMULATED"])
    return path
