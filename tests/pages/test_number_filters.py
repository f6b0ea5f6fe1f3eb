"""The pages' number filters: humanize's intcomma for counts, ours for what it lacks."""

import math

import pytest
from django.template import Context, Template


def render(src: str, **ctx) -> str:
    return Template("{% load humanize number_format %}" + src).render(Context(ctx))


@pytest.mark.parametrize(("n", "want"), [(1234567, "1,234,567"), (999, "999"), (0, "0")])
def test_counts_get_thousands_separators_from_humanize(n, want):
    assert render("{{ n|intcomma }}", n=n) == want


@pytest.mark.parametrize(
    ("x", "digits", "want"),
    [(1.23456, 2, "1.23"), (2.5, 0, "2"), (-0.0004, 3, "-0.000"), (None, 2, "—")],
)
def test_num_rounds_to_fixed_decimals(x, digits, want):
    assert render("{{ x|num:d }}", x=x, d=digits) == want


@pytest.mark.parametrize("x", [math.nan, math.inf, -math.inf])
def test_num_shows_a_dash_for_non_finite(x):
    assert render("{{ x|num:3 }}", x=x) == "—"


@pytest.mark.parametrize(("x", "want"), [(0.456, "46%"), (1, "100%"), ("n/a", "—")])
def test_pct(x, want):
    assert render("{{ x|pct }}", x=x) == want
