"""The default decision and the headline summary of the association evaluation.

A new associator becomes the default only if its held-out multi agreement beats the
published rules, Norris-71 stays >= 69/71, held-out singles stay >= ``SINGLE_FLOOR`` and the
simulated VLASS singles lose at most ``VLASS_SINGLE_TOLERANCE`` (the pipeline runs on VLASS,
where most targets are single components). Used by :mod:`ml.evaluation.association`.
"""

from __future__ import annotations

from astropy.stats import binom_conf_interval

from ml.association.learn import SINGLE_FLOOR
from ml.evaluation.association.hosts import host_guard_ok

#: how much of the simulated VLASS single-component agreement a default may lose against the
#: rules (619/629 vs 629/629 is 1.6 points)
VLASS_SINGLE_TOLERANCE = 0.01


def choose_default(
    rows: dict, n71: dict, vlass: dict, flips: dict, hosts: dict | None = None
) -> tuple[str, str]:
    """The default associator among the rows that pass the gate, and why (one sentence per
    candidate row). ``hosts``: the simulated VLASS host check
    (:func:`ml.evaluation.association.hosts.simulated_vlass_hosts`), by row; a row it lists
    must not lose significantly more fields than it gains against the rules it would replace."""
    hosts = hosts or {}

    # The default decision: a new associator becomes the default only if its
    # held-out multi agreement beats the current rules, Norris-71 stays >= 69/71, held-out
    # singles stay >= SINGLE_FLOOR and (added guard: the pipeline runs on VLASS, where most
    # targets are single components) the simulated VLASS singles lose at most the tolerance,
    # and (added in the second session, when close pairs gained a Norris multi but lost 11
    # simulated VLASS hosts for 1) the simulated VLASS hosts are not significantly worse.
    def gate(row: str, vlass_row: str) -> tuple[bool, str]:
        r = rows[row]
        better = r["multi_exact_frac"] > rows["rules"]["multi_exact_frac"]
        vlass_ok = (
            vlass[vlass_row]["single_exact_frac"]
            >= vlass["rules"]["single_exact_frac"] - VLASS_SINGLE_TOLERANCE
        )
        singles_ok = r["single_exact_frac"] >= SINGLE_FLOOR
        host = hosts.get(row, {})
        host_ok = host_guard_ok(host)
        ok = better and n71[row] >= 69 and vlass_ok and singles_ok and host_ok
        host_why = (
            f"; simulated VLASS hosts {host['top1']}, against {host['vs']} +{host['gained']} "
            f"-{host['lost']} fields (sign test p = {host['p_lose']}, "
            f"{'ok' if host_ok else 'significantly worse'})"
            if "vs" in host
            else ""
        )
        why = (
            f"{row}: held-out Norris multis {r['multi_exact']} vs rules "
            f"{rows['rules']['multi_exact']} ({'better' if better else 'not better'}); singles "
            f"{r['single_exact']} ({'>=' if singles_ok else '<'} {SINGLE_FLOOR:.4f}); Norris-71 "
            f"{n71[row]}/71 (needs >= 69); simulated VLASS singles "
            f"{vlass[vlass_row]['single_exact']} vs rules {vlass['rules']['single_exact']} "
            f"(may lose at most {VLASS_SINGLE_TOLERANCE:.0%}){host_why}"
        )
        return ok, why

    # (row, its simulated VLASS row), the extended rules first
    candidates = (
        ("rules_extended", "rules_extended"),
        ("rules_extended_close_pairs", "rules_extended_close_pairs"),
        ("edges_survey_independent", "edges_with_shapes"),
        ("edges_on_extended_rules", "edges_on_extended_rules_with_shapes"),
        (
            "edges_on_extended_rules_survey_independent",
            "edges_on_extended_rules_survey_independent_with_shapes",
        ),
        (
            "edges_on_extended_rules_vlass_guarded",
            "edges_on_extended_rules_vlass_guarded_with_shapes",
        ),
    )
    verdicts = {row: gate(row, vrow) for row, vrow in candidates}
    vlass_of = dict(candidates)
    # Of the associators that pass, the default gets the most held-out Norris sources right in
    # all (multi + single), then the most simulated VLASS targets right (the survey the
    # pipeline runs on); a remaining tie goes to the extended rules (listed first: they add
    # links to the published rules in narrow configurations, where the edge model refits
    # everything). The gate's conditions are floors, not the objective: a catalogue that is
    # mostly single components gains nothing from trading a single for a multi. (Until the
    # second issue-16 session the rank was the multi rate alone; it was changed when an edge
    # model tied the extended rules at 531 held-out sources right, 21 vs 19 multis for 510 vs
    # 512 singles, and did worse on simulated VLASS.) The 85% goal is reported, not
    # required (the rule does not ask for it).
    passing = [row for row, _ in candidates if verdicts[row][0]]
    default = max(
        passing,
        key=lambda n: (_right(rows[n]), _right(vlass[vlass_of[n]])),
        default="rules",
    )
    goal = rows[default]["multi_exact_frac"] >= 0.85
    reason = (
        f"default {default}. "
        + " ".join(f"{why}; {'passes' if ok else 'fails'}." for ok, why in verdicts.values())
        + " Held-out sources right in all (multi + single), then simulated VLASS targets: "
        + ", ".join(f"{n} {_right(rows[n])} / {_right(vlass[vlass_of[n]])}" for n in passing)
        + f". Against the rules, source by source, rules_extended gets {flips['gained']} more "
        f"held-out sources right ({', '.join(flips['gained_sources']) or 'none'}) and "
        f"{flips['lost']} fewer; the issue's goal (>= 85% of held-out multis) is "
        f"{'met' if goal else 'NOT met'} by the default"
    )
    return default, reason


