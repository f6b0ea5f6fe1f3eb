"""Filters that lay out a stored evaluation result (a JSON dict) as tables on the models
page: its scalar entries, its list-of-dict tables and their columns."""

from __future__ import annotations

import json

from django import template

register = template.Library()


@register.filter
def get(d, key):
    return d.get(key) if hasattr(d, "get") else None


@register.filter
def pretty_json(value):
    return json.dumps(value, indent=2, sort_keys=True, default=str)


@register.filter
def scalar_items(d):
    """(key, value) pairs of a dict whose values are numbers or short strings."""
    if not isinstance(d, dict):
        return []
    out = []
    for k, v in d.items():
        if isinstance(v, bool) or v is None:
            continue
        if isinstance(v, (int, float)) or (isinstance(v, str) and len(v) < 120):
            out.append((k, v))
    return out


@register.filter
def table_items(d):
    """(key, list-of-dict rows) for the dict's values that are tables (lists of dicts)
    or dicts of dicts (a row per key), e.g. cross-validation folds."""
    if not isinstance(d, dict):
        return []
    out = []
    for k, v in d.items():
        if isinstance(v, list) and v and all(isinstance(r, dict) for r in v):
            out.append((k, v))
        elif isinstance(v, dict) and v and all(isinstance(r, dict) for r in v.values()):
            rows = [
                {"": name, **{a: b for a, b in r.items() if not isinstance(b, (dict, list))}}
                for name, r in v.items()
            ]
            out.append((k, rows))
    return out


@register.filter
def columns(rows):
    cols: list[str] = []
    for r in rows:
        for k, v in r.items():
            if k not in cols and not isinstance(v, (dict, list)):
                cols.append(k)
    return cols[:12]
