"""Positioned-model QuerySet with a HEALPix-indexed cone search."""

from __future__ import annotations

import math

import astropy.units as u
from astropy.coordinates import SkyCoord
from django.db import models
from django.db.models import F

from .spatial import ConeCentre, cone_ranges, icrs_degrees


class Haversine(models.Func):
    """hav(θ) between each row's (ra, dec) and a fixed point, as one SQL expression.

    The haversine form stays accurate for sub-arcsecond separations, where the
    dot-product (cosine) form loses precision. It is written as a single
    template rather than a tree of Django functions because compiling such a
    tree cost ~10 ms per query, more than the indexed query itself
    (bench/cone_search.py). ``as_separation_arcsec`` wraps it as 2·asin(√hav) in
    arcsec. RADIANS, SIN, COS, POWER, ASIN, SQRT, DEGREES exist on PostgreSQL and
    are registered by Django on SQLite.
    """

    output_field = models.FloatField()

    def __init__(self, ra0_deg: float, dec0_deg: float, *, as_separation_arcsec: bool = False):
        # plain floats, not a SkyCoord: Django hashes constructor arguments
        self.ra0 = float(ra0_deg)
        self.dec0 = float(dec0_deg)
        self.as_separation = as_separation_arcsec
        super().__init__(F("ra"), F("dec"))

    def as_sql(self, compiler, connection, **extra):
        ra_sql, ra_params = compiler.compile(self.source_expressions[0])
        dec_sql, dec_params = compiler.compile(self.source_expressions[1])
        sql, params = _haversine_sql(ra_sql, ra_params, dec_sql, dec_params, self.ra0, self.dec0)
        if self.as_separation:
            sql = f"(DEGREES(2.0 * ASIN(SQRT({sql}))) * 3600.0)"
        return sql, params


def _haversine_sql(ra_sql, ra_params, dec_sql, dec_params, ra0: float, dec0: float):
    sql = (
        f"(POWER(SIN(RADIANS({dec_sql} - %s) / 2.0), 2) + COS(RADIANS({dec_sql})) * %s"
        f" * POWER(SIN(RADIANS({ra_sql} - %s) / 2.0), 2))"
    )
    params = [*dec_params, dec0, *dec_params, math.cos(math.radians(dec0)), *ra_params, ra0]
    return sql, params


class ConeMatch(models.Func):
    """The whole cone test as one boolean SQL expression: HEALPix ranges, then haversine.

    ``(hpx >= lo AND hpx < hi) OR …`` is the B-tree prefilter and ``hav <= hav_max`` the
    exact test. Built as one template, not a ``Q`` per range: compiling an OR-tree of
    ``Q`` objects and a separate ``alias().filter()`` cost more Python time than the
    indexed query took in PostgreSQL (bench/cone_search.py).
    """

    conditional = True
    output_field = models.BooleanField()

    def __init__(self, ranges, ra0: float, dec0: float, hav_max: float):
        self.ranges = ranges
        self.ra0, self.dec0 = float(ra0), float(dec0)
        self.hav_max = float(hav_max)
        super().__init__(F("hpx"), F("ra"), F("dec"))

    def as_sql(self, compiler, connection, **extra):
        hpx_sql, hpx_params = compiler.compile(self.source_expressions[0])
        ra_sql, ra_params = compiler.compile(self.source_expressions[1])
        dec_sql, dec_params = compiler.compile(self.source_expressions[2])
        hav_sql, hav_params = _haversine_sql(
            ra_sql, ra_params, dec_sql, dec_params, self.ra0, self.dec0
        )
        ors = " OR ".join([f"({hpx_sql} >= %s AND {hpx_sql} < %s)"] * len(self.ranges))
        params = []
        for lo, hi in self.ranges:
            params += [*hpx_params, lo, *hpx_params, hi]
        return f"(({ors}) AND {hav_sql} <= %s)", [*params, *hav_params, self.hav_max]


class PositionedQuerySet(models.QuerySet):
    """QuerySet for models with ``ra``, ``dec`` (ICRS deg) and ``hpx`` (order-29 nested)."""

    def cone_search(self, coord: SkyCoord | ConeCentre, radius: u.Quantity) -> PositionedQuerySet:
        """Rows within ``radius`` of ``coord`` (great-circle), annotated ``separation_arcsec``.

        Parameters
        ----------
        coord : astropy.coordinates.SkyCoord or catalog.spatial.ConeCentre
            Cone centre (any frame; converted to ICRS), or ICRS degrees as a ``ConeCentre``.
        radius : astropy.units.Quantity
            Cone radius (angle); must be positive and at most 90 deg.

        Notes
        -----
        HEALPix pixels overlapping the cone at a radius-dependent order become
        ranges of the stored order-29 index (B-tree prefilter), then an exact
        haversine test runs in SQL. Results match ``SkyCoord.separation``.
        """
        ra0, dec0 = icrs_degrees(coord)
        try:
            r_deg = float(radius.to_value(u.deg))
        except (AttributeError, u.UnitConversionError) as exc:
            raise ValueError(
                f"cone_search: radius must be an angle Quantity, got {radius!r}"
            ) from exc
        if not (0 < r_deg <= 90) or not math.isfinite(r_deg):
            raise ValueError(f"cone_search: radius must be in (0, 90] deg, got {r_deg} deg")
        ranges = cone_ranges(ConeCentre(ra0, dec0), radius)
        hav_max = math.sin(math.radians(r_deg) / 2) ** 2
        return self.filter(ConeMatch(ranges, ra0, dec0, hav_max)).annotate(
            separation_arcsec=Haversine(ra0, dec0, as_separation_arcsec=True)
        )
