from django.apps import AppConfig


class PagesConfig(AppConfig):
    """Server-rendered pages for astronomers and the curation workflow."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "pages"
    verbose_name = "Pages and curation"
