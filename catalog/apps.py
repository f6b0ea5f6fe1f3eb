from django.apps import AppConfig


class CatalogConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "catalog"

    def ready(self):
        from catalog import checks  # noqa: F401  (registers the deploy checks)
        from catalog.read.provenance import software_version

        # read once at start-up (git describe), never per request
        software_version()
