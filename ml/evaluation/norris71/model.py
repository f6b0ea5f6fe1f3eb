"""The host identifier (``ml.host``) on the real Norris-71 fields (row 4).

No VLASS pixels exist for these fields, so each radio cutout is *rendered* from the radio sky
-- every Norris et al. 2006 Table-4 component in and around the 3.6' field (seed §2.1) -- at a
VLASS beam with VLASS-level noise by the project's simulator (:func:`ml.sim.radio.render_components`),
then run through the same preprocessing as real cutouts (:func:`ml.preprocess.radio.preprocess_radio`,
:func:`ml.preprocess.radio.to_model_input`). Candidate inputs are the authors' PS1 positions
(as x, y, D) and the authors' GALAXY/QSO/STAR probabilities (their model A). No optical stamps
exist, so a model with ``use_optical=True`` cannot be evaluated here honestly.

Table 6 (the expert grouping and host) is never read here. The cutout centre is the VLASS
position (as in the seed) or, with ``centre="assoc"``, the core found by the model-free
association of Table-4 components (:mod:`ml.association`): the same
pipeline a survey would run (associate components, centre on the core, identify the host).
"""

from __future__ import annotations

import numpy as np

from ml.data.norris71 import Norris71, Norris71Field
from ml.host.simulated import train_checkpoint  # noqa: F401  (this module's CLI trains)
from ml.seed import CUTOUT_SIZE_PX

#: VLASS QL single-epoch noise (uJy/beam), mid-range of 120-145 (ml.sim.vlass.VLASS_NOISE_UJY).
NORRIS_RENDER_NOISE_UJY = 130.0
#: The frame of seed §2.1 (240 px at 1"/px) and the model input it is resampled to (seed §3.3).
FRAME_PX = CUTOUT_SIZE_PX
CENTRES = ("vlass", "assoc")


def _frame_geometry(center_ra: float, center_dec: float):
    from astropy.coordinates import SkyCoord

    from ml.sim.vlass import vlass_wcs

    return vlass_wcs(SkyCoord(center_ra, center_dec, unit="deg"), size=FRAME_PX)


def render_radio_frame(
    data: Norris71,
    center_ra: float,
    center_dec: float,
    *,
    beam_arcsec=(2.6, 2.3, 0.0),
    noise_ujy: float | None = NORRIS_RENDER_NOISE_UJY,
    seed: int = 0,
):
    """Table-4 sky rendered on the 240x240 1"/px VLASS frame centred on a position.

    Parameters
    ----------
    data : Norris71
    center_ra, center_dec : float
        Frame centre (deg).
    beam_arcsec : (bmaj, bmin, bpa_deg)
        Restoring beam (arcsec, deg); default a typical VLASS QL beam.
    noise_ujy : float or None
        Beam-correlated noise rms (uJy/beam); None for a noise-free image.
    seed : int
        Noise seed (deterministic).

    Returns
    -------
    image : ndarray (240, 240), float32, Jy/beam at 3 GHz
    wcs : astropy.wcs.WCS
    """
    from ml.evaluation.norris71.fields import field_components
    from ml.sim.radio import render_components

    wcs = _frame_geometry(center_ra, center_dec)
    comps = field_components(data, center_ra, center_dec, FRAME_PX / 2)
    maj = np.array([c.major_arcsec for c in comps])
    img = render_components(
        [c.ra for c in comps],
        [c.dec for c in comps],
        [c.int_flux_mjy for c in comps],
        maj,
        np.minimum([c.minor_arcsec for c in comps], maj),
        [c.pa_deg for c in comps],
        wcs=wcs,
        beam_arcsec=beam_arcsec,
        noise_ujy=noise_ujy,
        rng=seed,
    )
    return img, wcs


def _radio_input(img_jy: np.ndarray, size: int) -> np.ndarray:
    """The training data's radio chain, so Norris fields are preprocessed exactly like the
    simulated training fields (``ml.host.data``): preprocess_radio, then 217 px via
    to_model_input or, for reduced-resolution models, the same centre-preserving resample."""
    try:
        from ml.host.data import _radio_input as train_radio_input
    except ImportError:  # pragma: no cover - older tree without ml.host.data
        train_radio_input = None
    if train_radio_input is not None:
        return train_radio_input(img_jy, size)
    from ml.preprocess.radio import preprocess_radio, to_model_input

    if size != 217:
        raise ValueError(f"radio size {size} needs ml.host.data (only 217 is supported without it)")
    return to_model_input(preprocess_radio(img_jy))


def candidate_xy(f: Norris71Field, wcs, model_size: int) -> np.ndarray:
    """Candidate offsets from the frame centre in model-input pixels, (N, 2).

    x grows with the column index (west, RA decreasing) and y with the row index (north), the
    convention of :mod:`ml.sim.field`; the 240-px frame is resampled to ``model_size`` px, so one
    model pixel is ``240 / model_size`` arcsec.
    """
    a = f.candidate_arrays()
    px, py = wcs.celestial.world_to_pixel_values(a["ra"], a["dec"])
    c = (FRAME_PX - 1) / 2.0
    return np.stack([px - c, py - c], axis=1) * (model_size / FRAME_PX)


