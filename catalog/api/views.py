"""REST API views: reads are public, writes need the model's add permission.

Answers, not tables: a component's detail is its whole answer (catalog.read.answers), the host
catalogue is one row per component, and every list exports whole (``?format=``). Only the
current method's predictions appear unless ``?model_version=`` names another.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from catalog.api import filters, params, serializers, tables
from catalog.api.base import MODEL_VERSION_PARAMS, StrictViewMixin
from catalog.api.exports import FORMATS
from catalog.api.full_candidates import full_candidate_answers
from catalog.api.label_serializer import LabelSerializer
from catalog.labels import writer as labelling
from catalog.models import (
    Candidate,
    ClassPrediction,
    HostPrediction,
    Label,
    ModelVersion,
    OpticalSource,
    RadioComponent,
)
from catalog.read import answers

FORMAT_PARAM = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=["json", *FORMATS],
    description="json (paginated) or a whole-table export: csv, votable, parquet, fits.",
)
MV_PARAM = OpenApiParameter(
    "model_version",
    OpenApiTypes.STR,
    description="Host model version (id or name); default: the current method. External "
    "models' logged outputs appear only when named here.",
)
CLF_PARAM = OpenApiParameter(
    "classifier_version",
    OpenApiTypes.STR,
    description="Optical classifier version (id or name); default: the active one.",
)


@extend_schema_view(
    list=extend_schema(parameters=[FORMAT_PARAM, MV_PARAM, CLF_PARAM]),
    retrieve=extend_schema(parameters=[MV_PARAM, CLF_PARAM]),
    candidates=extend_schema(
        parameters=[
            MV_PARAM,
            CLF_PARAM,
            FORMAT_PARAM,
            OpenApiParameter(
                "full",
                OpenApiTypes.BOOL,
                description="Every candidate, not only the stored top-K (recomputed).",
            ),
        ]
    ),
)
class RadioComponentViewSet(StrictViewMixin, viewsets.ReadOnlyModelViewSet):
    """Radio components. The detail is the whole answer: host with reliability, ranked
    candidates with photometry, labels, source and epoch history. Cone search with
    ``?ra=&dec=&radius_arcsec=`` or ``?pos=`` (decimal or sexagesimal); ``?name=`` takes the
    CIRADA name, the bare J-name or the seed's spelling, and each match comes back as its
    whole answer (the detail's fields), so a name is one call."""

    queryset = RadioComponent.objects.select_related("epoch__survey").order_by("id")
    serializer_class = serializers.RadioComponentSerializer
    filterset_class = filters.RadioComponentFilter
    export_actions = ("list", "candidates")
    extra_params_by_action = {
        "list": {"model_version", "classifier_version"},
        "retrieve": {"model_version", "classifier_version"},
        "candidates": {"model_version", "classifier_version", "full"},
    }

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ComponentDetailSerializer
        return super().get_serializer_class()

    def _component(self) -> RadioComponent:
        try:
            pk = int(self.kwargs["pk"])
            if not 0 < pk < 2**63:
                raise ValueError
            return RadioComponent.objects.select_related("epoch__survey", "source").get(pk=pk)
        except (ValueError, RadioComponent.DoesNotExist):
            raise Http404("no such component") from None

    def retrieve(self, request, *args, **kwargs):
        answer = answers.component_answer(
            self._component(),
            model_version=self.model_version(),
            classifier_version=self.classifier_version(),
        )
        return Response(self.get_serializer(answer).data)

    def list(self, request, *args, **kwargs):
        q = request.query_params
        fmt = self.export_format()
        versions = sorted(k for k in MODEL_VERSION_PARAMS if k in q)
        if versions and ("name" not in q or fmt):
            # an export holds the component rows alone: a version would change nothing there
            raise ValidationError(
                {
                    k: [f"{k} picks the answer of a ?name= lookup (JSON) or a detail"]
                    for k in versions
                }
            )
        if fmt:
            qs = self.filter_queryset(self.get_queryset())
            job = self._offloaded("components", fmt, qs)
            return job if job is not None else tables.export_components(fmt, qs)
        if "name" in q:
            return self._answers_by_name()
        return super().list(request, *args, **kwargs)

    def _answers_by_name(self):
        """A name lookup is a question about one source: each match (one per epoch at most)
        comes back as its whole answer, as the detail gives it, so one call suffices."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        mv, clf = self.model_version(), self.classifier_version()
        ser = serializers.ComponentDetailSerializer(context=self.get_serializer_context())
        data = [
            ser.to_representation(
                answers.component_answer(comp, model_version=mv, classifier_version=clf)
            )
            for comp in page
        ]
        return self.get_paginated_response(data)

    @extend_schema(responses=serializers.CandidateAnswerSerializer(many=True))
    @action(detail=True, pagination_class=None, filter_backends=[])
    def candidates(self, request, pk=None):
        """The component's candidates ranked by the model (the detail's ``candidates``)."""
        comp = self._component()
        answer = answers.component_answer(
            comp,
            model_version=self.model_version(),
            classifier_version=self.classifier_version(),
            epochs=False,
        )
        cands = answer.candidates
        if params.parse_bool("full", request.query_params.get("full", "0")):
            # beyond the stored top-K: recomputed from the optical table (one cone)
            cands = full_candidate_answers(comp, cands, answer.model_version)
        fmt = self.export_format()
        if fmt:
            return tables.export_candidates(fmt, comp, cands, answer.model_version)
        ser = serializers.CandidateAnswerSerializer(context=self.get_serializer_context())
        return Response([ser.to_representation(c) for c in cands])


@extend_schema_view(list=extend_schema(parameters=[MV_PARAM, FORMAT_PARAM]))
class HostViewSet(StrictViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The host catalogue: one row per component (best candidate, reliability, flags, model
    version), with the components' filters and cone search."""

    queryset = RadioComponent.objects.select_related("epoch__survey").order_by("id")
    serializer_class = serializers.HostRowSerializer
    filterset_class = filters.HostFilter
    export_actions = ("list",)
    extra_params = {"model_version"}

    def list(self, request, *args, **kwargs):
        mv = self.model_version()  # resolved before filtering: HostFilter reads it
        qs = self.filter_queryset(self.get_queryset())
        fmt = self.export_format()
        if fmt:
            job = self._offloaded("hosts", fmt, qs)
            return job if job is not None else tables.export_hosts(fmt, qs, mv)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(tables.host_dicts(page, mv))


