"""Host labels (RGZ, Norris, Zhu, expert relabels) with their supersession history."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import CheckConstraint, Q


class LabelQuerySet(models.QuerySet):
    def current(self) -> LabelQuerySet:
        """Heads of label chains: labels no newer label supersedes."""
        return self.filter(superseded_by__isnull=True)


class Label(models.Model):
    """Who hosts a component or source — never edited in place, only superseded.

    A relabel is a new ``Label`` whose ``supersedes`` points at the old one; the
    current label is the head of the chain. ``host`` may be empty while the label
    catalogue's host position is kept in ``host_ra``/``host_dec`` (e.g. a SWIRE host
    with no PS1 counterpart); ``no_host`` states explicitly that there is none.
    """

    class Origin(models.TextChoices):
        RGZ = "rgz", "Radio Galaxy Zoo"
        NORRIS = "norris2006", "Norris et al. 2006"
        ZHU2023 = "zhu2023", "Zhu et al. 2023"
        LOU2023 = "lou2023", "Lou, Lake & Tsai 2023 test set"
        EXPERT = "expert", "Expert relabel"
        SIMULATED = "sim", "Simulated truth"

    component = models.ForeignKey(
        "catalog.RadioComponent",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="labels",
    )
    source = models.ForeignKey(
        "catalog.RadioSource",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="labels",
    )
    host = models.ForeignKey(
        "catalog.OpticalSource",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="host_labels",
    )
    host_ra = models.FloatField(
        null=True, blank=True, help_text="Host position from the label catalogue, ICRS (deg)."
    )
    host_dec = models.FloatField(null=True, blank=True, help_text="(deg).")
    no_host = models.BooleanField(default=False, help_text="Explicitly: no host is visible.")
    origin = models.CharField(max_length=16, choices=Origin.choices, db_index=True)
    consensus_level = models.FloatField(
        null=True, blank=True, help_text="Fraction of classifiers agreeing (RGZ), 0–1."
    )
    match_separation_arcsec = models.FloatField(
        null=True, blank=True, help_text="Label catalogue radio position ↔ component (arcsec)."
    )
    host_match_separation_arcsec = models.FloatField(
        null=True, blank=True, help_text="Label host position ↔ linked optical source (arcsec)."
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    author_name = models.CharField(max_length=128, blank=True, help_text="Catalogue or person.")
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )

    objects = LabelQuerySet.as_manager()

    class Meta:
        constraints = [
            CheckConstraint(
                condition=Q(component__isnull=False) | Q(source__isnull=False),
                name="label_has_subject",
            ),
            CheckConstraint(
                condition=Q(no_host=True, host__isnull=True, host_ra__isnull=True)
                | Q(no_host=False, host__isnull=False)
                | Q(no_host=False, host_ra__isnull=False, host_dec__isnull=False),
                name="label_host_xor_none",
            ),
            CheckConstraint(
                condition=Q(consensus_level__isnull=True)
                | (Q(consensus_level__gte=0) & Q(consensus_level__lte=1)),
                name="label_consensus_range",
            ),
        ]
        indexes = [models.Index(fields=["component", "origin"])]

    def __str__(self) -> str:
        what = "no host" if self.no_host else (self.host or f"({self.host_ra}, {self.host_dec})")
        return f"{self.origin}: {self.component or self.source} → {what}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise ValidationError(
                "Labels are immutable: create a new Label with supersedes=<this label>."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Labels are never deleted: supersede them instead.")


#: which label of a component speaks for it and trains the refit, best first (the answer and
#: the relabel refit both read it; it lives beside Label so neither imports the other)
ORIGIN_PRIORITY = (
    Label.Origin.EXPERT,
    Label.Origin.NORRIS,
    Label.Origin.ZHU2023,
    Label.Origin.RGZ,
    Label.Origin.LOU2023,
    Label.Origin.SIMULATED,
)
