"""Radio side of the catalog: surveys, epochs, radio sources and fitted components.

Units: positions are ICRS degrees (``ra``, ``dec``); any other unit is in the field
name (``_mjy``, ``_arcsec``, ``_deg``, ``_px``). ``hpx`` is the nested HEALPix index
at order 29 (see :mod:`catalog.sky.spatial`), filled on save and in bulk by the ingesters.
"""

from __future__ import annotations

from django.db import models
from django.db.models import CheckConstraint, Q, UniqueConstraint

from catalog.models import cirada_columns as cirada
from catalog.models.querysets import PositionedQuerySet
from catalog.sky.spatial import hpx_index

RA_HELP = "Right ascension, ICRS (deg)."
DEC_HELP = "Declination, ICRS (deg)."
HPX_HELP = "Nested HEALPix index at order 29 of (ra, dec); the cone-search prefilter."


class Positioned(models.Model):
    """Abstract base: an ICRS position with its HEALPix index and a cone search."""

    ra = models.FloatField(help_text=RA_HELP)
    dec = models.FloatField(help_text=DEC_HELP)
    hpx = models.BigIntegerField(db_index=True, editable=False, help_text=HPX_HELP)

    objects = PositionedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.hpx = int(hpx_index(self.ra, self.dec)[0])
        super().save(*args, **kwargs)

    @classmethod
    def position_constraints(cls, prefix: str) -> list[CheckConstraint]:
        return [
            CheckConstraint(condition=Q(ra__gte=0) & Q(ra__lt=360), name=f"{prefix}_ra_range"),
            CheckConstraint(condition=Q(dec__gte=-90) & Q(dec__lte=90), name=f"{prefix}_dec_range"),
        ]


class Survey(models.Model):
    name = models.CharField(max_length=32, unique=True, help_text="e.g. VLASS, ATLAS, FIRST.")
    frequency_ghz = models.FloatField(null=True, blank=True, help_text="Centre frequency (GHz).")
    beam_arcsec = models.FloatField(
        null=True, blank=True, help_text="Typical restoring-beam FWHM (arcsec)."
    )
    description = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class Epoch(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="epochs")
    name = models.CharField(max_length=32, help_text="e.g. '1.1', '2.2' for VLASS; 'DR1'.")
    catalogue_version = models.CharField(max_length=64, blank=True)
    observed_start = models.DateField(null=True, blank=True)
    observed_end = models.DateField(null=True, blank=True)
    processed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the host pipeline last finished this epoch."
    )

    class State(models.TextChoices):
        """Where the epoch is in the pipeline (catalog.pipeline.state moves it)."""

        INGESTED = "ingested", "Ingested"
        CANDIDATES_READY = "candidates_ready", "Candidates ready"
        IDENTIFYING = "identifying", "Identifying"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Failed"
        NEEDS_CANDIDATES = "needs_candidates", "Needs candidates"

    # The pipeline's honest state: an epoch with no candidate at all is
    # "needs candidates", never "processed"; counts are kept while tiles finish.
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.INGESTED, db_default="ingested"
    )
    state_changed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="", db_default="", help_text="Why it failed.")
    model_version = models.ForeignKey(
        "ModelVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The host method of the last identification run.",
    )
    tile_order = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="HEALPix order of the identification tiles."
    )
    candidates_in_tiles = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Candidates are made by the identification tiles from the optical table "
        "(top-K stored), not read from a prior build_candidates run.",
    )
    tiles_total = models.PositiveIntegerField(default=0, db_default=0)
    tiles_done = models.PositiveIntegerField(default=0, db_default=0)
    n_components = models.PositiveIntegerField(
        default=0, db_default=0, help_text="Science components identified so far (with candidates)."
    )
    n_predictions = models.PositiveBigIntegerField(default=0, db_default=0)
    n_without_candidates = models.PositiveIntegerField(
        default=0,
        db_default=0,
        help_text="Science components with no optical candidate (flagged, not identified).",
    )
    identify_seconds = models.FloatField(
        default=0.0, db_default=0.0, help_text="Summed tile wall time (s)."
    )
    # The tile watchdog's record (catalog.pipeline.watchdog): a broker that lost its messages
    # leaves tiles pending with no worker to run them; each re-send is counted here so the
    # API, admin and process_epoch show that it happened and when.
    resends = models.PositiveIntegerField(
        default=0, db_default=0, help_text="Times the watchdog re-sent stalled tiles."
    )
    resent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the watchdog last re-sent stalled tiles."
    )

    class Meta:
        constraints = [UniqueConstraint(fields=["survey", "name"], name="epoch_unique")]

    def __str__(self) -> str:
        return f"{self.survey.name} {self.name}"

    @property
    def progress(self) -> dict:
        """State and counts for the API and pages (one dict, so every reader says the same)."""
        return {
            "state": self.state,
            "state_changed_at": self.state_changed_at,
            "tiles_done": self.tiles_done,
            "tiles_total": self.tiles_total,
            "tile_order": self.tile_order,
            "components": self.n_components,
            "predictions": self.n_predictions,
            "without_candidates": self.n_without_candidates,
            "seconds": self.identify_seconds,
            "model_version": self.model_version_id,
            "processed_at": self.processed_at,
            "error": self.error,
            "resends": self.resends,
            "resent_at": self.resent_at,
        }


