"""Django admin for staff: science fields read-only, labels written only through
:mod:`catalog.labels.writer` (the integrity rules), lookups by raw id instead of dropdowns.

Curators relabel on the component page (``pages``); the admin keeps one bulk action ("no
host") that goes through the same writer. Every label written here or on the pages is logged
as an admin ``LogEntry`` (:func:`log_label`), so the History pages of the label and of its
component show who relabelled what.
"""

from collections import defaultdict

from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import PermissionDenied
from import_export import fields, resources
from import_export.admin import ExportMixin

from catalog import models
from catalog.labels.writer import LabelConflict, LabelInputError, relabel
from catalog.read.answers import current_label, label_answers


def log_label(user, label: models.Label) -> None:
    """Record a new label in the admin history of the label and of its component."""
    what = "no host" if label.no_host else f"host {label.host or (label.host_ra, label.host_dec)}"
    msg = f"expert label {label.pk}: {what}" + (
        f" (supersedes {label.supersedes_id})" if label.supersedes_id else ""
    )
    LogEntry.objects.log_actions(user.pk, [label], ADDITION, change_message=msg, single_object=True)
    if label.component_id is not None:
        comp = models.RadioComponent.objects.filter(pk=label.component_id)
        LogEntry.objects.log_actions(user.pk, comp, CHANGE, change_message=f"relabelled: {msg}")


class ReadOnlyScienceAdmin(admin.ModelAdmin):
    """Catalogue rows come from ingest and the pipeline: staff look, nobody edits in place."""

    # survey-size tables: no COUNT(*) of the whole table on every list page
    show_full_result_count = False
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] + list(self.readonly_fields)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["name", "frequency_ghz", "beam_arcsec"]


@admin.register(models.Epoch)
class EpochAdmin(admin.ModelAdmin):
    # the pipeline state: read-only here, moved only by catalog.pipeline
    list_display = ["survey", "name", "state", "tiles_done", "tiles_total", "n_components",
                    "n_without_candidates", "resends", "processed_at"]  # fmt: skip
    list_filter = ["survey", "state"]
    readonly_fields = ["state", "state_changed_at", "error", "model_version", "tile_order",
                       "tiles_total", "tiles_done", "n_components", "n_predictions",
                       "n_without_candidates", "identify_seconds", "resends", "resent_at",
                       "processed_at"]  # fmt: skip


@admin.register(models.RadioSource)
class RadioSourceAdmin(ReadOnlyScienceAdmin):
    list_display = ["name", "origin", "ra", "dec", "total_flux_mjy", "morphology"]
    list_filter = ["origin", "morphology"]
    search_fields = ["name"]


@admin.register(models.RadioComponent)
class RadioComponentAdmin(ReadOnlyScienceAdmin):
    list_display = ["name", "epoch", "ra", "dec", "total_flux_mjy", "s_code", "is_science",
                    "no_candidates"]  # fmt: skip
    list_filter = ["epoch", "s_code", "is_science", "no_candidates"]
    list_select_related = ["epoch__survey"]
    search_fields = ["=name"]  # exact: a substring search would scan the table
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "name",
                    "epoch",
                    "source",
                    "ra",
                    "dec",
                    "hpx",
                    "is_science",
                    "no_candidates",
                ]
            },
        ),
        (
            "Fluxes and shape",
            {
                "fields": [
                    "peak_flux_mjy",
                    "e_peak_flux_mjy",
                    "total_flux_mjy",
                    "e_total_flux_mjy",
                    "major_arcsec",
                    "minor_arcsec",
                    "pa_deg",
                    "dc_major_arcsec",
                    "dc_minor_arcsec",
                    "isl_rms_mjy",
                    "s_code",
                    "quality_flag",
                    "duplicate_flag",
                ]
            },
        ),
        ("Component page", {"fields": ["page_link"]}),
    ]
    readonly_fields = ["page_link"]

    @admin.display(description="Candidates, predictions, labels, overlay")
    def page_link(self, obj):
        from django.urls import reverse
        from django.utils.html import format_html

        return format_html(
            '<a href="{}">open the component page</a>', reverse("pages:component", args=[obj.pk])
        )


@admin.register(models.OpticalSource)
class OpticalSourceAdmin(ReadOnlyScienceAdmin):
    list_display = ["catalogue", "source_id", "ra", "dec", "r_mag", "w1_mag", "w2_mag"]
    list_filter = ["catalogue", "is_simulated"]
    search_fields = ["=source_id", "=allwise_id"]


