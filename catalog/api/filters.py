"""API filters; the cone search is a django-filter method (TOM Toolkit style) backed by HEALPix."""

from __future__ import annotations

import astropy.units as u
import django_filters
from django.db.models import Exists, OuterRef

from catalog.models import HostPrediction, Label, OpticalSource, RadioComponent
from catalog.names import find_by_name
from catalog.spatial import ConeCentre

from . import params


class ConeFilterSet(django_filters.FilterSet):
    """``?ra=&dec=&radius_arcsec=`` or ``?pos=&radius_arcsec=`` (decimal or sexagesimal)."""

    ra = django_filters.CharFilter(
        method="_noop", help_text="Cone centre RA, ICRS: degrees or sexagesimal hours (03:32:00)."
    )
    dec = django_filters.CharFilter(
        method="_noop", help_text="Cone centre Dec, ICRS: degrees or sexagesimal (-27:48:00)."
    )
    pos = django_filters.CharFilter(
        method="_noop", help_text="Cone centre as typed: '53.0 -27.8' or '03:32:00 -27:48:00'."
    )
    radius_arcsec = django_filters.NumberFilter(
        method="_noop", help_text=f"Cone radius (arcsec), at most {params.MAX_RADIUS_ARCSEC:g}."
    )

    def _noop(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        cone = params.parse_cone(self.data)
        if cone is not None:
            ra, dec, radius = cone
            queryset = queryset.cone_search(ConeCentre(ra, dec), radius * u.arcsec).order_by(
                "separation_arcsec", "id"
            )
        return queryset


class RadioComponentFilter(ConeFilterSet):
    survey = django_filters.CharFilter(field_name="epoch__survey__name")
    epoch = django_filters.CharFilter(field_name="epoch__name")
    name = django_filters.CharFilter(
        method="_name",
        help_text="CIRADA name, bare J-name, or the seed's spelling without leading zeros.",
    )
    is_science = django_filters.BooleanFilter()

    class Meta:
        model = RadioComponent
        fields = ["s_code", "source"]

    def _name(self, queryset, name, value):
        return queryset.filter(pk__in=[c.pk for c in find_by_name(value)])


class HostFilter(RadioComponentFilter):
    """Host catalogue filters: the component's, plus whether a host / prime host exists."""

    has_host = django_filters.BooleanFilter(
        method="_host", help_text="Components with (true) or without (false) a scored candidate."
    )
    is_prime = django_filters.BooleanFilter(method="_host", help_text="Best candidate is prime.")
    is_positive = django_filters.BooleanFilter(
        method="_host", help_text="Best candidate is positive (likelihood > 0.5)."
    )

    def _host(self, queryset, name, value):
        mv = getattr(self.request, "_radiohost_versions", {}).get("model_version")
        best = HostPrediction.objects.filter(
            candidate__component=OuterRef("pk"), model_version=mv, rank=1
        )
        if name != "has_host":
            best = best.filter(**{name: True})
        return queryset.filter(Exists(best)) if value else queryset.exclude(Exists(best))


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