def _right(row: dict) -> int:
    """Sources grouped exactly, multi and single together (a held-out or a simulated VLASS
    row)."""
    return sum(int(row[k].split("/")[0]) for k in ("multi_exact", "single_exact"))


def summary(
    rows: dict,
    n71: dict,
    vlass: dict,
    bright_all: dict,
    bright_chosen: list,
    rules_extended: dict,
    default: str,
    reason: str,
    hosts: dict | None = None,
) -> dict:
    """The headline keys the issue names, for the shipped extended rules, beside the rest."""
    best = rows["rules_extended"]
    return {
        "associator": "rules_extended (ml.association published rules + a core of any flux "
        "within f d of a comparable-flux lobe pair's midpoint + aligned doubles out to a "
        f"times the double scale; settings chosen per fold on the training strips, on all "
        f"held-out sources {bright_all}); the headline keys are its figures, the published "
        "rules' and the edge model's sit beside them",
        "default_associator": default,
        "default_reason": reason,
        "multi_exact_heldout": best["multi_exact"],
        "single_exact_heldout": best["single_exact"],
        "core_within_5arcsec_heldout": best["core_to_swire_host_all"]["within_5arcsec"],
        "norris71_correct": f"{n71['rules_extended']}/71",
        "rules_extensions_chosen_per_fold": bright_chosen,
        "multi_exact_heldout_wilson95": wilson95(best["multi_exact"]),
        "rgz_grouping_heldout": best["rgz_grouping"],
        "multi_exact_heldout_per_fold": rules_extended["per_fold_heldout"],
        **{
            name: _headline(rows[name], n71.get(name), core=name in _WITH_CORE)
            for name in (
                "rules",
                "edges_survey_independent",
                "edges_on_extended_rules",
                "edges_on_extended_rules_survey_independent",
                "edges_on_extended_rules_vlass_guarded",
                "edges",
                "edges_absorb_cores",
                "rules_core_flux_ratio_nested",
                "rules_extended_symmetric_triples_nested",
                "rules_extended_close_pairs",
            )
        },
        "nearest_component_core_within_5arcsec_heldout": rows["nearest_component"][
            "core_to_swire_host_all"
        ]["within_5arcsec"],
        "goal_multi_exact_85pct_reached": best["multi_exact_frac"] >= 0.85,
        "simulated_vlass_single_exact": {k: v["single_exact"] for k, v in vlass.items()},
        "simulated_vlass_host_top1": {k: v["top1"] for k, v in (hosts or {}).items()},
    }


#: Rows whose core-to-host distance the summary repeats (the others change only grouping).
_WITH_CORE = {
    "rules",
    "rules_extended_close_pairs",
    "edges_survey_independent",
    "edges_on_extended_rules",
    "edges_on_extended_rules_survey_independent",
    "edges_on_extended_rules_vlass_guarded",
    "edges",
}


def _headline(row: dict, n71: int | None, *, core: bool) -> dict:
    """One method's headline figures for the summary (the issue's keys)."""
    out = {
        "multi_exact_heldout": row["multi_exact"],
        "single_exact_heldout": row["single_exact"],
        "rgz_grouping_heldout": row["rgz_grouping"],
    }
    if core:
        out["core_within_5arcsec_heldout"] = row["core_to_swire_host_all"]["within_5arcsec"]
    if n71 is not None:
        out["norris71_correct"] = f"{n71}/71"
    return out


def wilson95(fraction: str) -> list[float]:
    """The 95% Wilson score interval of a count "k/n": with 26 held-out multis, one source is
    4 points, and the interval says how far a rate may be from the goal by chance alone.
    Rounded to 3 decimals, as the committed JSON reports it."""
    k, n = (int(x) for x in fraction.split("/"))
    lo, hi = binom_conf_interval(k, n, confidence_level=0.95, interval="wilson")
    return [round(float(lo), 3), round(float(hi), 3)]
