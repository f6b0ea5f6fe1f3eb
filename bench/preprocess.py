"""Benchmark (not a test): radio cutouts/s and PS1 stamp sets/s through the real chains.

Run: ``python bench/preprocess.py`` (add ``--repeat N`` for longer runs) -> results/preprocess.json

* Radio: the 103 real MiraBest FIRST cutouts (300x300 at 1.8"/px, Jy/beam) through
  ``preprocess_radio(data, wcs=wcs)`` (reproject to 240x240 at 1"/px, NaN fill, [0, 1],
  3-sigma clip, smoothing) + ``to_model_input`` (217x217). FITS reading is excluded
  (the service hands the chain arrays), so this is the CPU cost of the chain itself.
* Optical: the real SN2006bh PS1 g r i z stamps (y filled from z) through
  ``load_ps1_stamps`` (FITS read + zero-points) + ``normalise_stamps`` (ZScale).
* Reference: the same chains written as the obvious per-call astropy code (new kernels,
  headers and interval objects per call, astropy direct convolution, NaN interpolation
  always run); the script checks both give the same output before timing them.
* Profile: per-step wall time of the radio chain, and cProfile's top functions.

One core: thread pools are pinned to 1 before numpy is imported. Everything is measured
in one run on the same machine; only ratios measured in that run are comparable.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import pstats  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from astropy.io import fits  # noqa: E402
from astropy.wcs import WCS  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# FIRST headers carry TAB characters in COMMENT cards and FK5 notes: harmless, noisy.
warnings.simplefilter("ignore")

from ml.paths import data_dir, results_dir  # noqa: E402
from ml.preprocess import optical, radio  # noqa: E402


def _load_first(limit: int | None = None):
    files = sorted((data_dir() / "images" / "mirabest_first").glob("*.fits"))[:limit]
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for f in files:
            with fits.open(f, memmap=False) as hdul:
                hdr = hdul[0].header
                out.append(
                    (np.asarray(hdul[0].data, np.float64).squeeze(), WCS(hdr).celestial, hdr)
                )
    return out


def radio_chain(data, wcs):
    return radio.to_model_input(radio.preprocess_radio(data, wcs=wcs))


def radio_chain_naive(data, hdr):
    """The obvious per-call astropy version of the same chain (the reference)."""
    from astropy.convolution import Gaussian2DKernel, convolve, interpolate_replace_nans
    from astropy.stats import sigma_clipped_stats
    from reproject import reproject_interp
    from skimage.transform import resize

    wcs = WCS(hdr).celestial
    ny, nx = data.shape
    centre = wcs.pixel_to_world((nx - 1) / 2, (ny - 1) / 2)
    target = fits.Header()
    target.update(
        NAXIS=2, NAXIS1=240, NAXIS2=240, CTYPE1="RA---TAN", CTYPE2="DEC--TAN",
        CRVAL1=centre.icrs.ra.deg, CRVAL2=centre.icrs.dec.deg, CRPIX1=120.5, CRPIX2=120.5,
        CDELT1=-1 / 3600, CDELT2=1 / 3600, RADESYS="ICRS",
    )  # fmt: skip
    img, _ = reproject_interp((data, wcs), target, order="bilinear")
    img = interpolate_replace_nans(img, Gaussian2DKernel(x_stddev=1.0), boundary="extend")
    img[~np.isfinite(img)] = np.nanmedian(data)
    img = (img - img.min()) / (img.max() - img.min())
    _, med, std = sigma_clipped_stats(img, sigma=3.0, maxiters=5)
    img[img <= med + 3 * std] = 0.0
    img = convolve(img, Gaussian2DKernel(x_stddev=1.0), boundary="fill", fill_value=0.0)
    out = resize(img, (217, 217), order=1, mode="edge", anti_aliasing=True, preserve_range=True)
    return out.astype(np.float32)


def optical_chain(paths):
    return optical.normalise_stamps(optical.load_ps1_stamps(paths))


def optical_chain_naive(paths):
    from astropy.visualization import ZScaleInterval

    planes = {}
    for band, path in paths.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = fits.getdata(path).astype(np.float64)
            hdr = fits.getheader(path)
        zp = hdr["FPA.ZP"] + 2.5 * np.log10(hdr["EXPTIME"])
        planes[band] = data * 10 ** (-0.4 * (zp - 23.9))
    planes["y"] = planes["z"]
    out = []
    for band in ("g", "r", "i", "z", "y"):
        p = np.nan_to_num(planes[band], nan=np.nan)
        lo, hi = ZScaleInterval().get_limits(p[np.isfinite(p)])
        out.append(np.clip((np.where(np.isfinite(p), p, lo) - lo) / (hi - lo), 0, 1))
    return np.stack(out).astype(np.float32)


def _rate(fn, items, repeat: int) -> tuple[float, float]:
    """(items per second, seconds per item), best of ``repeat`` passes."""
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        for it in items:
            fn(*it)
        best = min(best, time.perf_counter() - t0)
    return len(items) / best, best / len(items)


def profile_steps(cutouts) -> dict:
    """Mean ms per cutout for each radio step, timed separately on the same inputs."""
    acc = {k: 0.0 for k in ("regrid", "fill_nans", "scale_unit", "sigma_clip", "smooth", "to_217")}
    for data, wcs, _ in cutouts:
        t = time.perf_counter()
        centre = wcs.pixel_to_world((data.shape[1] - 1) / 2, (data.shape[0] - 1) / 2)
        img = radio.regrid_to_frame(data, wcs, centre)
        t1 = time.perf_counter()
        img = radio.fill_nans(img)
        t2 = time.perf_counter()
        img = radio.scale_unit(img)
        t3 = time.perf_counter()
        img = radio.sigma_clip_image(img)
        t4 = time.perf_counter()
        img = radio.smooth(img)
        t5 = time.perf_counter()
        radio.to_model_input(img)
        t6 = time.perf_counter()
        for k, a, b in (
            ("regrid", t, t1),
            ("fill_nans", t1, t2),
            ("scale_unit", t2, t3),
            ("sigma_clip", t3, t4),
            ("smooth", t4, t5),
            ("to_217", t5, t6),
        ):
            acc[k] += b - a
    total = sum(acc.values())
    return {
        k: {"ms_per_cutout": round(1e3 * v / len(cutouts), 3), "share": round(v / total, 3)}
        for k, v in acc.items()
    }


def cprofile_top(cutouts, n: int = 12) -> list[str]:
    prof = cProfile.Profile()
    prof.enable()
    for data, wcs, _ in cutouts:
        radio_chain(data, wcs)
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(n)
    return [ln for ln in buf.getvalue().splitlines() if ln.strip()][-n:]


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3, help="timed passes; best is kept")
    ap.add_argument("--limit", type=int, default=None, help="use only the first N FIRST files")
    args = ap.parse_args(argv)

    cutouts = _load_first(args.limit)
    ps1 = data_dir() / "images" / "optical_hostphot_SN2006bh"
    paths = {b: ps1 / f"PS1_{b}.fits" for b in "griz"}

    # Same answers first (otherwise the ratio is meaningless).
    radio_diff = max(
        float(np.abs(radio_chain(d, w) - radio_chain_naive(d, h)).max()) for d, w, h in cutouts[:10]
    )
    opt_diff = float(np.abs(optical_chain(paths) - optical_chain_naive(paths)).max())
    # Warm-up (imports, caches) outside the timed passes.
    radio_chain(*cutouts[0][:2])
    radio_chain_naive(cutouts[0][0], cutouts[0][2])

    r_fast, _ = _rate(radio_chain, [(d, w) for d, w, _ in cutouts], args.repeat)
    r_naive, _ = _rate(radio_chain_naive, [(d, h) for d, _, h in cutouts], args.repeat)
    # Inputs already on the 240x240 1"/px frame (no WCS -> no reprojection): the cost of
    # everything except reproject.
    frames = [
        (radio.fill_nans(radio.regrid_to_frame(d, w, w.pixel_to_world(149.5, 149.5))),)
        for d, w, _ in cutouts
    ]
    r_frame, _ = _rate(
        lambda f: radio.to_model_input(radio.preprocess_radio(f)), frames, args.repeat
    )
    o_items = [(paths,)] * 20
    o_fast, _ = _rate(optical_chain, o_items, args.repeat)
    o_naive, _ = _rate(optical_chain_naive, o_items, args.repeat)

    out = {
        "command": "python bench/preprocess.py",
        "machine": {
            "python": platform.python_version(),
            "processor": platform.processor() or platform.machine(),
            "threads": 1,
            "note": "shared 2-core machine; other jobs may have been running",
        },
        "data": {
            "radio": f'real: {len(cutouts)} MiraBest FIRST cutouts 300x300 at 1.8"/px',
            "optical": 'real: SN2006bh PS1 g,r,i,z 240x240 at 0.25"/px (y filled from z)',
        },
        "radio": {
            "chain": "preprocess_radio(data, wcs=wcs) + to_model_input -> 217x217",
            "cutouts_per_s": round(r_fast, 2),
            "naive_astropy_cutouts_per_s": round(r_naive, 2),
            "speedup_vs_naive": round(r_fast / r_naive, 2),
            "max_abs_diff_vs_naive": radio_diff,
            "cutouts_per_s_input_already_240_frame": round(r_frame, 2),
            "steps": profile_steps(cutouts),
            "cprofile_top_cumulative": cprofile_top(cutouts[:20]),
        },
        "optical": {
            "chain": "load_ps1_stamps (FITS read + zero-points) + normalise_stamps (ZScale)",
            "stamp_sets_per_s": round(o_fast, 2),
            "naive_astropy_stamp_sets_per_s": round(o_naive, 2),
            "speedup_vs_naive": round(o_fast / o_naive, 2),
            "max_abs_diff_vs_naive": opt_diff,
        },
    }
    path = results_dir() / "preprocess.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(
        json.dumps(
            {k: v for k, v in out["radio"].items() if k != "cprofile_top_cumulative"}, indent=1
        )
    )
    print(json.dumps(out["optical"], indent=1))
    print(f"wrote {path}")
    return out


if __name__ == "__main__":
    main()
