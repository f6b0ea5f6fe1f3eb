"""Components by name: the CIRADA name, the bare J-name, or the seed's spelling."""

from __future__ import annotations

import math
import re

import astropy.units as u
from astropy.coordinates import SkyCoord

from catalog.ingest.lou2023_testset import canonical_vlass_name
from catalog.models import RadioComponent
from ml.data.jname import parse_j_name

#: A J-name truncates the position to 0.01 s / 0.1″; a cone of this radius holds the row.
NAME_LOOKUP_ARCSEC = 1.0
#: ``J111011.67 341952.6``: a northern J-name typed into a URL unencoded (``+`` decodes to a
#: space in a query string), so ``?name=J111011.67+341952.6`` found nothing.
_PLUS_AS_SPACE = re.compile(r"(J\d[\d.]*) (\d[\d.]*)$")


def _spellings(name: str) -> list[str]:
    """The name as typed, upper-cased, and upper-cased with runs of blanks/underscores as one
    space (names are stored upper-case: ``vlass1qlcir j032626.78-273420.4`` is that component)."""
    text = _PLUS_AS_SPACE.sub(r"\1+\2", (name or "").strip())
    upper = _PLUS_AS_SPACE.sub(r"\1+\2", text.upper())
    folded = _PLUS_AS_SPACE.sub(r"\1+\2", re.sub(r"[\s_]+", " ", text).upper())
    return list(dict.fromkeys([text, upper, folded]))


def find_by_name(name: str, queryset=None) -> list[RadioComponent]:
    """Components named ``name``: the CIRADA name, the bare J-name, or the seed spelling
    without leading zeros (``J32626.9-275611.2``), across epochs, in any letter case.

    J-names are looked up by position (the name's truncated position, a cone of
    :data:`NAME_LOOKUP_ARCSEC` on the HEALPix index) and then compared by their J-token, so
    no unindexed name scan runs on a survey-size table; other names are matched exactly, as
    typed or upper-cased (an indexed equality either way, never ``UPPER(name)``). The search
    page and the API both look names up here, so they agree.
    """
    qs = RadioComponent.objects.all() if queryset is None else queryset
    spellings = _spellings(name)
    for text in spellings:
        try:
            ra, dec = parse_j_name(text)
        except ValueError:
            continue
        if not (0 <= ra < 360 and -90 <= dec <= 90 and math.isfinite(ra + dec)):
            continue
        token = canonical_vlass_name(text).split()[-1].split("_")[-1]
        near = qs.cone_search(SkyCoord(ra * u.deg, dec * u.deg), NAME_LOOKUP_ARCSEC * u.arcsec)
        found = [
            c for c in near if canonical_vlass_name(c.name).split()[-1].split("_")[-1] == token
        ]
        if found:
            return found
    return list(qs.filter(name__in=spellings))
