"""Positions typed by people: the one parser behind the search page and the API.

A position is ``"RA Dec"`` in decimal degrees (``"150.1 2.2"``, ``"150.1, +2.2"``) or
sexagesimal with colons, spaces or h/m/s + d/m/s (``"10:00:24 +02:12:00"``,
``"10h00m24s +02d12m00s"``, ``"10 00 24 +02 12 00"``); a sexagesimal RA is in hours, as
astropy's ``SkyCoord`` reads it. Every angle is range-checked *before* it becomes a
coordinate: astropy wraps longitudes, so an unchecked RA 400 would quietly search at RA 40.

Errors are :class:`PositionError` (a ``ValueError``) whose ``part`` says which coordinate was
wrong (``"ra"``, ``"dec"`` or ``None`` when the text is unreadable as a whole), so that the
page and the API attach the same message to the field the user typed.

No Django here: astropy only.
"""

from __future__ import annotations

import math
import re

import astropy.units as u
from astropy.coordinates import Angle, SkyCoord

#: a token is sexagesimal when it holds a separator letter or colon
_SEXAGESIMAL = re.compile(r"[:hdms]")
_MAX_CHARS = 128
UNREADABLE = "give 'RA Dec' in decimal degrees (150.1 2.2) or sexagesimal (10:00:24.0 +02:12:00)"


class PositionError(ValueError):
    """A position or angle that cannot be read or is out of range; ``part`` names the coordinate."""

    def __init__(self, message: str, *, part: str | None = None):
        super().__init__(message)
        self.part = part


def _check(value: float, raw, *, ra: bool) -> float:
    if ra and not (math.isfinite(value) and 0 <= value < 360):
        raise PositionError(f"RA must be in [0, 360) deg, got {raw!r}", part="ra")
    if not ra and not (math.isfinite(value) and -90 <= value <= 90):
        raise PositionError(f"Dec must be in [-90, 90] deg, got {raw!r}", part="dec")
    return value


def parse_angle(raw, *, ra: bool) -> float:
    """One coordinate in degrees: a decimal number (deg) or sexagesimal (RA in hours).

    Raises :class:`PositionError` naming RA or Dec when it is unreadable, not finite or out
    of range (RA in [0, 360), Dec in [-90, 90]).
    """
    part = "ra" if ra else "dec"
    text = str(raw).strip()
    if "\x00" in text or len(text) > _MAX_CHARS or not text:
        raise PositionError(f"not an angle: {raw!r}", part=part)
    try:
        if _SEXAGESIMAL.search(text):
            value = float(Angle(text, unit=u.hourangle if ra else u.deg).deg)
        else:
            value = float(text)
    except (ValueError, TypeError, u.UnitsError) as exc:
        raise PositionError(f"not an angle: {raw!r} ({exc})", part=part) from None
    return _check(value, text, ra=ra)


def parse_position(raw) -> SkyCoord:
    """An ICRS ``SkyCoord`` from ``"RA Dec"`` as typed (see the module docstring)."""
    text = str(raw).strip().replace(",", " ")
    if "\x00" in text or len(text) > _MAX_CHARS or not text:
        raise PositionError(f"cannot read a position from {raw!r}: {UNREADABLE}")
    parts = text.split()
    if len(parts) == 6:  # "hh mm ss dd mm ss"
        parts = [":".join(parts[:3]), ":".join(parts[3:])]
    if len(parts) != 2:
        raise PositionError(f"cannot read a position from {raw!r}: {UNREADABLE}")
    try:
        ra, dec = parse_angle(parts[0], ra=True), parse_angle(parts[1], ra=False)
    except PositionError as exc:
        if str(exc).startswith("not an angle"):
            raise PositionError(
                f"cannot read a position from {raw!r}: {UNREADABLE}", part=exc.part
            ) from None
        raise
    return SkyCoord(ra * u.deg, dec * u.deg, frame="icrs")
