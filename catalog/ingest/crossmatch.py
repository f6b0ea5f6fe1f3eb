"""Cross-matching positions of an input catalogue against rows already in the database.

The label ingesters (Norris 2006, RGZ, Zhu 2023, expert files) attach each published
position to the nearest component or optical source within a radius; the exact match is
astropy's ``SkyCoord.match_to_catalog_sky`` over the rows of the positions' Dec band.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord


def _band_filter(qs, dec: np.ndarray, pad_deg: float):
    # Dec band only: RA may wrap at 0/360; the exact match is done by astropy afterwards.
    return qs.filter(dec__gte=float(dec.min()) - pad_deg, dec__lte=float(dec.max()) + pad_deg)


@dataclass(frozen=True)
class Match:
    """Per input position: index of the matched row's pk (or -1) and separation (arcsec)."""

    pk: np.ndarray
    sep_arcsec: np.ndarray


def nearest_within(
    queryset, ra: Sequence[float], dec: Sequence[float], radius_arcsec: float
) -> Match:
    """Nearest row of ``queryset`` (a Positioned model) to each position, within a radius.

    Uses ``SkyCoord.match_to_catalog_sky`` over the rows in the positions' Dec band.
    """
    ra = np.asarray(ra, float)
    dec = np.asarray(dec, float)
    out_pk = np.full(len(ra), -1, dtype=np.int64)
    out_sep = np.full(len(ra), np.nan)
    if len(ra) == 0:
        return Match(out_pk, out_sep)
    rows = list(
        _band_filter(queryset, dec, radius_arcsec / 3600.0 + 1e-6).values_list("pk", "ra", "dec")
    )
    if not rows:
        return Match(out_pk, out_sep)
    arr = np.asarray(rows, dtype=float)
    cat = SkyCoord(arr[:, 1] * u.deg, arr[:, 2] * u.deg)
    idx, sep, _ = SkyCoord(ra * u.deg, dec * u.deg).match_to_catalog_sky(cat)
    sep = sep.to_value(u.arcsec)
    ok = sep <= radius_arcsec
    out_pk[ok] = arr[idx[ok], 0].astype(np.int64)
    out_sep[ok] = sep[ok]
    return Match(out_pk, out_sep)
