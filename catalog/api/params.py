"""Strict query parameters: unknown names, bad booleans and bad positions are 400s naming them.

A query that silently ignores ``?bogus=1`` or ``?is_science=maybe`` returns the whole table
while the user believes it filtered; every list endpoint therefore declares its parameters
(its filterset's, the pagination's, ``format``, and its own extras) and anything else is
refused. Positions are read as people type them (decimal degrees or sexagesimal, via
astropy ``SkyCoord`` parsing).
"""

from __future__ import annotations

import math
import re

import astropy.units as u
from astropy.coordinates import SkyCoord
from rest_framework.exceptions import ValidationError

#: Cone radius limit (a 1° cone of VLASS holds ~1,500 components; larger is an export).
MAX_RADIUS_ARCSEC = 3600.0
TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off"}
CONE_PARAMS = ("ra", "dec", "pos", "radius_arcsec")
_SEXAGESIMAL = re.compile(r"[:hmsd]|\s")


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


def _angle(name: str, raw: str, *, hours: bool) -> float:
    text = str(raw).strip()
    if "\x00" in text or len(text) > 64:
        raise ValidationError({name: ["not a position"]})
    try:
        if _SEXAGESIMAL.search(text):
            from astropy.coordinates import Angle

            return float(Angle(text, unit=u.hourangle if hours else u.deg).deg)
        value = float(text)
    except (ValueError, TypeError, u.UnitsError) as exc:
        raise ValidationError({name: [f"not an angle: {raw!r} ({exc})"]}) from None
    if not math.isfinite(value):
        raise ValidationError({name: [f"not a finite number: {raw!r}"]})
    return value


def parse_pos(raw: str) -> tuple[float, float]:
    """``pos`` as typed: ``"53.0 -27.8"`` (deg) or ``"03:32:00 -27:48:00"`` / ``"3h32m -27d48m"``
    (RA in hours when sexagesimal, as SkyCoord reads it). Returns ICRS (ra, dec) in degrees."""
    text = str(raw).strip().replace(",", " ")
    if "\x00" in text or len(text) > 128 or not text:
        raise ValidationError({"pos": ["give 'RA Dec', e.g. '53.0 -27.8' or '03:32:00 -27:48:00'"]})
    parts = text.split()
    try:
        if len(parts) == 2 and not any(_SEXAGESIMAL.search(p) for p in parts):
            ra, dec = float(parts[0]), float(parts[1])
            # checked before SkyCoord, which wraps RA (pos=400 0 would search at RA 40)
            if not (math.isfinite(ra) and 0 <= ra < 360):
                raise ValidationError({"pos": [f"RA must be in [0, 360) deg, got {parts[0]!r}"]})
            if not (math.isfinite(dec) and -90 <= dec <= 90):
                raise ValidationError({"pos": [f"Dec must be in [-90, 90] deg, got {parts[1]!r}"]})
            c = SkyCoord(ra * u.deg, dec * u.deg, frame="icrs")
        else:
            c = SkyCoord(text, unit=(u.hourangle, u.deg), frame="icrs")
    except (ValueError, TypeError, u.UnitsError) as exc:
        raise ValidationError(
            {"pos": [f"cannot read a position from {raw!r} ({exc}); e.g. '03:32:00 -27:48:00'"]}
        ) from None
    if not c.isscalar:
        raise ValidationError({"pos": ["give one position"]})
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
    if "pos" in given:
        ra, dec = parse_pos(params["pos"])
        ra_name = dec_name = "pos"  # errors name the parameter the user typed
    else:
        ra = _angle("ra", params["ra"], hours=True)
        dec = _angle("dec", params["dec"], hours=False)
        ra_name, dec_name = "ra", "dec"
    try:
        radius = float(params["radius_arcsec"])
    except (TypeError, ValueError):
        raise ValidationError(
            {"radius_arcsec": [f"Enter a number: {params['radius_arcsec']!r}"]}
        ) from None
    if not (0 <= ra < 360):
        raise ValidationError({ra_name: [f"RA must be in [0, 360) deg, got {ra:g}"]})
    if not (-90 <= dec <= 90):
        raise ValidationError({dec_name: [f"Dec must be in [-90, 90] deg, got {dec:g}"]})
    if not (0 < radius <= MAX_RADIUS_ARCSEC):
        raise ValidationError({"radius_arcsec": [f"must be in (0, {MAX_RADIUS_ARCSEC:g}] arcsec"]})
    return ra, dec, radius
