"""Positioned-model QuerySet with a HEALPix-indexed cone search."""

from __future__ import annotations

import math

import astropy.units as u
from astropy.coordinates import SkyCoord
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import ASin, Cos, Degrees, Power, Radians, Sin, Sqrt

from .spatial import cone_ranges


def _haversine(coord: SkyCoord) -> models.Expression:
    """SQL expression for hav(θ) between each row and ``coord``.

    The haversine form stays accurate for sub-arcsecond separations, where
    the plain dot-product (cosine) form loses precision.
    """
    icrs = coord.icrs
    ra0 = float(icrs.ra.deg)
    dec0 = float(icrs.dec.deg)
    dra = Radians(F("ra") - Value(ra0))
    ddec = Radians(F("dec") - Value(dec0))
    return Power(Sin(ddec / Value(2.0)), Value(2)) + Cos(Radians(F("dec"))) * Value(
        math.cos(math.radians(dec0))
    ) * Power(Sin(dra / Value(2.0)), Value(2))


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
        hav_max = math.sin(math.radians(r_deg) / 2) ** 2
        return (
            self.filter(prefilter)
            .alias(_hav=_haversine(coord))
            .filter(_hav__lte=hav_max)
            .annotate(
                separation_arcsec=Degrees(Value(2.0) * ASin(Sqrt(_haversine(coord)))) * 3600.0
            )
        )
