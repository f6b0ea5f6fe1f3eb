"""VLASS-like radio images: Gaussian components, beam kernels, beam-correlated noise.

Everything here produces *simulated* pixels; the real anchors (beams, QL geometry, noise
range) are in :mod:`ml.sim.vlass`.

Sky-offset convention used throughout :mod:`ml.sim`: ``east`` and ``north`` are tangent-plane
offsets in arcsec (``east = dRA * cos(dec)``), position angles are degrees east of north (the
CIRADA / Norris 2006 convention), and FWHM sizes are in arcsec.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from astropy.wcs import WCS

from ml.sim.vlass import Beam, as_beam

FWHM_TO_SIGMA = 1.0 / math.sqrt(8.0 * math.log(2.0))


def gaussian_cov(fwhm_major, fwhm_minor, pa_deg) -> np.ndarray:
    """Covariance (arcsec^2) of elliptical Gaussians in (east, north) offsets.

    Parameters
    ----------
    fwhm_major, fwhm_minor : array_like
        FWHM along the major / minor axis, arcsec (0 = unresolved).
    pa_deg : array_like
        Major-axis position angle, degrees east of north.

    Returns
    -------
    ndarray, shape (..., 2, 2)
    """
    smaj = np.asarray(fwhm_major, float) * FWHM_TO_SIGMA
    smin = np.asarray(fwhm_minor, float) * FWHM_TO_SIGMA
    pa = np.deg2rad(np.asarray(pa_deg, float))
    u = np.stack([np.sin(pa), np.cos(pa)], axis=-1)  # major axis direction (east, north)
    v = np.stack([np.cos(pa), -np.sin(pa)], axis=-1)
    return (smaj**2)[..., None, None] * u[..., :, None] * u[..., None, :] + (smin**2)[
        ..., None, None
    ] * v[..., :, None] * v[..., None, :]


def _pixel_to_offset_matrix(wcs: WCS) -> np.ndarray:
    """2x2 matrix taking a pixel step (dx, dy) to (east, north) arcsec at the reference point."""
    # RA increases to the east; pixel_scale_matrix row 0 is dRA(deg) per pixel already in the
    # tangent plane for SIN/TAN, so it is the east offset without a cos(dec) factor.
    # (.celestial deep-copies the WCS: only pay for it when there are extra axes.)
    w = wcs if wcs.naxis == 2 else wcs.celestial
    return w.pixel_scale_matrix * 3600.0


@functools.lru_cache(maxsize=64)
def _noise_transfer(shape, bmaj, bmin, bpa, pixel_scale_arcsec):
    ny, nx = shape
    ky = np.fft.fftfreq(ny)[:, None] / pixel_scale_arcsec  # cycles/arcsec
    kx = np.fft.rfftfreq(nx)[None, :] / pixel_scale_arcsec
    cov = gaussian_cov(bmaj, bmin, bpa)
    # Fourier transform of a Gaussian with covariance C is exp(-2 pi^2 k^T C k); x runs to the
    # west, so the east frequency is -kx (only the sign of the cross term cares).
    ke, kn = -kx, ky
    q = cov[0, 0] * ke**2 + 2 * cov[0, 1] * ke * kn + cov[1, 1] * kn**2
    t = np.exp(-2.0 * math.pi**2 * q)
    # rms of the filtered unit white noise, to rescale without measuring each realisation
    full = np.concatenate([t, t[:, 1 : (nx + 1) // 2][:, ::-1]], axis=1) if nx > 1 else t
    gain = math.sqrt(float((full**2).sum()) / (nx * ny))
    return t, gain


def correlated_noise(
    shape: tuple[int, int], rms: float, beam: Beam, pixel_scale_arcsec: float, rng
) -> np.ndarray:
    """Gaussian noise convolved with the restoring beam, of expected rms ``rms`` (Jy/beam).

    Interferometric image noise is correlated on the scale of the restoring beam (it is the
    dirty-beam-convolved thermal noise, then restored), so white pixel noise would make the
    simulated fields look unlike the real QL images (seed §2.1 uses QL images as they are).
    """
    t, gain = _noise_transfer(
        tuple(shape), beam.bmaj_arcsec, beam.bmin_arcsec, beam.bpa_deg, float(pixel_scale_arcsec)
    )
    white = rng.standard_normal(shape)
    smooth = np.fft.irfft2(np.fft.rfft2(white) * t, s=shape)
    return (smooth * (rms / gain)).astype(np.float32)


def render_components(
    ra_deg,
    dec_deg,
    flux_mjy,
    major_arcsec,
    minor_arcsec,
    pa_deg,
    *,
    wcs: WCS,
    beam_arcsec=(2.6, 2.3, 0.0),
    freq_from_ghz: float = 1.4,
    freq_to_ghz: float = 3.0,
    spectral_index=-0.7,
    noise_ujy: float | None = None,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Render a catalogue of (deconvolved) Gaussian components at a restoring beam.

    Each component is an elliptical Gaussian of total flux ``flux_mjy`` at ``freq_from_ghz``
    and *deconvolved* FWHM ``major_arcsec`` x ``minor_arcsec`` (0 = point source), e.g. Norris
    et al. 2006 Table 4 (ATLAS 1.4 GHz).  It is moved to ``freq_to_ghz`` with
    ``S_nu ∝ nu^alpha`` and convolved analytically with the beam (the covariances of two
    Gaussians add), then sampled at the pixel centres in Jy/beam, as in a CASA-restored
    VLASS Quick Look image (seed §2.1).

    Parameters
    ----------
    ra_deg, dec_deg : array_like
        ICRS positions, degrees.
    flux_mjy : array_like
        Integrated flux densities at ``freq_from_ghz``, mJy (must be >= 0).
    major_arcsec, minor_arcsec : array_like
        Deconvolved FWHM sizes, arcsec (>= 0, major >= minor).
    pa_deg : array_like
        Position angles, degrees east of north (NaN is read as 0 for round sources).
    wcs : astropy.wcs.WCS
        Target grid, e.g. :func:`vlass_wcs`; its ``pixel_shape`` gives the image shape.
    beam_arcsec : (bmaj, bmin, bpa_deg) or Beam
        Restoring beam FWHMs in arcsec and PA in degrees (VLASS QL: 2.5"-4.0").
    freq_from_ghz, freq_to_ghz : float
        Catalogue and target frequencies, GHz (ATLAS 1.4 GHz -> VLASS 3.0 GHz by default).
    spectral_index : float or array_like
        ``alpha`` with ``S ∝ nu^alpha``; -0.7 is the usual optically thin synchrotron value.
    noise_ujy : float, optional
        If given, add beam-correlated Gaussian noise of this rms, uJy/beam.
    rng : numpy Generator or int, optional
        Random source for the noise (deterministic given a seed).

    Returns
    -------
    ndarray, float32, shape (ny, nx)
        Image in Jy/beam at ``freq_to_ghz``.

    Raises
    ------
    ValueError
        On mismatched lengths, negative fluxes or sizes, minor > major, a bad beam, or a WCS
        without ``pixel_shape``.
    """
    beam = as_beam(beam_arcsec)
    arrays = [
        np.atleast_1d(np.asarray(a, dtype=float))
        for a in (ra_deg, dec_deg, flux_mjy, major_arcsec, minor_arcsec, pa_deg)
    ]
    n = arrays[0].size
    names = ("ra_deg", "dec_deg", "flux_mjy", "major_arcsec", "minor_arcsec", "pa_deg")
    for name, a in zip(names, arrays, strict=True):
        if a.ndim != 1 or a.size != n:
            raise ValueError(f"{name} has shape {a.shape}; all component arrays need length {n}")
    ra, dec, flux, maj, mnr, pa = arrays
    pa = np.where(np.isfinite(pa), pa, 0.0)
    for name, a in zip(names[:5], (ra, dec, flux, maj, mnr), strict=True):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} contains NaN or inf")
    if np.any(flux < 0):
        raise ValueError(f"flux_mjy must be >= 0 mJy, got min {flux.min()}")
    if np.any(maj < 0) or np.any(mnr < 0):
        raise ValueError("major_arcsec and minor_arcsec must be >= 0 arcsec")
    if np.any(mnr > maj + 1e-9):
        i = int(np.argmax(mnr - maj))
        raise ValueError(f"component {i}: minor_arcsec {mnr[i]} > major_arcsec {maj[i]}")
    if freq_from_ghz <= 0 or freq_to_ghz <= 0:
        raise ValueError("freq_from_ghz and freq_to_ghz must be > 0 GHz")
    if wcs.pixel_shape is None:
        raise ValueError("wcs has no pixel_shape: set wcs.pixel_shape = (nx, ny)")
    nx, ny = (int(v) for v in wcs.pixel_shape)
    alpha = np.broadcast_to(np.asarray(spectral_index, float), (n,))
    s_jy = flux * 1e-3 * (freq_to_ghz / freq_from_ghz) ** alpha

    img = np.zeros((ny, nx), dtype=np.float64)
    if n:
        px, py = wcs.celestial.world_to_pixel_values(ra, dec)
        m = _pixel_to_offset_matrix(wcs)
        cov = gaussian_cov(maj, mnr, pa) + gaussian_cov(
            beam.bmaj_arcsec, beam.bmin_arcsec, beam.bpa_deg
        )
        _add_gaussians(img, px, py, s_jy * beam.area_arcsec2, cov, m)
    if noise_ujy is not None:
        if not (np.isfinite(noise_ujy) and noise_ujy >= 0):
            raise ValueError(f"noise_ujy must be >= 0 uJy/beam, got {noise_ujy!r}")
        gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        scale = abs(float(np.sqrt(abs(np.linalg.det(_pixel_to_offset_matrix(wcs))))))
        img += correlated_noise((ny, nx), noise_ujy * 1e-6, beam, scale, gen)
    return img.astype(np.float32)


