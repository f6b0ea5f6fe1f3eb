"""Radio cutout preprocessing chain (seed §3.1), one small function per step.

The chain, in the order the seed paper applies it (seed §3.1):

1. :func:`regrid_to_frame` -- a 3.6' cutout at 1"/px (240 x 240) centred on the
   component; other grids (e.g. FIRST at 1.8"/px) are reprojected with ``reproject``.
2. :func:`fill_nans` -- NaN pixels replaced by ``astropy.convolution.interpolate_replace_nans``.
3. :func:`scale_unit` -- min-max scaling to [0, 1].
4. :func:`sigma_clip_image` -- everything at or below ``median + 3 sigma`` of the
   sigma-clipped background statistics is set to 0 (see that function for why).
5. :func:`smooth` -- convolution with a Gaussian of sigma = 1 px.
6. :func:`to_model_input` -- the 240 x 240 frame resampled to the host model's
   217 x 217 input (seed §3.3, input 1).

:func:`preprocess_radio` runs steps 1-5. Nothing here imports Django.
"""

from __future__ import annotations

import warnings

import numpy as np
from astropy.convolution import Gaussian2DKernel, interpolate_replace_nans
from astropy.coordinates import SkyCoord
from astropy.stats import sigma_clipped_stats
from astropy.utils.exceptions import AstropyUserWarning
from astropy.wcs import WCS
from scipy import ndimage

from ml.seed import CUTOUT_SCALE_ARCSEC, CUTOUT_SIZE_PX

RADIO_SIZE = CUTOUT_SIZE_PX  # pixels; 3.6' at 1"/px (seed §3.1)
RADIO_PIXEL_SCALE_ARCSEC = CUTOUT_SCALE_ARCSEC  # arcsec / pixel (VLASS Quick Look grid, seed §3.1)
MODEL_SIZE = 217  # pixels; the host model's radio input (seed §3.3, input 1)
CLIP_SIGMA = 3.0  # seed §3.1: "3 sigma clipping"
SMOOTH_SIGMA_PX = 1.0  # seed §3.1: Gaussian kernel sigma, pixels

# interpolate_replace_nans fills a NaN from the finite pixels within the kernel support;
# a 1-px Gaussian reaches ~4 px, enough for the isolated blanked pixels of VLASS/FIRST maps.
_NAN_KERNEL = Gaussian2DKernel(x_stddev=1.0)


def _check_image(image: np.ndarray, name: str = "image") -> np.ndarray:
    arr = np.asarray(image)
    if arr.ndim > 2 and all(n == 1 for n in arr.shape[:-2]):
        # VLASS/CASA images are (STOKES, FREQ, y, x) with degenerate leading axes.
        arr = arr.reshape(arr.shape[-2:])
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array, got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise ValueError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    return arr.astype(np.float64, copy=False)


def fill_nans(image: np.ndarray) -> np.ndarray:
    """Replace NaN (and inf) pixels by Gaussian-weighted interpolation of their neighbours.

    Parameters
    ----------
    image : ndarray, shape (ny, nx)
        Surface brightness in any unit (e.g. Jy/beam). NaN or inf marks blanked pixels.

    Returns
    -------
    ndarray, shape (ny, nx), float64
        Same unit as ``image``, with no non-finite pixels. Pixels further than the
        kernel support (~4 px) from any finite pixel -- e.g. the parts of a regridded
        frame outside the survey footprint -- get the median of the finite pixels
        (the background level), because interpolation has nothing to interpolate there.

    Raises
    ------
    ValueError
        If ``image`` is not 2-D or has no finite pixel at all.
    """
    arr = _check_image(image)
    bad = ~np.isfinite(arr)
    if bad.all():
        raise ValueError("image has no finite pixels (all NaN/inf); nothing to preprocess")
    if not bad.any():
        return arr.copy()
    work = np.where(bad, np.nan, arr)
    with warnings.catch_warnings():
        # astropy warns when a hole is wider than the kernel; that case is handled below.
        warnings.simplefilter("ignore", AstropyUserWarning)
        filled = interpolate_replace_nans(work, _NAN_KERNEL, boundary="extend")
    still = ~np.isfinite(filled)
    if still.any():
        filled[still] = np.median(arr[~bad])
    return filled


