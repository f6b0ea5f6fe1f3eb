"""Training data of the learned core locator: real host-centred FIRST images + simulation.

Nothing here may come from MiraBest: the 103 MiraBest FIRST files of
``images/mirabest_first/`` are the test set of :mod:`ml.evaluation.core_location`.

Real images: the FIRST Radio Galaxy Dataset of Griese et al. (2023; ``images/firstgalaxydata_h5``,
2,158 300 x 300 FIRST images at 1.8"/px, centred on the RA/Dec of their source catalogue).
Only catalogues whose position *is the optical host* are usable as labels:

- Capetti et al. 2017a (FRICAT) and 2017b (FRIICAT): SDSS DR7 spectroscopic galaxies (the
  catalogues are built from the Best & Heckman 2012 SDSS x NVSS x FIRST sample);
- Baldi et al. 2018 (FR0CAT): the same parent sample, compact sources.

They are checked on the pixels too (``python -m ml.core.learned.data`` prints it): the image
centre lies on emission above 0.2 x peak for 90 % (FRICAT), 65 % (FRIICAT, faint cores) and
94 % (FR0CAT) of the images, and within 5" of a local maximum for 87 / 59 / 94 %, the same
pattern as the MiraBest (SDSS-host) images of the same dataset (on emission 78 % / 59 %,
local maximum 64 % / 30 % for its FRI / FRII).
Excluded catalogues: MiraBest (the test sample's parent; excluded whole, not only the 103),
Gendre/CoNFIG and Proctor 2011 (their positions are radio positions, not hosts: on CoNFIG
FRIIs the *flux-weighted centroid* is within 5" of the centre for 68 % but a local maximum
for only 47 %; on Proctor's bent sources the centre is on emission for only 50 %).

On top of the catalogue rule, every image within ``EXCLUDE_RADIUS_ARCSEC`` of any MiraBest
source (the 103 test FITS headers and all 1,255 positions of ``mirabest_all_index.csv``) is
dropped, so the same sky cannot enter training under another catalogue's name.
"""

from __future__ import annotations

import csv
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS

from ml.paths import REPO_ROOT, data_dir

FGD_DIR = Path("images") / "firstgalaxydata_h5"
MIRABEST_DIR = Path("images") / "mirabest_first"
#: catalogues of the FIRST Radio Galaxy Dataset whose positions are SDSS host galaxies
HOST_CATALOGUES = ("Capetti2017a", "Capetti2017b", "Baldi2018")
#: no training image may lie this close to any MiraBest source (arcsec)
EXCLUDE_RADIUS_ARCSEC = 30.0
FGD_PIXEL_ARCSEC = 1.8  # FIRST cutouts of the dataset (PROVENANCE.md)
FGD_SIZE = 300
CACHE_DIR = REPO_ROOT / "var" / "core_locator"


@dataclass(frozen=True)
class FgdRow:
    """One image of the FIRST Radio Galaxy Dataset (index CSV row)."""

    key: str  # HDF5 group, e.g. "data_17"
    ra_deg: float
    dec_deg: float
    label: str  # FRI, FRII, Compact, Bent
    catalogue: str


def read_fgd_index(root: Path | None = None) -> list[FgdRow]:
    """All 2,158 rows of ``index_galaxy_data_h5.csv`` (no h5py needed)."""
    path = (root or data_dir()) / FGD_DIR / "index_galaxy_data_h5.csv"
    with open(path, newline="") as fh:
        return [
            FgdRow(
                r["h5_key"],
                float(r["ra_deg"]),
                float(r["dec_deg"]),
                r["class"],
                r["source_catalogue"],
            )
            for r in csv.DictReader(fh)
        ]


def mirabest_positions(root: Path | None = None) -> SkyCoord:
    """Every MiraBest position: the 103 test FITS centres (from their headers) + the full index.

    Raises
    ------
    ValueError
        If the test FITS folder is empty (the exclusion would silently do nothing).
    """
    folder = (root or data_dir()) / MIRABEST_DIR
    files = sorted(folder.glob("*.fits"))
    if not files:
        raise ValueError(f"no MiraBest FITS in {folder}: cannot build the exclusion list")
    ra, dec = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TAB characters in FIRST COMMENT cards
        for f in files:
            h = fits.getheader(f)
            # CRPIX is the image centre in these files (PROVENANCE.md), so CRVAL is the
            # source position; FK5 J2000 vs ICRS (< 0.03") is irrelevant at a 30" radius
            if (h["CRPIX1"], h["CRPIX2"]) != ((h["NAXIS1"] + 1) / 2, (h["NAXIS2"] + 1) / 2):
                raise ValueError(f"{f.name}: CRPIX is not the image centre")
            ra.append(float(h["CRVAL1"]))
            dec.append(float(h["CRVAL2"]))
    index = folder / "mirabest_all_index.csv"
    if index.exists():
        with open(index, newline="") as fh:
            for r in csv.DictReader(fh):
                ra.append(float(r["ra_deg"]))
                dec.append(float(r["dec_deg"]))
    return SkyCoord(ra, dec, unit="deg")


