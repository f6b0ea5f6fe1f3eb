"""Data for the optical classifier: the real catalogue samples and simulated image candidates.

Real (read-only, ``ml.paths.data_dir()``; see each folder's PROVENANCE.md):

* ``sdss_dr14_specclass_sample/`` — 10,000 SDSS DR14 objects, ugriz (SkyServer PhotoObj
  ``u..z``, i.e. model magnitudes, not extinction-corrected) and specObj class.
* ``wildhunt_qso_star_samples/new_elqs_quasars.csv`` — 128 spectroscopically confirmed ELQS
  quasars (``obs_class1 == QSO``) with SDSS PSF ugriz and AllWISE W1/W2.
* ``wildhunt_qso_star_samples/zgtr4_ulq.csv`` — 96 z > 4 quasars with PS1 grizy and WISE W1/W2.

Simulated: :func:`simulated_candidates` renders the PS1 stamps of the candidates of
``ml.sim.field.simulate_field`` fields (labelled ``simulated`` everywhere they are reported).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord
from astropy.table import Table

from ml.classifier.photometry import CLASSES, photometry_inputs
from ml.paths import data_dir

SDSS_FILE = Path("sdss_dr14_specclass_sample") / "sdss_dr14_skyserver_10k_specclass.csv"
ELQS_FILE = Path("wildhunt_qso_star_samples") / "new_elqs_quasars.csv"
ULQ_FILE = Path("wildhunt_qso_star_samples") / "zgtr4_ulq.csv"


@dataclass(frozen=True)
class CatalogueSample:
    """Magnitudes, labels and provenance of one real catalogue sample.

    Attributes
    ----------
    mags : ndarray float64, shape (N, B)
        Magnitudes in ``bands`` order, AB-like mag.  The SDSS training sample is complete
        (checked on load); the external samples keep NaN where a band has no detection, and
        the evaluation says how many rows it drops for that.
    labels : ndarray int64, shape (N,)
        Indices into ``CLASSES``.
    bands : tuple of str
    w1, w2 : ndarray float64, shape (N,) or None
        WISE Vega magnitudes where the file has them (NaN = none).
    redshift : ndarray float64, shape (N,) or None
        Spectroscopic redshift, for *describing* the sample in reports only; it is never a
        classifier input (it is a product of the same spectrum that gives the label).
    source : str
        File the rows come from.
    coord : SkyCoord, shape (N,), or None
        ICRS position where the file has one; only position-derived Galactic quantities
        (:mod:`ml.classifier.galactic`) are ever computed from it.
    """

    mags: np.ndarray
    labels: np.ndarray
    bands: tuple[str, ...]
    source: str
    w1: np.ndarray | None = None
    w2: np.ndarray | None = None
    redshift: np.ndarray | None = None
    coord: SkyCoord | None = None


def _read(path: Path, required: Iterable[str]) -> Table:
    if not path.is_file():
        raise ValueError(f"{path}: file not found (set RADIOHOST_DATA_DIR or --data-dir)")
    t = Table.read(path, format="ascii.csv", fill_values=[("null", "nan"), ("", "nan")])
    missing = [c for c in required if c not in t.colnames]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}")
    return t


def _float_columns(t: Table, cols: Iterable[str], path: Path) -> np.ndarray:
    out = []
    for c in cols:
        col = t[c]
        try:
            arr = np.ma.filled(np.ma.asarray(col, dtype=np.float64), np.nan)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{path}: column {c!r} is not numeric") from exc
        out.append(arr)
    return np.stack(out, axis=1)


def _labels(names, path: Path, column: str) -> np.ndarray:
    lookup = {c: k for k, c in enumerate(CLASSES)}
    out = np.empty(len(names), np.int64)
    for row, name in enumerate(names):
        key = str(name).strip().upper()
        if key not in lookup:
            raise ValueError(
                f"{path}: row {row}, column {column!r}: unknown class {str(name)!r}; expected {CLASSES}"
            )
        out[row] = lookup[key]
    return out


def _check_finite(mags: np.ndarray, path: Path, cols, what: str = "magnitude") -> None:
    bad = ~np.isfinite(mags)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValueError(f"{path}: row {row}, column {cols[col]!r}: {what} is not finite")


def load_sdss_dr14(root: str | os.PathLike | None = None) -> CatalogueSample:
    """The 10,000-object SDSS DR14 sample: ugriz, spectroscopic class and ICRS position.

    The position (``coord``, when the file has ``ra``/``dec``) is read only so that
    Galactic |b| can be derived from it; redshift is read for descriptions, never as input.

    Parameters
    ----------
    root : path, optional
        Data root (default :func:`ml.paths.data_dir`).

    Raises
    ------
    ValueError
        File missing, a column missing, a non-finite magnitude or an unknown class
        (the message names file, row and column).
    """
    path = data_dir(root) / SDSS_FILE
    bands = ("u", "g", "r", "i", "z")
    t = _read(path, (*bands, "class", "redshift"))
    mags = _float_columns(t, bands, path)
    _check_finite(mags, path, bands)
    z = _float_columns(t, ("redshift",), path)[:, 0]
    coord = None  # ra/dec are optional: only the position-derived options need them
    if {"ra", "dec"} <= set(t.colnames):
        radec = _float_columns(t, ("ra", "dec"), path)
        _check_finite(radec, path, ("ra", "dec"), "position")
        coord = SkyCoord(radec[:, 0] * u.deg, radec[:, 1] * u.deg, frame="icrs")
    return CatalogueSample(
        mags, _labels(t["class"], path, "class"), bands, str(path), redshift=z, coord=coord
    )


def load_elqs_quasars(root: str | os.PathLike | None = None) -> CatalogueSample:
    """128 ELQS quasars (Schindler et al.): SDSS PSF ugriz, AllWISE W1/W2, class QSO.

    The SDSS training sample has model magnitudes; for these point sources PSF and model
    magnitudes agree to a few hundredths, so PSF magnitudes are used as they are (stated in
    the report).  Rows whose spectroscopic class is not GALAXY/QSO/STAR are dropped.
    """
    path = data_dir(root) / ELQS_FILE
    cols = tuple(f"psfmag_{b}" for b in "ugriz")
    t = _read(path, (*cols, "w1mpro", "w2mpro", "obs_class1", "obs_z"))
    keep = np.isin(np.char.upper(np.asarray(t["obs_class1"], dtype=str)), CLASSES)
    t = t[keep]
    mags = _float_columns(t, cols, path)  # NaN where SDSS has no PSF magnitude
    wise = _float_columns(t, ("w1mpro", "w2mpro"), path)
    z = _float_columns(t, ("obs_z",), path)[:, 0]
    z[z < 0] = np.nan  # -999 = no redshift measured
    labels = _labels(t["obs_class1"], path, "obs_class1")
    return CatalogueSample(mags, labels, tuple("ugriz"), str(path), wise[:, 0], wise[:, 1], z)


def load_zgtr4_ulq(root: str | os.PathLike | None = None) -> CatalogueSample:
    """96 z > 4 quasars: PS1 grizy (AB) and WISE W1/W2 (Vega); every row is a QSO.

    The file has no class column: it is, by construction, the list of spectroscopically
    confirmed z > 4 quasars (PROVENANCE.md), so the label is QSO for every row.
    """
    path = data_dir(root) / ULQ_FILE
    cols = tuple(f"ps_mag_{b}" for b in "grizy")
    t = _read(path, (*cols, "wise_mag_w1", "wise_mag_w2"))
    # NaN where PS1 has no detection: at z > 4 the Lyman-alpha forest empties the g band
    mags = _float_columns(t, cols, path)
    wise = _float_columns(t, ("wise_mag_w1", "wise_mag_w2"), path)
    labels = np.full(len(t), CLASSES.index("QSO"), np.int64)
    return CatalogueSample(mags, labels, tuple("grizy"), str(path), wise[:, 0], wise[:, 1])


@dataclass(frozen=True)
class SimCandidates:
    """Simulated candidates as network inputs (everything here is SIMULATED).

    Attributes
    ----------
    images : ndarray float32, shape (N, 5, S, S)
        ZScale-normalised g r i z y stamps, centre-cropped and block-averaged (see
        :func:`simulated_candidates`), dimensionless in [0, 1].
    photometry, photometry_mask : ndarray float32, shape (N, 2)
        :func:`ml.classifier.photometry.photometry_inputs` of W1/W2.
    labels : ndarray int64, shape (N,)
    field_seeds : ndarray int64, shape (N,)
        The simulator seed of each candidate's field (fields never straddle splits).
    """

    images: np.ndarray
    photometry: np.ndarray
    photometry_mask: np.ndarray
    labels: np.ndarray
    field_seeds: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)


def crop_and_bin(stack: np.ndarray, crop: int, binning: int) -> np.ndarray:
    """Centre-crop a (C, H, W) stack to ``crop`` pixels and average ``binning`` x ``binning`` blocks.

    Raises
    ------
    ValueError
        ``crop`` larger than the stamp, or not a multiple of ``binning``.
    """
    c, h, w = stack.shape
    if not (0 < crop <= min(h, w)) or crop % binning:
        raise ValueError(
            f"crop must be in (0, {min(h, w)}] and a multiple of binning={binning}, got {crop}"
        )
    y0, x0 = (h - crop) // 2, (w - crop) // 2
    cut = stack[:, y0 : y0 + crop, x0 : x0 + crop]
    s = crop // binning
    return cut.reshape(c, s, binning, s, binning).mean(axis=(2, 4)).astype(np.float32)


def simulated_candidates(
    seeds: Iterable[int],
    *,
    crop: int = 120,
    binning: int = 2,
    max_per_field: int | None = None,
    progress: bool = False,
) -> SimCandidates:
    """Render and normalise the PS1 stamps of every candidate of the simulated fields ``seeds``.

    A 240x240 stamp at 0.25"/px (seed §2.2 geometry) costs ~0.5 s to render and normalise on
    one core and a ResNet-18 pass on it ~10x more than on 60x60; to keep the simulated training
    under 10 minutes on 2 CPU cores we normalise the full stamp (so ZScale sees the same sky
    as at inference), then keep the central ``crop`` pixels (30" for 120) binned ``binning``
    x ``binning`` (0.5"/px for 2, still under the ~1.1" PS1 seeing, so stars and small
    galaxies stay distinguishable).

    Parameters
    ----------
    seeds : iterable of int
        ``ml.sim.field.simulate_field`` seeds.
    crop, binning : int
    max_per_field : int, optional
        Keep at most this many candidates per field (hosts first, then in table order).
    progress : bool
        Show a tqdm bar over fields.
    """
    from ml.preprocess.optical import normalise_stamps  # imported here: only the sim path needs it
    from ml.sim.field import simulate_field

    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("need at least one simulator seed")
    imgs, w1, w2, labels, fseeds = [], [], [], [], []
    it = seeds
    if progress:
        from tqdm import tqdm

        it = tqdm(seeds, desc="simulating candidates", unit="field")
    for s in it:
        f = simulate_field(s)
        c = f.candidates
        rows = np.argsort(~np.asarray(c["is_host"]), kind="stable")
        if max_per_field is not None:
            rows = rows[:max_per_field]
        for i in rows:
            imgs.append(crop_and_bin(normalise_stamps(f.optical_stamps(int(i))), crop, binning))
            w1.append(float(c["w1mag"][i]))
            w2.append(float(c["w2mag"][i]))
            labels.append(CLASSES.index(str(c["true_class"][i])))
            fseeds.append(s)
    phot, mask = photometry_inputs(np.array(w1), np.array(w2))
    return SimCandidates(
        np.stack(imgs), phot, mask, np.array(labels, np.int64), np.array(fseeds, np.int64)
    )
