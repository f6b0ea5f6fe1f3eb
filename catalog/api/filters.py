"""API filters; the cone search is a django-filter method (TOM Toolkit style) backed by HEALPix."""

from __future__ import annotations

import astropy.units as u
import django_filters
from astropy.coordinates import SkyCoord
from rest_framework.exceptions import ValidationError

from catalog.models import Label, OpticalSource, RadioComponent

MAX_RADIUS_ARCSEC = 3600.0


def parse_cone(params) -> tuple[SkyCoord, u.Quantity] | None:
    """Read ``ra``, ``dec`` (deg) and ``radius_arcsec`` from query params; None if absent."""
    keys = ("ra", "dec", "radius_arcsec")
    given = [k for k in keys if params.get(k) not in (None, "")]
    if not given:
        return None
    missing = [k for k in keys if k not in given]
    if missing:
        raise ValidationError(
            {k: "required with a cone search (ra, dec, radius_arcsec)" for k in missing}
        )
    values = {}
    for k in keys:
        try:
            values[k] = float(params[k])
        except (TypeError, ValueError):
            raise ValidationError({k: f"not a number: {params[k]!r}"}) from None
    if not (0 <= values["ra"] < 360):
        raise ValidationError({"ra": "must be in [0, 360) deg"})
    if not (-90 <= values["dec"] <= 90):
        raise ValidationError({"dec": "must be in [-90, 90] deg"})
    if not (0 < values["radius_arcsec"] <= MAX_RADIUS_ARCSEC):
        raise ValidationError({"radius_arcsec": f"must be in (0, {MAX_RADIUS_ARCSEC:g}] arcsec"})
    coord = SkyCoord(values["ra"] * u.deg, values["dec"] * u.deg, frame="icrs")
    return coord, values["radius_arcsec"] * u.arcsec


class ConeFilterSet(django_filters.FilterSet):
    """Adds ``?ra=&dec=&radius_arcsec=`` to a positioned model's filters."""

    ra = django_filters.NumberFilter(method="_noop", help_text="Cone centre RA, ICRS (deg).")
    dec = django_filters.NumberFilter(method="_noop", help_text="Cone centre Dec, ICRS (deg).")
    radius_arcsec = django_filters.NumberFilter(method="_noop", help_text="Cone radius (arcsec).")

    def _noop(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        cone = parse_cone(self.data)
        if cone is not None:
            queryset = queryset.cone_search(*cone).order_by("separation_arcsec")
        return queryset


class RadioComponentFilter(ConeFilterSet):
    survey = django_filters.CharFilter(field_name="epoch__survey__name")
    epoch = django_filters.CharFilter(field_name="epoch__name")

    class Meta:
        model = RadioComponent
        fields = ["name", "s_code", "is_science", "source"]


class OpticalSourceFilter(ConeFilterSet):
    class Meta:
        model = OpticalSource
        fields = ["catalogue", "source_id"]


class LabelFilter(django_filters.FilterSet):
    current = django_filters.BooleanFilter(method="_current")

    def _current(self, queryset, name, value):
        return queryset.current() if value else queryset.exclude(superseded_by__isnull=True)

    class Meta:
        model = Label
        fields = ["origin", "component", "source"]
