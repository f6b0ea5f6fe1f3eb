"""Cone search vs brute-force ``SkyCoord.separation`` on PostgreSQL and SQLite.

Catalogues are random over the sphere plus clusters at the poles and across the
RA 0/360 seam, where pixel-range logic most easily goes wrong.
"""

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import OpticalSource
from catalog.sky.spatial import ConeCentre, hpx_index

DATABASES = ["default", "sqlite"]

centres = st.one_of(
    st.tuples(st.floats(0, 359.999999), st.floats(-90, 90)),
    st.tuples(st.floats(0, 359.999999), st.floats(89.0, 90)),  # north pole
    st.tuples(st.floats(0, 359.999999), st.floats(-90, -89.0)),  # south pole
    st.tuples(st.sampled_from([0.0, 359.9999, 0.0001]), st.floats(-60, 60)),  # RA seam
)
radii = st.sampled_from([0.5, 10.0, 60.0, 360.0, 3600.0, 5 * 3600.0])


def _catalogue(centre: SkyCoord, radius_arcsec: float, seed: int, n: int = 150):
    """Points clustered around the cone edge (half) plus uniform over the sphere."""
    rng = np.random.default_rng(seed)
    near = centre.directional_offset_by(
        rng.uniform(0, 360, n) * u.deg, rng.uniform(0, 2.0 * radius_arcsec, n) * u.arcsec
    )
    z = rng.uniform(-1, 1, n // 2)
    ra = np.concatenate([near.ra.deg % 360.0, rng.uniform(0, 360, n // 2)])
    dec = np.concatenate([near.dec.deg, np.degrees(np.arcsin(z))])
    ra = np.where(ra >= 360.0, 0.0, ra)
    return ra, dec


def _load(alias, ra, dec):
    OpticalSource.objects.using(alias).all().delete()
    hpx = hpx_index(ra, dec)
    OpticalSource.objects.using(alias).bulk_create(
        OpticalSource(catalogue="sim", source_id=str(i), ra=float(r), dec=float(d), hpx=int(h))
        for i, (r, d, h) in enumerate(zip(ra, dec, hpx, strict=True))
    )


@pytest.mark.django_db(databases=DATABASES)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(centre=centres, radius_arcsec=radii, seed=st.integers(0, 2**16))
def test_cone_search_matches_brute_force(centre, radius_arcsec, seed):
    c = SkyCoord(centre[0] * u.deg, centre[1] * u.deg)
    ra, dec = _catalogue(c, radius_arcsec, seed)
    sep = SkyCoord(ra * u.deg, dec * u.deg).separation(c).to_value(u.arcsec)
    # Points within 1e-6 of the boundary are ambiguous between any two float
    # implementations of the separation; they are left out of the comparison.
    ambiguous = {
        str(i) for i in np.flatnonzero(np.abs(sep - radius_arcsec) < 1e-6 * max(radius_arcsec, 1))
    }
    expected = {str(i) for i in np.flatnonzero(sep <= radius_arcsec)} - ambiguous
    for alias in DATABASES:
        _load(alias, ra, dec)
        qs = OpticalSource.objects.using(alias).cone_search(c, radius_arcsec * u.arcsec)
        got = {row.source_id: row.separation_arcsec for row in qs}
        assert set(got) - ambiguous == expected, alias
        for sid, s in got.items():
            assert s == pytest.approx(sep[int(sid)], abs=1e-6), (alias, sid)


@pytest.mark.django_db(databases=DATABASES)
def test_cone_search_rejects_bad_radius():
    c = SkyCoord(10 * u.deg, 10 * u.deg)
    with pytest.raises(ValueError, match=r"radius must be in \(0, 90\] deg, got -1.0 deg"):
        OpticalSource.objects.cone_search(c, -1 * u.deg)
    with pytest.raises(ValueError, match="radius must be an angle Quantity"):
        OpticalSource.objects.cone_search(c, 5 * u.m)
    with pytest.raises(ValueError, match="coord must be a scalar SkyCoord"):
        OpticalSource.objects.cone_search((10, 10), 5 * u.arcsec)


@pytest.mark.django_db(databases=DATABASES)
def test_cone_search_composes_with_other_filters():
    for alias in DATABASES:
        obj = OpticalSource(catalogue="ps1dr2", source_id="1", ra=359.9999, dec=0.0)
        obj.save(using=alias)
        OpticalSource(catalogue="allwise", source_id="2", ra=0.0001, dec=0.0).save(using=alias)
        qs = OpticalSource.objects.using(alias).filter(catalogue="ps1dr2")
        hits = list(qs.cone_search(SkyCoord(0 * u.deg, 0 * u.deg), 1 * u.arcsec))
        assert [h.source_id for h in hits] == ["1"]
        assert hits[0].separation_arcsec == pytest.approx(0.36, abs=1e-6)


def _three_sources(alias):
    for sid, ra, dec in (("a", 10.0, 20.0), ("b", 10.0, 20.001), ("c", 10.0, 20.01)):
        OpticalSource(catalogue="ps1dr2", source_id=sid, ra=ra, dec=dec).save(using=alias)


@pytest.mark.django_db(databases=DATABASES)
def test_cone_search_in_subqueries_values_and_combined_querysets():
    # The cone expressions resolve to the queried table's alias themselves; a subquery
    # relabels it (U0), values() and union() go through Django's own filter/annotate.
    from django.db.models import Count, Exists, OuterRef

    centre = SkyCoord(10 * u.deg, 20 * u.deg)
    for alias in DATABASES:
        _three_sources(alias)
        objs = OpticalSource.objects.using(alias)
        cone = objs.cone_search(centre, 5 * u.arcsec)
        inner = objs.filter(pk__in=cone.values("pk")).order_by("source_id")
        assert [o.source_id for o in inner] == ["a", "b"], alias
        # rows with another row in the cone: c too (the cone is on U0, not the outer row)
        other = objs.filter(Exists(cone.exclude(pk=OuterRef("pk")))).order_by("source_id")
        assert [o.source_id for o in other] == ["a", "b", "c"], alias
        vals = objs.values("source_id").cone_search(centre, 5 * u.arcsec).order_by("source_id")
        assert [v["source_id"] for v in vals] == ["a", "b"], alias
        assert vals[1]["separation_arcsec"] == pytest.approx(3.6, abs=1e-6), alias
        both = objs.cone_search(centre, 1 * u.arcsec).union(
            objs.filter(source_id="c").cone_search(centre, 60 * u.arcsec)
        )
        assert sorted(o.source_id for o in both) == ["a", "c"], alias
        nearest = objs.cone_search(centre, 60 * u.arcsec).order_by("-separation_arcsec")
        assert [o.source_id for o in nearest] == ["c", "b", "a"], alias
        assert objs.cone_search(centre, 60 * u.arcsec).count() == 3, alias
        assert objs.cone_search(centre, 5 * u.arcsec).aggregate(n=Count("pk"))["n"] == 2, alias
        grouped = objs.cone_search(centre, 5 * u.arcsec).values("catalogue").annotate(n=Count("pk"))
        assert list(grouped.values_list("catalogue", "n")) == [("ps1dr2", 2)], alias
        assert not objs.cone_search(SkyCoord(190 * u.deg, -20 * u.deg), 60 * u.arcsec).exists()
        assert objs.cone_search(centre, 1 * u.arcsec).update(allwise_id="near") == 1, alias
        assert objs.get(allwise_id="near").source_id == "a", alias


@pytest.mark.django_db(databases=DATABASES)
def test_cone_search_centre_in_any_frame_and_representation():
    # icrs_degrees reads the stored representation directly: a Galactic or a Cartesian
    # SkyCoord, and a radius in any angle unit, must give the same rows and separations.
    icrs = SkyCoord(10 * u.deg, 20 * u.deg)
    cart = SkyCoord(icrs.cartesian, representation_type="cartesian", frame="icrs")
    for alias in DATABASES:
        _three_sources(alias)
        objs = OpticalSource.objects.using(alias)
        want = {o.source_id: o.separation_arcsec for o in objs.cone_search(icrs, 5 * u.arcsec)}
        assert set(want) == {"a", "b"}
        for centre in (icrs.galactic, cart, ConeCentre(10.0, 20.0)):
            for radius in (5 * u.arcsec, (5 / 60) * u.arcmin, (5 / 3600) * u.deg):
                got = {o.source_id: o.separation_arcsec for o in objs.cone_search(centre, radius)}
                assert set(got) == set(want), (alias, centre, radius)
                for sid, sep in got.items():
                    assert sep == pytest.approx(want[sid], abs=1e-6), (alias, centre, sid)
