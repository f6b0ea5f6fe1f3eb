"""Positioned-model QuerySet with a HEALPix-indexed cone search."""

from __future__ import annotations

import math

import astropy.units as u
from astropy.coordinates import SkyCoord
from django.db import models
from django.db.models import F, Q

from .spatial import cone_ranges


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
        sql = (
            f"(POWER(SIN(RADIANS({dec_sql} - %s) / 2.0), 2) + COS(RADIANS({dec_sql})) * %s"
            f" * POWER(SIN(RADIANS({ra_sql} - %s) / 2.0), 2))"
        )
        params = [
            *dec_params,
            self.dec0,
            *dec_params,
            math.cos(math.radians(self.dec0)),
            *ra_params,
            self.ra0,
        ]
        if self.as_separation:
            sql = f"(DEGREES(2.0 * ASIN(SQRT({sql}))) * 3600.0)"
        return sql, params


class PositionedQuerySet(models.QuerySet):
    """QuerySet for models with ``ra``, ``dec`` (ICRS deg) and ``hpx`` (order-29 nested)."""

    def cone_search(self, coord: SkyCoord, radius: u.Quantity) -> PositionedQuerySet:
        """Rows within ``radius`` of ``coord`` (great-circle), annotated ``separation_arcsec``.

        Parameters
        ----------
        coord : astropy.coordinates.SkyCoord
            Cone centre (any frame; converted to ICRS).
        radius : astropy.units.Quantity
            Cone radius (angle); must be positive and at most 90 deg.

        Notes
        -----
        HEALPix pixels overlapping the cone at a radius-dependent order become
        ranges of the stored order-29 index (B-tree prefilter), then an exact
        haversine test runs in SQL. Results match ``SkyCoord.separation``.
        """
        if not isinstance(coord, SkyCoord) or not coord.isscalar:
            raise ValueError("cone_search: coord must be a scalar SkyCoord")
        try:
            r_deg = float(radius.to_value(u.deg))
        except (AttributeError, u.UnitConversionError) as exc:
            raise ValueError(
                f"cone_search: radius must be an angle Quantity, got {radius!r}"
            ) from exc
        if not (0 < r_deg <= 90) or not math.isfinite(r_deg):
            raise ValueError(f"cone_search: radius must be in (0, 90] deg, got {r_deg} deg")
        prefilter = Q()
        for lo, hi in cone_ranges(coord, radius):
            prefilter |= Q(hpx__gte=lo, hpx__lt=hi)
        icrs = coord.icrs
        ra0, dec0 = float(icrs.ra.deg), float(icrs.dec.deg)
        hav_max = math.sin(math.radians(r_deg) / 2) ** 2
        return (
            self.filter(prefilter)
            .alias(_hav=Haversine(ra0, dec0))
            .filter(_hav__lte=hav_max)
            .annotate(separation_arcsec=Haversine(ra0, dec0, as_separation_arcsec=True))
        )
