"""HEALPix spatial index and cone-search pixel ranges (no ORM here).

Every positioned row stores ``hpx``, its nested HEALPix index at the fixed order
:data:`HPX_ORDER` = 29 (nside 2**29, pixels ~0.39 mas across). Order 29 is the
deepest whose indices fit a signed 64-bit integer (12 * 4**29 < 2**63), so one
``BIGINT`` column serves every cone radius: a cone search picks a coarser order
from the radius, asks astropy-healpix for the pixels that overlap the cone, and
turns each coarse pixel into the contiguous range of order-29 indices it contains
(nested numbering keeps children contiguous). Those ranges are a B-tree prefilter;
the exact great-circle test follows in SQL.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import NamedTuple

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord, SphericalRepresentation, UnitSphericalRepresentation
from astropy_healpix import HEALPix

try:  # the C routine behind astropy_healpix.core.healpix_cone_search, without Quantities
    from astropy_healpix._core import healpix_cone_search as _c_cone_search
except ImportError:  # pragma: no cover - a future astropy-healpix may move it
    _c_cone_search = None

HPX_ORDER = 29
HPX_NSIDE = 2**HPX_ORDER
#: Tiles of the set-based joins (candidates of catalog.pipeline.candidates, the PS1-AllWISE
#: match of catalog.ingest.optical_match): ~0.92° pixels, ~50 VLASS components and ~60k
#: PS1 objects per tile.
JOIN_TILE_ORDER = 6
#: Tiles of an epoch run, one Celery task each (catalog.pipeline.tiling; sizing there);
#: the ``RADIOHOST_TILE_ORDER`` setting overrides it.
EPOCH_TILE_ORDER = 3
# Cone pixels are searched at an order whose pixels are about this fraction of the
# radius: fine enough that the prefilter area is a few times the cone's, coarse
# enough that the SQL has tens of ranges, not thousands (tuned with bench/cone_search.py).
_PIXELS_PER_RADIUS = 2.0
_MIN_CONE_ORDER = 0


@cache
def _healpix(order: int) -> HEALPix:
    return HEALPix(nside=2**order, order="nested")


def validate_radec(ra: np.ndarray, dec: np.ndarray, *, where: str = "") -> None:
    """Raise ``ValueError`` naming the first bad row if RA/Dec are NaN or out of range.

    RA must lie in [0, 360) deg and Dec in [-90, 90] deg (ICRS).
    """
    ra = np.asarray(ra, dtype=float)
    dec = np.asarray(dec, dtype=float)
    prefix = f"{where}: " if where else ""
    bad_ra = ~np.isfinite(ra) | (ra < 0) | (ra >= 360)
    if bad_ra.any():
        i = int(np.flatnonzero(bad_ra)[0])
        raise ValueError(f"{prefix}row {i}: field 'ra': {float(ra[i])!r} is not in [0, 360) deg")
    bad_dec = ~np.isfinite(dec) | (dec < -90) | (dec > 90)
    if bad_dec.any():
        i = int(np.flatnonzero(bad_dec)[0])
        raise ValueError(f"{prefix}row {i}: field 'dec': {float(dec[i])!r} is not in [-90, 90] deg")


def hpx_index(ra_deg, dec_deg) -> np.ndarray:
    """Nested HEALPix index at :data:`HPX_ORDER` for ICRS positions in degrees (vectorised).

    Parameters
    ----------
    ra_deg, dec_deg : array_like
        Right ascension and declination (deg).

    Returns
    -------
    numpy.ndarray of int64
    """
    ra = np.atleast_1d(np.asarray(ra_deg, dtype=float))
    dec = np.atleast_1d(np.asarray(dec_deg, dtype=float))
    validate_radec(ra, dec)
    return _healpix(HPX_ORDER).lonlat_to_healpix(ra * u.deg, dec * u.deg).astype(np.int64)


def cone_order(radius: u.Quantity) -> int:
    """The HEALPix order at which a cone of ``radius`` is covered by pixels."""
    return _cone_order_deg(float(radius.to_value(u.deg)))


def _cone_order_deg(r_deg: float) -> int:
    if r_deg <= 0:
        return HPX_ORDER
    # Pixel size at order k is ~ sqrt(4π/(12·4^k)) rad = 58.6°/2^k.
    res0 = math.degrees(math.sqrt(4 * math.pi / 12))
    k = math.floor(math.log2(res0 * _PIXELS_PER_RADIUS / r_deg))
    return int(min(max(k, _MIN_CONE_ORDER), HPX_ORDER))


def merge_ranges(pixels: Iterable[int], order: int) -> list[tuple[int, int]]:
    """Turn pixels at ``order`` into merged, half-open ``[lo, hi)`` ranges at :data:`HPX_ORDER`."""
    shift = 2 * (HPX_ORDER - order)
    out: list[tuple[int, int]] = []
    for p in sorted(int(p) for p in pixels):
        lo, hi = p << shift, (p + 1) << shift
        if out and out[-1][1] == lo:
            out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return out


def neighbour_pixels(pixels: Iterable[int], order: int) -> set[int]:
    """The nested pixels at ``order`` that touch ``pixels`` (its ring of up to 8 neighbours
    each, the pixels themselves excluded)."""
    own = {int(p) for p in pixels}
    if not own:
        return set()
    nb = _healpix(order).neighbours(np.array(sorted(own), dtype=np.int64))
    return {int(p) for p in np.unique(nb) if p >= 0} - own


def ranges_q(pixels: Iterable[int], order: int, field: str = "hpx"):
    """A ``Q`` selecting rows whose ``hpx`` lies in ``pixels`` at ``order``: index range scans."""
    from django.db.models import Q

    q = Q(pk__in=[])
    for lo, hi in merge_ranges(pixels, order):
        q |= Q(**{f"{field}__gte": lo, f"{field}__lt": hi})
    return q


class ConeCentre(NamedTuple):
    """A cone centre already in ICRS degrees: what the API parses, without building a
    ``SkyCoord`` per query (its construction and frame check were most of a cone search's
    Python time, bench/cone_search.py)."""

    ra: float
    dec: float


def icrs_degrees(coord: SkyCoord | ConeCentre) -> tuple[float, float]:
    """(ra, dec) in ICRS degrees of a scalar ``SkyCoord`` (any frame) or a ``ConeCentre``."""
    if isinstance(coord, ConeCentre):
        return float(coord.ra), float(coord.dec)
    if not isinstance(coord, SkyCoord) or not coord.isscalar:
        raise ValueError("cone_search: coord must be a scalar SkyCoord or a ConeCentre")
    # Already ICRS (SkyCoord's default frame): read it; a frame transform, even the
    # identity, costs a millisecond. The stored representation is read directly: the
    # ``.ra``/``.dec`` accessors re-represent the frame and cost ~9 us each.
    frame = coord.frame if coord.frame.name == "icrs" else coord.icrs.frame
    data = frame.data
    if not isinstance(data, UnitSphericalRepresentation | SphericalRepresentation):
        data = data.represent_as(UnitSphericalRepresentation)
    return float(data.lon.to_value(u.deg)), float(data.lat.to_value(u.deg))


def radius_degrees(radius: u.Quantity) -> float:
    """A cone radius in degrees, checked: an angle ``Quantity`` in (0, 90] deg."""
    try:
        # Quantity.to_value re-derives the unit scale on every call (~3-15 us); the
        # scale of each unit seen is kept instead.
        r_deg = float(radius.value) * _deg_per_unit(radius.unit)
    except (AttributeError, TypeError, u.UnitConversionError) as exc:
        raise ValueError(f"cone_search: radius must be an angle Quantity, got {radius!r}") from exc
    if not (0 < r_deg <= 90) or not math.isfinite(r_deg):
        raise ValueError(f"cone_search: radius must be in (0, 90] deg, got {r_deg} deg")
    return r_deg


@lru_cache(maxsize=64)
def _deg_per_unit(unit: u.UnitBase) -> float:
    return float(unit.to(u.deg))


def cone_ranges(coord: SkyCoord | ConeCentre, radius: u.Quantity) -> tuple[tuple[int, int], ...]:
    """Half-open order-29 index ranges covering the cone (a superset: prefilter only)."""
    ra, dec = icrs_degrees(coord)
    return cone_ranges_deg(ra, dec, float(radius.to_value(u.deg)))


@lru_cache(maxsize=4096)
def cone_ranges_deg(ra: float, dec: float, r_deg: float) -> tuple[tuple[int, int], ...]:
    """:func:`cone_ranges` for a centre and radius already in ICRS degrees (cached)."""
    # Cached: an API client paging through one cone (count, then each page) asks for the
    # same ranges again; a tuple, so no caller can change the cached value.
    order = _cone_order_deg(r_deg)
    # A hair of padding so a pixel that only grazes the boundary is never lost
    # to rounding inside the overlap test; the exact check removes the extras.
    r = r_deg * (1 + 1e-9) + 1e-9
    if _c_cone_search is not None:
        pix = _c_cone_search(ra, dec, r, 2**order, "nested")
    else:
        pix = _healpix(order).cone_search_lonlat(ra * u.deg, dec * u.deg, r * u.deg)
    return tuple(merge_ranges(pix.tolist(), order))
