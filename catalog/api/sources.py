"""``/api/sources/``: the source catalogue (the association's groups per epoch, with hosts).

Rows are :class:`catalog.models.Source`, read through :mod:`catalog.read.source_catalogue`
(the same rows as the exports and ``manage.py export_host_table``). Only the current method's
sources appear unless ``?model_version=`` names another, as on ``/api/hosts/``.
"""

from __future__ import annotations

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers as drf
from rest_framework import viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from catalog.api import tables
from catalog.api.base import StrictViewMixin
from catalog.api.filters import ConeFilterSet, ProbabilityFilter
from catalog.api.views import FORMAT_PARAM, MV_PARAM
from catalog.models import Source
from catalog.read.source_catalogue import source_dicts, source_queryset


class IdFilter(django_filters.NumberFilter):
    """A positive integer that fits a BIGINT (``?component=1.5`` or ``=1e30`` is a 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=2**63 - 1, **kwargs)


class SourceFilter(ConeFilterSet):
    """The source catalogue's filters: epoch, type, size of the group, flux, host, cone."""

    survey = django_filters.CharFilter(field_name="epoch__survey__name")
    epoch = django_filters.CharFilter(field_name="epoch__name")
    name = django_filters.CharFilter(
        field_name="source_name", lookup_expr="iexact", help_text="Source_name (J-name)."
    )
    source_type = django_filters.ChoiceFilter(choices=Source.Type.choices)
    component = IdFilter(field_name="components", help_text="The source holding this component id.")
    n_components_min = IdFilter(
        field_name="n_components", lookup_expr="gte", help_text="At least this many components."
    )
    flux_min = django_filters.NumberFilter(
        field_name="total_flux_mjy", lookup_expr="gte", help_text="Total flux (mJy) at least."
    )
    flux_max = django_filters.NumberFilter(
        field_name="total_flux_mjy", lookup_expr="lte", help_text="Total flux (mJy) at most."
    )
    has_host = django_filters.BooleanFilter(
        field_name="host", lookup_expr="isnull", exclude=True, help_text="A host was found."
    )
    reliability_min = ProbabilityFilter(
        field_name="host_reliability", lookup_expr="gte", help_text="Host reliability at least."
    )
    reliability_max = ProbabilityFilter(
        field_name="host_reliability", lookup_expr="lte", help_text="Host reliability at most."
    )

    class Meta:
        model = Source
        fields: list[str] = []

    def filter_queryset(self, queryset):
        lo = self.form.cleaned_data.get("reliability_min")
        hi = self.form.cleaned_data.get("reliability_max")
        if lo is not None and hi is not None and lo > hi:
            raise ValidationError(
                {"reliability_min": [f"greater than reliability_max ({lo} > {hi})"]}
            )
        return super().filter_queryset(queryset)


class ComponentRefSerializer(drf.Serializer):
    id = drf.IntegerField()
    name = drf.CharField()


class SourceRowSerializer(drf.Serializer):
    """One source-catalogue row (catalog.read.source_catalogue.source_dicts)."""

    id = drf.IntegerField()
    source_name = drf.CharField()
    source_type = drf.ChoiceField(choices=Source.Type.choices)
    n_components = drf.IntegerField()
    components = ComponentRefSerializer(many=True)
    survey = drf.CharField()
    epoch = drf.CharField()
    ra = drf.FloatField(help_text="Flux-weighted centroid RA, ICRS (deg).")
    dec = drf.FloatField(help_text="Flux-weighted centroid Dec, ICRS (deg).")
    core_ra = drf.FloatField(help_text="Association core RA, ICRS (deg).")
    core_dec = drf.FloatField(help_text="Association core Dec, ICRS (deg).")
    total_flux = drf.FloatField(help_text="Summed integrated flux (mJy).")
    las = drf.FloatField(allow_null=True, help_text="Largest angular size (arcsec).")
    host_optical_id = drf.IntegerField(allow_null=True)
    host_catalogue = drf.CharField(allow_null=True)
    host_source_id = drf.CharField(allow_null=True)
    host_ra = drf.FloatField(allow_null=True, help_text="(deg)")
    host_dec = drf.FloatField(allow_null=True, help_text="(deg)")
    host_likelihood = drf.FloatField(allow_null=True)
    host_reliability = drf.FloatField(allow_null=True)
    host_separation_arcsec = drf.FloatField(allow_null=True, help_text="Host to core (arcsec).")
    p_no_host = drf.FloatField(allow_null=True, help_text="P(no candidate is the host).")
    model_version_id = drf.IntegerField()
    cone_separation_arcsec = drf.FloatField(
        allow_null=True, help_text="Distance from the cone centre (arcsec); null outside one."
    )


@extend_schema_view(
    list=extend_schema(parameters=[MV_PARAM, FORMAT_PARAM]),
    retrieve=extend_schema(parameters=[MV_PARAM]),
)
class SourceViewSet(StrictViewMixin, viewsets.ReadOnlyModelViewSet):
    """The source catalogue: one row per group of components of an epoch (CIRADA host-table
    layout: name, type, components, position and core, flux, size, host with reliability),
    with filters, the cone search (``?ra=&dec=&radius_arcsec=``) and whole-table exports."""

    queryset = Source.objects.none()
    serializer_class = SourceRowSerializer
    filterset_class = SourceFilter
    export_actions = ("list",)
    extra_params = {"model_version"}

    def get_queryset(self):
        mv = self.model_version()
        if mv is None:
            return Source.objects.none()
        return source_queryset(model_version=mv)

    def list(self, request, *args, **kwargs):
        qs = self.filter_queryset(self.get_queryset())
        fmt = self.export_format()
        if fmt:
            return tables.export_sources(fmt, qs)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(source_dicts(page))

    def retrieve(self, request, *args, **kwargs):
        return Response(source_dicts([self.get_object()])[0])
