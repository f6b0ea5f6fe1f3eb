"""Model versions and what they predict: optical classes and host likelihoods."""

from __future__ import annotations

from django.db import models
from django.db.models import CheckConstraint, Q, UniqueConstraint


class ModelVersion(models.Model):
    class Kind(models.TextChoices):
        CLASSIFIER = "classifier", "Optical GALAXY/QSO/STAR classifier"
        HOST = "host", "Host identifier"

    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"
        EXTERNAL = "external", "External (logged outputs only)"

    name = models.CharField(max_length=128, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CANDIDATE)
    checkpoint_path = models.CharField(
        max_length=512, blank=True, help_text="Relative to the media root."
    )
    sha256 = models.CharField(max_length=64, blank=True)
    git_sha = models.CharField(max_length=40, blank=True)
    config = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    label_snapshot = models.JSONField(
        default=dict, blank=True, help_text="Label ids/origins and their count used for training."
    )
    is_simulated_training = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            UniqueConstraint(
                fields=["kind"],
                condition=Q(status="active"),
                name="modelversion_one_active_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind}, {self.status})"


class ClassPrediction(models.Model):
    optical_source = models.ForeignKey(
        "catalog.OpticalSource", on_delete=models.CASCADE, related_name="class_predictions"
    )
    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE)
    p_galaxy = models.FloatField()
    p_qso = models.FloatField()
    p_star = models.FloatField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            UniqueConstraint(fields=["optical_source", "model_version"], name="classpred_unique"),
            *[
                CheckConstraint(
                    condition=Q(**{f"{f}__gte": 0}) & Q(**{f"{f}__lte": 1}),
                    name=f"classpred_{f}_range",
                )
                for f in ("p_galaxy", "p_qso", "p_star")
            ],
        ]

    def __str__(self) -> str:
        return (
            f"{self.optical_source} @ {self.model_version_id}: "
            f"G{self.p_galaxy:.2f} Q{self.p_qso:.2f} S{self.p_star:.2f}"
        )


class HostPrediction(models.Model):
    # no index of its own: hostpred_unique (candidate, model_version) leads with it
    candidate = models.ForeignKey(
        "catalog.Candidate", on_delete=models.CASCADE, related_name="predictions", db_index=False
    )
    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE)
    likelihood = models.FloatField(help_text="Host likelihood in [0, 1] (seed §4.2).")
    rank = models.PositiveIntegerField(help_text="1 = highest likelihood in its field.")
    is_positive = models.BooleanField(help_text="likelihood > 0.5.")
    is_prime = models.BooleanField(help_text="The only positive candidate of its field.")
    reliability = models.FloatField(
        null=True,
        blank=True,
        help_text="Likelihood-ratio reliability LR_i / (sum_j LR_j + 1 - Q0) over the field's "
        "candidates (Sutherland & Saunders 1992; ml.host.likelihood_ratio), 0-1; null for rows "
        "written before it was stored and for versions that do not compute it.",
    )
    p_no_host = models.FloatField(
        null=True,
        blank=True,
        help_text="Probability that the host is none of the field's candidates, "
        "(1 - Q0) / (sum_j LR_j + 1 - Q0), 0-1: the same value on every row of the field, so "
        "it survives any later truncation of the candidate list; null as for reliability.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            UniqueConstraint(fields=["candidate", "model_version"], name="hostpred_unique"),
            CheckConstraint(
                condition=Q(likelihood__gte=0) & Q(likelihood__lte=1), name="hostpred_range"
            ),
            *[
                CheckConstraint(
                    condition=Q(**{f"{f}__isnull": True})
                    | (Q(**{f"{f}__gte": 0}) & Q(**{f"{f}__lte": 1})),
                    name=f"hostpred_{f}_range",
                )
                for f in ("reliability", "p_no_host")
            ],
        ]

    def __str__(self) -> str:
        return f"{self.candidate} @ {self.model_version_id}: {self.likelihood:.3f}"
