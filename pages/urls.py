from django.urls import path

from pages.views import component, curation, home, search

app_name = "pages"

urlpatterns = [
    path("", home.home, name="home"),
    path("search/", search.search, name="search"),
    path("models/", home.models_page, name="models"),
    path("results/<str:name>", home.result_figure, name="result-figure"),
    path("components/<int:pk>/", component.component_page, name="component"),
    path("components/<int:pk>/overlay.png", component.overlay_png, name="overlay"),
    path("components/<int:pk>/overlay.json", component.overlay_status, name="overlay-status"),
    path("components/<int:pk>/relabel/", curation.relabel, name="relabel"),
    path("components/<int:pk>/comment/", curation.comment, name="comment"),
    path("review/", curation.review_queue, name="review"),
]
