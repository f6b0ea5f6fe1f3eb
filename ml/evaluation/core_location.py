"""Radio core location on real FIRST images: centroid vs geodesic centre vs gated choice.

Data: the 103 real VLA FIRST 1.4 GHz cutouts in ``<data_dir>/images/mirabest_first/``
(MiraBest, Porter & Scaife; sample of Miraghaei & Best 2017), each 300 x 300 at 1.8"/px
centred on its SDSS host galaxy. All 103 are used (there is no training here, so no
split); the gate's parameters (threshold, dominance, linking length, and the bent-source
rules' angles and ratios) were chosen looking at this same sample, so the gated figures
are tuned-on-test. The JSON shows by how much ("cross_validated_gate"): a 5-fold
cross-validation over the WAT+HT sources of a grid of those parameters, and a transfer
estimate (tuned on FRI/FRII/hybrid, tested on WAT+HT).

Protocol (seed §5.2, §5.3, Figure 9): each image goes through the production radio chain
(:func:`ml.preprocess.radio.preprocess_radio`: reprojected onto the seed's 240 x 240
frame at 1"/px, NaN fill, [0, 1], 3-sigma clip, 1-px smoothing). The frame is centred on
the image centre = the host, so the host sits at pixel (119.5, 119.5) and a pixel offset
is an offset in arcsec. The locators never see where the host is; centring only decides
which 240" of sky are in the frame (sources larger than 240" are truncated, as they
would be in a seed cutout).

Run: ``python -m ml.evaluation.core_location`` -> ``results/core_location.json`` and
``results/core_location_worst.png`` (Figure-9 style: the six worst gated offsets).

Learned locator (row ``learned``): :mod:`ml.core_locator`, a heat-map CNN trained by
``python -m ml.core_locator.train`` on non-MiraBest data only (FRICAT/FRIICAT/FR0CAT FIRST
images > 30" from every MiraBest source, plus simulated tailed sources); its checkpoint
``var/core_locator/core_locator.pt`` is read when it exists (``--locator``), and the row is
left out otherwise. Nothing about it was tuned on these images. Rows ``learned_tta`` and
``learned_ensemble_tta`` add the 8-fold test-time average and a second seed's checkpoint.
What real tailed sources would add is measured separately, held out, by
:mod:`ml.evaluation.core_location_finetune` (fine-tuning on the other MiraBest folds).
"""

from __future__ import annotations

import argparse
import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from scipy import ndimage

from ml.core_location import (
    DEFAULT_BENT_DEG,
    DEFAULT_DOMINANCE,
    DEFAULT_HEAD_PEAK_FRACTION,
    DEFAULT_HEAD_RATIO,
    DEFAULT_LINK_PX,
    DEFAULT_MIN_SKELETON_PX,
    DEFAULT_RIDGE_WIDTH,
    DEFAULT_STRAIGHT_DEG,
    DEFAULT_THRESHOLD_FRACTION,
    choose_core,
    core_candidates,
    flux_weighted_centroid,
    geodesic_centre,
)
from ml.paths import REPO_ROOT, data_dir, results_dir
from ml.preprocess.radio import (
    RADIO_PIXEL_SCALE_ARCSEC,
    RADIO_SIZE,
    frame_wcs,
    preprocess_radio,
)

MIRABEST_DIR = Path("images") / "mirabest_first"
# ml.core_locator.train.CHECKPOINT, spelled out so this module imports no torch by default
LEARNED_CHECKPOINT = REPO_ROOT / "var" / "core_locator" / "core_locator.pt"
WITHIN_ARCSEC = 5.0  # the issue's success radius (FIRST beam is 5.4" FWHM)
GOAL_FRACTION = 0.90  # issue 4: gated core within 5" for >= 90 % of WAT + HT
# "gated" is ml.core_location.locate_core with its defaults (strategy="bent": seed §5.3 plus
# the head-tail and bent-tail rules); "gated_seed" is the seed §5.3 gate alone
# (strategy="seed", what this evaluation reported before the bent rules).
METHODS = ("centroid", "geodesic", "gated_seed", "gated")
# Single estimators, reported to show what each rule alone does: "peak" = brightest pixel
# of the brightest structure (not offered by ml.core_location); "apex", "head", "ridge" =
# the CoreCandidates of ml.core_location (where a source has no dominant structure with a
# skeleton they fall back to its centroid, as the gate would).
DIAGNOSTICS = ("peak", "apex", "head", "ridge")

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