def scale_unit(image: np.ndarray) -> np.ndarray:
    """Min-max scale a finite image to [0, 1] (seed §3.1).

    Parameters
    ----------
    image : ndarray, shape (ny, nx)
        Finite surface brightness (any unit).

    Returns
    -------
    ndarray, float64
        Dimensionless, ``(image - min) / (max - min)``; min maps to 0 and max to 1.

    Raises
    ------
    ValueError
        If ``image`` has non-finite pixels or is constant (no dynamic range to scale).
    """
    arr = _check_image(image)
    if not np.isfinite(arr).all():
        raise ValueError("image has NaN/inf pixels; call fill_nans first")
    lo, hi = float(arr.min()), float(arr.max())
    if not hi > lo:
        raise ValueError(f"image is constant (every pixel = {lo!r}); cannot scale to [0, 1]")
    return (arr - lo) / (hi - lo)


def sigma_clip_image(image: np.ndarray, sigma: float = CLIP_SIGMA) -> np.ndarray:
    """Set the noise floor to zero: pixels at or below ``median + sigma * std`` become 0.

    ``median`` and ``std`` come from ``astropy.stats.sigma_clipped_stats`` (iterative
    3-sigma rejection), so they describe the *background* even when a bright source fills
    part of the cutout. What is clipped is the noise, from below only: in a 3.6' field
    most pixels are thermal noise and side-lobes, and the seed (§3.1) clips them so the
    CNN sees the emission structure, not the noise pattern. Bright pixels are the signal
    and are left untouched (no upper clip). Surviving pixels keep their value, so the
    output stays in the input's [0, 1] range.

    Parameters
    ----------
    image : ndarray, shape (ny, nx)
        Finite image (dimensionless after :func:`scale_unit`).
    sigma : float
        Threshold above the background median, in units of the clipped standard deviation.

    Returns
    -------
    ndarray, float64
        ``image`` where ``image > median + sigma * std``, else 0.

    Raises
    ------
    ValueError
        If ``sigma`` is not a positive finite number or ``image`` has non-finite pixels.
    """
    arr = _check_image(image)
    if not (np.isfinite(sigma) and sigma > 0):
        raise ValueError(f"sigma must be a positive finite number, got {sigma!r}")
    if not np.isfinite(arr).all():
        raise ValueError("image has NaN/inf pixels; call fill_nans first")
    _, median, std = sigma_clipped_stats(arr, sigma=CLIP_SIGMA, maxiters=5)
    threshold = median + sigma * std
    return np.where(arr > threshold, arr, 0.0)


def smooth(image: np.ndarray, sigma_px: float = SMOOTH_SIGMA_PX) -> np.ndarray:
    """Convolve with a normalised circular Gaussian (seed §3.1: sigma = 1 px).

    Parameters
    ----------
    image : ndarray, shape (ny, nx)
        Finite image.
    sigma_px : float
        Gaussian standard deviation in pixels.

    Returns
    -------
    ndarray, float64
        Smoothed image. The kernel sums to 1 and is non-negative, so each output pixel is
        a weighted mean of input pixels and an input in [0, 1] stays in [0, 1]; beyond the
        edge the image is treated as 0 (the clipped background), so nothing is invented.

    Raises
    ------
    ValueError
        If ``sigma_px`` is not positive or ``image`` has non-finite pixels.
    """
    arr = _check_image(image)
    if not (np.isfinite(sigma_px) and sigma_px > 0):
        raise ValueError(f"sigma_px must be a positive finite number, got {sigma_px!r}")
    if not np.isfinite(arr).all():
        raise ValueError("image has NaN/inf pixels; call fill_nans first")
    # scipy's separable Gaussian with truncate=4 uses exactly astropy's
    # Gaussian2DKernel(sigma) support (8 sigma + 1 px) and normalisation; it is several
    # times faster than astropy's direct convolve and than convolve_fft on 240x240
    # (bench/preprocess.py), and, unlike FFT, leaves exact zeros where the clipped
    # background is zero. tests/ml/test_preprocess_radio.py checks it against astropy.
    return ndimage.gaussian_filter(arr, sigma_px, mode="constant", cval=0.0, truncate=4.0)