def select_training_rows(
    rows: list[FgdRow], exclude: SkyCoord, radius_arcsec: float = EXCLUDE_RADIUS_ARCSEC
) -> list[FgdRow]:
    """Rows from a host-position catalogue and farther than ``radius_arcsec`` from ``exclude``."""
    keep = [r for r in rows if r.catalogue in HOST_CATALOGUES]
    if not keep:
        return []
    pos = SkyCoord([r.ra_deg for r in keep], [r.dec_deg for r in keep], unit="deg")
    _, sep, _ = pos.match_to_catalog_sky(exclude)
    return [r for r, s in zip(keep, sep.arcsec, strict=True) if s > radius_arcsec]


def load_fgd_images(keys: list[str], root: Path | None = None) -> np.ndarray:
    """The uint8 300 x 300 images of ``keys``, read from the zipped HDF5 (needs h5py).

    The zip expands to ~200 MB, so it goes to a temporary directory that is removed after.
    """
    try:
        import h5py
    except ImportError as exc:  # not a project requirement: only this data step needs it
        raise ImportError(
            "reading the FIRST Radio Galaxy Dataset needs h5py (pip install h5py)"
        ) from exc
    zpath = (root or data_dir()) / FGD_DIR / "galaxy_data_h5.zip"
    with tempfile.TemporaryDirectory(prefix="fgd_") as tmp:
        with zipfile.ZipFile(zpath) as zf:
            name = next(n for n in zf.namelist() if n.endswith(".h5"))
            zf.extract(name, tmp)
        with h5py.File(Path(tmp) / name, "r") as f:
            return np.stack([np.asarray(f[k]["Img"][()], dtype=np.uint8) for k in keys])


def fgd_wcs(ra_deg: float, dec_deg: float) -> WCS:
    """The dataset's pixel grid (PROVENANCE.md): TAN, 1.8"/px, centred on (RA, Dec), FK5."""
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [ra_deg, dec_deg]
    w.wcs.crpix = [(FGD_SIZE + 1) / 2.0, (FGD_SIZE + 1) / 2.0]
    w.wcs.cdelt = [-FGD_PIXEL_ARCSEC / 3600.0, FGD_PIXEL_ARCSEC / 3600.0]
    w.wcs.radesys = "FK5"
    w.wcs.equinox = 2000.0
    w.wcs.set()
    return w


def pixel_check(images: np.ndarray, catalogues: list[str]) -> dict:
    """Is the image centre on emission / near a local maximum? (per catalogue, fractions)."""
    from scipy import ndimage

    c = (FGD_SIZE - 1) / 2.0
    out: dict[str, dict] = {}
    for cat in sorted(set(catalogues)):
        on, near = [], []
        for im, k in zip(images, catalogues, strict=True):
            if k != cat:
                continue  # catalogue keys may carry a class, e.g. "MiraBest:FRII"
            im = im.astype(float)
            thr = 0.2 * im.max()
            on.append(im[149:151, 149:151].max() > thr)
            peaks = (ndimage.maximum_filter(im, 5) == im) & (im > thr)
            yy, xx = np.nonzero(peaks)
            near.append(len(xx) > 0 and np.min(np.hypot(xx - c, yy - c)) * FGD_PIXEL_ARCSEC < 5)
        out[cat] = {
            "n": len(on),
            "frac_centre_on_emission": round(float(np.mean(on)), 3),
            "frac_local_max_within_5arcsec": round(float(np.mean(near)), 3),
        }
    return out


if __name__ == "__main__":
    import json

    rows = read_fgd_index()
    imgs = load_fgd_images([r.key for r in rows])
    print(json.dumps(pixel_check(imgs, [f"{r.catalogue}:{r.label}" for r in rows]), indent=1))
    sel = select_training_rows(rows, mirabest_positions())
    print(f"{len(sel)} training images from {HOST_CATALOGUES}")
