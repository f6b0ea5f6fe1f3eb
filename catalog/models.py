"""The radiohost catalog: radio components, optical candidates, labels, models, predictions.

Units: positions are ICRS degrees (``ra``, ``dec``); any other unit is in the field
name (``_mjy``, ``_arcsec``, ``_deg``, ``_px``). ``hpx`` is the nested HEALPix index
at order 29 (see :mod:`catalog.spatial`), filled on save and in bulk by the ingesters.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import CheckConstraint, Q, UniqueConstraint

from . import cirada
from .querysets import PositionedQuerySet
from .spatial import hpx_index

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

    # The pipeline's honest state (issue 14): an epoch with no candidate at all is
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
    """Model fields for the CIRADA columns that are not core fields (see catalog.cirada)."""
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
# (catalog/cirada.py) for the model, the migration and both ingest paths.
CiradaColumns = type(
    "CiradaColumns",
    (models.Model,),
    {"__module__": __name__, "Meta": type("Meta", (), {"abstract": True}), **_cirada_fields()},
)


class RadioComponent(Positioned, CiradaColumns):
    """A fitted radio component of one survey epoch (e.g. a CIRADA VLASS QL row).

    Indexes are kept to what queries use, because every one costs the bulk ingest (issue 3
    benchmark): ``epoch`` is served by the leading column of ``radiocomponent_unique``,
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


class OpticalSource(Positioned):
    """A PS1 DR2 object (with its AllWISE W1/W2 where matched), or an AllWISE-only object."""

    class Catalogue(models.TextChoices):
        PS1_DR2 = "ps1dr2", "Pan-STARRS1 DR2"
        ALLWISE = "allwise", "AllWISE"
        SWIRE = "swire", "SWIRE"
        SIMULATED = "sim", "Simulated"

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

    component = models.ForeignKey(
        RadioComponent, on_delete=models.CASCADE, related_name="candidates"
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
        RadioComponent, null=True, blank=True, on_delete=models.CASCADE, related_name="labels"
    )
    source = models.ForeignKey(
        RadioSource, null=True, blank=True, on_delete=models.CASCADE, related_name="labels"
    )
    host = models.ForeignKey(
        OpticalSource, null=True, blank=True, on_delete=models.PROTECT, related_name="host_labels"
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
        OpticalSource, on_delete=models.CASCADE, related_name="class_predictions"
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
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="predictions")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE)
    likelihood = models.FloatField(help_text="Host likelihood in [0, 1] (seed §4.2).")
    rank = models.PositiveIntegerField(help_text="1 = highest likelihood in its field.")
    is_positive = models.BooleanField(help_text="likelihood > 0.5.")
    is_prime = models.BooleanField(help_text="The only positive candidate of its field.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            UniqueConstraint(fields=["candidate", "model_version"], name="hostpred_unique"),
            CheckConstraint(
                condition=Q(likelihood__gte=0) & Q(likelihood__lte=1), name="hostpred_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} @ {self.model_version_id}: {self.likelihood:.3f}"


class Cutout(models.Model):
    """An image file on disk under the media root, for a component or an optical source."""

    component = models.ForeignKey(
        RadioComponent, null=True, blank=True, on_delete=models.CASCADE, related_name="cutouts"
    )
    optical_source = models.ForeignKey(
        OpticalSource, null=True, blank=True, on_delete=models.CASCADE, related_name="cutouts"
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


# The epoch pipeline's records (tiles, diffs, inbox files) live in their own module.
from .models_pipeline import EpochDiff, EpochDiffEntry, EpochTile, InboxFile  # noqa: E402,F401
