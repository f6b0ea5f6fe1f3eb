"""Epochs: their processing state and progress, and what changed since the previous epoch.

State, progress and diffs are the epoch pipeline's records (``Epoch.state``/``progress``,
``EpochDiff``/``EpochDiffEntry``, catalog.diff.epochs); this module only serves them.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers as drf
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from catalog.api import serializers
from catalog.api.base import StrictViewMixin
from catalog.api.pagination import KeysetPagination
from catalog.models import Epoch, EpochDiff, EpochDiffEntry
from catalog.read.provenance import provenance

KINDS = [k for k, _ in EpochDiffEntry.Kind.choices]


class EpochViewSet(StrictViewMixin, viewsets.ReadOnlyModelViewSet):
    """Survey epochs with their pipeline state and progress; ``/diff/`` lists what changed."""

    queryset = Epoch.objects.select_related("survey").order_by("id")
    serializer_class = serializers.EpochSerializer
    filterset_fields = ["state"]
    extra_params_by_action = {"diff": {"kind", "cursor", "limit"}}

    @extend_schema(
        parameters=[OpenApiParameter("kind", OpenApiTypes.STR, enum=KINDS)],
        responses=inline_serializer(
            "EpochDiffPage",
            {
                "epoch": drf.IntegerField(),
                "diff": serializers.EpochDiffSerializer(allow_null=True),
                "next": drf.CharField(allow_null=True),
                "previous": drf.CharField(allow_null=True),
                "results": serializers.EpochDiffEntrySerializer(many=True),
                "provenance": drf.DictField(child=drf.CharField()),
            },
        ),
    )
    @action(detail=True, filter_backends=[])
    def diff(self, request, pk=None):
        """The latest diff of this epoch against the survey's previous overlapping epoch: the
        overlap and counts, then the changed components (one class each) by cursor."""
        epoch = self.get_object()
        kind = request.query_params.get("kind") or None  # empty: every class, as filters do
        if kind is not None and kind not in KINDS:
            raise ValidationError({"kind": [f"one of {', '.join(KINDS)}"]})
        diff = (
            EpochDiff.objects.filter(epoch_b=epoch)
            .select_related("epoch_a__survey", "epoch_b__survey")
            .order_by("-created_at", "-id")
            .first()
        )
        body = {"epoch": epoch.pk, "diff": None, "next": None, "previous": None, "results": []}
        pair = [diff.epoch_a, diff.epoch_b] if diff is not None else [epoch]
        body["provenance"] = provenance(epochs=pair, model_version=epoch.model_version)
        if diff is None:
            return Response(body)
        entries = EpochDiffEntry.objects.filter(diff=diff).order_by("id")
        if kind:
            entries = entries.filter(kind=kind)
        paginator = KeysetPagination()
        page = paginator.paginate_queryset(entries, request, view=self)
        body.update(
            diff=serializers.EpochDiffSerializer(diff).data,
            next=paginator.get_next_link(),
            previous=paginator.get_previous_link(),
            results=serializers.EpochDiffEntrySerializer(page, many=True).data,
        )
        return Response(body)
