"""Training data for the host identifier: SIMULATED fields from :mod:`ml.sim.field`.

Every field becomes a :class:`LabelledField`: the preprocessed radio cutout, every PS1 candidate
within the candidate radius with its (x, y) offset and (optionally) its normalised optical
stamp, and the label (seed §2.2.2): the labelled host is the positive, *every other candidate
of the field* is a negative.  Everything here is simulated; real labels live in
:mod:`ml.data.norris71` / :mod:`ml.evaluation`.

Reduced resolution (stated in every result JSON): rendering, normalising and training on
240×240×5 stamps for ~19 candidates per field does not fit the < 15 min CPU budget on 2 shared
cores, so the simulated cross-validation may use a radio cutout resampled from the 240″ frame to
``radio_size`` pixels (the whole 3.6′ field is kept) and a centre crop of the optical stamp
binned to ``optical_size`` pixels.  ``radio_size=217, optical_crop=240, optical_binning=1`` is
the paper geometry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.host.field import HostField
from ml.paths import REPO_ROOT
from ml.seed import CUTOUT_SIZE_PX

__all__ = [
    "LabelledField",
    "SimDataConfig",
    "build_sim_fields",
    "radio_input",
    "MORPHOLOGY_CLASSES",
]

#: Morphology classes of the host evaluation ("per morphology class (compact, FR-I, FR-II, bent)"), with
#: the simulator's names.
MORPHOLOGY_CLASSES = ("compact", "FRI", "FRII", "bent")
CLASSES = ("GALAXY", "QSO", "STAR")
_FRAME = CUTOUT_SIZE_PX  # the seed's 3.6' radio frame at 1"/px (ml.preprocess.radio)


@dataclass
class LabelledField:
    """A :class:`ml.host.field.HostField` plus its labels (all SIMULATED here).

    Attributes
    ----------
    field : HostField
        Model inputs; ``xy`` in model radio pixels (radio_size/240 of a frame pixel).
    is_host : ndarray bool (N,)
        Exactly one True: the labelled host.
    true_class : ndarray int (N,)
        Index into ("GALAXY", "QSO", "STAR") of each candidate's true class.
    sep_arcsec : ndarray (N,)
        Candidate distance from the cutout centre, arcsec (nearest-neighbour baseline).
    morphology : str
    group : int
        CV group (the simulator seed: no field is in two folds).
    """

    field: HostField
    is_host: np.ndarray
    true_class: np.ndarray
    sep_arcsec: np.ndarray
    morphology: str
    group: int

    @property
    def host_index(self) -> int:
        return int(np.flatnonzero(self.is_host)[0])


@dataclass(frozen=True)
class SimDataConfig:
    """How simulated fields are turned into model inputs.

    Parameters
    ----------
    n_fields : int
        Number of fields.
    first_seed : int
        Seeds are ``first_seed .. first_seed + n_fields - 1``.
    morphologies : tuple of str
        Morphology forced on field k is ``morphologies[k % len]`` (balanced classes, so each
        class gets the same number of test fields); empty = the simulator's default mix.
    radio_size : int
        Radio model input side, pixels (217 = paper).
    optical_crop, optical_binning : int
        Centre crop of the 240-px normalised stamp, then ``binning``×``binning`` block mean;
        ``optical_size = optical_crop // optical_binning``.
    with_optical : bool
        Render stamps (the expensive part, ~0.15 s per candidate).
    """

    n_fields: int = 160
    first_seed: int = 70_000
    morphologies: tuple[str, ...] = MORPHOLOGY_CLASSES
    radio_size: int = 48
    optical_crop: int = 128
    optical_binning: int = 4
    with_optical: bool = True

    def __post_init__(self) -> None:
        if self.n_fields < 1:
            raise ValueError(f"SimDataConfig.n_fields must be >= 1, got {self.n_fields}")
        if self.optical_crop > 240 or self.optical_crop % self.optical_binning:
            raise ValueError(
                f"SimDataConfig.optical_crop must be <= 240 and a multiple of optical_binning "
                f"({self.optical_binning}), got {self.optical_crop}"
            )

    @property
    def optical_size(self) -> int:
        return self.optical_crop // self.optical_binning

    def key(self) -> str:
        d = {k: v for k, v in self.__dict__.items() if k != "n_fields"}
        return hashlib.sha1(json.dumps(d, sort_keys=True).encode()).hexdigest()[:12]


def radio_input(radio_jy: np.ndarray, size: int) -> np.ndarray:
    """Radio model input from a 240×240 Jy/beam frame: ``preprocess_radio`` then ``size`` px.

    ``size == 217`` is ``ml.preprocess.radio.to_model_input`` (paper geometry); other sizes use
    the same area-weighted resample of the whole frame (frame centre -> model centre), so
    candidate offsets scale by ``size / 240``.
    """
    from ml.preprocess.radio import preprocess_radio, to_model_input

    img = preprocess_radio(radio_jy)
    if size == 217:
        return to_model_input(img)
    from skimage.transform import resize

    # same mapping as to_model_input (frame centre -> model centre, whole field kept)
    out = resize(img, (size, size), order=1, mode="edge", anti_aliasing=True, preserve_range=True)
    return out.astype(np.float32)


_radio_input = radio_input  # kept: ml.evaluation.norris71.model imports this name


def _crop_bin(stack: np.ndarray, crop: int, binning: int) -> np.ndarray:
    c, h, w = stack.shape
    y0, x0 = (h - crop) // 2, (w - crop) // 2
    cut = stack[:, y0 : y0 + crop, x0 : x0 + crop]
    s = crop // binning
    return cut.reshape(c, s, binning, s, binning).mean(axis=(2, 4)).astype(np.float32)


def _one_field(seed: int, morph: str | None, cfg: SimDataConfig) -> dict[str, np.ndarray]:
    from ml.preprocess.optical import normalise_stamps
    from ml.sim.field import simulate_field

    f = simulate_field(seed, morphology=morph)
    c = f.candidates
    out = {
        "radio": radio_input(f.radio, cfg.radio_size),
        # sim x, y are offsets from the frame centre in 1" frame pixels; the model input is
        # resampled by radio_size/240, so offsets scale the same way
        "xy": np.stack([np.asarray(c["x"]), np.asarray(c["y"])], axis=1)
        * (cfg.radio_size / _FRAME),
        "ids": np.asarray(c["objID"], dtype=np.int64),
        "is_host": np.asarray(c["is_host"], dtype=bool),
        "true_class": np.array([CLASSES.index(str(k)) for k in c["true_class"]], dtype=np.int64),
        "sep_arcsec": np.asarray(c["sep_arcsec"], dtype=np.float64),
        "morphology": np.array(f.morphology),
    }
    if cfg.with_optical:
        out["optical"] = np.stack(
            [
                _crop_bin(
                    normalise_stamps(f.optical_stamps(i)), cfg.optical_crop, cfg.optical_binning
                )
                for i in range(len(c))
            ]
        )
    return out


def build_sim_fields(
    cfg: SimDataConfig,
    *,
    cache_dir: str | Path | None = None,
    progress: bool = False,
) -> list[LabelledField]:
    """Simulate, preprocess and label ``cfg.n_fields`` fields (cached on disk per field).

    Parameters
    ----------
    cfg : SimDataConfig
    cache_dir : path, optional
        Per-field ``.npz`` cache (default ``var/host_sim_cache/<cfg.key()>``; ``var/`` is not
        committed).  Deterministic, so a cache hit equals a fresh simulation.
    progress : bool
        tqdm bar over fields.

    Returns
    -------
    list of LabelledField
        Fields with no host among the candidates (possible in principle) are skipped.
    """
    cache = Path(cache_dir) if cache_dir else REPO_ROOT / "var" / "host_sim_cache" / cfg.key()
    cache.mkdir(parents=True, exist_ok=True)
    seeds: Iterable[int] = range(cfg.first_seed, cfg.first_seed + cfg.n_fields)
    if progress:
        from tqdm import tqdm

        seeds = tqdm(list(seeds), desc="simulating host fields", unit="field")
    out: list[LabelledField] = []
    for k, seed in enumerate(seeds):
        morph = cfg.morphologies[k % len(cfg.morphologies)] if cfg.morphologies else None
        path = cache / f"{seed}.npz"
        if path.is_file():
            d = dict(np.load(path))
        else:
            d = _one_field(seed, morph, cfg)
            np.savez(path, **d)
        if d["is_host"].sum() != 1:
            continue
        n = len(d["ids"])
        field = HostField(
            field_id=f"sim{seed}",
            radio=d["radio"],
            candidate_ids=[int(i) for i in d["ids"]],
            xy=d["xy"],
            class_probs=None,
            optical=d.get("optical"),
        )
        out.append(
            LabelledField(
                field=field,
                is_host=d["is_host"],
                true_class=d["true_class"],
                sep_arcsec=d["sep_arcsec"],
                morphology=str(d["morphology"]),
                group=int(seed),
            )
        )
        assert field.xy.shape == (n, 2)
    return out


def nearest_neighbour_index(lf: LabelledField) -> int:
    """The baseline: the candidate nearest to the cutout centre (the component)."""
    return int(np.argmin(lf.sep_arcsec))


def subset(fields: Sequence[LabelledField], idx: Iterable[int]) -> list[LabelledField]:
    return [fields[i] for i in idx]
