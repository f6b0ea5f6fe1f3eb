"""Django admin for curating labels: relabelling creates a new label that supersedes the old."""

from django.contrib import admin, messages
from import_export import fields, resources
from import_export.admin import ImportExportMixin

from . import models


@admin.register(models.Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["name", "frequency_ghz", "beam_arcsec"]


@admin.register(models.Epoch)
class EpochAdmin(admin.ModelAdmin):
    # the pipeline state (issue 14): read-only here, moved only by catalog.pipeline
    list_display = ["survey", "name", "state", "tiles_done", "tiles_total", "n_components",
                    "n_without_candidates", "processed_at"]  # fmt: skip
    list_filter = ["survey", "state"]
    readonly_fields = ["state", "state_changed_at", "error", "model_version", "tile_order",
                       "tiles_total", "tiles_done", "n_components", "n_predictions",
                       "n_without_candidates", "identify_seconds", "processed_at"]  # fmt: skip


@admin.register(models.RadioSource)
class RadioSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "origin", "ra", "dec", "total_flux_mjy", "morphology"]
    list_filter = ["origin", "morphology"]
    search_fields = ["name"]


@admin.register(models.RadioComponent)
class RadioComponentAdmin(admin.ModelAdmin):
    list_display = ["name", "epoch", "ra", "dec", "total_flux_mjy", "s_code", "is_science",
                    "no_candidates"]  # fmt: skip
    list_filter = ["epoch", "s_code", "is_science", "no_candidates"]
    search_fields = ["name"]
    raw_id_fields = ["source"]


@admin.register(models.OpticalSource)
class OpticalSourceAdmin(admin.ModelAdmin):
    list_display = ["catalogue", "source_id", "ra", "dec", "r_mag", "w1_mag", "w2_mag"]
    list_filter = ["catalogue", "is_simulated"]
    search_fields = ["source_id", "allwise_id"]


@admin.register(models.Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ["component", "optical_source", "dx_px", "dy_px", "distance_px"]
    raw_id_fields = ["component", "optical_source"]
    search_fields = ["component__name", "optical_source__source_id"]


class LabelResource(resources.ModelResource):
    component_name = fields.Field(
        attribute="component__name", column_name="component_name", readonly=True
    )
    host_id = fields.Field(attribute="host__source_id", column_name="host_source_id", readonly=True)

    class Meta:
        model = models.Label
        fields = [
            "id",
            "component",
            "component_name",
            "source",
            "host",
            "host_id",
            "host_ra",
            "host_dec",
            "no_host",
            "origin",
            "consensus_level",
            "match_separation_arcsec",
            "author_name",
            "reason",
            "created_at",
            "supersedes",
        ]
        # Imports only ever add labels: an existing id is never updated in place.
        skip_unchanged = True
        import_id_fields = []


@admin.register(models.Label)
class LabelAdmin(ImportExportMixin, admin.ModelAdmin):
    resource_classes = [LabelResource]
    list_display = [
        "id",
        "component",
        "source",
        "host",
        "no_host",
        "origin",
        "author_name",
        "created_at",
        "is_current",
    ]
    list_filter = ["origin", "no_host"]
    search_fields = ["component__name", "source__name", "host__source_id", "reason"]
    raw_id_fields = ["component", "source", "host", "supersedes"]
    readonly_fields = ["created_at", "author"]
    actions = ["mark_no_host"]

    @admin.display(boolean=True)
    def is_current(self, obj) -> bool:
        return not hasattr(obj, "superseded_by")

    def get_readonly_fields(self, request, obj=None):
        # An existing label is a historical record: every field is read-only;
        # curators relabel with "Save as new" (which supersedes) or the action.
        if obj is not None:
            return [f.name for f in self.model._meta.fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        if obj.author_id is None:
            obj.author = request.user
            obj.author_name = obj.author_name or request.user.get_username()
        obj.save()

    @admin.action(description="Relabel as 'no host' (superseding the current label)")
    def mark_no_host(self, request, queryset):
        n = 0
        for old in queryset.current():
            models.Label.objects.create(
                component=old.component,
                source=old.source,
                no_host=True,
                origin=models.Label.Origin.EXPERT,
                author=request.user,
                author_name=request.user.get_username(),
                reason="admin: marked no host",
                supersedes=old,
            )
            n += 1
        self.message_user(request, f"{n} label(s) superseded", messages.SUCCESS)


@admin.register(models.ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "status", "sha256", "created_at"]
    list_filter = ["kind", "status"]


@admin.register(models.Cutout)
class CutoutAdmin(admin.ModelAdmin):
    list_display = ["component", "optical_source", "survey", "band", "path", "sha256"]
    raw_id_fields = ["component", "optical_source"]
