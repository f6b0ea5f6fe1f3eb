"""The real MiraBest FIRST cutouts of the core-location evaluation: names, frames, groups
(loading only; see :mod:`ml.evaluation.core_location` for the protocol)."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

from ml.paths import REPO_ROOT, data_dir
from ml.preprocess.radio import (
    RADIO_SIZE,
    frame_wcs,
    preprocess_radio,
)

MIRABEST_DIR = Path("images") / "mirabest_first"
# ml.core.learned.train.CHECKPOINT, spelled out so this module imports no torch by default
LEARNED_CHECKPOINT = REPO_ROOT / "var" / "core_locator" / "core_locator.pt"

# MiraBest class code: 1st digit FRI(1)/FRII(2)/hybrid(3), 2nd confident(0)/uncertain(1),
# 3rd standard(0)/double-double(1)/WAT(2)/head-tail(4) (PROVENANCE.md of the folder).
_NAME = re.compile(
    r"^(?P<code>\d{3})_(?P<ra>\d{3}\.\d+)(?P<dec>[+-]\d{3}\.\d+)_(?P<z>\d\.\d+)_(?P<las>[\d.]+)\.fits$"
)


@dataclass(frozen=True)
class MiraBestSource:
    """One MiraBest FIRST file and what its name says (RA/Dec deg, LAS arcsec)."""

    path: Path
    code: str
    ra_deg: float
    dec_deg: float
    z: float
    las_arcsec: float

    @property
    def group(self) -> str:
        """FRI, FRII, WAT, HT or hybrid (WAT/HT from the 3rd digit, else the 1st)."""
        if self.code[2] == "2":
            return "WAT"
        if self.code[2] == "4":
            return "HT"
        return {"1": "FRI", "2": "FRII", "3": "hybrid"}[self.code[0]]

    @property
    def confident(self) -> bool:
        return self.code[1] == "0"


def parse_name(path: Path) -> MiraBestSource:
    """Parse ``CLASS_RA+DEC_z_LAS.fits``; ValueError naming the file if it does not match."""
    m = _NAME.match(path.name)
    if m is None:
        raise ValueError(f"{path.name}: not a MiraBest name CLASS_RA+DEC_z_LAS.fits")
    code = m["code"]
    if code[0] not in "123" or code[2] not in "0124":
        raise ValueError(f"{path.name}: unknown MiraBest class code {code}")
    return MiraBestSource(
        path, code, float(m["ra"]), float(m["dec"]), float(m["z"]), float(m["las"])
    )


def list_sources(root: Path | None = None) -> list[MiraBestSource]:
    folder = (root or data_dir()) / MIRABEST_DIR
    files = sorted(folder.glob("*.fits"))
    if not files:
        raise ValueError(f"no MiraBest FITS files in {folder} (set RADIOHOST_DATA_DIR?)")
    return [parse_name(f) for f in files]


#: a host counts as detected in radio at this peak S/N within one beam radius (diagnostic)
HOST_DETECTION_SNR = 5.0


def host_radio_snr(src: MiraBestSource) -> float:
    """Brightest FIRST pixel within ~3.6" of the host over the image's robust noise.

    A diagnostic of what any radio-only locator has to go on: the noise is the 3-sigma-clipped
    standard deviation of the whole 540" cut-out (its median subtracted), the host box the
    central 4 x 4 input pixels (7.2" across, about the 5.4" beam). Unlike ``host_on_emission``
    (above 0.2 x peak in the preprocessed frame) it counts a faint core next to bright lobes.
    """
    from astropy.stats import sigma_clipped_stats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FITS comment cards; NaN edges in sigma clipping
        data = np.asarray(fits.getdata(src.path), dtype=np.float64).squeeze()
        _, median, std = sigma_clipped_stats(data, sigma=3.0)
    ny, nx = data.shape
    cy, cx = ny // 2, nx // 2
    box = data[cy - 2 : cy + 2, cx - 2 : cx + 2]
    if not std > 0 or not np.isfinite(box).any():
        raise ValueError(f"{src.path.name}: no finite noise estimate or host pixels")
    return float((np.nanmax(box) - median) / std)


def load_frame(src: MiraBestSource) -> np.ndarray:
    """The production 240 x 240 preprocessed frame, centred on the file's centre (= host)."""
    return load_shifted_frame(src, (0, 0))[0]


# Room for shifting the frame centre: the FIRST files are 300 x 300 at 1.8"/px (540"), the
# frame 240"; cropping 2 x SHIFT_MAX_PX input pixels moves the centre by up to 36".
SHIFT_MAX_PX = 20


def load_shifted_frame(
    src: MiraBestSource, shift_px: tuple[int, int]
) -> tuple[np.ndarray, tuple[float, float]]:
    """The production frame centred ``shift_px`` input pixels (1.8") away from the host.

    The real pipeline centres its cutout on a VLASS component, not on the host (seed §5.2);
    for a bent source the catalogued component can sit on a tail. Centring on the host could
    therefore flatter the locators (which part of the source is in the frame, how the
    [0, 1] scaling falls). Cropping the input asymmetrically before the chain moves the frame
    centre; the host's frame pixel follows from the frame's WCS.

    Parameters
    ----------
    src : MiraBestSource
    shift_px : (int, int)
        (dx, dy) in input pixels (1.8" each, +x = +column), each in
        [-SHIFT_MAX_PX, SHIFT_MAX_PX]; (0, 0) is the unshifted frame.

    Returns
    -------
    frame : ndarray, shape (240, 240)
    host_xy : (float, float)
        Pixel of the host (the file's centre) in the frame (x = column, y = row).
    """
    dx, dy = (int(v) for v in shift_px)
    if max(abs(dx), abs(dy)) > SHIFT_MAX_PX:
        raise ValueError(f"shift_px {shift_px} exceeds +/-{SHIFT_MAX_PX} input pixels")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TAB characters in FIRST COMMENT cards (harmless)
        with fits.open(src.path, memmap=False) as hdul:
            data = np.asarray(hdul[0].data, dtype=np.float64).squeeze()
            wcs = WCS(hdul[0].header).celestial
        ny, nx = data.shape
        host = wcs.pixel_to_world((nx - 1) / 2.0, (ny - 1) / 2.0)
        if (dx, dy) == (0, 0):
            return preprocess_radio(data, wcs=wcs), ((RADIO_SIZE - 1) / 2.0,) * 2
        m = SHIFT_MAX_PX
        y0, x0 = m + dy, m + dx
        sub = data[y0 : ny - 2 * m + y0, x0 : nx - 2 * m + x0]
        sub_wcs = wcs[y0 : ny - 2 * m + y0, x0 : nx - 2 * m + x0]
        frame = preprocess_radio(sub, wcs=sub_wcs)
        sy, sx = sub.shape
        centre = sub_wcs.pixel_to_world((sx - 1) / 2.0, (sy - 1) / 2.0)
        hx, hy = frame_wcs(centre).world_to_pixel(host)
    return frame, (float(hx), float(hy))


def _groups(sources: list[MiraBestSource]) -> dict[str, np.ndarray]:
    g = np.array([s.group for s in sources])
    code = np.array([s.code for s in sources])
    return {
        "all": np.ones(len(sources), bool),
        "FRI": g == "FRI",
        "FRII": g == "FRII",
        "WAT": g == "WAT",
        "HT": g == "HT",
        "hybrid": g == "hybrid",
        # The goal group: the 49 confident WATs (102) and 9 head-tails (104).
        "WAT+HT": np.isin(code, ["102", "104"]),
        "WAT+HT incl. uncertain WAT": np.isin(g, ["WAT", "HT"]),
    }
