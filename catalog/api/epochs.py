"""Epochs: their processing state and what changed since the previous epoch.

Serves what ``Epoch`` holds (name, dates, ``processed_at``); the
per-epoch state machine and diff records come from the epoch pipeline (issue 14) and are
wired in :func:`epoch_diff` when present.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog.models import Epoch

from . import serializers
from .base import StrictViewMixin


class EpochViewSet(StrictViewMixin, viewsets.ReadOnlyModelViewSet):
    """Survey epochs with their processing state; ``/diff/`` lists what changed."""

    queryset = Epoch.objects.select_related("survey").order_by("id")
    serializer_class = serializers.EpochSerializer
    filterset_fields = ["survey__name", "name"]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True)
    def diff(self, request, pk=None):
        """What changed since the previous epoch of the same survey."""
        epoch = self.get_object()
        previous = (
            Epoch.objects.filter(survey=epoch.survey, id__lt=epoch.id).order_by("-id").first()
        )
        return Response(
            {
                "epoch": epoch.pk,
                "previous_epoch": previous and previous.pk,
                "available": False,
                "detail": "per-component diffs are recorded by the epoch pipeline (issue 14)",
                "changes": [],
            }
        )
