"""The catalogue of Norris-71 rows: every method with its inputs and Table-6 flag."""

from __future__ import annotations

import logging
from pathlib import Path

from ml.data.norris71 import Norris71, load_norris71
from ml.evaluation.norris71.fields import _renderer, field_components
from ml.evaluation.norris71.rows import (
    POSITIONAL_MATCH_ARCSEC,
    AssociationMethod,
    Method,
    _core_locator,
    _from_likelihood,
    authors_logged,
    gated_core_method,
    nn_vlass,
    oracle_centroid,
)
from ml.evaluation.norris71.scoring import evaluate
from ml.host.decision import field_posterior
from ml.paths import data_dir
from ml.seed import FIELD_SIZE_ARCSEC

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------------


def build_methods(data: Norris71) -> tuple[list[Method], dict]:
    """All rows whose inputs exist; a dict of rows that could not run, with the reason."""
    skipped = {}
    assoc = AssociationMethod(data)
    methods = [
        Method(
            "nn_vlass",
            "1. nearest PS1 candidate to the VLASS component position",
            "baseline",
            ["VLASS position", "PS1 candidate positions"],
            False,
            f'candidates within {POSITIONAL_MATCH_ARCSEC}" of the VLASS position',
            nn_vlass,
        ),
        Method(
            "oracle_centroid_int",
            "2a. nearest candidate to the integrated-flux-weighted centroid of the Table-6 source",
            "oracle reference",
            [
                "Table-6 expert grouping (CID)",
                "Table-4 positions and integrated fluxes",
                "PS1 candidate positions",
            ],
            True,
            f'candidates within {POSITIONAL_MATCH_ARCSEC}" of the centroid',
            oracle_centroid("int"),
            "oracle grouping: the experts' association of components into sources is given",
        ),
        Method(
            "oracle_centroid_peak",
            "2b. nearest candidate to the peak-flux-weighted centroid of the Table-6 source",
            "oracle reference",
            [
                "Table-6 expert grouping (CID)",
                "Table-4 positions and peak fluxes",
                "PS1 candidate positions",
            ],
            True,
            f'candidates within {POSITIONAL_MATCH_ARCSEC}" of the centroid',
            oracle_centroid("peak"),
            "oracle grouping; peak weighting is the weighting chosen on non-test sources for row 4a",
        ),
        Method(
            "authors_logged",
            "3. seed authors' logged model B: argmax of their host likelihood",
            "peer (logged)",
            [
                "the authors' logged host likelihoods (their VLASS + PS1 images, class probabilities, x, y, D)"
            ],
            False,
            "host likelihood > 0.5 (seed §4.2)",
            authors_logged,
            "read from RGZ_all_negative_Norris_testing_notes1.csv; trained by the authors on RGZ (FIRST) sources",
        ),
        Method(
            "assoc_centroid",
            "4a. ours, model-free: associate Table-4 components around the VLASS component "
            "(Magliocchetti+98 doubles, midpoint-core triples), nearest candidate to the "
            "peak-weighted centroid of the group",
            "ours",
            [
                "VLASS position",
                "Table-4 component positions, integrated and peak fluxes (radio sky)",
                "PS1 candidate positions",
            ],
            False,
            f'candidates within {POSITIONAL_MATCH_ARCSEC}" of the core estimate',
            assoc,
            "never reads Table 6 nor the Table-4 comments; parameters are the published criteria; "
            "centroid weighting chosen on non-test Norris sources (see association.weighting_selection)",
        ),
    ]
    locate_core, why = _core_locator()
    if locate_core is None or _renderer() is None:
        reason = why or "ml.sim.radio.render_components unavailable"
        skipped["oracle_gated_core"] = reason
        skipped["assoc_gated_core"] = reason
        skipped["field_gated_core"] = reason
    else:
        methods.insert(
            3,
            Method(
                "oracle_gated_core",
                "2c. Table-6 source rendered at the VLASS beam, core by ml.core.location.locate_core",
                "oracle reference",
                [
                    "Table-6 expert grouping (CID)",
                    "Table-4 components rendered (ml.sim.radio)",
                    "PS1 candidate positions",
                ],
                True,
                f'candidates within {POSITIONAL_MATCH_ARCSEC}" of the core',
                gated_core_method(data, lambda f: list(f.source_components), locate_core),
            ),
        )
        methods.append(
            Method(
                "assoc_gated_core",
                "4b. ours, model-free: association group rendered at the VLASS beam, core by locate_core",
                "ours",
                [
                    "VLASS position",
                    "Table-4 components rendered (ml.sim.radio)",
                    "PS1 candidate positions",
                ],
                False,
                f'candidates within {POSITIONAL_MATCH_ARCSEC}" of the core',
                gated_core_method(
                    data,
                    lambda f: [data.components[i] for i in assoc.associate(f).members],
                    locate_core,
                ),
            )
        )
        methods.append(
            Method(
                "field_gated_core",
                "4b'. whole 3.6' field rendered from Table 4 around the VLASS position, core by "
                "locate_core (no association step: the seed §5.3 proposal on a cutout)",
                "ours",
                [
                    "VLASS position",
                    "Table-4 components in the field rendered (ml.sim.radio)",
                    "PS1 candidate positions",
                ],
                False,
                f'candidates within {POSITIONAL_MATCH_ARCSEC}" of the core',
                gated_core_method(
                    data,
                    lambda f: field_components(data, f.ra, f.dec, FIELD_SIZE_ARCSEC / 2),
                    locate_core,
                    centre_on_vlass=True,
                ),
            )
        )
    return methods, skipped