def shifted_frame_check(
    sources: list[MiraBestSource],
    *,
    max_shift_px: int = SHIFT_MAX_PX,
    seed: int = 0,
    locators: dict | None = None,
) -> dict:
    """Within-5" fractions with every frame centred up to ``max_shift_px`` x 1.8" off the host.

    Shifts are drawn per source (seeded) uniformly in a square of half-side
    ``max_shift_px`` input pixels (36" at 20), a stress test of host-centring rather than
    a model of VLASS component offsets. The image-plane locators use no position prior, so
    the figures should match the centred ones up to edge and scaling effects; the learned
    ``locators`` (row name -> :class:`ml.core_locator.locate.LearnedCoreLocator`, optional)
    could in principle have learned one, which this check exposes.
    """
    rng = np.random.default_rng(seed)
    shifts = rng.integers(-max_shift_px, max_shift_px + 1, size=(len(sources), 2))
    locators = locators or {}
    offs = {m: [] for m in ("centroid", "gated_seed", "gated", *locators)}
    for src, (dx, dy) in zip(sources, shifts, strict=True):
        img, (hx, hy) = load_shifted_frame(src, (int(dx), int(dy)))
        loc = locate_all(img)
        for name, locator in locators.items():
            loc[name] = tuple(locator.locate_many(img[None])[0])
        for m in offs:
            offs[m].append(np.hypot(loc[m][0] - hx, loc[m][1] - hy) * RADIO_PIXEL_SCALE_ARCSEC)
    groups = _groups(sources)
    return {
        "max_shift_arcsec": round(max_shift_px * 1.8, 1),
        "seed": seed,
        "median_shift_arcsec": round(float(np.median(np.hypot(*shifts.T)) * 1.8), 1),
        "per_group": {
            g: {m: _summary(np.array(v)[groups[g]]) for m, v in offs.items()}
            for g in ("WAT+HT", "WAT", "HT", "FRI", "FRII", "all")
        },
    }


def locate_all(img: np.ndarray, threshold_fraction: float = DEFAULT_THRESHOLD_FRACTION) -> dict:
    """Every estimator of one frame (METHODS and DIAGNOSTICS), pixels, plus the gate's inputs."""
    thr = threshold_fraction * float(img.max())
    cx, cy = flux_weighted_centroid(img, thr)
    gx, gy = geodesic_centre(img, thr)
    cands = core_candidates(img, threshold=thr)
    core = choose_core(cands)
    seed = choose_core(cands, strategy="seed")
    labels, n = ndimage.label(img > thr, structure=np.ones((3, 3), bool))
    flux = ndimage.sum(img, labels, index=np.arange(1, n + 1))
    brightest = np.where(labels == int(np.argmax(flux)) + 1, img, -np.inf)
    py, px = np.unravel_index(int(np.argmax(brightest)), img.shape)
    return {
        "peak": (float(px), float(py)),
        "centroid": (cx, cy),
        "geodesic": (gx, gy),
        "gated": (core.x, core.y),
        "gated_seed": (seed.x, seed.y),
        "apex": cands.apex or cands.centroid,
        "head": cands.head or cands.centroid,
        "ridge": cands.ridge or cands.centroid,
        "gated_method": core.method,
        "gated_seed_method": seed.method,
        "n_components": core.n_components,
        "dominance": core.dominance,
        "bend_deg": cands.bend_deg,
        "path_length_px": cands.path_length_px,
        "end_ratio": cands.end_ratio,
        "head_peak_fraction": cands.head_peak_fraction,
    }


def _summary(offsets: np.ndarray) -> dict:
    if len(offsets) == 0:
        return {"n": 0}
    return {
        "n": int(len(offsets)),
        "median_offset_arcsec": round(float(np.median(offsets)), 2),
        "frac_within_5arcsec": round(float(np.mean(offsets <= WITHIN_ARCSEC)), 4),
        "frac_within_10arcsec": round(float(np.mean(offsets <= 2 * WITHIN_ARCSEC)), 4),
    }


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


