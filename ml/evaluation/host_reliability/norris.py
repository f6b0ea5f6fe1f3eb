"""The Norris-71 real rows: the deployed association's core, today's positional reliability
and the likelihood-ratio reliability (the PS1 rows carry positions only: q/n flat, so the LR
is a test of f(r) and Q0; its ranking is the positional one)."""

from __future__ import annotations

import numpy as np

from ml.association.refit import Method
from ml.host.decision import field_posterior
from ml.host.likelihood_ratio import (
    LRModel,
    core_sigma_arcsec,
    field_reliability,
    local_density_arcsec2,
)
from ml.host.positional import positional_likelihood
from ml.sky import separation_arcsec


def norris71_rows(model: LRModel, data_root=None) -> dict:
    """Top-1 of the positional method and the LR on the 71 real fields, how many best
    candidates each calls reliable (≥ 0.9) while their likelihood is < 0.01, and the fields the
    LR answers "no host found" (``p_no_host`` above the best reliability) with the labelled
    host's offset from the core."""
    from ml.data.norris71 import load_norris71
    from ml.evaluation.norris71.rows import AssociationMethod
    from ml.paths import data_dir

    data = load_norris71(data_dir(data_root))
    method = Method()
    assoc = AssociationMethod(data, method.params)
    pos_ok = lr_ok = 0
    pos_bad = lr_bad = pos_hi = lr_hi = no_host = declared_ok = 0
    rejected = []
    for f in data.fields:
        asc = assoc.associate(f)
        a = f.candidate_arrays()
        sep = np.atleast_1d(separation_arcsec(asc.core_ra, asc.core_dec, a["ra"], a["dec"]))
        sigma = float(
            core_sigma_arcsec(
                multi_component=[asc.is_multi],
                sigma_single_arcsec=method.sigma(False),
                sigma_multi_arcsec=method.sigma(True),
            )[0]
        )
        lik = positional_likelihood(sep, multi_component=asc.is_multi, sigma_arcsec=sigma)
        post = field_posterior(lik)
        b_pos = int(np.argmax(lik))
        ratio = model.likelihood_ratio(sep, sigma, density=local_density_arcsec2(sep, [0])[0])
        rel, p_none = field_reliability(ratio, [0], model.q0)
        b_lr = int(np.argmax(ratio))
        pos_ok += b_pos == f.host_index
        lr_ok += b_lr == f.host_index
        pos_hi += post[b_pos] >= 0.9
        lr_hi += rel[b_lr] >= 0.9
        pos_bad += bool(post[b_pos] >= 0.9 and lik[b_pos] < 0.01)
        lr_bad += bool(rel[b_lr] >= 0.9 and lik[b_lr] < 0.01)
        said_none = bool(p_none[0] > rel[b_lr])
        no_host += said_none
        declared_ok += bool(not said_none and b_lr == f.host_index)
        if said_none:
            rejected.append({"field": f.vlass_name, "multi": bool(asc.is_multi),
                             "host_offset_arcsec": round(float(sep[f.host_index]), 1),
                             "p_no_host": round(float(p_none[0]), 4)})  # fmt: skip
    n = len(data.fields)
    return {
        "data": "real: Norris-71 (the seed's 71 CDFS test fields; PS1 positions only)",
        "n_fields": n,
        "positional_correct": f"{pos_ok}/{n}",
        "lr_correct": f"{lr_ok}/{n}",
        "positional_reliable_0.9": int(pos_hi),
        "positional_reliable_0.9_with_likelihood_below_0.01": int(pos_bad),
        "lr_reliable_0.9": int(lr_hi),
        "lr_reliable_0.9_with_likelihood_below_0.01": int(lr_bad),
        "lr_no_host_found": int(no_host),
        "lr_declared_correct": f"{declared_ok}/{n}",
        "lr_no_host_fields": rejected,
        "q0": model.q0,
    }
