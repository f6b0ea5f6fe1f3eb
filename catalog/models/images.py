"""Stored image cutouts (radio and optical) of components."""

from __future__ import annotations

from django.db import models
from django.db.models import CheckConstraint, Q, UniqueConstraint


class Cutout(models.Model):
    """An image file on disk under the media root, for a component or an optical source."""

    component = models.ForeignKey(
        "catalog.RadioComponent",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cutouts",
    )
    optical_source = models.ForeignKey(
        "catalog.OpticalSource",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cutouts",
    )
    survey = models.CharField(max_length=32, help_text="VLASS, PS1, FIRST, SIM…")
    band = models.CharField(max_length=8, blank=True, help_text="e.g. 3GHz, g, r, i, z, y.")
    path = models.CharField(max_length=512, help_text="Relative to the media root.")
    width_px = models.PositiveIntegerField()
    height_px = models.PositiveIntegerField()
    pixel_scale_arcsec = models.FloatField(help_text="(arcsec/px).")
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            CheckConstraint(
                condition=Q(component__isnull=False, optical_source__isnull=True)
                | Q(component__isnull=True, optical_source__isnull=False),
                name="cutout_one_owner",
            ),
            UniqueConstraint(
                fields=["component", "survey", "band"],
                condition=Q(component__isnull=False),
                name="cutout_component_unique",
            ),
            UniqueConstraint(
                fields=["optical_source", "survey", "band"],
                condition=Q(optical_source__isnull=False),
                name="cutout_optical_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey}/{self.band}: {self.path}"