def _add_gaussians(img, px, py, weight, cov, m) -> None:
    """Add ``weight * N(offset; 0, cov)`` (offsets in arcsec) sampled at pixel centres.

    ``weight`` is flux (Jy) times beam area (arcsec^2), so the result is in Jy/beam.
    Each Gaussian is evaluated on a box of +-6 sigma only, which keeps fields with many
    compact components cheap.
    """
    ny, nx = img.shape
    minv = np.linalg.inv(m)
    for k in range(len(px)):
        if weight[k] == 0:
            continue
        c = cov[k]
        cinv = np.linalg.inv(c)
        norm = weight[k] / (2.0 * math.pi * math.sqrt(np.linalg.det(c)))
        # half-size of the box in pixels along x and y
        cp = minv @ c @ minv.T
        hx = 6.0 * math.sqrt(cp[0, 0]) + 1
        hy = 6.0 * math.sqrt(cp[1, 1]) + 1
        x0, x1 = max(int(px[k] - hx), 0), min(int(px[k] + hx) + 2, nx)
        y0, y1 = max(int(py[k] - hy), 0), min(int(py[k] + hy) + 2, ny)
        if x0 >= x1 or y0 >= y1:
            continue
        dx = np.arange(x0, x1) - px[k]
        dy = np.arange(y0, y1) - py[k]
        e = m[0, 0] * dx[None, :] + m[0, 1] * dy[:, None]
        nn = m[1, 0] * dx[None, :] + m[1, 1] * dy[:, None]
        q = cinv[0, 0] * e * e + 2 * cinv[0, 1] * e * nn + cinv[1, 1] * nn * nn
        img[y0:y1, x0:x1] += norm * np.exp(-0.5 * q)