def frame_wcs(
    center: SkyCoord, size: int = RADIO_SIZE, pixel_scale_arcsec: float = RADIO_PIXEL_SCALE_ARCSEC
) -> WCS:
    """A north-up, east-left TAN WCS of ``size`` x ``size`` pixels centred on ``center``.

    Parameters
    ----------
    center : SkyCoord
        Frame centre (converted to ICRS).
    size : int
        Frame side, pixels.
    pixel_scale_arcsec : float
        Pixel side, arcsec.

    Returns
    -------
    WCS
        ``center`` falls at 0-based pixel ((size - 1) / 2, (size - 1) / 2), i.e. between
        the two middle pixels for an even size.
    """
    icrs = center.icrs
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [icrs.ra.deg, icrs.dec.deg]
    w.wcs.crpix = [(size + 1) / 2.0, (size + 1) / 2.0]  # FITS 1-based: centre of the frame
    w.wcs.cdelt = [-pixel_scale_arcsec / 3600.0, pixel_scale_arcsec / 3600.0]
    w.wcs.radesys = "ICRS"
    w.pixel_shape = (size, size)
    return w


def regrid_to_frame(
    data: np.ndarray,
    wcs: WCS,
    center: SkyCoord,
    size: int = RADIO_SIZE,
    pixel_scale_arcsec: float = RADIO_PIXEL_SCALE_ARCSEC,
) -> np.ndarray:
    """Reproject an image onto the standard radio frame (seed §3.1: 3.6' at 1"/px).

    Parameters
    ----------
    data : ndarray, shape (ny, nx)
        Surface brightness, Jy/beam (any per-beam unit is kept as is).
    wcs : WCS
        Celestial WCS of ``data``.
    center : SkyCoord
        Sky position that becomes the frame centre.
    size : int
        Output side, pixels (240 in the seed).
    pixel_scale_arcsec : float
        Output pixel side, arcsec (1.0 in the seed).

    Returns
    -------
    ndarray, shape (size, size), float64
        Same unit as ``data``. Bilinear interpolation (``reproject_interp``) because the
        map is a per-beam surface brightness, not a per-pixel flux, so values must be
        interpolated, not summed. Output pixels outside ``data`` are NaN (fill them with
        :func:`fill_nans`).

    Raises
    ------
    ValueError
        If ``wcs`` is missing or not celestial, ``data`` is not 2-D, or ``size`` /
        ``pixel_scale_arcsec`` are not positive.
    """
    from reproject import reproject_interp  # imported here: ~0.3 s import, only this needs it

    arr = _check_image(data, "data")
    if wcs is None:
        raise ValueError("regrid_to_frame needs the WCS of the input image (got None)")
    if not isinstance(wcs, WCS) or not wcs.has_celestial:
        raise ValueError("wcs must be an astropy WCS with celestial axes")
    if int(size) != size or size <= 0:
        raise ValueError(f"size must be a positive integer, got {size!r}")
    if not (np.isfinite(pixel_scale_arcsec) and pixel_scale_arcsec > 0):
        raise ValueError(f"pixel_scale_arcsec must be positive, got {pixel_scale_arcsec!r}")
    if not isinstance(center, SkyCoord):
        raise ValueError(f"center must be a SkyCoord, got {type(center).__name__}")
    target = _target_in_input_frame(wcs.celestial, center, int(size), float(pixel_scale_arcsec))
    # roundtrip_coords=False: the world->pixel->world check only matters near projection
    # limits (all-sky maps); for arcminute TAN cutouts it never triggers and costs ~30 %.
    out, _ = reproject_interp(
        (arr, wcs.celestial),
        target,
        shape_out=(int(size), int(size)),
        order="bilinear",
        roundtrip_coords=False,
    )
    return out


def _target_in_input_frame(wcs_in: WCS, center: SkyCoord, size: int, scale: float) -> WCS:
    """``frame_wcs`` expressed in the input's celestial frame when that is FK5 J2000.

    Survey cutouts (FIRST via SkyView, NVSS) are FK5 J2000 while our frame is ICRS. Given
    frames that differ, reproject converts all 57,600 pixel positions through astropy's
    coordinate machinery; FK5 J2000 and ICRS differ by < 0.03" (Feissel & Mignard 1998),
    i.e. < 0.03 px here, so we place the same frame centre in the input's frame instead
    and skip that conversion (bench/preprocess.py measures the gain).
    """
    target = frame_wcs(center, size, scale)
    radesys = (wcs_in.wcs.radesys or "").strip().upper()
    equinox = wcs_in.wcs.equinox
    if radesys == "FK5" and (not np.isfinite(equinox) or equinox == 2000.0):
        fk5 = center.transform_to("fk5")  # default FK5 equinox is J2000
        target.wcs.radesys = "FK5"
        target.wcs.equinox = 2000.0
        target.wcs.crval = [fk5.ra.deg, fk5.dec.deg]
    return target


