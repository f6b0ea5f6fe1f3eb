"""REST API views: reads are public, writes need the model's add/change permission."""

from rest_framework import mixins, viewsets

from catalog.models import (
    Candidate,
    ClassPrediction,
    HostPrediction,
    Label,
    ModelVersion,
    OpticalSource,
    RadioComponent,
)

from . import filters, serializers


class RadioComponentViewSet(viewsets.ReadOnlyModelViewSet):
    """Radio components; cone search with ``?ra=&dec=&radius_arcsec=`` (deg, deg, arcsec)."""

    queryset = RadioComponent.objects.select_related("epoch__survey").order_by("id")
    serializer_class = serializers.RadioComponentSerializer
    filterset_class = filters.RadioComponentFilter


class OpticalSourceViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = OpticalSource.objects.order_by("id")
    serializer_class = serializers.OpticalSourceSerializer
    filterset_class = filters.OpticalSourceFilter


class CandidateViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Candidate.objects.order_by("id")
    serializer_class = serializers.CandidateSerializer
    filterset_fields = ["component", "optical_source"]


class LabelViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Labels are append-only: POST a new one (with ``supersedes``) to relabel."""

    queryset = Label.objects.select_related("superseded_by").order_by("id")
    serializer_class = serializers.LabelSerializer
    filterset_class = filters.LabelFilter

    def perform_create(self, serializer):
        serializer.save(author=self.request.user, author_name=self.request.user.get_username())


class ModelVersionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ModelVersion.objects.order_by("id")
    serializer_class = serializers.ModelVersionSerializer
    filterset_fields = ["kind", "status"]


class ClassPredictionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ClassPrediction.objects.order_by("id")
    serializer_class = serializers.ClassPredictionSerializer
    filterset_fields = ["optical_source", "model_version"]


class HostPredictionViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = HostPrediction.objects.order_by("id")
    serializer_class = serializers.HostPredictionSerializer
    filterset_fields = ["candidate", "model_version", "is_prime", "is_positive"]
