"""API filters; the cone search is a django-filter method (TOM Toolkit style) backed by HEALPix."""

from __future__ import annotations

import astropy.units as u
import django_filters
from django.db.models import Exists, F, OuterRef
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from catalog.api import params
from catalog.models import HostPrediction, Label, OpticalSource, RadioComponent
from catalog.read.host_catalogue import reliability_expression
from catalog.read.names import find_by_name
from catalog.sky.spatial import ConeCentre


class ProbabilityFilter(django_filters.NumberFilter):
    """A number in [0, 1] (a 400 naming the parameter otherwise), with its bounds in the schema."""

    def __init__(self, *args, help_text: str, **kwargs):
        super().__init__(*args, min_value=0, max_value=1, help_text=help_text, **kwargs)
        # drf-spectacular takes an overridden filter's description from the override only
        extend_schema_field(
            {
                "type": "number",
                "format": "double",
                "minimum": 0,
                "maximum": 1,
                "description": help_text,
            }
        )(self)


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
    """Host catalogue filters: the component's, whether a (prime, positive) host exists, and
    bounds on its reliability, all under the requested ``model_version``."""

    has_host = django_filters.BooleanFilter(
        method="_host", help_text="Components with (true) or without (false) a scored candidate."
    )
    is_prime = django_filters.BooleanFilter(method="_host", help_text="Best candidate is prime.")
    is_positive = django_filters.BooleanFilter(
        method="_host", help_text="Best candidate is positive (likelihood > 0.5)."
    )

    # the search page's filters (catalog.read.search), so its "same query from the API" links
    # are the same query
    flux_min = django_filters.NumberFilter(
        field_name="total_flux_mjy", lookup_expr="gte", help_text="Total flux (mJy) at least."
    )
    flux_max = django_filters.NumberFilter(
        field_name="total_flux_mjy", lookup_expr="lte", help_text="Total flux (mJy) at most."
    )
    needs_review = django_filters.BooleanFilter(
        field_name="summary__needs_review",
        help_text="Flagged for review on the pages (ambiguous or low-reliability host).",
    )
    has_expert_label = django_filters.BooleanFilter(
        method="_expert", help_text="Components with (true) or without (false) an expert label."
    )

    reliability_min = ProbabilityFilter(
        method="_noop",
        help_text="Best candidate's reliability (likelihood-ratio reliability with a "
        "no-counterpart term, 0-1) at least this; components without a scored host are left "
        "out.",
    )
    reliability_max = ProbabilityFilter(
        method="_noop",
        help_text="Best candidate's reliability at most this (0-1); components without a "
        "scored host are left out.",
    )

    no_host = django_filters.BooleanFilter(
        method="_no_host",
        help_text='Components whose answer is (true) or is not (false) "no host found": the '
        "probability that none of the candidates is the host (p_no_host) exceeds the best "
        "candidate's reliability.",
    )

    def _no_host(self, queryset, name, value):
        best = HostPrediction.objects.filter(
            candidate__component=OuterRef("pk"),
            model_version=self._model_version(),
            rank=1,
            p_no_host__gt=F("reliability"),
        )
        return queryset.filter(Exists(best)) if value else queryset.exclude(Exists(best))

    def _expert(self, queryset, name, value):
        expert = Label.objects.current().filter(
            component=OuterRef("pk"), origin=Label.Origin.EXPERT
        )
        return queryset.filter(Exists(expert)) if value else queryset.exclude(Exists(expert))

    def _model_version(self):
        # resolved (and validated) by the view before filtering: StrictViewMixin.model_version
        return getattr(self.request, "_radiohost_versions", {}).get("model_version")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        lo = self.form.cleaned_data.get("reliability_min")
        hi = self.form.cleaned_data.get("reliability_max")
        if lo is None and hi is None:
            return queryset
        if lo is not None and hi is not None and lo > hi:
            raise ValidationError(
                {"reliability_min": [f"greater than reliability_max ({lo} > {hi})"]}
            )
        # In SQL (catalog.read.host_catalogue.reliability_expression), so a bound filters the whole
        # catalogue before the page or export is cut, never a page after the fact.
        queryset = queryset.alias(_reliability=reliability_expression(self._model_version()))
        if lo is not None:
            queryset = queryset.filter(_reliability__gte=float(lo))
        if hi is not None:
            queryset = queryset.filter(_reliability__lte=float(hi))
        return queryset

    def _host(self, queryset, name, value):
        mv = self._model_version()
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
