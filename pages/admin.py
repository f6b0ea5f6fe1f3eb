"""Admin for the pages' tables: comments (moderation) and the read-only summaries."""

from django.contrib import admin

from catalog.admin import ReadOnlyScienceAdmin

from .models import Comment, ComponentSummary


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["component", "author", "created_at", "text"]
    raw_id_fields = ["component", "author"]
    readonly_fields = ["created_at"]
    show_full_result_count = False


@admin.register(ComponentSummary)
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