def norris_host_fields(
    data: Norris71,
    *,
    model_size: int = 217,
    centre: str = "vlass",
    noise_ujy: float | None = NORRIS_RENDER_NOISE_UJY,
    seed: int = 0,
    assoc=None,
):
    """One :class:`ml.host.field.HostField` per Norris-71 field (no optical stamps).

    Parameters
    ----------
    data : Norris71
    model_size : int
        The model's radio input side (``HostConfig.radio_size``).
    centre : {"vlass", "assoc"}
        Cutout centre: the VLASS position, or the association core (needs ``assoc``, an
        :class:`ml.evaluation.norris71.run.AssociationMethod`).
    noise_ujy : float or None
        Render noise (uJy/beam); field ``i`` uses noise seed ``seed + i``.
    seed : int

    Raises
    ------
    ValueError
        On an unknown ``centre`` or ``centre="assoc"`` without ``assoc``.
    """
    if centre not in CENTRES:
        raise ValueError(f"centre must be one of {CENTRES}, got {centre!r}")
    if centre == "assoc" and assoc is None:
        raise ValueError("centre='assoc' needs the association method (assoc=...)")
    from ml.host.field import HostField

    out = []
    for i, f in enumerate(data.fields):
        if centre == "vlass":
            cra, cdec = f.ra, f.dec
        else:
            asc = assoc.associate(f)
            cra, cdec = asc.core_ra, asc.core_dec
        img, wcs = render_radio_frame(data, cra, cdec, noise_ujy=noise_ujy, seed=seed + i)
        radio = _radio_input(img, model_size)
        a = f.candidate_arrays()
        out.append(
            HostField(
                field_id=f.vlass_name,
                radio=radio,
                candidate_ids=[int(x) for x in a["objid"]],
                xy=candidate_xy(f, wcs, model_size),
                class_probs=np.stack([a["galaxy_prob"], a["qso_prob"], a["star_prob"]], axis=1),
                optical=None,
            )
        )
    return out


def score_with_checkpoint(
    data: Norris71, checkpoint: str, *, centre: str = "vlass", assoc=None, bf16_check: bool = False
):
    """Host likelihoods per field (dict vlass_name -> ndarray) from a saved host identifier.

    With ``bf16_check`` the fields are scored again by the bf16 engine and the returned
    checkpoint dict gains ``"bf16_check"``: in how many fields bf16 picks the same best
    candidate as fp32 (it must in every field), and the largest likelihood change.

    Raises
    ------
    ValueError
        If the checkpoint's model needs optical stamps (none exist for these fields).
    """
    import torch

    from ml.host.engine import HostEngine, score_fields
    from ml.host.model import load_checkpoint

    torch.set_num_threads(min(2, torch.get_num_threads()))
    model, ckpt = load_checkpoint(checkpoint)
    if model.cfg.use_optical:
        raise ValueError(
            f"{checkpoint}: use_optical=True, but no PS1 stamps exist for the Norris-71 fields; "
            "evaluate a variant trained with use_optical=False"
        )
    fields = norris_host_fields(data, model_size=model.cfg.radio_size, centre=centre, assoc=assoc)
    for hf in fields:
        if not model.cfg.use_radio:
            hf.radio = None
        if not model.cfg.needs_class_probs:
            hf.class_probs = None
    liks = score_fields(fields, model)
    if bf16_check:
        eng16 = HostEngine(model, dtype="bf16")
        liks16 = eng16.score(fields)
        same = sum(int(np.argmax(a) == np.argmax(b)) for a, b in zip(liks, liks16, strict=True))
        ckpt = {
            **ckpt,
            "bf16_check": {
                "same_best_candidate_fields": f"{same}/{len(fields)}",
                "all_same": same == len(fields),
                "fp32_rescored_near_ties": eng16.fp32_rescored_fields,
                "max_abs_likelihood_diff": max(
                    float(np.abs(a - b).max()) for a, b in zip(liks, liks16, strict=True)
                ),
            },
        }
    return {f.field_id: lik for f, lik in zip(fields, liks, strict=True)}, ckpt


def checkpoint_inputs(cfg) -> list[str]:
    """Human-readable list of the inputs a host-identifier configuration uses here."""
    out = []
    if cfg.use_radio:
        out.append("radio cutout rendered from Table-4 components at the VLASS beam (ml.sim.radio)")
    if cfg.use_class_probs:
        out.append("the authors' GALAXY/QSO/STAR probabilities")
    if cfg.use_xy:
        out.append("candidate (x, y) in radio-cutout pixels")
    if cfg.use_distance:
        out.append("D = sqrt(x^2 + y^2)")
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    p = argparse.ArgumentParser(description="Train a simulated-data host identifier for Norris-71")
    p.add_argument("--config", required=True)
    p.add_argument("--out", required=True, help="checkpoint path, e.g. var/models/host_norris.pt")
    p.add_argument("--n-fields", type=int, default=None)
    a = p.parse_args(argv)
    print(json.dumps(train_checkpoint(a.config, a.out, n_fields=a.n_fields), indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