def model_methods(data: Norris71, checkpoints: list[str], assoc: AssociationMethod) -> list[Method]:
    """One row per ``path[:centre]`` checkpoint spec (centre ``vlass`` or ``assoc``)."""
    from ml.evaluation.norris71.model import checkpoint_inputs, score_with_checkpoint

    rows = []
    for spec in checkpoints:
        path, _, centre = spec.partition(":")
        centre = centre or "vlass"
        liks, ckpt = score_with_checkpoint(data, path, centre=centre, assoc=assoc, bf16_check=True)
        from ml.host.model import HostConfig

        cfg = HostConfig.from_dict(ckpt["config"])
        inputs = ["VLASS position"] + checkpoint_inputs(cfg)
        if centre == "assoc":
            inputs.append("cutout centred on the association core (row 4a, Table 4 only)")
        base = Method(
            f"host_{Path(path).stem}_{centre}",
            f"4c. host identifier {Path(path).name}, cutout centred on the "
            f"{'VLASS position' if centre == 'vlass' else 'association core'}",
            "ours",
            inputs,
            False,
            "host likelihood > 0.5 (seed §4.2)",
            lambda f, liks=liks: _from_likelihood(liks[f.vlass_name]),
            "trained on SIMULATED fields only (no Norris field, no Table 6); no optical "
            "stamps exist here, so only use_optical=False checkpoints are evaluated",
            {
                "checkpoint": str(path),
                "git_sha": ckpt.get("git_sha"),
                "config": ckpt.get("config"),
                "bf16_check": ckpt.get("bf16_check"),
                "training": ckpt.get(
                    "training", {k: v for k, v in ckpt.items() if k not in ("model", "config")}
                ),
                "radio_render": 'Table-4 components within the 240" frame, 2.6x2.3" beam, '
                "1.4->3 GHz alpha=-0.7, 130 uJy/beam correlated noise (seed = field index), "
                "then ml.host.data's radio chain",
            },
        )
        # The same likelihoods as a per-field posterior (ml.host.decision.field_posterior):
        # same best candidate, calibrated > 0.5 decisions. Failures equal the row above, so
        # no overlays of its own.
        post = Method(
            base.key + "_fieldpost",
            base.label + ", likelihoods normalised per field",
            "ours",
            base.inputs,
            False,
            "field posterior > 0.5: likelihood ratios normalised over the field's candidates "
            "(one host per field, uniform prior); ml.host.decision.field_posterior",
            lambda f, liks=liks: _from_likelihood(field_posterior(liks[f.vlass_name])),
            base.notes,
            {**base.details, "overlays": False},
        )
        rows += [base, post]
    return rows


def checkpoint_summary(checkpoint: str, data_root: Path | None = None) -> dict:
    """The Norris-71 figures of one host-identifier checkpoint, for its model registry entry.

    Real data, all 71 fields are test; cutouts centred on the VLASS position (no Table 4
    or 6 read). Two rows as in the harness: raw likelihoods (seed §4.2 rule) and the same
    likelihoods normalised per field; plus the bf16 check.
    """
    data = load_norris71(data_dir(data_root))
    rows = {}
    for m in model_methods(data, [checkpoint], assoc=None):
        row, _ = evaluate(m, data)
        key = "field_posterior" if m.key.endswith("_fieldpost") else "likelihood"
        keep = ("n_fields", "n_correct", "accuracy", "n_prime_host", "precision_at_0.5")
        rows[key] = {k: row[k] for k in (*keep, "recall_at_0.5")}
    return {
        "data": "real: Norris-71, the seed's 71 CDFS test fields (all test), cutouts centred "
        "on the VLASS position",
        "rows": rows,
        "bf16_check": m.details.get("bf16_check"),
        "command": f"python -m ml.evaluation.norris71 --checkpoint {checkpoint}",
    }