@admin.register(models.Candidate)
class CandidateAdmin(ReadOnlyScienceAdmin):
    list_display = ["component", "optical_source", "dx_px", "dy_px", "distance_px"]
    list_select_related = ["component", "optical_source"]
    raw_id_fields = ["component", "optical_source"]
    search_fields = ["=component__name", "=optical_source__source_id"]


@admin.register(models.HostPrediction)
class HostPredictionAdmin(ReadOnlyScienceAdmin):
    list_display = [
        "component",
        "optical_source",
        "model_version",
        "likelihood",
        "rank",
        "is_positive",
        "is_prime",
        "updated_at",
    ]
    list_filter = ["model_version", "is_prime", "is_positive"]
    list_select_related = ["candidate__component", "candidate__optical_source", "model_version"]
    raw_id_fields = ["candidate"]
    search_fields = ["=candidate__component__name", "=candidate__optical_source__source_id"]

    @admin.display(ordering="candidate__component")
    def component(self, obj):
        return obj.candidate.component

    @admin.display(ordering="candidate__optical_source")
    def optical_source(self, obj):
        return obj.candidate.optical_source


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


@admin.register(models.Label)
class LabelAdmin(ExportMixin, admin.ModelAdmin):
    """Labels are records: shown read-only (no Save buttons), exported, never edited.

    New labels come from the component page, the API or the expert-label ingest, all through
    :mod:`catalog.labels.writer` / the ingesters; import through the admin would bypass the
    integrity rules, so only export is offered.
    """

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
    list_select_related = ["component", "source", "host", "superseded_by"]
    search_fields = ["=component__name", "=source__name", "=host__source_id"]
    raw_id_fields = ["component", "source", "host", "supersedes"]
    show_full_result_count = False
    actions = ["mark_no_host"]

    @admin.display(boolean=True)
    def is_current(self, obj) -> bool:
        return not hasattr(obj, "superseded_by")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # Viewing stays (has_view_permission); with no change permission the admin renders
        # the label read-only with a Close link instead of Save buttons.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("catalog.add_label"):
            actions.pop("mark_no_host", None)
        return actions

    @admin.action(description="Relabel the component as 'no host' (supersedes its current label)")
    def mark_no_host(self, request, queryset):
        """One new expert label per component of the selection, superseding the label that
        speaks for it now (expert first), so a component never gets two current expert labels
        however many of its labels were selected."""
        by_component = defaultdict(list)
        for lab in queryset.filter(component__isnull=False):
            by_component[lab.component_id].append(lab.pk)
        done, refused = 0, []
        for cid in sorted(by_component):
            head = current_label(label_answers(cid))
            try:
                new = relabel(
                    cid,
                    author=request.user,
                    no_host=True,
                    reason="admin action: marked no host",
                    supersedes=head.id if head else None,
                )
            except (LabelConflict, LabelInputError, PermissionDenied) as exc:
                refused.append(f"component {cid}: {exc}")
                continue
            log_label(request.user, new)
            done += 1
        self.message_user(request, f"{done} component(s) relabelled 'no host'", messages.SUCCESS)
        for r in refused:
            self.message_user(request, r, messages.ERROR)


@admin.register(models.ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "status", "sha256", "created_at"]
    list_filter = ["kind", "status"]
    readonly_fields = [
        "name",
        "kind",
        "checkpoint_path",
        "sha256",
        "git_sha",
        "config",
        "metrics",
        "label_snapshot",
        "is_simulated_training",
        "created_at",
    ]


@admin.register(models.Cutout)
class CutoutAdmin(ReadOnlyScienceAdmin):
    list_display = ["component", "optical_source", "survey", "band", "path", "sha256"]
    raw_id_fields = ["component", "optical_source"]


@admin.register(models.Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["component", "author", "created_at", "text"]
    raw_id_fields = ["component", "author"]
    readonly_fields = ["created_at"]
    show_full_result_count = False


@admin.register(models.ComponentSummary)
class ComponentSummaryAdmin(ReadOnlyScienceAdmin):
    list_display = [
        "component",
        "best_likelihood",
        "n_positive",
        "has_prime",
        "needs_review",
        "review_priority",
    ]
    list_filter = ["needs_review", "has_prime", "no_positive", "several_positive"]
    raw_id_fields = ["component", "best_candidate"]