def preprocess_radio(
    image: np.ndarray,
    *,
    wcs: WCS | None = None,
    pixel_scale_arcsec: float = RADIO_PIXEL_SCALE_ARCSEC,
) -> np.ndarray:
    """The whole radio chain of seed §3.1: frame -> fill NaN -> [0, 1] -> 3-sigma clip -> smooth.

    Parameters
    ----------
    image : ndarray, shape (ny, nx) or (1, ..., 1, ny, nx)
        Radio surface brightness, Jy/beam (degenerate STOKES/FREQ axes are dropped).
    wcs : WCS, optional
        Celestial WCS of ``image``. When given, the image is reprojected onto a 240 x 240
        frame at ``pixel_scale_arcsec`` centred on the sky position of the image centre.
        When omitted, ``image`` must already be that 240 x 240 frame.
    pixel_scale_arcsec : float
        Pixel side of the output frame, arcsec (1.0 = the seed's 3.6' frame).

    Returns
    -------
    ndarray, shape (240, 240), float32
        Dimensionless, in [0, 1]; background 0. Not re-stretched after smoothing, so the
        peak is <= 1 (a smoothed point source peaks at ~0.16 of its unsmoothed value).

    Raises
    ------
    ValueError
        Wrong shape without a WCS, all-NaN input, a constant image, a bad WCS.
    """
    arr = _check_image(image)
    if wcs is not None:
        if not isinstance(wcs, WCS) or not wcs.has_celestial:
            raise ValueError("wcs must be an astropy WCS with celestial axes")
        ny, nx = arr.shape
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # FK5/equinox notes from survey headers
            center = wcs.celestial.pixel_to_world((nx - 1) / 2.0, (ny - 1) / 2.0)
        arr = regrid_to_frame(arr, wcs, center, RADIO_SIZE, pixel_scale_arcsec)
        if not np.isfinite(arr).any():
            raise ValueError("image has no finite pixels inside the 240x240 frame")
    elif arr.shape != (RADIO_SIZE, RADIO_SIZE):
        raise ValueError(
            f"image has shape {arr.shape}; without a WCS it must already be the "
            f'{RADIO_SIZE}x{RADIO_SIZE} frame at {pixel_scale_arcsec}"/px (pass wcs= to regrid)'
        )
    out = smooth(sigma_clip_image(scale_unit(fill_nans(arr))))
    return out.astype(np.float32)


def to_model_input(img240: np.ndarray) -> np.ndarray:
    """Resample the 240 x 240 frame to the host model's 217 x 217 radio input (seed §3.3).

    Why a resample and not a centre crop: 240 - 217 = 23 is odd, so a centre crop would
    move the frame centre (where the component sits) by half a pixel and drop 11-12" of
    the 3.6' field on each side (the outer lobes of large sources). An area-weighted
    resample keeps the whole field and maps the frame centre exactly onto the centre of
    the 217 grid (pixel 108), at 240/217 = 1.106"/px.

    Parameters
    ----------
    img240 : ndarray, shape (240, 240)
        Output of :func:`preprocess_radio`, dimensionless.

    Returns
    -------
    ndarray, shape (217, 217), float32
        Still in [0, 1] (anti-aliased linear resampling is a convex combination).

    Raises
    ------
    ValueError
        If the input is not 240 x 240 or has non-finite pixels.
    """
    from skimage.transform import resize

    arr = _check_image(img240, "img240")
    if arr.shape != (RADIO_SIZE, RADIO_SIZE):
        raise ValueError(f"img240 must have shape (240, 240), got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("img240 has NaN/inf pixels")
    out = resize(
        arr, (MODEL_SIZE, MODEL_SIZE), order=1, mode="edge", anti_aliasing=True, preserve_range=True
    )
    return out.astype(np.float32)
