"""Optical side of the catalog: PS1 DR2 / AllWISE sources, harvested tiles, and the
(component, optical source) candidate pairs of seed §2.2.2."""

from __future__ import annotations

from django.db import models
from django.db.models import CheckConstraint, Q, UniqueConstraint

from catalog.models.radio import Positioned


class OpticalSource(Positioned):
    """A PS1 DR2 object (with its AllWISE W1/W2 where matched), or an AllWISE-only object."""

    class Catalogue(models.TextChoices):
        PS1_DR2 = "ps1dr2", "Pan-STARRS1 DR2"
        ALLWISE = "allwise", "AllWISE"
        SWIRE = "swire", "SWIRE"
        SIMULATED = "sim", "Simulated"
        # simulated AllWISE-like rows: lend W1/W2 to "sim" rows only, never candidates
        SIM_ALLWISE = "sim_allwise", "Simulated AllWISE"

    catalogue = models.CharField(max_length=16, choices=Catalogue.choices)
    source_id = models.CharField(max_length=32, help_text="Catalogue id (PS1 objID, AllWISE id).")
    allwise_id = models.CharField(max_length=32, blank=True, help_text="Matched AllWISE id.")
    allwise_sep_arcsec = models.FloatField(
        null=True, blank=True, help_text="PS1–AllWISE match separation (arcsec)."
    )
    g_mag = models.FloatField(null=True, blank=True, help_text="PS1 g (AB mag).")
    e_g_mag = models.FloatField(null=True, blank=True, help_text="(mag).")
    r_mag = models.FloatField(null=True, blank=True, help_text="PS1 r (AB mag).")
    e_r_mag = models.FloatField(null=True, blank=True, help_text="(mag).")
    i_mag = models.FloatField(null=True, blank=True, help_text="PS1 i (AB mag).")
    e_i_mag = models.FloatField(null=True, blank=True, help_text="(mag).")
    z_mag = models.FloatField(null=True, blank=True, help_text="PS1 z (AB mag).")
    e_z_mag = models.FloatField(null=True, blank=True, help_text="(mag).")
    y_mag = models.FloatField(null=True, blank=True, help_text="PS1 y (AB mag).")
    e_y_mag = models.FloatField(null=True, blank=True, help_text="(mag).")
    # PS1 DR2 Kron magnitudes (the extended-source flux; seed §3.2 uses PSF and Kron colours)
    g_kron_mag = models.FloatField(null=True, blank=True, help_text="PS1 g Kron (AB mag).")
    e_g_kron_mag = models.FloatField(null=True, blank=True, help_text="(mag).")
    r_kron_mag = models.FloatField(null=True, blank=True, help_text="PS1 r Kron (AB mag).")
    e_r_kron_mag = models.FloatField(null=True, blank=True, help_text="(mag).")
    i_kron_mag = models.FloatField(null=True, blank=True, help_text="PS1 i Kron (AB mag).")
    e_i_kron_mag = models.FloatField(null=True, blank=True, help_text="(mag).")
    z_kron_mag = models.FloatField(null=True, blank=True, help_text="PS1 z Kron (AB mag).")
    e_z_kron_mag = models.FloatField(null=True, blank=True, help_text="(mag).")
    y_kron_mag = models.FloatField(null=True, blank=True, help_text="PS1 y Kron (AB mag).")
    e_y_kron_mag = models.FloatField(null=True, blank=True, help_text="(mag).")
    n_detections = models.IntegerField(
        null=True, blank=True, help_text="PS1 nDetections (single-epoch detections)."
    )
    quality_flag = models.IntegerField(null=True, blank=True, help_text="PS1 qualityFlag bits.")
    cc_flags = models.CharField(
        max_length=16,
        blank=True,
        default="",
        db_default="",
        help_text="AllWISE cc_flags (contamination/confusion, W1-W4).",
    )
    ext_flg = models.IntegerField(null=True, blank=True, help_text="AllWISE ext_flg (0-5).")
    w1_mag = models.FloatField(null=True, blank=True, help_text="AllWISE W1 (Vega mag).")
    e_w1_mag = models.FloatField(null=True, blank=True, help_text="(mag).")
    w2_mag = models.FloatField(null=True, blank=True, help_text="AllWISE W2 (Vega mag).")
    e_w2_mag = models.FloatField(null=True, blank=True, help_text="(mag).")
    is_simulated = models.BooleanField(default=False)

    class Meta:
        constraints = [
            UniqueConstraint(fields=["catalogue", "source_id"], name="opticalsource_unique"),
            *Positioned.position_constraints("opticalsource"),
        ]

    def __str__(self) -> str:
        return f"{self.catalogue}:{self.source_id}"


class HarvestedTile(models.Model):
    """A HEALPix tile whose optical catalogue was fetched (``harvest_optical_region``):
    a re-run skips it, so an interrupted harvest resumes where it stopped."""

    catalogue = models.CharField(max_length=16, choices=OpticalSource.Catalogue.choices)
    order = models.PositiveSmallIntegerField(help_text="HEALPix order (nested).")
    pixel = models.BigIntegerField(help_text="Nested HEALPix index at ``order``.")
    n_rows = models.PositiveIntegerField(help_text="Rows the service returned.")
    service = models.CharField(max_length=64, blank=True, help_text="e.g. MAST, VizieR II/389.")
    fetched_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            UniqueConstraint(fields=["catalogue", "order", "pixel"], name="harvestedtile_unique")
        ]

    def __str__(self) -> str:
        return f"{self.catalogue} order {self.order} pixel {self.pixel}"


class Candidate(models.Model):
    """A (radio component, optical source) pair: the optical source may host the component.

    ``dx_px``, ``dy_px`` are the optical source's offsets from the component in the
    240×240, 1″/px radio cutout centred on the component, computed through the
    cutout's WCS (x: +column, i.e. towards decreasing RA; y: +row, towards
    increasing Dec); ``distance_px`` = √(dx² + dy²) (seed §3.3, inputs 4 and 5).
    """

    # no index of its own: candidate_unique (component, optical_source) leads with it
    component = models.ForeignKey(
        "catalog.RadioComponent",
        on_delete=models.CASCADE,
        related_name="candidates",
        db_index=False,
    )
    optical_source = models.ForeignKey(
        OpticalSource, on_delete=models.CASCADE, related_name="candidates"
    )
    dx_px = models.FloatField(help_text="Offset along cutout columns (px, 1″/px).")
    dy_px = models.FloatField(help_text="Offset along cutout rows (px, 1″/px).")
    distance_px = models.FloatField(help_text="√(dx²+dy²) (px, 1″/px).")

    class Meta:
        constraints = [
            UniqueConstraint(fields=["component", "optical_source"], name="candidate_unique"),
            CheckConstraint(condition=Q(distance_px__gte=0), name="candidate_distance_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.component} ↔ {self.optical_source}"