@extend_schema_view(list=extend_schema(parameters=[FORMAT_PARAM]))
class OpticalSourceViewSet(StrictViewMixin, viewsets.ReadOnlyModelViewSet):
    """Optical sources (PS1 DR2, AllWISE), with the cone search; lists export whole."""

    queryset = OpticalSource.objects.order_by("id")
    serializer_class = serializers.OpticalSourceSerializer
    filterset_class = filters.OpticalSourceFilter
    export_actions = ("list",)

    def list(self, request, *args, **kwargs):
        fmt = self.export_format()
        if fmt:
            qs = self.filter_queryset(self.get_queryset())
            job = self._offloaded("optical-sources", fmt, qs)
            return job if job is not None else tables.export_optical_sources(fmt, qs)
        return super().list(request, *args, **kwargs)


class CandidateViewSet(StrictViewMixin, viewsets.ReadOnlyModelViewSet):
    """Raw (component, optical source) pairs; the ranked answer is /components/{id}/candidates/."""

    queryset = Candidate.objects.order_by("id")
    serializer_class = serializers.CandidateSerializer
    filterset_fields = ["component", "optical_source"]


class LabelViewSet(StrictViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Labels are append-only: POST a new ``expert`` label with ``supersedes`` = the current
    label's id to relabel (409 when it is not current). Labellers' usernames: curators only."""

    queryset = Label.objects.select_related("superseded_by", "author").order_by("id")
    serializer_class = LabelSerializer
    filterset_class = filters.LabelFilter

    @extend_schema(
        responses={
            201: LabelSerializer,
            400: OpenApiTypes.OBJECT,
            409: OpenApiTypes.OBJECT,
        }
    )
    def create(self, request, *args, **kwargs):
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        v = ser.validated_data
        try:
            label = labelling.relabel(
                v["component_id"],
                author=request.user,
                host=v.get("host_id"),
                host_ra=v.get("host_ra"),
                host_dec=v.get("host_dec"),
                no_host=v.get("no_host", False),
                reason=v.get("reason", ""),
                supersedes=v.get("supersedes_id"),
                consensus_level=v.get("consensus_level"),
            )
        except labelling.LabelInputError as exc:
            raise ValidationError({k: [m] for k, m in exc.errors.items()}) from None
        except labelling.LabelConflict as exc:
            return Response(
                {"detail": str(exc), "current_labels": exc.current_ids},
                status=status.HTTP_409_CONFLICT,
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        return Response(self.get_serializer(label).data, status=status.HTTP_201_CREATED)


class ModelVersionViewSet(StrictViewMixin, viewsets.ReadOnlyModelViewSet):
    queryset = ModelVersion.objects.order_by("id")
    serializer_class = serializers.ModelVersionSerializer
    filterset_fields = ["kind", "status"]


@extend_schema_view(list=extend_schema(parameters=[CLF_PARAM]))
class ClassPredictionViewSet(StrictViewMixin, viewsets.ReadOnlyModelViewSet):
    """Class probabilities of the active classifier (``?classifier_version=`` for another)."""

    queryset = ClassPrediction.objects.order_by("id")
    serializer_class = serializers.ClassPredictionSerializer
    filterset_fields = ["optical_source"]
    extra_params_by_action = {"list": {"classifier_version"}}

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list":
            clf = self.classifier_version()
            qs = qs.filter(model_version=clf) if clf is not None else qs.none()
        return qs


@extend_schema_view(list=extend_schema(parameters=[MV_PARAM]))
class HostPredictionViewSet(StrictViewMixin, viewsets.ReadOnlyModelViewSet):
    """Host likelihoods of the current method (``?model_version=`` for another)."""

    queryset = HostPrediction.objects.order_by("id")
    serializer_class = serializers.HostPredictionSerializer
    filterset_fields = ["candidate", "is_prime", "is_positive"]
    extra_params_by_action = {"list": {"model_version"}}

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list":
            mv = self.model_version()
            qs = qs.filter(model_version=mv) if mv is not None else qs.none()
        return qs
