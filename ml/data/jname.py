"""J-designation parsing: ``J<hhmmss.ss><+|-><ddmmss.s>`` names to ICRS degrees.

Shared by the Norris 2006 / Lou 2023 readers in :mod:`ml.data` and by the catalogue ingest and
name look-up, so it lives alone with no file reading. It accepts the seed authors' VLASS names,
which drop the leading zero of the RA hour *and* keep a variable number of decimals
(``J32626.9-275611.2`` = 03h26m26.9s -27d56m11.2s): the sexagesimal string is padded on its
integer part, not to a fixed width.
"""

from __future__ import annotations

import re

# "J32626.9-275611.2" or "VLASS1QLCIR J033323.71-281146.4" or "SWIRE3_J032603.15-284708.5"
_SEXAGESIMAL = re.compile(r"J(?P<ra>\d{5,6}(?:\.\d+)?)(?P<sign>[+-])(?P<dec>\d{6}(?:\.\d+)?)$")


def parse_j_name(name: str) -> tuple[float, float]:
    """Decode a ``J<hhmmss.ss><+|-><ddmmss.s>`` designation into (ra, dec) in degrees.

    Accepts any prefix before the ``J`` (``VLASS1QLCIR J``, ``SWIRE3_J``, ``ATCDFS_J``) and the
    seed authors' VLASS names whose RA hour lost its leading zero (``J32626.9-275611.2``).

    Parameters
    ----------
    name : str
        The designation.

    Returns
    -------
    ra, dec : float
        ICRS/J2000 degrees.

    Raises
    ------
    ValueError
        If the string holds no parsable designation or a field is out of range.
    """
    if not isinstance(name, str):
        raise ValueError(f"designation must be a string, got {type(name).__name__}")
    token = name.strip().split()[-1] if name.strip() else ""
    token = token.split("_")[-1]
    m = _SEXAGESIMAL.search(token)
    if m is None:
        raise ValueError(f"cannot parse a J-designation from {name!r}")
    ra_s, dec_s = m.group("ra"), m.group("dec")
    ra_int, _, ra_frac = ra_s.partition(".")
    dec_int, _, dec_frac = dec_s.partition(".")
    # The authors' names drop the leading RA-hour zero: pad the integer part, never the decimals.
    ra_int = ra_int.rjust(6, "0")
    hh, mm, ss = int(ra_int[:2]), int(ra_int[2:4]), float(ra_int[4:] + "." + (ra_frac or "0"))
    dd, dm, ds = int(dec_int[:2]), int(dec_int[2:4]), float(dec_int[4:] + "." + (dec_frac or "0"))
    if hh >= 24 or mm >= 60 or ss >= 60 or dd > 90 or dm >= 60 or ds >= 60:
        raise ValueError(f"designation {name!r} has an out-of-range sexagesimal field")
    ra = 15.0 * (hh + mm / 60.0 + ss / 3600.0)
    dec = dd + dm / 60.0 + ds / 3600.0
    return ra, (-dec if m.group("sign") == "-" else dec)
