"""What changed between two epochs of a survey, over the sky both of them cover.

The previous epoch is the latest processed epoch of the same survey that overlaps this one
(an epoch of another patch of sky has nothing to compare). The overlap is the set of HEALPix
pixels (nested, order ``settings.RADIOHOST_DIFF_COVERAGE_ORDER``, 0.84 deg² at order 6) that
hold science components of both epochs; only components inside it are compared, and the
overlap is reported (pixels, deg², components of each epoch left outside).

Components are matched by position: mutual nearest neighbours within
``settings.RADIOHOST_EPOCH_MATCH_ARCSEC`` (a KD-tree on unit vectors). Per component the
*answer* is the host catalogue's (:func:`catalog.read.host_catalogue.host_rows`): its host and
reliability under the epoch's own model version, or no host. Stored as
:class:`catalog.models.EpochDiffEntry` rows, one per change a user acts on:

* ``new`` / ``gone`` -- a component of B (A) inside the overlap with no match in A (B);
* ``host_changed`` -- matched, both have a host, another optical source;
* ``host_lost`` / ``host_found`` -- matched, the host vanished (appeared);
* ``reliability_changed`` -- the same host, its reliability moved by more than
  ``settings.RADIOHOST_DIFF_RELIABILITY_CHANGED`` (0.2).

Reliability, not the raw likelihood: a 0.5″ re-fit of the radio position moves a positional
likelihood ``exp(-r²/2σ²)`` a lot and the host not at all (the per-pair likelihood moved for
28% of matched components under such jitter). Unchanged matches are only counted. The
comparison runs tile by tile (:func:`diff_tile`, one HEALPix tile of the epoch pipeline and
its neighbours' margin) so that it can fan out; :func:`diff_epochs` runs every tile and
stores the whole diff. Re-running replaces it (idempotent).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum

from catalog.diff.match import Kind, Params, coverage, diff_tile, pixel_area_deg2, tiles_of
from catalog.models import Epoch, EpochDiff, EpochDiffEntry, EpochDiffTile, RadioComponent


def plan_diff(
    a: Epoch, b: Epoch, *, radius_arcsec: float | None = None, threshold: float | None = None
) -> tuple[EpochDiff, dict[int, list[int]]]:
    """Start (or restart) the diff A → B: its parameters and overlap stored, earlier rows gone.

    Returns the diff and its tiles (epoch-pipeline tile → the overlap's coverage pixels in it),
    each to be run by :func:`run_diff_tile` (in any order, any number of times) and then
    summed by :func:`finish_diff`.
    """
    a, b = Epoch.objects.get(pk=a.pk), Epoch.objects.get(pk=b.pk)  # their current model versions
    order = int(settings.RADIOHOST_DIFF_COVERAGE_ORDER)
    overlap = coverage(a, order) & coverage(b, order)
    n_all_a = RadioComponent.objects.filter(epoch=a, is_science=True).count()
    n_all_b = RadioComponent.objects.filter(epoch=b, is_science=True).count()
    with transaction.atomic():
        diff, _ = EpochDiff.objects.update_or_create(
            epoch_a=a,
            epoch_b=b,
            model_version_id=b.model_version_id,
            defaults={
                "radius_arcsec": float(
                    radius_arcsec
                    if radius_arcsec is not None
                    else settings.RADIOHOST_EPOCH_MATCH_ARCSEC
                ),
                "reliability_threshold": float(
                    threshold
                    if threshold is not None
                    else settings.RADIOHOST_DIFF_RELIABILITY_CHANGED
                ),
                "coverage_order": order,
                "overlap": sorted(overlap),
                "overlap_pixels": len(overlap),
                "overlap_deg2": len(overlap) * pixel_area_deg2(order),
                # the totals until finish_diff sums the tiles
                "n_a": 0, "n_b": 0, "n_matched": 0,
                "n_a_outside": n_all_a, "n_b_outside": n_all_b,
                "done": False,
            },
        )  # fmt: skip
        diff.entries.all().delete()
        diff.tiles.all().delete()
    tiles = {t: sorted(px) for t, px in tiles_of(overlap, order).items()}
    return diff, tiles


def run_diff_tile(diff_id: int, tile: int, pixels: list[int]) -> int:
    """Compare one tile and store its rows, replacing any earlier run of it (idempotent: a
    redelivered tile task writes the same rows once). Returns the rows written."""
    diff = EpochDiff.objects.select_related("epoch_a__model_version", "epoch_b__model_version").get(
        pk=diff_id
    )
    p = Params(
        radius_arcsec=diff.radius_arcsec,
        threshold=diff.reliability_threshold,
        order=diff.coverage_order,
        overlap=set(diff.overlap),
    )
    r = diff_tile(diff.epoch_a, diff.epoch_b, p, set(pixels))
    for e in r.entries:
        e.diff_id, e.tile = diff_id, tile
    with transaction.atomic():
        EpochDiffEntry.objects.filter(diff_id=diff_id, tile=tile).delete()
        EpochDiffEntry.objects.bulk_create(r.entries, batch_size=5000)
        EpochDiffTile.objects.update_or_create(
            diff_id=diff_id, tile=tile,
            defaults={"n_a": r.n_a, "n_b": r.n_b, "n_matched": r.n_matched},
        )  # fmt: skip
    return len(r.entries)


def finish_diff(diff_id: int, *, seconds: float | None = None) -> EpochDiff:
    """Sum the tiles into the diff's counts (run once every tile has run; idempotent)."""
    diff = EpochDiff.objects.get(pk=diff_id)
    sums = diff.tiles.aggregate(n_a=Sum("n_a"), n_b=Sum("n_b"), n_matched=Sum("n_matched"))
    counts = {k: 0 for k in Kind.values}
    for row in diff.entries.values("kind").annotate(n=Count("id")):
        counts[row["kind"]] = row["n"]
    n_a, n_b = sums["n_a"] or 0, sums["n_b"] or 0
    n_all_a = RadioComponent.objects.filter(epoch_id=diff.epoch_a_id, is_science=True).count()
    n_all_b = RadioComponent.objects.filter(epoch_id=diff.epoch_b_id, is_science=True).count()
    update = {
        "n_a": n_a, "n_b": n_b, "n_matched": sums["n_matched"] or 0,
        "n_a_outside": n_all_a - n_a, "n_b_outside": n_all_b - n_b,
        "n_new": counts[Kind.NEW], "n_gone": counts[Kind.GONE],
        "n_host_changed": counts[Kind.HOST_CHANGED], "n_host_lost": counts[Kind.HOST_LOST],
        "n_host_found": counts[Kind.HOST_FOUND],
        "n_reliability_changed": counts[Kind.RELIABILITY_CHANGED], "done": True,
    }  # fmt: skip
    if seconds is not None:
        update["seconds"] = seconds
    EpochDiff.objects.filter(pk=diff_id).update(**update)
    diff.refresh_from_db()
    return diff


def diff_epochs(
    a: Epoch, b: Epoch, *, radius_arcsec: float | None = None, threshold: float | None = None
) -> EpochDiff:
    """Compute and store the diff A → B over their overlap in this process (every tile in turn;
    the epoch pipeline fans the same tiles out as tasks instead)."""
    t0 = time.perf_counter()
    diff, tiles = plan_diff(a, b, radius_arcsec=radius_arcsec, threshold=threshold)
    for tile, pixels in tiles.items():
        run_diff_tile(diff.pk, tile, pixels)
    return finish_diff(diff.pk, seconds=time.perf_counter() - t0)


def previous_epoch(epoch: Epoch) -> Epoch | None:
    """The latest processed epoch of the same survey, created before this one, that overlaps it."""
    mine = coverage(epoch)
    earlier = Epoch.objects.filter(
        survey_id=epoch.survey_id, state=Epoch.State.PROCESSED, pk__lt=epoch.pk
    ).order_by("-pk")
    for other in earlier:
        if coverage(other) & mine:
            return other
    return None


def diff_previous(epoch_id: int) -> EpochDiff | None:
    """The diff of a just-processed epoch against its survey's previous overlapping one."""
    b = Epoch.objects.get(pk=epoch_id)
    if b.state != Epoch.State.PROCESSED:
        return None
    a = previous_epoch(b)
    return diff_epochs(a, b) if a is not None else None


def plan_previous(epoch_id: int) -> tuple[EpochDiff, dict[int, list[int]]] | None:
    """:func:`plan_diff` against the survey's previous overlapping epoch (None if none)."""
    b = Epoch.objects.get(pk=epoch_id)
    if b.state != Epoch.State.PROCESSED:
        return None
    a = previous_epoch(b)
    return plan_diff(a, b) if a is not None else None
