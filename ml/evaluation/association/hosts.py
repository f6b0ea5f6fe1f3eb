"""Host identification on simulated VLASS fields per associator: what the pipeline
finally delivers, on the survey it runs on.

The grouping checks count exact groups; a looser rule may gain a group here and there and
still move cores off their hosts elsewhere, by linking an unrelated faint neighbour of a
single component. Each field's catalogued component is associated, its core located, the
positional likelihood ranks the field's optical candidates and the seed §4.2 decision picks
the best (the deployed catalogue-level method, ``ml.association.refit.score``); a row is right
where the best candidate is the simulated host. Rows are compared field by field (paired):
the gate asks whether a row loses more fields than it gains against the rules it would
replace, by a one-sided sign test.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import binomtest

from ml.association.refit import LabelledField, Method, core_offsets
from ml.host.decision import decide
from ml.host.positional import positional_likelihood

#: simulated VLASS fields of the host check (seeds disjoint from the grouping checks': the
#: transfer check uses 20000+, the guarded threshold's fields their own)
HOST_FIELDS = 1500
HOST_SEED0 = 40_000
#: a row fails the host guard when it loses significantly more fields than it gains
SIGN_TEST_ALPHA = 0.05


def simulated_fields(n: int = HOST_FIELDS, seed0: int = HOST_SEED0) -> list[LabelledField]:
    """``n`` ml.sim VLASS fields as labelled fields: the whole component catalogue (with
    shapes), the catalogued target, the optical candidates and the simulated host."""
    from ml.evaluation.association.checks import simulated_vlass_field
    from ml.sim.field import simulate_field

    out = []
    for s in range(seed0, seed0 + n):
        f = simulate_field(seed=s)
        col, fluxes, shapes, target, _ = simulated_vlass_field(s, f)
        out.append(
            LabelledField(
                col["ra"],
                col["dec"],
                *fluxes,
                float(col["ra"][target]),
                float(col["dec"][target]),
                np.asarray(f.candidates["ra"], float),
                np.asarray(f.candidates["dec"], float),
                int(f.host_index),
                str(s),
                shapes,
            )
        )
    return out


def host_hits(fields: list[LabelledField], params) -> np.ndarray:
    """Per field: is the best candidate the host? ``params``: rules or an edge model (the
    positional scales are the deployed defaults)."""
    m = Method()
    hits = np.zeros(len(fields), bool)
    for k, f in enumerate(fields):
        sep, multi = core_offsets(f, params)
        best, _, _ = decide(
            positional_likelihood(sep, multi_component=multi, sigma_arcsec=m.sigma(multi))
        )
        hits[k] = best == f.host
    return hits


def paired(hits: np.ndarray, base: np.ndarray) -> dict:
    """Fields gained and lost against ``base``, and the one-sided sign-test p of losing."""
    gained, lost = int(np.sum(hits & ~base)), int(np.sum(base & ~hits))
    p = binomtest(lost, gained + lost, 0.5, alternative="greater").pvalue if lost else 1.0
    return {"gained": gained, "lost": lost, "p_lose": round(float(p), 4)}


def simulated_vlass_hosts(configs: dict, baselines: dict, fields=None) -> dict:
    """Host top-1 per row (``configs``: row -> params; None = the published rules) and the
    paired comparison of each row with its baseline row (``baselines``: row -> row)."""
    fields = fields if fields is not None else simulated_fields()
    hits = {name: host_hits(fields, params) for name, params in configs.items()}
    rows = {}
    for name, h in hits.items():
        rows[name] = {"top1": f"{int(h.sum())}/{h.size}", "top1_frac": round(float(h.mean()), 4)}
        if name in baselines:
            rows[name]["vs"] = baselines[name]
            rows[name] |= paired(h, hits[baselines[name]])
    return rows


def host_guard_ok(row: dict) -> bool:
    """A row passes unless it loses significantly more fields than it gains."""
    return row.get("p_lose", 1.0) >= SIGN_TEST_ALPHA
