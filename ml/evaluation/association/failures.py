"""Which held-out multi-component Norris sources an associator gets wrong, and how.

For every held-out Table 6 source of two or more components (real CDFS data, outside the
Norris-71 test fields, :mod:`ml.evaluation.association.data`) this lists the experts'
grouping beside each method's predicted grouping of the source's components, with the
catalogue facts the associators read (separations, fluxes, deconvolved sizes, PAs), and names
the failure mode:

* ``over_merged``: every expert component is in the predicted group, plus components of
  other sources (neighbours linked in);
* ``split``: the predicted group is a strict subset of the source (a lobe or core missed);
* ``split_and_over_merged``: both at once.

A ``split`` source is further described by what was missed: ``far_lobe`` (the missing
component lies beyond the Magliocchetti et al. 1998 double scale ``100" sqrt(S/100 mJy)`` of
the source's total flux, the reach of the published double rule), ``core`` (a missing component
near the midpoint of the outer pair) or ``near`` (missed although within the double scale).
A source is called ``no_core`` when it is a double whose experts' grouping holds no component
between the lobes, i.e. the core was not detected at ATLAS depth. The description is computed
from Table 4 and Table 6 only; it never informs a fitted choice.
"""

from __future__ import annotations

import numpy as np

from ml.sky import separation_arcsec

#: a component within this fraction of the outer pair's separation from its midpoint is a core
CORE_FRACTION = 0.25


def _sep(a: dict, i: int, j: int) -> float:
    return float(
        separation_arcsec(a["ra"][i], a["dec"][i], np.array([a["ra"][j]]), a["dec"][[j]])[0]
    )


def _theta(flux_mjy: float) -> float:
    """Magliocchetti et al. 1998 double scale (arcsec) of a source of total flux ``flux_mjy``."""
    return 100.0 * np.sqrt(flux_mjy / 100.0)


def _outer_pair(a: dict, comps: np.ndarray) -> tuple[int, int, float]:
    best = (int(comps[0]), int(comps[-1]), -1.0)
    for x in range(len(comps)):
        for y in range(x + 1, len(comps)):
            d = _sep(a, int(comps[x]), int(comps[y]))
            if d > best[2]:
                best = (int(comps[x]), int(comps[y]), d)
    return best


def _is_core(a: dict, k: int, outer: tuple[int, int, float]) -> bool:
    i, j, d = outer
    if k in (i, j) or d <= 0:
        return False
    mra, mdec = 0.5 * (a["ra"][i] + a["ra"][j]), 0.5 * (a["dec"][i] + a["dec"][j])
    dk = float(separation_arcsec(a["ra"][k], a["dec"][k], np.array([mra]), np.array([mdec]))[0])
    return dk <= CORE_FRACTION * d


def failure_mode(a: dict, comps: np.ndarray, labels: np.ndarray) -> dict | None:
    """How ``labels`` (a group label per component) gets source ``comps`` wrong; None if exact.

    The predicted group is that of the source's first component, as
    :func:`ml.association.learn.exact_counts` scores it.
    """
    got = set(np.flatnonzero(labels == labels[comps[0]]).tolist())
    truth = set(int(c) for c in comps)
    if got == truth:
        return None
    extra, missed = sorted(got - truth), sorted(truth - got)
    mode = "split_and_over_merged" if extra and missed else ("over_merged" if extra else "split")
    out = {
        "mode": mode,
        "predicted_groups": sorted(
            {tuple(int(x) for x in np.flatnonzero(labels == labels[c])) for c in comps}
        ),
        "extra_components": [str(a["cid"][k]) for k in extra],
    }
    if missed:
        outer = _outer_pair(a, comps)
        theta = _theta(float(a["int_flux_mjy"][comps].sum()))
        why = []
        for k in missed:
            d_in = min(_sep(a, k, g) for g in got & truth) if got & truth else np.inf
            if _is_core(a, k, outer):
                why.append("core")
            elif d_in > theta:
                why.append("far_lobe")
            else:
                why.append("near")
        out["missed"] = [
            {"cid": str(a["cid"][k]), "kind": w} for k, w in zip(missed, why, strict=True)
        ]
    if extra:
        out["extra_nearest_sep_arcsec"] = round(
            min(_sep(a, k, int(c)) for k in extra for c in comps), 1
        )
    out["predicted_groups"] = [[str(a["cid"][x]) for x in g] for g in out["predicted_groups"]]
    return out


def describe_source(a: dict, comps: np.ndarray) -> dict:
    """The catalogue facts of one expert source: components, pair separations, theta."""
    outer = _outer_pair(a, comps)
    total = float(a["int_flux_mjy"][comps].sum())
    return {
        "components": [
            {
                "cid": str(a["cid"][k]),
                "int_flux_mjy": round(float(a["int_flux_mjy"][k]), 2),
                "peak_flux_mjy": round(float(a["peak_flux_mjy"][k]), 2),
                "major_arcsec": round(float(a["major_arcsec"][k]), 1),
                "minor_arcsec": round(float(a["minor_arcsec"][k]), 1),
                "pa_deg": round(float(a["pa_deg"][k]), 0),
            }
            for k in comps
        ],
        "pair_sep_arcsec": {
            f"{a['cid'][comps[x]]}-{a['cid'][comps[y]]}": round(
                _sep(a, int(comps[x]), int(comps[y])), 1
            )
            for x in range(len(comps))
            for y in range(x + 1, len(comps))
        },
        "largest_sep_arcsec": round(outer[2], 1),
        "theta_double_arcsec": round(_theta(total), 1),
        "has_midpoint_core": any(_is_core(a, int(k), outer) for k in comps),
    }


def multi_failures(h, labels_by_method: dict) -> dict:
    """The held-out multi-component sources any method gets wrong, per method's failure mode.

    ``labels_by_method`` maps a method name to ``labels_for_fold(f)`` (as
    :func:`ml.evaluation.association.scoring.score_row` takes it).
    """
    a = h.data.component_arrays()
    sources, counts = [], {m: {} for m in labels_by_method}
    kinds = {m: {} for m in labels_by_method}
    for comps, f in zip(h.sources, h.source_fold, strict=True):
        if comps.size < 2:
            continue
        modes = {m: failure_mode(a, comps, lab(f)) for m, lab in labels_by_method.items()}
        if all(v is None for v in modes.values()):
            continue
        for m, v in modes.items():
            key = "exact" if v is None else v["mode"]
            counts[m][key] = counts[m].get(key, 0) + 1
            for miss in [] if v is None else v.get("missed", []):
                kinds[m][miss["kind"]] = kinds[m].get(miss["kind"], 0) + 1
        src = h.data.sources[int(h.source_of[comps[0]])]
        sources.append(
            {
                "source": src.sid,
                "name": src.name,
                "fold": int(f),
                "n_components": int(comps.size),
                **describe_source(a, comps),
                "by_method": {m: (v if v is not None else "exact") for m, v in modes.items()},
            }
        )
    return {
        "n_sources_listed": len(sources),
        "modes_by_method": counts,
        "missed_components_by_kind": kinds,
        "n_listed_doubles_without_core": sum(
            s["n_components"] == 2 for s in sources
        ),  # a double's components are its lobes: no core was catalogued between them
        "sources": sources,
    }
