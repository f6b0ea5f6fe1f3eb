"""The default decision of the association evaluation: floors first, then the
most held-out sources right in all, then simulated VLASS; and the interval it reports."""

from __future__ import annotations

import numpy as np
import pytest

from ml.evaluation.association.gate import choose_default, wilson95

ROWS = (
    "rules_extended",
    "rules_extended_close_pairs",
    "edges_survey_independent",
    "edges_on_extended_rules",
    "edges_on_extended_rules_survey_independent",
    "edges_on_extended_rules_vlass_guarded",
)
VLASS = {
    "rules_extended": "rules_extended",
    "rules_extended_close_pairs": "rules_extended_close_pairs",
    "edges_survey_independent": "edges_with_shapes",
    "edges_on_extended_rules": "edges_on_extended_rules_with_shapes",
    "edges_on_extended_rules_survey_independent": (
        "edges_on_extended_rules_survey_independent_with_shapes"
    ),
    "edges_on_extended_rules_vlass_guarded": "edges_on_extended_rules_vlass_guarded_with_shapes",
}
FLIPS = {"gained": 0, "gained_sources": [], "lost": 0}


def _row(multi: int, single: int, n_multi: int = 26, n_single: int = 517) -> dict:
    return {
        "multi_exact": f"{multi}/{n_multi}",
        "multi_exact_frac": multi / n_multi,
        "single_exact": f"{single}/{n_single}",
        "single_exact_frac": single / n_single,
    }


def _inputs(held: dict, vlass: dict, n71: dict | None = None):
    rows = {"rules": _row(15, 512)} | {r: _row(15, 512) for r in ROWS} | held
    sim = {"rules": _row(44, 325, 62, 338)} | {VLASS[r]: _row(44, 325, 62, 338) for r in ROWS}
    sim |= {VLASS[r]: v for r, v in vlass.items()}
    return rows, (n71 or {}) | {r: 71 for r in ROWS if r not in (n71 or {})}, sim


def test_a_tie_in_sources_right_goes_to_simulated_vlass_then_to_the_rules():
    # the edge model trades two singles for two multis: 531 = 531 held-out sources right
    rows, n71, sim = _inputs(
        {
            "rules_extended": _row(19, 512),
            "edges_on_extended_rules_survey_independent": _row(21, 510),
        },
        {
            "rules_extended": _row(47, 324, 62, 338),
            "edges_on_extended_rules_survey_independent": _row(46, 322, 62, 338),
        },
    )
    default, reason = choose_default(rows, n71, sim, FLIPS)
    assert default == "rules_extended"
    assert "rules_extended 531 / 371" in reason and "NOT met" in reason
    # the same edge model, better on simulated VLASS too, wins the tie
    sim[VLASS["edges_on_extended_rules_survey_independent"]] = _row(48, 324, 62, 338)
    assert choose_default(rows, n71, sim, FLIPS)[0] == "edges_on_extended_rules_survey_independent"


def test_more_sources_right_wins_only_above_every_floor():
    rows, n71, sim = _inputs(
        {"rules_extended": _row(19, 512), "edges_on_extended_rules": _row(23, 510)},
        {"rules_extended": _row(47, 324, 62, 338)},
    )
    assert choose_default(rows, n71, sim, FLIPS)[0] == "edges_on_extended_rules"
    # Norris-71 below 69, held-out singles below 619/629, or simulated VLASS singles more than
    # 1% below the rules': the row cannot become the default however many multis it gets
    for bad in (
        ({}, {"edges_on_extended_rules": 68}, {}),
        ({"edges_on_extended_rules": _row(26, 508)}, {}, {}),
        ({}, {}, {"edges_on_extended_rules": _row(50, 321, 62, 338)}),
    ):
        held, n71_bad, vl = bad
        r, n, s = _inputs(
            {"rules_extended": _row(19, 512), "edges_on_extended_rules": _row(23, 510)} | held,
            {"rules_extended": _row(47, 324, 62, 338)} | vl,
            n71_bad,
        )
        default, reason = choose_default(r, n, s, FLIPS)
        assert default == "rules_extended", reason


def test_a_row_losing_simulated_vlass_hosts_significantly_cannot_become_the_default():
    from ml.evaluation.association.hosts import host_guard_ok, paired

    rows, n71, sim = _inputs(
        {"rules_extended": _row(18, 512), "rules_extended_close_pairs": _row(19, 512)}, {}
    )
    base = np.zeros(1500, bool)
    base[:1416] = True
    close = base.copy()
    close[1405:1416] = False  # 11 fields lost
    close[1416] = True  # 1 gained
    hosts = {
        "rules_extended": {"top1": "1416/1500", "vs": "rules", "gained": 16, "lost": 4}
        | {"p_lose": 0.9987},
        "rules_extended_close_pairs": {"top1": "1406/1500", "vs": "rules_extended"}
        | paired(close, base),
    }
    assert hosts["rules_extended_close_pairs"]["gained"] == 1
    assert hosts["rules_extended_close_pairs"]["lost"] == 11
    assert not host_guard_ok(hosts["rules_extended_close_pairs"])
    assert choose_default(rows, n71, sim, FLIPS)[0] == "rules_extended_close_pairs"
    default, reason = choose_default(rows, n71, sim, FLIPS, hosts)
    assert default == "rules_extended" and "significantly worse" in reason
    # losing as many as it gains is no reason to refuse
    swap = base.copy()
    swap[:5], swap[1495:] = False, True
    even = paired(swap, base)
    assert even["gained"] == even["lost"] == 5 and host_guard_ok(even)
    assert host_guard_ok(paired(base, base)) and paired(base, base)["p_lose"] == 1.0


def test_no_row_passing_keeps_the_published_rules():
    rows, n71, sim = _inputs({}, {})  # nothing beats the published rules' 15/26
    default, reason = choose_default(rows, n71, sim, FLIPS)
    assert default == "rules" and "not better" in reason


@pytest.mark.parametrize(
    ("count", "want"),
    [("19/26", (0.539, 0.863)), ("0/26", (0.0, 0.129)), ("26/26", (0.871, 1.0))],
)
def test_wilson_interval(count, want):
    assert wilson95(count) == pytest.approx(list(want), abs=1e-3)