class RadioSource(Positioned):
    """A group of radio components emitted by one galaxy (a Norris source, a double)."""

    name = models.CharField(max_length=64)
    origin = models.CharField(
        max_length=32, help_text="Who grouped the components: norris2006, rgz, expert, model."
    )
    total_flux_mjy = models.FloatField(null=True, blank=True, help_text="Summed flux (mJy).")
    morphology = models.CharField(max_length=32, blank=True, help_text="e.g. compact, FRII, WAT.")

    class Meta:
        constraints = [
            UniqueConstraint(fields=["origin", "name"], name="radiosource_unique"),
            *Positioned.position_constraints("radiosource"),
        ]

    def __str__(self) -> str:
        return f"{self.origin}:{self.name}"


def _cirada_fields() -> dict[str, models.Field]:
    """Model fields for the CIRADA columns that are not core fields (see catalog.models.cirada_columns)."""
    out: dict[str, models.Field] = {}
    for col in cirada.COLUMNS:
        if col.field in cirada.CORE_FIELDS:
            continue
        help_text = f"CIRADA {col.name}: {col.help}"
        if col.kind == "float":
            out[col.field] = models.FloatField(null=True, blank=True, help_text=help_text)
        elif col.kind == "int":
            out[col.field] = models.BigIntegerField(null=True, blank=True, help_text=help_text)
        else:  # db_default: rows written by raw SQL (COPY) without these columns stay valid
            out[col.field] = models.CharField(
                max_length=col.max_length,
                blank=True,
                default="",
                db_default="",
                help_text=help_text,
            )
    return out


# An abstract base built from the column table, so the CIRADA format is described once
# (catalog/models/cirada_columns.py) for the model, the migration and both ingest paths.
CiradaColumns = type(
    "CiradaColumns",
    (models.Model,),
    {"__module__": __name__, "Meta": type("Meta", (), {"abstract": True}), **_cirada_fields()},
)


class RadioComponent(Positioned, CiradaColumns):
    """A fitted radio component of one survey epoch (e.g. a CIRADA VLASS QL row).

    Indexes are kept to what queries use, because every one costs the bulk ingest (``bench/ingest.py``): ``epoch`` is served by the leading column of ``radiocomponent_unique``,
    ``is_science`` is only ever filtered together with an epoch, and ``source`` is indexed
    only where set (most components are never grouped into a source).
    """

    epoch = models.ForeignKey(
        Epoch, on_delete=models.PROTECT, related_name="components", db_index=False
    )
    name = models.CharField(max_length=64, help_text="Survey component name.")
    source = models.ForeignKey(
        RadioSource,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="components",
        db_index=False,
    )
    e_ra_arcsec = models.FloatField(null=True, blank=True, help_text="RA error (arcsec).")
    e_dec_arcsec = models.FloatField(null=True, blank=True, help_text="Dec error (arcsec).")
    peak_flux_mjy = models.FloatField(null=True, blank=True, help_text="Peak flux (mJy/beam).")
    e_peak_flux_mjy = models.FloatField(null=True, blank=True, help_text="(mJy/beam).")
    total_flux_mjy = models.FloatField(null=True, blank=True, help_text="Total flux (mJy).")
    e_total_flux_mjy = models.FloatField(null=True, blank=True, help_text="(mJy).")
    major_arcsec = models.FloatField(null=True, blank=True, help_text="Major axis FWHM (arcsec).")
    minor_arcsec = models.FloatField(null=True, blank=True, help_text="Minor axis FWHM (arcsec).")
    pa_deg = models.FloatField(null=True, blank=True, help_text="Position angle, E of N (deg).")
    dc_major_arcsec = models.FloatField(
        null=True, blank=True, help_text="Deconvolved major axis (arcsec)."
    )
    dc_minor_arcsec = models.FloatField(
        null=True, blank=True, help_text="Deconvolved minor axis (arcsec)."
    )
    isl_rms_mjy = models.FloatField(
        null=True, blank=True, help_text="Local rms of the island (mJy/beam)."
    )
    s_code = models.CharField(max_length=1, blank=True, help_text="PyBDSF S_Code: S, M, C, E.")
    quality_flag = models.IntegerField(null=True, blank=True, help_text="CIRADA bit flags; 0 good.")
    duplicate_flag = models.IntegerField(
        null=True, blank=True, help_text="CIRADA: 0 unique, 1 preferred duplicate, 2 reject."
    )
    is_science = models.BooleanField(
        default=True,
        help_text="In the science sample (default Duplicate_flag < 2 and Quality_flag == 0).",
    )
    no_candidates = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Set by the epoch pipeline: a science component with no optical candidate "
        "(e.g. south of the optical catalogue's Dec limit); counted on its epoch, not identified.",
    )
    extra = models.JSONField(
        default=dict,
        blank=True,
        help_text="Catalogue columns without a field (e.g. a newer CIRADA version's additions).",
    )

    class Meta:
        constraints = [
            UniqueConstraint(fields=["epoch", "name"], name="radiocomponent_unique"),
            *Positioned.position_constraints("radiocomponent"),
            CheckConstraint(
                condition=Q(total_flux_mjy__gte=0) | Q(total_flux_mjy__isnull=True),
                name="radiocomponent_flux_nonneg",
            ),
        ]
        indexes = [
            models.Index(
                fields=["source"], name="radiocomponent_source", condition=Q(source__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return self.name
