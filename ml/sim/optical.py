"""PS1-like optical candidates (catalogue rows and 5-band stamps) and AllWISE-like W1/W2.

Real anchors (all measured by ``python -m ml.sim.validate``):

* stamp geometry and units of the real PS1 3pi ``DEEP_STACK`` cutouts in
  ``images/optical_hostphot_SN2006bh/``: 240x240 at 0.25"/px (seed §2.2, 60" stamps), linear
  counts with ``FPA.ZP = 25`` and ``EXPTIME``, so ``m_AB = 25 + 2.5 log10(EXPTIME) -
  2.5 log10(counts)``; the per-band sky rms below is the sigma-clipped rms of those stamps;
* PS1 3pi 5-sigma depths g 23.3, r 23.2, i 23.1, z 22.3, y 21.4 (Chambers et al. 2016);
* the W1-W2 colours of Stern et al. 2012 (ApJ 753, 30): QSOs W1-W2 >~ 0.8 (Vega), stars ~0,
  galaxies 0-0.5, and AllWISE depths W1 ~17.1, W2 ~15.7 (Vega, Cutri et al. 2013);
* the number of candidates per field comes from :mod:`ml.sim.hosts` (real Norris-71 fields).

Classes are the seed's three (seed §2.2: GALAXY / QSO / STAR).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from astropy.wcs import WCS

from ml.sim.radio import fftconvolve_same

BANDS = ("g", "r", "i", "z", "y")
CLASSES = ("GALAXY", "QSO", "STAR")
#: PS1 3pi stack 5-sigma point-source depths, AB mag (Chambers et al. 2016, Table 11).
PS1_DEPTH = {"g": 23.3, "r": 23.2, "i": 23.1, "z": 22.3, "y": 21.4}
#: Exposure times, s: g r i z from the real SN2006bh stacks; y (absent there) chosen with the
#: rms below so that a 1.1" PSF point source reaches the y depth at 5 sigma.
PS1_EXPTIME = {"g": 860.0, "r": 720.0, "i": 1860.0, "z": 720.0, "y": 800.0}
#: Sky rms per 0.25" pixel in counts (sigma-clipped rms of the real SN2006bh PS1 stamps).
PS1_SKY_RMS = {"g": 144.5, "r": 174.6, "i": 407.2, "z": 366.2, "y": 663.0}
PS1_ZP = 25.0
PS1_PIXEL_ARCSEC = 0.25
STAMP_SIZE = 240
#: Typical PS1 3pi stack seeing FWHM per band, arcsec (~1.1").
PS1_PSF_FWHM = {"g": 1.25, "r": 1.15, "i": 1.05, "z": 1.0, "y": 1.0}
MOFFAT_BETA = 3.0
#: AllWISE 5-sigma-ish limits, Vega mag.
WISE_DEPTH = {"W1": 17.1, "W2": 15.7}


def mag_to_counts(mag, band: str):
    """PS1 stack counts of a source of AB magnitude ``mag`` (the real stamps' calibration)."""
    return PS1_EXPTIME[band] * 10.0 ** (-0.4 * (np.asarray(mag, float) - PS1_ZP))


def counts_to_mag(counts, exptime: float, zp: float = PS1_ZP):
    """AB magnitude from stack counts: ``zp + 2.5 log10(EXPTIME) - 2.5 log10(counts)``."""
    return zp + 2.5 * np.log10(exptime) - 2.5 * np.log10(np.asarray(counts, float))


def _mag_err(mag, depth, floor=0.01):
    """1-sigma magnitude error for a source at ``mag`` in a survey with 5-sigma ``depth``."""
    snr = 5.0 * 10.0 ** (-0.4 * (np.asarray(mag, float) - depth))
    return np.hypot(1.0857 / snr, floor)


@dataclass
class Photometry:
    """Per-object catalogue photometry (arrays of length n)."""

    mag: dict[str, np.ndarray]  # AB, NaN = not detected in that band
    err: dict[str, np.ndarray]
    w1: np.ndarray  # Vega, NaN = no AllWISE match
    w1_err: np.ndarray
    w2: np.ndarray
    w2_err: np.ndarray
    true_mag: dict[str, np.ndarray]  # noiseless, used to render stamps


def _truncated_powerlaw(rng, n, slope, lo, hi):
    """Magnitudes with dN/dm ∝ 10^(slope m) on [lo, hi] (inverse-CDF sampling)."""
    u = rng.random(n)
    a, b = 10.0 ** (slope * lo), 10.0 ** (slope * hi)
    return np.log10(a + u * (b - a)) / slope


def draw_background_r(rng, cls: np.ndarray) -> np.ndarray:
    """r-band AB magnitudes of unrelated PS1 objects by class.

    Differential counts: galaxies steep (slope 0.35 dex/mag), stars shallow (0.12, high
    Galactic latitude), QSOs steep (0.5) and rare; all to just below the r depth so that the
    faintest rows are low-S/N, as in the real catalogue.
    """
    r = np.empty(cls.size)
    for c, (slope, lo, hi) in {
        "GALAXY": (0.35, 15.5, 23.4),
        "STAR": (0.12, 13.5, 23.4),
        "QSO": (0.5, 17.0, 23.4),
    }.items():
        m = cls == c
        r[m] = _truncated_powerlaw(rng, int(m.sum()), slope, lo, hi)
    return r


def draw_host_r(rng, cls: np.ndarray) -> np.ndarray:
    """r-band magnitudes of radio-source hosts: bright ellipticals and QSOs.

    Radio-loud AGN live in massive ellipticals (seed §1; Best et al. 2005), so hosts are
    brighter than the field population at the same S/N cut.
    """
    r = np.where(
        cls == "QSO",
        rng.normal(19.8, 1.1, cls.size),
        rng.normal(19.6, 1.4, cls.size),
    )
    return np.clip(r, 14.5, 22.9)


def draw_colours(rng, cls: np.ndarray, host: np.ndarray) -> tuple[dict, np.ndarray, np.ndarray]:
    """AB colours relative to r, r-W1 (AB r minus Vega W1) and W1-W2 (Vega) per object."""
    n = cls.size
    gr = np.empty(n)
    ri = np.empty(n)
    iz = np.empty(n)
    zy = np.empty(n)
    rw1 = np.empty(n)
    w12 = np.empty(n)
    st = cls == "STAR"
    q = cls == "QSO"
    g = cls == "GALAXY"
    ell = g & host  # host galaxies: red ellipticals at z ~ 0.1-0.6
    fg = g & ~host
    # stars: a main-sequence locus parametrised by g-r (Covey et al. 2007 shapes)
    x = rng.uniform(0.2, 1.55, st.sum())
    gr[st] = x
    ri[st] = np.where(x < 1.3, 0.05 + 0.35 * x, 0.5 + 2.2 * (x - 1.3)) + rng.normal(0, 0.04, x.size)
    iz[st] = 0.45 * ri[st] + rng.normal(0, 0.03, x.size)
    zy[st] = 0.25 * ri[st] + rng.normal(0, 0.03, x.size)
    rw1[st] = 0.9 + 1.7 * x + rng.normal(0, 0.15, x.size)
    w12[st] = rng.normal(0.0, 0.05, x.size)  # Stern+2012: stars W1-W2 ~ 0
    # QSOs: blue optical, red mid-IR (Stern+2012: W1-W2 >= 0.8)
    gr[q] = rng.normal(0.2, 0.15, q.sum())
    ri[q] = rng.normal(0.12, 0.12, q.sum())
    iz[q] = rng.normal(0.05, 0.1, q.sum())
    zy[q] = rng.normal(0.05, 0.1, q.sum())
    rw1[q] = rng.normal(3.8, 0.6, q.sum())
    w12[q] = rng.normal(1.05, 0.22, q.sum())
    # host ellipticals
    gr[ell] = rng.normal(1.35, 0.25, ell.sum())
    ri[ell] = rng.normal(0.5, 0.12, ell.sum())
    iz[ell] = rng.normal(0.32, 0.08, ell.sum())
    zy[ell] = rng.normal(0.15, 0.08, ell.sum())
    rw1[ell] = rng.normal(4.0, 0.5, ell.sum())
    w12[ell] = rng.normal(0.15, 0.12, ell.sum())
    # field galaxies: bluer on average, wider spread
    gr[fg] = rng.normal(0.9, 0.35, fg.sum())
    ri[fg] = rng.normal(0.4, 0.15, fg.sum())
    iz[fg] = rng.normal(0.25, 0.1, fg.sum())
    zy[fg] = rng.normal(0.12, 0.1, fg.sum())
    rw1[fg] = rng.normal(3.4, 0.6, fg.sum())
    w12[fg] = rng.normal(0.25, 0.18, fg.sum())
    return {"gr": gr, "ri": ri, "iz": iz, "zy": zy}, rw1, w12


def draw_photometry(rng, cls: np.ndarray, host: np.ndarray, r: np.ndarray) -> Photometry:
    """Catalogue magnitudes with noise and detection limits, PS1 grizy (AB) and W1/W2 (Vega)."""
    col, rw1, w12 = draw_colours(rng, cls, host)
    true = {"r": r}
    true["g"] = r + col["gr"]
    true["i"] = r - col["ri"]
    true["z"] = true["i"] - col["iz"]
    true["y"] = true["z"] - col["zy"]
    mag, err = {}, {}
    for b in BANDS:
        e = _mag_err(true[b], PS1_DEPTH[b])
        obs = true[b] + rng.normal(0, 1, r.size) * e
        # a band is missing from the PS1 mean-object row when the object is below its depth
        det = true[b] < PS1_DEPTH[b] + rng.normal(0, 0.15, r.size)
        mag[b] = np.where(det, obs, np.nan)
        err[b] = np.where(det, e, np.nan)
    w1t = r - rw1
    w2t = w1t - w12
    w1e = _mag_err(w1t, WISE_DEPTH["W1"], 0.02)
    w2e = _mag_err(w2t, WISE_DEPTH["W2"], 0.02)
    matched = w1t < WISE_DEPTH["W1"] + rng.normal(0, 0.2, r.size)
    w2det = matched & (w2t < WISE_DEPTH["W2"] + 0.3 + rng.normal(0, 0.2, r.size))
    w1 = np.where(matched, w1t + rng.normal(0, 1, r.size) * w1e, np.nan)
    w2 = np.where(w2det, w2t + rng.normal(0, 1, r.size) * w2e, np.nan)
    return Photometry(
        mag=mag,
        err=err,
        w1=w1,
        w1_err=np.where(matched, w1e, np.nan),
        w2=w2,
        w2_err=np.where(w2det, w2e, np.nan),
        true_mag=true,
    )


def draw_shapes(rng, cls: np.ndarray, host: np.ndarray, r: np.ndarray) -> dict[str, np.ndarray]:
    """Sérsic index, half-light radius (arcsec), axis ratio and PA for every object.

    Point sources (stars, QSOs) get ``re_arcsec = 0``.  Host ellipticals follow a de
    Vaucouleurs profile (n = 4) whose size grows with brightness (a crude size-luminosity
    relation at z ~ 0.1-0.6); field galaxies are a disk / spheroid mix.
    """
    n = cls.size
    gal = cls == "GALAXY"
    ell = gal & host
    sersic_n = np.where(rng.random(n) < 0.5, 1.0, 4.0)
    sersic_n[ell] = 4.0
    re = 10 ** rng.normal(np.log10(0.9), 0.2, n) * 10 ** (-0.15 * (r - 21.0))
    re[ell] = 10 ** rng.normal(np.log10(1.6), 0.18, ell.sum()) * 10 ** (-0.15 * (r[ell] - 19.5))
    re = np.clip(re, 0.25, 12.0)
    re[~gal] = 0.0
    q = np.where(sersic_n == 4.0, rng.uniform(0.6, 1.0, n), rng.uniform(0.25, 1.0, n))
    pa = rng.uniform(0, 180, n)
    return {"sersic_n": sersic_n, "re_arcsec": re, "q": q, "pa_deg": pa}


def _sersic_b(n):
    # Ciotti & Bertin 1999 asymptotic expansion, good to 1e-4 for n >= 0.36
    return 2 * n - 1 / 3 + 4 / (405 * n) + 46 / (25515 * n**2)


def stamp_wcs(ra_deg: float, dec_deg: float, size: int = STAMP_SIZE) -> WCS:
    """TAN WCS of a PS1 fitscut stamp centred on (ra, dec), 0.25"/px, RA to the left."""
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [ra_deg, dec_deg]
    w.wcs.crpix = [size / 2 + 0.5, size / 2 + 0.5]
    w.wcs.cdelt = [-PS1_PIXEL_ARCSEC / 3600.0, PS1_PIXEL_ARCSEC / 3600.0]
    w.wcs.radesys = "ICRS"
    w.pixel_shape = (size, size)
    w.wcs.set()
    return w


def _moffat(dx, dy, fwhm_px, beta=MOFFAT_BETA):
    alpha = fwhm_px / (2 * math.sqrt(2 ** (1 / beta) - 1))
    return (beta - 1) / (math.pi * alpha**2) * (1 + (dx * dx + dy * dy) / alpha**2) ** (-beta)


def render_stamp(
    x_px: np.ndarray,
    y_px: np.ndarray,
    counts: np.ndarray,
    shapes: dict[str, np.ndarray],
    psf_fwhm_arcsec: float,
    sky_rms: float,
    rng: np.random.Generator,
    size: int = STAMP_SIZE,
) -> np.ndarray:
    """One band of a PS1-like stamp in counts.

    Parameters
    ----------
    x_px, y_px : ndarray
        Object centres in stamp pixels (0-based, x to the west as in the real stamps).
    counts : ndarray
        Total counts of each object in this band.
    shapes : dict
        ``sersic_n``, ``re_arcsec`` (0 = point source), ``q``, ``pa_deg`` per object.
    psf_fwhm_arcsec : float
        Moffat (beta = 3) PSF FWHM, arcsec.
    sky_rms : float
        Sky noise per pixel, counts (background-subtracted stack: zero mean).
    """
    fwhm_px = psf_fwhm_arcsec / PS1_PIXEL_ARCSEC
    img = np.zeros((size, size))
    ext = np.zeros((size, size))
    for k in range(x_px.size):
        re_px = shapes["re_arcsec"][k] / PS1_PIXEL_ARCSEC
        if counts[k] <= 0:
            continue
        if re_px <= 0:
            h = int(6 * fwhm_px) + 2
            cx, cy = x_px[k], y_px[k]
            x0, x1 = max(int(cx) - h, 0), min(int(cx) + h + 1, size)
            y0, y1 = max(int(cy) - h, 0), min(int(cy) + h + 1, size)
            if x0 >= x1 or y0 >= y1:
                continue
            dx = np.arange(x0, x1)[None, :] - cx
            dy = np.arange(y0, y1)[:, None] - cy
            img[y0:y1, x0:x1] += counts[k] * _moffat(dx, dy, fwhm_px)
        else:
            n = shapes["sersic_n"][k]
            # profile truncated at 8 r_e (at most 200 px = 50"), as photometric pipelines do
            h = int(min(8 * re_px, 200)) + 1
            cx, cy = x_px[k], y_px[k]
            ix, iy = int(round(cx)), int(round(cy))
            x0, x1 = max(ix - h, 0), min(ix + h + 1, size)
            y0, y1 = max(iy - h, 0), min(iy + h + 1, size)
            if x0 >= x1 or y0 >= y1:
                continue
            # evaluate on the whole (unclipped) box so the normalisation does not depend on
            # where the stamp edge cuts the galaxy
            dx = np.arange(ix - h, ix + h + 1)[None, :] - cx
            dy = np.arange(iy - h, iy + h + 1)[:, None] - cy
            pa = math.radians(shapes["pa_deg"][k])
            # major axis at PA east of north: east is -x in the stamp
            u = -dx * math.sin(pa) + dy * math.cos(pa)
            v = -dx * math.cos(pa) - dy * math.sin(pa)
            # a 0.3 px softening keeps the n = 4 cusp finite at a pixel centre
            rr = np.sqrt(u * u + (v / shapes["q"][k]) ** 2 + 0.09)
            b = _sersic_b(n)
            prof = np.where(rr <= h, np.exp(-b * (rr / re_px) ** (1 / n)), 0.0)
            # pixel-centre sampling misrepresents the steep n = 4 core, so normalise the sampled
            # profile to the catalogue counts; the light a de Vaucouleurs profile has beyond
            # the truncation (5.5 % beyond 8 r_e; Graham & Driver 2005) is kept inside it, so
            # stamp and catalogue magnitudes agree
            prof *= counts[k] / prof.sum()
            ext[y0:y1, x0:x1] += prof[y0 - (iy - h) : y1 - (iy - h), x0 - (ix - h) : x1 - (ix - h)]
    if ext.any():
        h = int(5 * fwhm_px)
        d = np.arange(-h, h + 1, dtype=float)
        psf = _moffat(d[None, :], d[:, None], fwhm_px)
        psf /= psf.sum()
        img += fftconvolve_same(ext, psf)
    img += rng.normal(0.0, sky_rms, img.shape)
    return img.astype(np.float32)
