from django.http import JsonResponse
from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from catalog.api import epochs, export_views, schema, sources, views, vo  # noqa: F401  (schema: its extensions)

router = DefaultRouter()
router.include_root_view = False  # the schema (/api/schema/) and docs list the endpoints
router.register("components", views.RadioComponentViewSet)
router.register("hosts", views.HostViewSet, basename="host")
router.register("sources", sources.SourceViewSet, basename="source")
router.register("epochs", epochs.EpochViewSet)
router.register("optical-sources", views.OpticalSourceViewSet)
router.register("candidates", views.CandidateViewSet)
router.register("labels", views.LabelViewSet)
router.register("model-versions", views.ModelVersionViewSet)
router.register("class-predictions", views.ClassPredictionViewSet)
router.register("host-predictions", views.HostPredictionViewSet)


def not_found(request, rest=""):
    """Unmatched API paths (e.g. a non-integer id) answer JSON, like every other API error."""
    return JsonResponse({"detail": f"no API endpoint at {request.path}"}, status=404)


urlpatterns = [
    path("", include(router.urls)),
    path("vo/cone/components", vo.ConeSearchView.as_view(), name="vo-scs-components"),
    path("exports/", export_views.ExportJobCreateView.as_view(), name="export-jobs"),
    path("exports/<uuid:token>/", export_views.ExportJobView.as_view(), name="export-job"),
    path(
        "exports/<uuid:token>/download/",
        export_views.ExportJobDownloadView.as_view(),
        name="export-job-download",
    ),
    re_path(r"^(?P<rest>.*)$", not_found),
]
