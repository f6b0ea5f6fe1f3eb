"""Number filters that django.contrib.humanize lacks: a fraction as a whole percentage
(— when not a number) and a float to fixed decimals (— for None, NaN or ±inf, rather than
an empty cell or "nan"). Thousands separators come from humanize's ``intcomma``."""

from __future__ import annotations

import math

from django import template

register = template.Library()


@register.filter
def pct(x):
    try:
        return f"{100 * float(x):.0f}%"
    except (TypeError, ValueError):
        return "—"


@register.filter
def num(x, digits=3):
    """A float to ``digits`` decimals; — for None/NaN."""
    if x is None:
        return "—"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return x
    if not math.isfinite(v):
        return "—"
    return f"{v:.{int(digits)}f}"
