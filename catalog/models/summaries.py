"""Tables the pages read: a comment thread per component, and a per-component summary of the
active model's predictions that list pages sort and filter on (so a search or the review
queue never aggregates the prediction table inside a request).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Comment(models.Model):
    """A curator's or astronomer's note on a component (append-only discussion)."""

    component = models.ForeignKey(
        "catalog.RadioComponent", on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    text = models.TextField(max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "pages_comment"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author} on {self.component_id}: {self.text[:40]}"


class ComponentSummary(models.Model):
    """The active model's answer for one component, denormalised for list pages.

    Written by :func:`catalog.read.summaries.refresh_summaries` after predictions change (the
    epoch pipeline, a refit, the demo); the component page itself always reads the live
    answer. ``needs_review`` and ``review_priority`` order the review queue (``/review/``).
    """

    component = models.OneToOneField(
        "catalog.RadioComponent", on_delete=models.CASCADE, primary_key=True, related_name="summary"
    )
    model_version = models.ForeignKey("catalog.ModelVersion", on_delete=models.CASCADE)
    best_candidate = models.ForeignKey(
        "catalog.Candidate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    best_likelihood = models.FloatField(
        null=True, blank=True, db_index=True, help_text="Highest host likelihood (seed §4.2)."
    )
    best_reliability = models.FloatField(
        null=True,
        blank=True,
        db_index=True,
        help_text="Reliability of the best candidate (catalog.read.answers reliability).",
    )
    p_no_host = models.FloatField(
        null=True,
        blank=True,
        help_text="Probability that none of the candidates is the host (HostPrediction.p_no_host).",
    )
    second_likelihood = models.FloatField(null=True, blank=True)
    n_candidates = models.PositiveIntegerField(default=0)
    n_positive = models.PositiveIntegerField(default=0, help_text="Candidates with p > 0.5.")
    has_prime = models.BooleanField(default=False, help_text="Exactly one candidate > 0.5.")
    no_positive = models.BooleanField(default=False)
    several_positive = models.BooleanField(default=False)
    disagrees_nearest = models.BooleanField(
        default=False, help_text="The best candidate is not the nearest one."
    )
    disagrees_published = models.BooleanField(
        default=False, help_text="A published (catalogue) label names another host."
    )
    needs_review = models.BooleanField(default=False)
    review_priority = models.FloatField(
        default=0.0, help_text="How much a label would help: flags + normalised entropy."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "pages_componentsummary"
        verbose_name_plural = "component summaries"
        indexes = [
            models.Index(
                fields=["-review_priority", "component"],
                name="summary_review_order",
                condition=models.Q(needs_review=True),
            )
        ]

    def __str__(self) -> str:
        return f"summary of {self.component_id}"

    @property
    def reasons(self) -> list[str]:
        out = []
        if self.no_positive:
            out.append("no candidate > 0.5")
        if self.several_positive:
            out.append("several candidates > 0.5")
        if self.disagrees_nearest:
            out.append("model ≠ nearest neighbour")
        if self.disagrees_published:
            out.append("model ≠ published label")
        return out
