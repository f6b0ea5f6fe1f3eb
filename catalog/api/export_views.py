"""``/api/exports/``: create a background export, poll it, download its file.

Public like the rows it exports: anyone may ask for an export of a public table (the
anonymous throttle and ``RADIOHOST_EXPORT_MAX_ACTIVE`` bound the work), and a job is read by
its unguessable token, never listed. Large list exports (``?format=`` past
``RADIOHOST_EXPORT_INLINE_MAX_ROWS`` rows) answer ``202`` with the same job body.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.api.export_jobs import TABLES, ExportRefused, create_job
from catalog.api.exports import FORMATS
from catalog.models import ExportJob


class StrictCharField(serializers.CharField):
    """A string as sent: a number or a boolean is refused, not turned into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ExportRequestSerializer(serializers.Serializer):
    table = serializers.ChoiceField(choices=list(TABLES))
    format = serializers.ChoiceField(choices=list(FORMATS))
    query = serializers.DictField(
        child=serializers.ListField(child=StrictCharField()), required=False, default=dict,
        help_text="The list endpoint's filters, e.g. {\"epoch\": [\"2\"], \"ra\": [\"150\"]}.",
    )  # fmt: skip


class ExportJobSerializer(serializers.ModelSerializer):
    progress = serializers.FloatField(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = ["token", "table", "format", "query", "status", "rows_total", "rows_done",
                  "progress", "size_bytes", "error", "created_at", "started_at", "finished_at",
                  "url", "download"]  # fmt: skip

    def get_url(self, job) -> str:
        return _absolute(self.context.get("request"), reverse("export-job", args=[job.token]))

    def get_download(self, job) -> str | None:
        if job.status != ExportJob.Status.DONE:
            return None
        path = reverse("export-job-download", args=[job.token])
        return _absolute(self.context.get("request"), path)


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


def accepted(job: ExportJob, request) -> JsonResponse:
    """The 202 a large list export answers: the job, and where to poll it."""
    body = ExportJobSerializer(job, context={"request": request}).data
    response = JsonResponse(body, status=status.HTTP_202_ACCEPTED)
    response["Location"] = body["url"]
    return response


def _job(token) -> ExportJob:
    try:
        return ExportJob.objects.get(token=token)
    except (ExportJob.DoesNotExist, ValueError):
        raise Http404("no such export") from None


class ExportJobCreateView(APIView):
    permission_classes = [AllowAny]
    # a JSON body only: a form would flatten ``query`` (a dict of lists) into nothing
    parser_classes = [JSONParser]

    @extend_schema(
        request=ExportRequestSerializer,
        responses={202: ExportJobSerializer},
        summary="Start a background export of a whole table (polled at its url).",
    )
    def post(self, request):
        ser = ExportRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            job, _ = create_job(ser.validated_data["table"], ser.validated_data["format"],
                                ser.validated_data["query"], user=request.user)  # fmt: skip
        except ExportRefused as exc:
            if "queued or running" in str(exc):
                raise Throttled(detail=str(exc)) from None
            raise ValidationError({"query": [str(exc)]}) from None
        return accepted(job, request)


class ExportJobView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses=ExportJobSerializer, summary="An export job's status and progress.")
    def get(self, request, token):
        return Response(ExportJobSerializer(_job(token), context={"request": request}).data)


class ExportJobDownloadView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(description="The export file."),
            409: OpenApiResponse(description="Not written yet (poll the job)."),
        },
        summary="Download a finished export.",
    )
    def get(self, request, token):
        job = _job(token)
        if job.status != ExportJob.Status.DONE or not job.file:
            return JsonResponse(
                {"detail": f"export {job.token} is {job.status}, not done; poll its url"},
                status=status.HTTP_409_CONFLICT,
            )
        url = default_storage.url(job.file.name)
        if url.startswith(("http://", "https://")):  # a storage that serves files itself (S3)
            return HttpResponseRedirect(url)
        content_type = FORMATS[job.format][0]
        return FileResponse(
            default_storage.open(job.file.name, "rb"), as_attachment=True,
            filename=job.file.name.rsplit("/", 1)[-1], content_type=content_type,
        )  # fmt: skip