def evaluate(
    sources: list[MiraBestSource], frames: list[np.ndarray], locators: dict | None = None
) -> dict:
    """Offsets from the host of every estimator.

    ``locators`` (row name -> :class:`ml.core_locator.locate.LearnedCoreLocator`) adds one
    learned row each; the first is the one compared with the gate in ``goal``.
    """
    centre = (RADIO_SIZE - 1) / 2.0
    locators = locators or {}
    learned = tuple(locators)
    learned_xy = {name: loc.locate_many(np.stack(frames)) for name, loc in locators.items()}
    records, offs = [], {m: [] for m in METHODS + learned + DIAGNOSTICS}
    for i, (src, img) in enumerate(zip(sources, frames, strict=True)):
        loc = locate_all(img)
        for name, xy in learned_xy.items():
            loc[name] = (float(xy[i, 0]), float(xy[i, 1]))
        rec = {"file": src.path.name, "class_code": src.code, "group": src.group}
        for m in METHODS + learned + DIAGNOSTICS:
            x, y = loc[m]
            off = float(np.hypot(x - centre, y - centre)) * RADIO_PIXEL_SCALE_ARCSEC
            offs[m].append(off)
            rec[f"{m}_xy_px"] = [round(x, 2), round(y, 2)]
            rec[f"{m}_offset_arcsec"] = round(off, 2)
        # Diagnostic: is the host on the emission the locators see at all? (the 2x2
        # pixels around the frame centre, above the structure threshold)
        thr = DEFAULT_THRESHOLD_FRACTION * float(img.max())
        lo, hi = int(np.floor(centre)), int(np.ceil(centre)) + 1
        rec["host_on_emission"] = bool(img[lo:hi, lo:hi].max() > thr)
        rec["host_radio_snr"] = round(host_radio_snr(src), 1)
        rec["gated_method"] = loc["gated_method"]
        rec["gated_seed_method"] = loc["gated_seed_method"]
        rec["n_components"] = loc["n_components"]
        for key in ("dominance", "bend_deg", "path_length_px", "end_ratio", "head_peak_fraction"):
            rec[key] = round(float(loc[key]), 3)
        records.append(rec)
    offs = {m: np.array(v) for m, v in offs.items()}
    # Ceilings of any gate choosing among estimators: per source, the best one. (They use
    # the host position, so they are diagnostic bounds, never methods; the learned row is
    # kept out so the oracles mean what they meant before it existed.)
    seed_three = ("centroid", "geodesic", "gated_seed")
    offs["oracle_best_of_three"] = np.min([offs[m] for m in seed_three], axis=0)
    offs["oracle_best_of_all"] = np.min([offs[m] for m in METHODS + DIAGNOSTICS], axis=0)
    groups = _groups(sources)
    per_group = {
        name: {m: _summary(v[sel]) for m, v in offs.items()} for name, sel in groups.items()
    }
    on = np.array([r["host_on_emission"] for r in records])
    detected = np.array([r["host_radio_snr"] >= HOST_DETECTION_SNR for r in records])
    for name, sel in groups.items():
        per_group[name]["frac_host_on_emission"] = (
            round(float(on[sel].mean()), 4) if sel.any() else None
        )
        per_group[name][f"frac_host_radio_snr_ge{HOST_DETECTION_SNR:g}"] = (
            round(float(detected[sel].mean()), 4) if sel.any() else None
        )
    goal = per_group["WAT+HT"]
    paired = {
        name: _paired_vs_gated(offs[name], offs["gated"], on, groups["WAT+HT"]) for name in learned
    }
    return {
        "per_group": per_group,
        "goal": {
            "statement": "gated core within 5 arcsec of the host for >= 90% of WAT+HT "
            "(codes 102+104), and better than the centroid alone on them",
            "gated_frac_within_5arcsec": goal["gated"]["frac_within_5arcsec"],
            "gated_seed_frac_within_5arcsec": goal["gated_seed"]["frac_within_5arcsec"],
            "centroid_frac_within_5arcsec": goal["centroid"]["frac_within_5arcsec"],
            "met_90pct": goal["gated"]["frac_within_5arcsec"] >= GOAL_FRACTION,
            "better_than_centroid": goal["gated"]["frac_within_5arcsec"]
            > goal["centroid"]["frac_within_5arcsec"],
            "oracle_best_of_three_frac_within_5arcsec": goal["oracle_best_of_three"][
                "frac_within_5arcsec"
            ],
            "oracle_best_of_all_frac_within_5arcsec": goal["oracle_best_of_all"][
                "frac_within_5arcsec"
            ],
        }
        | {
            k: v
            for name in learned
            for k, v in (
                (f"{name}_frac_within_5arcsec", goal[name]["frac_within_5arcsec"]),
                (f"{name}_met_90pct", goal[name]["frac_within_5arcsec"] >= GOAL_FRACTION),
                (f"{name}_vs_gated_paired", paired[name]),
            )
        },
        "records": records,
    }


