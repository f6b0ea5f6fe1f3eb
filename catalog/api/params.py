"""Strict query parameters: unknown names, bad booleans and bad positions are 400s naming them.

A query that silently ignores ``?bogus=1`` or ``?is_science=maybe`` returns the whole table
while the user believes it filtered; every list endpoint therefore declares its parameters
(its filterset's, the pagination's, ``format``, and its own extras) and anything else is
refused. Positions are read as people type them, by the parser the search page uses too
(:mod:`catalog.sky.positions`).
"""

from __future__ import annotations

from rest_framework.exceptions import ValidationError

from catalog.sky.positions import PositionError, parse_angle, parse_position

#: Cone radius limit (a 1° cone of VLASS holds ~1,500 components; larger is an export).
MAX_RADIUS_ARCSEC = 3600.0
TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off"}
CONE_PARAMS = ("ra", "dec", "pos", "radius_arcsec")


def reject_unknown(params, allowed: set[str]) -> None:
    """400 naming every query parameter not in ``allowed``, given more than once, or holding a
    NUL byte (PostgreSQL text cannot hold one: a filter value with NUL was a 500)."""
    nul = sorted(k for k, vals in params.lists() if any("\x00" in v for v in vals))
    if nul:
        raise ValidationError(
            {name: ["a query parameter value cannot contain a NUL byte"] for name in nul}
        )
    repeated = sorted(k for k, vals in params.lists() if len(vals) > 1)
    if repeated:
        # every parameter takes one value; QueryDict.get would silently use the last one
        raise ValidationError({name: ["given more than once"] for name in repeated})
    unknown = sorted(k for k in params.keys() if k not in allowed)
    if unknown:
        raise ValidationError(
            {
                "unknown_parameters": [
                    f"unknown query parameter(s): {', '.join(unknown)}; "
                    f"this endpoint accepts: {', '.join(sorted(allowed))}"
                ]
            }
        )


def parse_bool(name: str, raw: str) -> bool:
    """``true/false/1/0/yes/no/on/off`` (any case) or a 400 naming ``name``."""
    text = str(raw).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValidationError({name: [f"not a boolean: {raw!r} (use true or false)"]})


def check_booleans(params, names) -> None:
    for name in names:
        if name in params:
            parse_bool(name, params[name])


def _read(name: str, parse, raw):
    """``parse(raw)`` with a :class:`PositionError` turned into a 400 keyed by ``name``."""
    try:
        return parse(raw)
    except PositionError as exc:
        raise ValidationError({name: [str(exc)]}) from None


def parse_pos(raw: str) -> tuple[float, float]:
    """``pos`` as typed (:func:`catalog.sky.positions.parse_position`): ICRS (ra, dec) in deg."""
    c = _read("pos", parse_position, raw)
    return float(c.ra.deg), float(c.dec.deg)


def parse_cone(params) -> tuple[float, float, float] | None:
    """``(ra_deg, dec_deg, radius_arcsec)`` from ``ra``/``dec`` or ``pos``, and ``radius_arcsec``;
    None when none is given. ``ra`` may be decimal degrees or sexagesimal hours
    (``03:32:00``), ``dec`` decimal or sexagesimal degrees."""
    given = [k for k in CONE_PARAMS if params.get(k) not in (None, "")]
    if not given:
        return None
    if "pos" in given and ("ra" in given or "dec" in given):
        raise ValidationError({"pos": ["give either pos or ra/dec, not both"]})
    needed = ["pos", "radius_arcsec"] if "pos" in given else ["ra", "dec", "radius_arcsec"]
    missing = [k for k in needed if k not in given]
    if missing:
        raise ValidationError(
            {k: [f"required with a cone search ({', '.join(needed)}; or pos=)"] for k in missing}
        )
    # errors name the parameter the user typed
    if "pos" in given:
        ra, dec = parse_pos(params["pos"])
    else:
        ra = _read("ra", lambda v: parse_angle(v, ra=True), params["ra"])
        dec = _read("dec", lambda v: parse_angle(v, ra=False), params["dec"])
    try:
        radius = float(params["radius_arcsec"])
    except (TypeError, ValueError):
        raise ValidationError(
            {"radius_arcsec": [f"Enter a number: {params['radius_arcsec']!r}"]}
        ) from None
    if not (0 < radius <= MAX_RADIUS_ARCSEC):
        raise ValidationError({"radius_arcsec": [f"must be in (0, {MAX_RADIUS_ARCSEC:g}] arcsec"]})
    return ra, dec, radius
