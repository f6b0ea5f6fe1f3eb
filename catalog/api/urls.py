from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import views, vo

router = DefaultRouter()
router.register("components", views.RadioComponentViewSet)
router.register("optical-sources", views.OpticalSourceViewSet)
router.register("candidates", views.CandidateViewSet)
router.register("labels", views.LabelViewSet)
router.register("model-versions", views.ModelVersionViewSet)
router.register("class-predictions", views.ClassPredictionViewSet)
router.register("host-predictions", views.HostPredictionViewSet)

urlpatterns = [
    path("", include(router.urls)),
    path("vo/cone/components", vo.scs_components, name="vo-scs-components"),
]