def fftconvolve_same(img: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Linear convolution of ``img`` with an odd-sized ``kernel``, same shape as ``img``.

    numpy's FFT rather than ``scipy.signal.fftconvolve``: importing ``scipy.signal`` costs
    seconds per process, which dominates short simulator runs.
    """
    ky, kx = kernel.shape
    ny, nx = img.shape
    sy, sx = ny + ky - 1, nx + kx - 1
    f = np.fft.irfft2(np.fft.rfft2(img, (sy, sx)) * np.fft.rfft2(kernel, (sy, sx)), (sy, sx))
    y0, x0 = (ky - 1) // 2, (kx - 1) // 2
    return f[y0 : y0 + ny, x0 : x0 + nx]


def beam_kernel(beam: Beam, pixel_scale_arcsec: float, extra_cov=None) -> np.ndarray:
    """A normalised (sum 1) pixel kernel of the beam, or of any Gaussian covariance ``extra_cov``.

    Image orientation: x increases to the west (RA to the left), y to the north.
    """
    cov = (
        np.asarray(extra_cov, float)
        if extra_cov is not None
        else gaussian_cov(beam.bmaj_arcsec, beam.bmin_arcsec, beam.bpa_deg)
    )
    s = math.sqrt(max(cov[0, 0], cov[1, 1], 1e-6)) / pixel_scale_arcsec
    h = max(int(math.ceil(5 * s)), 1)
    d = np.arange(-h, h + 1, dtype=float) * pixel_scale_arcsec
    e = -d[None, :]
    nn = d[:, None]
    cinv = np.linalg.inv(cov + np.eye(2) * 1e-6)
    k = np.exp(-0.5 * (cinv[0, 0] * e * e + 2 * cinv[0, 1] * e * nn + cinv[1, 1] * nn * nn))
    return k / k.sum()