def _paired_vs_gated(
    learned: np.ndarray, gated: np.ndarray, host_on: np.ndarray, sel: np.ndarray
) -> dict:
    """Per-source comparison on ``sel``: who is within 5" when the other is not (exact
    two-sided McNemar / sign test on the discordant pairs), and the learned fraction split by
    whether the host lies on emission above 0.2 x peak (an image-only locator has little to
    go on where it does not)."""
    from math import comb

    lw, gw, on = learned[sel] <= WITHIN_ARCSEC, gated[sel] <= WITHIN_ARCSEC, host_on[sel]
    b, c = int(np.sum(lw & ~gw)), int(np.sum(gw & ~lw))
    p = min(1.0, 2 * sum(comb(b + c, k) for k in range(min(b, c) + 1)) / 2 ** (b + c))
    return {
        "both_within": int(np.sum(lw & gw)),
        "learned_only": b,
        "gated_only": c,
        "neither": int(np.sum(~lw & ~gw)),
        "mcnemar_exact_p": round(p, 4),
        "learned_within_host_on_emission": f"{int(np.sum(lw & on))}/{int(on.sum())}",
        "learned_within_host_off_emission": f"{int(np.sum(lw & ~on))}/{int((~on).sum())}",
    }


def plot_worst(
    sources, frames, result: dict, path: Path, n: int = 6, codes=("102", "104"), by: str = "gated"
) -> None:
    """Figure-9 style panels: emission, skeleton, host, centroid, geodesic centre, both gates.

    The ``n`` worst offsets of method ``by`` (default the gated core) among the sources whose
    class code is in ``codes`` (default: the goal's WAT+HT; ``None`` = all sources).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from skimage.morphology import skeletonize

    recs = result["records"]
    keep = [i for i, r in enumerate(recs) if codes is None or r["class_code"] in codes]
    order = [keep[j] for j in np.argsort([-recs[i][f"{by}_offset_arcsec"] for i in keep])[:n]]
    centre = (RADIO_SIZE - 1) / 2.0
    fig, axes = plt.subplots(2, 3, figsize=(12, 8.4), constrained_layout=True)
    for ax, i in zip(axes.flat, order, strict=False):
        img, rec = frames[i], recs[i]
        ax.imshow(np.sqrt(img), origin="lower", cmap="gray_r")
        thr = DEFAULT_THRESHOLD_FRACTION * float(img.max())
        skel = skeletonize(img > thr)
        yy, xx = np.nonzero(skel)
        ax.plot(xx, yy, ",", color="tab:orange", alpha=0.6)
        ax.contour(img, levels=[thr], colors="tab:orange", linewidths=0.6)
        ax.plot(centre, centre, "+", color="k", ms=14, mew=1.5, label="host (SDSS)")
        ax.add_patch(plt.Circle((centre, centre), WITHIN_ARCSEC, fill=False, ls=":", color="k"))
        styles = (("centroid", "bs"), ("geodesic", "g^"), ("gated_seed", "mv"), ("gated", "rx"))
        if "learned_xy_px" in rec:
            styles += (("learned", "co"),)
        for m, style in styles:
            x, y = rec[f"{m}_xy_px"]
            ax.plot(x, y, style, ms=8, mfc="none" if m != "gated" else None, label=m)
        extra = f', learned {rec["learned_offset_arcsec"]:.1f}"' if "learned_xy_px" in rec else ""
        ax.set_title(
            f"{rec['file'][:22]} {rec['group']}\ngated ({rec['gated_method']}) "
            f'{rec["gated_offset_arcsec"]:.1f}", centroid {rec["centroid_offset_arcsec"]:.1f}"'
            + extra,
            fontsize=9,
        )
        ax.set_xlabel('x (px = 1")')
        ax.set_ylabel('y (px = 1")')
    axes.flat[0].legend(fontsize=7, loc="lower left")
    fig.suptitle(
        f"Worst {n} {by} core positions"
        + ("" if codes is None else f" among classes {'+'.join(codes)}")
        + f', real FIRST (MiraBest), 240" frames at 1"/px; contour = '
        f"{DEFAULT_THRESHOLD_FRACTION:g} x peak"
    )
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict:
    # The tuning checks import this module's helpers; importing them here avoids a cycle.
    from ml.evaluation.core_location_tuning import ablation, cross_validated_gate, threshold_sweep

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="default: ml.paths.data_dir()")
    parser.add_argument("--out-dir", type=Path, default=None, help="default: results/")
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument(
        "--locator",
        type=Path,
        nargs="+",
        default=[LEARNED_CHECKPOINT, LEARNED_CHECKPOINT.with_name("core_locator_seed1.pt")],
        help="learned core-locator checkpoints; the first gives rows 'learned' and "
        "'learned_tta', all that exist together give 'learned_ensemble_tta' (rows are left "
        "out when the files do not exist)",
    )
    args = parser.parse_args(argv)

    from tqdm import tqdm

    paths = [p for p in args.locator if p.exists()]
    locators, locator_info = {}, None
    if paths:  # torch is imported only when there is a learned locator to run
        from ml.core_locator.locate import checkpoint_info, learned_rows

        locators = learned_rows(paths)
        locator_info = checkpoint_info(paths[0]) | {
            "ensemble_members": [checkpoint_info(p) for p in paths[1:]],
            "rows": {
                "learned": "first checkpoint, one forward pass",
                "learned_tta": "first checkpoint, heat map averaged over the 8 flips / "
                "quarter turns of the frame (ml.core_locator.model.heatmaps)",
                "learned_ensemble_tta": "all checkpoints (different seeds: simulated data, "
                "real validation split, initialisation), heat maps averaged over members "
                "and the 8 transforms; chosen as the proposed variant before any of these "
                "rows was computed",
            },
        }
    else:
        print(f"no learned locator at {args.locator[0]}: rows 'learned*' left out")

    sources = list_sources(args.data_dir)
    frames = [load_frame(s) for s in tqdm(sources, desc="preprocess FIRST", leave=False)]
    result = evaluate(sources, frames, locators)
    out = {
        "data": {
            "set": "real: MiraBest VLA FIRST 1.4 GHz cutouts (images/mirabest_first), all files",
            "n_sources": len(sources),
            "split": "none (no training). TUNED-ON-TEST: the gate's defaults (threshold, "
            "dominance, link, and the bent rules' straight_deg, head_ratio, "
            "head_peak_fraction, bent_deg) were chosen looking at this same sample, so every "
            "'gated' and 'gated_seed' figure in per_group/goal is tuned-on-test; the "
            "held-out estimates are in cross_validated_gate",
            "host_position": "image centre (SDSS host of Miraghaei & Best 2017)",
            "frame": f'{RADIO_SIZE}x{RADIO_SIZE} at {RADIO_PIXEL_SCALE_ARCSEC}"/px via '
            "ml.preprocess.radio.preprocess_radio",
        },
        "parameters": {
            "threshold_fraction_of_peak": DEFAULT_THRESHOLD_FRACTION,
            "dominance": DEFAULT_DOMINANCE,
            "min_skeleton_px": DEFAULT_MIN_SKELETON_PX,
            "link_px": DEFAULT_LINK_PX,
            "strategy": "bent",
            "straight_deg": DEFAULT_STRAIGHT_DEG,
            "head_ratio": DEFAULT_HEAD_RATIO,
            "head_peak_fraction": DEFAULT_HEAD_PEAK_FRACTION,
            "bent_deg": DEFAULT_BENT_DEG,
            "ridge_width": DEFAULT_RIDGE_WIDTH,
            "within_arcsec": WITHIN_ARCSEC,
        },
        "command": "python -m ml.evaluation.core_location",
        "learned_locator": locator_info,
        **{k: v for k, v in result.items() if k != "records"},
        "threshold_sweep_WAT+HT": threshold_sweep(sources, frames),
        "ablation_tuned_on_test": ablation(sources, frames),
        "shifted_frames": shifted_frame_check(sources, locators=locators),
        # the +/-20" re-centring of the learned-locator brief (11 input pixels = 19.8")
        "shifted_frames_20arcsec": shifted_frame_check(sources, max_shift_px=11, locators=locators),
        "cross_validated_gate": cross_validated_gate(sources, frames),
        "records": result["records"],
    }
    out_dir = args.out_dir or results_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "core_location.json").write_text(json.dumps(out, indent=1) + "\n")
    if not args.no_plot:
        plot_worst(sources, frames, result, out_dir / "core_location_worst.png")
        if locators:
            plot_worst(
                sources, frames, result, out_dir / "core_location_learned_worst.png", by="learned"
            )
    for name in ("WAT+HT", "WAT", "HT", "FRI", "FRII", "all"):
        row = out["per_group"][name]
        print(
            f"{name:7s} n={row['gated']['n']:3d}  "
            + "  ".join(
                f'{m}: med {row[m]["median_offset_arcsec"]:5.1f}" '
                f'<=5" {row[m]["frac_within_5arcsec"]:.2f}'
                for m in METHODS + tuple(locators)
            )
        )
    print("goal:", json.dumps(out["goal"]))
    print("cross-validated gate:", json.dumps(out["cross_validated_gate"]))
    return out


if __name__ == "__main__":
    main()
