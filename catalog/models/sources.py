"""The source catalogue: the association's groups of one epoch under one method version.

Not :class:`catalog.models.radio.RadioSource` (a grouping someone published: Norris 2006, RGZ,
an expert): a ``Source`` is what this service's association made of an epoch's components,
one row per group, in the layout of the host tables users know (CIRADA's VLASS host table,
Gordon et al. 2023: ``Source_name``, ``Source_type``, ``N_components``, the components, the
source and core positions, total flux, angular size, and the host's id, position, reliability
and separation). Rows are written by :mod:`catalog.sources.build` when an epoch finishes,
replacing the epoch's rows for that method version, so a re-run gives the same rows.
"""

from __future__ import annotations

from django.db import models
from django.db.models import UniqueConstraint

from catalog.models.radio import DEC_HELP, RA_HELP, Positioned
from ml.association.sources import SOURCE_TYPES


class Source(Positioned):
    """One source of an epoch's source catalogue; ``ra``/``dec`` is its flux-weighted centroid."""

    class Type(models.TextChoices):
        SINGLE = SOURCE_TYPES[0], "single"
        CORE_DOUBLE = SOURCE_TYPES[1], "core-double"
        CORE_TRIPLE = SOURCE_TYPES[2], "core-triple"
        DOUBLE_NO_CORE = SOURCE_TYPES[3], "double without core"
        MULTI = SOURCE_TYPES[4], "multi"

    epoch = models.ForeignKey("Epoch", on_delete=models.CASCADE, related_name="sources")
    model_version = models.ForeignKey(
        "ModelVersion",
        on_delete=models.CASCADE,
        related_name="sources",
        help_text="The method version whose association and host these are.",
    )
    tile_order = models.PositiveSmallIntegerField(
        help_text="HEALPix order of the tile that wrote the row (its anchor's tile)."
    )
    tile_index = models.BigIntegerField(help_text="Nested HEALPix index of that tile.")
    source_name = models.CharField(
        max_length=64, help_text="IAU-style J-name of the source position (CIRADA Source_name)."
    )
    source_type = models.CharField(max_length=24, choices=Type.choices)
    n_components = models.PositiveIntegerField()
    components = models.ManyToManyField(
        "RadioComponent", related_name="catalogue_sources", help_text="The grouped components."
    )
    core_ra = models.FloatField(help_text="Core (association) RA, ICRS (deg).")
    core_dec = models.FloatField(help_text="Core (association) Dec, ICRS (deg).")
    total_flux_mjy = models.FloatField(help_text="Summed integrated flux of the components (mJy).")
    las_arcsec = models.FloatField(
        null=True,
        blank=True,
        help_text="Largest angular size (arcsec): largest member separation; a single "
        "component's deconvolved major axis (NULL where unresolved).",
    )
    host = models.ForeignKey(
        "OpticalSource",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Best candidate of the source's components under the method version.",
    )
    host_ra = models.FloatField(null=True, blank=True, help_text=RA_HELP)
    host_dec = models.FloatField(null=True, blank=True, help_text=DEC_HELP)
    host_likelihood = models.FloatField(null=True, blank=True, help_text="Host likelihood (0-1).")
    host_reliability = models.FloatField(
        null=True, blank=True, help_text="Host reliability (0-1), as the host catalogue gives it."
    )
    host_separation_arcsec = models.FloatField(
        null=True, blank=True, help_text="Host to core separation (arcsec)."
    )
    p_no_host = models.FloatField(
        null=True,
        blank=True,
        help_text="Probability that no candidate is the host (NULL where the method has none).",
    )

    class Meta:
        constraints = [
            UniqueConstraint(
                fields=["epoch", "model_version", "source_name"], name="source_unique_name"
            ),
            *Positioned.position_constraints("source"),
        ]
        indexes = [
            models.Index(
                fields=["epoch", "model_version", "tile_order", "tile_index"], name="source_tile"
            )
        ]

    def __str__(self) -> str:
        return self.source_name
