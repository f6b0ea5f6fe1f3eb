"""Real FIRST radio morphologies as simulator templates.

Two real image sets (read-only, from ``ml.paths.data_dir()``):

* ``images/mirabest_first/*.fits`` -- 103 FIRST 1.4 GHz cutouts (300x300 at 1.8"/px, Jy/beam)
  centred on their SDSS host (Miraghaei & Best 2017 via MiraBest; class from the file name);
* ``images/firstgalaxydata_h5/galaxy_data_h5.zip`` -- 2,158 labelled FIRST images (Griese et
  al. 2023; FRI / FRII / compact / bent, 300x300 at 1.8"/px, centred on the catalogue (host)
  position, sigma-clipped and scaled to uint8).  The zip is expanded into a temporary
  directory at run time (never into the repository) and deleted after reading.

Each image is cleaned (pixels below 3 sigma set to 0; only emission within a radius of the
centre kept), cropped around the host, and stored normalised to unit sum.  When used, a
template is shrunk by a random factor ``s`` (the same source seen further away), rotated and
mirrored, then re-convolved from its FIRST resolution (5.4" FWHM, now ``5.4 s``) to the VLASS
beam with the difference kernel, and scaled to a drawn integrated flux.  Compact FIRST images
are not used (a FIRST compact source is just the 5.4" beam; :mod:`ml.sim.morphology` draws
compact sources directly at the VLASS beam).

The processed templates are cached as ``radiohost_sim_templates_v2_<key>.npz`` in the system temp
directory (derived data only, keyed by the size and mtime of the source files).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import os
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from ml.paths import data_dir
from ml.sim.morphology import EXTENDED_MIN_MJY, RadioSource, draw_total_flux_jy
from ml.sim.radio import (
    FWHM_TO_SIGMA,
    _pixel_to_offset_matrix,
    beam_kernel,
    fftconvolve_same,
    gaussian_cov,
)
from ml.sim.vlass import Beam

log = logging.getLogger(__name__)

FIRST_BEAM_ARCSEC = 5.4
FIRST_PIXEL_ARCSEC = 1.8
MIRABEST_DIR = Path("images") / "mirabest_first"
H5_ZIP = Path("images") / "firstgalaxydata_h5" / "galaxy_data_h5.zip"
#: firstgalaxydata Label_literature -> simulator morphology (2 = compact is not used)
H5_LABELS = {0: "FRI", 1: "FRII", 3: "bent"}
#: emission kept within this radius of the centre (FIRST pixels; 60 px = 108")
KEEP_RADIUS_PX = 60


@dataclass(frozen=True)
class Template:
    """A cleaned FIRST image: ``image`` (unit sum), host at pixel (host_x, host_y), 0-based."""

    image: np.ndarray
    host_x: float
    host_y: float
    morphology: str
    name: str


def mirabest_class(name: str) -> str | None:
    """Simulator morphology of a MiraBest file name ``CLASS_RA+DEC_z_LAS.fits`` (None = skip).

    Class digits (Porter & Scaife): 1st FRI(1)/FRII(2)/hybrid(3); 3rd standard(0)/
    double-double(1)/wide-angle tail(2)/head-tail(4).
    """
    c = name.split("_", 1)[0]
    if len(c) != 3 or not c.isdigit():
        return None
    if c[0] == "1":
        return "bent" if c[2] in "24" else "FRI"
    if c[0] == "2":
        return "FRII"
    return None  # hybrids: neither class


def _clean(
    img: np.ndarray, rms: float, keep_radius_px: float
) -> tuple[np.ndarray, float, float] | None:
    """Zero the background, keep islands reaching within ``keep_radius_px`` of the centre, crop."""
    ny, nx = img.shape
    cy, cx = (ny - 1) / 2.0, (nx - 1) / 2.0
    mask = img > 3.0 * rms
    lab, n = ndimage.label(ndimage.binary_dilation(mask, iterations=2))
    if n == 0:
        return None
    yy, xx = np.indices(img.shape)
    r = np.hypot(xx - cx, yy - cy)
    near = np.unique(lab[(r <= keep_radius_px) & (lab > 0)])
    keep = np.isin(lab, near) & mask
    if keep.sum() < 5:
        return None
    ys, xs = np.nonzero(keep)
    h = int(max(np.abs(xs - cx).max(), np.abs(ys - cy).max())) + 3
    x0, x1 = max(int(cx - h), 0), min(int(cx + h) + 2, nx)
    y0, y1 = max(int(cy - h), 0), min(int(cy + h) + 2, ny)
    out = np.where(keep, img, 0.0)[y0:y1, x0:x1].astype(np.float32)
    s = out.sum()
    if s <= 0:
        return None
    return out / s, cx - x0, cy - y0


def _source_key(paths) -> str:
    h = hashlib.sha256()
    for p in paths:
        st = p.stat()
        h.update(f"{p.name}:{st.st_size}:{int(st.st_mtime)}".encode())
    return h.hexdigest()[:16]


def _build_templates(root: Path) -> list[Template]:
    from astropy.io import fits

    out: list[Template] = []
    for f in sorted((root / MIRABEST_DIR).glob("*.fits")):
        morph = mirabest_class(f.name)
        if morph is None:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # TAB characters in some COMMENT cards
            data = np.squeeze(fits.getdata(f)).astype(np.float64)
        data = np.nan_to_num(data)
        rms = 1.4826 * np.median(np.abs(data - np.median(data)))
        las_px = float(f.stem.split("_")[-1]) / FIRST_PIXEL_ARCSEC
        res = _clean(data, rms, min(las_px / 2 + 8, 140))
        if res is not None:
            out.append(Template(res[0], res[1], res[2], morph, f"mirabest:{f.name}"))
    zpath = root / H5_ZIP
    if zpath.exists():
        import h5py

        with tempfile.TemporaryDirectory(prefix="radiohost_sim_") as tmp:
            with zipfile.ZipFile(zpath) as z:
                member = next(n for n in z.namelist() if n.endswith(".h5"))
                z.extract(member, tmp)
            with h5py.File(Path(tmp) / member, "r") as h5:
                for key in sorted(h5.keys(), key=lambda k: int(k.split("_")[-1])):
                    g = h5[key]
                    lab = int(np.asarray(g["Label_literature"]).ravel()[0])
                    if lab not in H5_LABELS:
                        continue
                    img = np.asarray(g["Img"], dtype=np.float64) / 255.0
                    # background is exactly 0 after the dataset's sigma clipping
                    res = _clean(img, 1e-9 / 3.0, KEEP_RADIUS_PX)
                    if res is not None:
                        out.append(Template(res[0], res[1], res[2], H5_LABELS[lab], f"h5:{key}"))
    else:
        log.warning("no %s: using MiraBest templates only", zpath)
    return out


@functools.lru_cache(maxsize=2)
def load_templates(root: str | None = None) -> dict[str, tuple[Template, ...]]:
    """All templates by morphology (``FRI``, ``FRII``, ``bent``), built once and cached.

    Raises
    ------
    ValueError
        If no template could be built (data folder missing).
    """
    base = Path(root) if root else data_dir()
    srcs = sorted((base / MIRABEST_DIR).glob("*.fits"))
    if (base / H5_ZIP).exists():
        srcs.append(base / H5_ZIP)
    if not srcs:
        raise ValueError(f"no FIRST template images under {base / MIRABEST_DIR} or {base / H5_ZIP}")
    cache = Path(tempfile.gettempdir()) / f"radiohost_sim_templates_v2_{_source_key(srcs)}.npz"
    tpls: list[Template] = []
    if cache.exists():
        try:
            with np.load(cache, allow_pickle=False) as z:
                flat, off, shp = z["flat"], z["offset"], z["shape"]
                hx, hy, morph, name = z["hx"], z["hy"], z["morph"], z["name"]
            for k in range(len(off)):
                img = flat[off[k] : off[k] + shp[k, 0] * shp[k, 1]].reshape(shp[k])
                tpls.append(Template(img, float(hx[k]), float(hy[k]), str(morph[k]), str(name[k])))
        except Exception as exc:  # a corrupt cache is rebuilt, never trusted
            log.warning("rebuilding template cache %s (%s)", cache, exc)
            tpls = []
    if not tpls:
        tpls = _build_templates(base)
        # one flat array (not one npz member per template): loading 1,900 members is slow
        sizes = [t.image.size for t in tpls]
        # unique temporary name: two processes may build the cache at the same time
        tmp = cache.with_name(f"{cache.stem}.{os.getpid()}.tmp.npz")
        np.savez_compressed(
            tmp,
            flat=np.concatenate([t.image.ravel() for t in tpls]).astype(np.float32),
            offset=np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64),
            shape=np.array([t.image.shape for t in tpls], np.int64),
            hx=[t.host_x for t in tpls],
            hy=[t.host_y for t in tpls],
            morph=np.array([t.morphology for t in tpls]),
            name=np.array([t.name for t in tpls]),
        )
        tmp.replace(cache)
    if not tpls:
        raise ValueError(f"no usable FIRST templates under {base}")
    by: dict[str, list[Template]] = {}
    for t in tpls:
        by.setdefault(t.morphology, []).append(t)
    return {k: tuple(v) for k, v in by.items()}


def template_source(morphology: str, rng: np.random.Generator, core_offset) -> RadioSource | None:
    """A radio source made from a random real FIRST template of ``morphology`` (None if none)."""
    tpls = load_templates().get(morphology)
    if not tpls:
        return None
    t = tpls[int(rng.integers(len(tpls)))]
    # shrink factor: the FIRST image seen from 1/s further away; 5.4" * s stays at or below
    # ~the VLASS beam so re-convolving to the VLASS beam is (almost) always possible
    s = float(rng.uniform(0.3, 0.5))
    src = RadioSource(
        morphology=morphology,
        gaussians=np.zeros((0, 6)),
        template=t,
        template_scale=FIRST_PIXEL_ARCSEC * s,
        template_rot_deg=float(rng.uniform(0, 360)),
        template_flip=bool(rng.random() < 0.5),
        template_flux_jy=draw_total_flux_jy(rng, lo_mjy=EXTENDED_MIN_MJY),
        core_offset=np.asarray(core_offset, float),
    )
    ys, xs = np.nonzero(t.image)
    src.las_arcsec = float(2 * np.hypot(xs - t.host_x, ys - t.host_y).max() * src.template_scale)
    return src


def render_template(
    part: np.ndarray, src: RadioSource, hx: float, hy: float, beam: Beam, wcs
) -> None:
    """Add ``src``'s template to ``part`` (Jy/beam) with its host at pixel (hx, hy).

    The template is resampled (bilinear) onto the output grid after rotation / mirroring /
    shrinking, then convolved with the Gaussian that takes its resolution (FIRST 5.4" times the
    shrink factor) to the VLASS beam; negative eigenvalues of that difference covariance are
    clipped (the template is then marginally smoother than the VLASS beam along that axis).
    """
    t = src.template
    m = _pixel_to_offset_matrix(wcs)
    pix = math.sqrt(abs(np.linalg.det(m)))
    scale = src.template_scale  # arcsec per template pixel
    th, tw = t.image.shape
    ext = math.hypot(th, tw) / 2 * scale / pix + 4 * beam.bmaj_arcsec / pix
    core = np.linalg.inv(m) @ src.core_offset
    cx, cy = hx + core[0], hy + core[1]
    ny, nx = part.shape
    x0, x1 = max(int(cx - ext), 0), min(int(cx + ext) + 2, nx)
    y0, y1 = max(int(cy - ext), 0), min(int(cy + ext) + 2, ny)
    if x0 >= x1 or y0 >= y1:
        return
    # output pixel -> template pixel: same orientation (both RA-left), rotate + flip + scale
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(float)
    dx = (xx - cx) * pix / scale
    dy = (yy - cy) * pix / scale
    a = math.radians(src.template_rot_deg)
    u = math.cos(a) * dx - math.sin(a) * dy
    v = math.sin(a) * dx + math.cos(a) * dy
    if src.template_flip:
        u = -u
    img = ndimage.map_coordinates(t.image, [t.host_y + v, t.host_x + u], order=1, cval=0.0)
    if img.sum() <= 0:
        return
    native = FIRST_BEAM_ARCSEC * scale / FIRST_PIXEL_ARCSEC
    diff = (
        gaussian_cov(beam.bmaj_arcsec, beam.bmin_arcsec, beam.bpa_deg)
        - np.eye(2) * (native * FWHM_TO_SIGMA) ** 2
    )
    ev, evec = np.linalg.eigh(diff)
    diff = evec @ np.diag(np.maximum(ev, 0.05)) @ evec.T
    k = beam_kernel(beam, pix, extra_cov=diff)
    img = fftconvolve_same(img, k)
    img = np.maximum(img, 0.0)
    beam_px = beam.area_arcsec2 / pix**2
    part[y0:y1, x0:x1] += img / img.sum() * src.template_flux_jy * beam_px
