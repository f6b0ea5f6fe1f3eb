"""The one separation helper against astropy's SkyCoord, and the unit-vector fast path against it."""

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord

from ml.sky import angle_arcsec, separation_arcsec, unit_vectors


def _points(n=2000, seed=3):
    rng = np.random.default_rng(seed)
    ra0 = rng.uniform(0, 360, n)
    dec0 = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    # separations from 1 mas to 180 deg, poles and the RA 0/360 seam included
    sep_deg = 10 ** rng.uniform(-6.5, np.log10(180.0), n)
    pa = rng.uniform(0, 360, n)
    c0 = SkyCoord(ra0 * u.deg, dec0 * u.deg)
    c1 = c0.directional_offset_by(pa * u.deg, sep_deg * u.deg)
    ra0 = np.r_[ra0, 359.9999, 0.0, 10.0]
    dec0 = np.r_[dec0, 0.0, 90.0, -89.99999]
    ra1 = np.r_[c1.ra.deg, 0.0001, 180.0, 190.0]
    dec1 = np.r_[c1.dec.deg, 0.0, 89.99, -89.99999]
    return ra0, dec0, ra1, dec1


def test_separation_matches_skycoord():
    ra0, dec0, ra1, dec1 = _points()
    ref = SkyCoord(ra0 * u.deg, dec0 * u.deg).separation(SkyCoord(ra1 * u.deg, dec1 * u.deg))
    np.testing.assert_allclose(
        separation_arcsec(ra0, dec0, ra1, dec1), ref.arcsec, rtol=1e-12, atol=1e-9
    )
    # the seam: 0.0001 deg of RA either side of 0 on the equator is 0.72 arcsec
    assert abs(float(separation_arcsec(359.9999, 0.0, 0.0001, 0.0)) - 0.72) < 1e-9


def test_separation_broadcasts_one_centre_to_many():
    got = separation_arcsec(10.0, 0.0, [10.0, 11.0, 10.0], [0.0, 0.0, -2.0])
    np.testing.assert_allclose(got, [0.0, 3600.0, 7200.0], atol=1e-9)


def test_unit_vector_fast_path_agrees_with_the_helper_to_1e_9_arcsec():
    ra0, dec0, ra1, dec1 = _points()
    # below ~1 deg (every use: fields, tile discs) the two agree to 1e-9 arcsec
    fast = angle_arcsec(unit_vectors(ra0, dec0), unit_vectors(ra1, dec1))
    ref = separation_arcsec(ra0, dec0, ra1, dec1)
    near = ref < 3600.0
    assert near.sum() > 500
    np.testing.assert_allclose(fast[near], ref[near], rtol=0, atol=1e-9)
    np.testing.assert_allclose(fast, ref, rtol=1e-12, atol=1e-9)
