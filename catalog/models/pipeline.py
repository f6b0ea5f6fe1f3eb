"""Records of the epoch pipeline: identification tiles, epoch diffs, inbox files.

Imported by :mod:`catalog.models` (one app); kept apart so each file stays one role.
"""

from __future__ import annotations

from django.db import models
from django.db.models import CheckConstraint, Q, UniqueConstraint


class EpochTile(models.Model):
    """One HEALPix tile of an epoch's identification run: the unit of work and of retry.

    The unique (epoch, order, index) row is the tile's processing record: a re-run skips
    tiles in state ``done``, and a worker holds a PostgreSQL advisory lock on the row's id
    while it runs the tile, so two deliveries of the same tile never run at once
    (:mod:`catalog.pipeline.run`). ``runs`` logs every attempt (worker, pid, start, end).
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    epoch = models.ForeignKey("catalog.Epoch", on_delete=models.CASCADE, related_name="tiles")
    order = models.PositiveSmallIntegerField(help_text="HEALPix order (nested).")
    index = models.BigIntegerField(help_text="Nested HEALPix pixel at that order.")
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    components = models.PositiveIntegerField(default=0, help_text="Identified (with candidates).")
    predictions = models.PositiveIntegerField(default=0)
    without_candidates = models.PositiveIntegerField(default=0)
    sky_components = models.PositiveIntegerField(default=0, help_text="Tile + margin sky read.")
    seconds = models.FloatField(default=0.0, help_text="Wall time of the successful run (s).")
    attempts = models.PositiveIntegerField(default=0)
    fresh = models.BooleanField(
        default=False,
        help_text="No row of this tile existed when it was planned: its first committed run "
        "copies straight into the tables (no upsert stage, no existence query).",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    runs = models.JSONField(default=list, blank=True, help_text="[{worker, pid, start, end}].")

    class Meta:
        constraints = [
            UniqueConstraint(fields=["epoch", "order", "index"], name="epochtile_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.epoch} tile {self.order}/{self.index} ({self.state})"


class EpochDiff(models.Model):
    """What changed between two epochs of a survey over the sky both cover (catalog.diff.epochs).

    Only the components that changed are stored as entries; the unchanged are counted in
    ``n_matched``. Components outside the overlap are not compared, only counted.
    """

    epoch_a = models.ForeignKey("catalog.Epoch", on_delete=models.CASCADE, related_name="+")
    epoch_b = models.ForeignKey("catalog.Epoch", on_delete=models.CASCADE, related_name="diffs")
    model_version = models.ForeignKey(
        "catalog.ModelVersion", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    radius_arcsec = models.FloatField(help_text="Component matching radius (arcsec).")
    reliability_threshold = models.FloatField(
        default=0.2, help_text="|Δ reliability| of the same host that counts as changed."
    )
    coverage_order = models.PositiveSmallIntegerField(
        default=6, help_text="HEALPix order (nested) of the coverage pixels."
    )
    overlap_pixels = models.PositiveIntegerField(
        default=0, help_text="Coverage pixels holding components of both epochs."
    )
    overlap_deg2 = models.FloatField(default=0.0, help_text="Their area (deg²).")
    overlap = models.JSONField(
        default=list, blank=True, help_text="The overlap's coverage pixels (what each tile reads)."
    )
    done = models.BooleanField(default=True, help_text="False while its tiles are running.")
    n_a = models.PositiveIntegerField(default=0, help_text="Science components of A compared.")
    n_b = models.PositiveIntegerField(default=0, help_text="Science components of B compared.")
    n_a_outside = models.PositiveIntegerField(default=0, help_text="A's outside the overlap.")
    n_b_outside = models.PositiveIntegerField(default=0, help_text="B's outside the overlap.")
    n_matched = models.PositiveIntegerField(default=0)
    n_new = models.PositiveIntegerField(default=0)
    n_gone = models.PositiveIntegerField(default=0)
    n_host_changed = models.PositiveIntegerField(default=0)
    n_host_lost = models.PositiveIntegerField(default=0)
    n_host_found = models.PositiveIntegerField(default=0)
    n_reliability_changed = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            UniqueConstraint(
                fields=["epoch_a", "epoch_b", "model_version"], name="epochdiff_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.epoch_a} → {self.epoch_b}"

    @property
    def summary(self) -> dict:
        return {
            "epoch_a": str(self.epoch_a),
            "epoch_b": str(self.epoch_b),
            "radius_arcsec": self.radius_arcsec,
            "reliability_threshold": self.reliability_threshold,
            "overlap": {
                "coverage_order": self.coverage_order,
                "pixels": self.overlap_pixels,
                "deg2": round(self.overlap_deg2, 4),
                "components_a_outside": self.n_a_outside,
                "components_b_outside": self.n_b_outside,
            },
            "components_a": self.n_a,
            "components_b": self.n_b,
            "matched": self.n_matched,
            "new": self.n_new,
            "gone": self.n_gone,
            "host_changed": self.n_host_changed,
            "host_lost": self.n_host_lost,
            "host_found": self.n_host_found,
            "reliability_changed": self.n_reliability_changed,
        }


MATCHED_KINDS = ("host_changed", "host_lost", "host_found", "reliability_changed")


class EpochDiffEntry(models.Model):
    """One changed component of an :class:`EpochDiff` (B's component; A's for ``gone``)."""

    class Kind(models.TextChoices):
        NEW = "new", "New in B"
        GONE = "gone", "Gone from B"
        HOST_CHANGED = "host_changed", "Another host"
        HOST_LOST = "host_lost", "Host lost (no host in B)"
        HOST_FOUND = "host_found", "Host found (none in A)"
        RELIABILITY_CHANGED = "reliability_changed", "Same host, reliability changed"

    diff = models.ForeignKey(EpochDiff, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    component_a = models.ForeignKey(
        "catalog.RadioComponent", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    component_b = models.ForeignKey(
        "catalog.RadioComponent", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    separation_arcsec = models.FloatField(null=True, blank=True)
    host_a = models.ForeignKey(
        "catalog.OpticalSource", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    host_b = models.ForeignKey(
        "catalog.OpticalSource", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    likelihood_a = models.FloatField(null=True, blank=True, help_text="Best candidate's, in A.")
    likelihood_b = models.FloatField(null=True, blank=True, help_text="Best candidate's, in B.")
    reliability_a = models.FloatField(null=True, blank=True, help_text="Host's reliability, A.")
    reliability_b = models.FloatField(null=True, blank=True, help_text="Host's reliability, B.")
    tile = models.BigIntegerField(null=True, blank=True, help_text="The diff tile that wrote it.")

    class Meta:
        constraints = [
            CheckConstraint(
                condition=Q(kind="new", component_a__isnull=True, component_b__isnull=False)
                | Q(kind="gone", component_a__isnull=False, component_b__isnull=True)
                | Q(kind__in=MATCHED_KINDS, component_a__isnull=False, component_b__isnull=False),
                name="epochdiffentry_kind_sides",
            ),
        ]
        indexes = [
            models.Index(fields=["diff", "kind"], name="epochdiffentry_diff_kind"),
            models.Index(fields=["diff", "tile"], name="epochdiffentry_diff_tile"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.component_a_id} → {self.component_b_id}"


class InboxFile(models.Model):
    """A CIRADA component catalogue found in the inbox directory, and the steps done on it.

    The unique (path, sha256) row is claimed under a row lock before each step, so two
    overlapping beats process a file once; ``steps`` records each step's time and result.
    """

    class State(models.TextChoices):
        NEW = "new", "New"
        INGESTED = "ingested", "Ingested"
        CANDIDATES = "candidates", "Candidates built"
        PROCESSING = "processing", "Processing"
        DONE = "done", "Processed and diffed"
        NEEDS_CANDIDATES = "needs_candidates", "Needs candidates"
        FAILED = "failed", "Failed"

    path = models.CharField(max_length=512)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.BigIntegerField()
    epoch = models.ForeignKey(
        "catalog.Epoch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.NEW)
    steps = models.JSONField(default=list, blank=True, help_text="[{step, at, result}].")
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [UniqueConstraint(fields=["path", "sha256"], name="inboxfile_unique")]

    def __str__(self) -> str:
        return f"{self.path} ({self.state})"


class EpochDiffTile(models.Model):
    """One tile of an :class:`EpochDiff`: its counts (the entries carry the tile too), so a
    redelivered tile task replaces its own rows and the diff's totals are a sum."""

    diff = models.ForeignKey(EpochDiff, on_delete=models.CASCADE, related_name="tiles")
    tile = models.BigIntegerField(help_text="Nested HEALPix pixel at the epoch tile order.")
    n_a = models.PositiveIntegerField(default=0)
    n_b = models.PositiveIntegerField(default=0)
    n_matched = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [UniqueConstraint(fields=["diff", "tile"], name="epochdifftile_unique")]

    def __str__(self) -> str:
        return f"{self.diff} tile {self.tile}"
