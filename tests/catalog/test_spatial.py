"""HEALPix index and pixel-range helpers (no database)."""

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy_healpix import HEALPix

from catalog.sky.spatial import HPX_ORDER, cone_order, cone_ranges, hpx_index, merge_ranges


def test_order29_fits_int64_and_is_nested():
    idx = hpx_index([0.0, 359.9999999, 180.0], [-90.0, 90.0, 0.0])
    assert idx.dtype == np.int64
    assert (idx >= 0).all() and (idx < 12 * 4**HPX_ORDER).all()
    # nested: the order-29 index shifted down 2*(29-k) bits is the order-k index
    h10 = HEALPix(nside=2**10, order="nested")
    ra, dec = 123.456, -45.678
    coarse = h10.lonlat_to_healpix(ra * u.deg, dec * u.deg)
    assert hpx_index(ra, dec)[0] >> (2 * (HPX_ORDER - 10)) == coarse


@pytest.mark.parametrize(
    ("ra", "dec", "msg"),
    [
        (np.nan, 0.0, "row 0: field 'ra': nan is not in [0, 360) deg"),
        (360.0, 0.0, "row 0: field 'ra': 360.0 is not in [0, 360) deg"),
        (10.0, -90.5, "row 0: field 'dec': -90.5 is not in [-90, 90] deg"),
        (10.0, np.inf, "row 0: field 'dec': inf is not in [-90, 90] deg"),
    ],
)
def test_bad_positions_name_row_and_field(ra, dec, msg):
    with pytest.raises(ValueError) as exc:
        hpx_index([ra], [dec])
    assert str(exc.value) == msg


def test_merge_ranges_merges_siblings():
    # the four children of order-1 pixel 0 are order-2 pixels 0..3: one range
    assert merge_ranges([3, 1, 0, 2], 2) == [(0, 4 << 2 * (HPX_ORDER - 2))]
    assert merge_ranges([0, 2], HPX_ORDER) == [(0, 1), (2, 3)]


def test_cone_order_grows_as_radius_shrinks():
    orders = [cone_order(r * u.arcsec) for r in (3600 * 10, 360, 60, 10, 1)]
    assert orders == sorted(orders)
    assert all(0 <= k <= HPX_ORDER for k in orders)


def test_cone_ranges_cover_points_inside():
    rng = np.random.default_rng(1)
    c = SkyCoord(0.01 * u.deg, 89.99 * u.deg)
    pts = c.directional_offset_by(
        rng.uniform(0, 360, 500) * u.deg, rng.uniform(0, 60, 500) * u.arcsec
    )
    idx = hpx_index(pts.ra.wrap_at(360 * u.deg).deg % 360, pts.dec.deg)
    ranges = cone_ranges(c, 60 * u.arcsec)
    inside = [any(lo <= i < hi for lo, hi in ranges) for i in idx]
    assert all(inside)
