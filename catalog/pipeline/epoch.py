"""The epoch state machine: plan tiles, keep counts, finish, fail.

States (``Epoch.State``)::

    ingested ──(candidates built)──> candidates_ready ──start()──> identifying
    identifying ──finish(): every tile done, ≥ 1 component identified──> processed
    identifying ──a tile failed──> failed (error kept; a re-run resumes the undone tiles)
    start()/finish(): no science component has a candidate ──> needs_candidates

``needs_candidates`` is never ``processed``: the real CIRADA sample ingested as a new epoch
has no optical candidates, and calling it processed would hide that nothing was identified.
Components left without any candidate (VLASS reaches Dec −40°, PS1 only −30°) are counted on
the epoch and flagged per component (``RadioComponent.no_candidates``).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from catalog.ingest.contract import analyze
from catalog.models import (
    Candidate,
    Epoch,
    EpochTile,
    HostPrediction,
    ModelVersion,
    OpticalSource,
    RadioComponent,
)
from catalog.pipeline import tiling as T
from catalog.pipeline.candidates import CandidateCut
from catalog.pipeline.component import current_method_version, is_catalogue_method
from catalog.sky.spatial import EPOCH_TILE_ORDER


def set_state(epoch_id: int, state: str, **fields) -> None:
    Epoch.objects.filter(pk=epoch_id).update(state=state, state_changed_at=timezone.now(), **fields)


def tile_order() -> int:
    from django.conf import settings

    return int(getattr(settings, "RADIOHOST_TILE_ORDER", EPOCH_TILE_ORDER))


def _flag_all_without_candidates(epoch: Epoch) -> int:
    sci = RadioComponent.objects.filter(epoch=epoch, is_science=True)
    sci.filter(no_candidates=False).update(no_candidates=True)
    return sci.count()


@transaction.atomic
def plan(epoch: Epoch, mv: ModelVersion, *, order: int | None = None, force: bool = False):
    """Create the epoch's tile records (idempotent); returns the ids of the tiles not done.

    A new model version, another tile order or ``force`` starts the tiles afresh.
    """
    order = tile_order() if order is None else order
    epoch = Epoch.objects.select_for_update().get(pk=epoch.pk)
    if force or epoch.model_version_id != mv.pk or epoch.tile_order != order:
        EpochTile.objects.filter(epoch=epoch).delete()
    s = 4 ** (T.HPX_ORDER - order)
    pixels = (
        RadioComponent.objects.filter(epoch=epoch, is_science=True)
        .annotate(hpx_tile=F("hpx") / s)
        .values_list("hpx_tile", flat=True)
        .distinct()
    )
    # Tiles created now whose rows cannot exist yet are "fresh": their first committed run
    # COPYs straight in. Rows and the tile's "done" commit together, so a tile killed before
    # its commit left nothing and stays fresh; one query per epoch instead of one per tile.
    fresh = not HostPrediction.objects.filter(
        model_version=mv, candidate__component__epoch=epoch
    ).exists()
    if fresh and epoch.candidates_in_tiles:
        fresh = not Candidate.objects.filter(component__epoch=epoch).exists()
    EpochTile.objects.bulk_create(
        [EpochTile(epoch=epoch, order=order, index=int(p), fresh=fresh) for p in pixels],
        ignore_conflicts=True,
    )
    tiles = EpochTile.objects.filter(epoch=epoch, order=order)
    Epoch.objects.filter(pk=epoch.pk).update(
        model_version=mv, tile_order=order, tiles_total=tiles.count()
    )
    return list(
        tiles.exclude(state=EpochTile.State.DONE).order_by("index").values_list("pk", flat=True)
    )


def start(epoch: Epoch, *, mv: ModelVersion | None = None, force: bool = False, order=None) -> dict:
    """Decide what an epoch needs and plan it: ``{"action": ..., "tiles": [ids]}``.

    ``action`` is ``"identify"`` (run the tiles, then :func:`finish`), ``"finish"`` (every
    tile already done), or ``"needs_candidates"`` (no candidate at all: nothing to run).
    """
    mv = mv or current_method_version()
    n_sci = RadioComponent.objects.filter(epoch=epoch, is_science=True).count()
    if (
        n_sci
        and not epoch.candidates_in_tiles
        and not Candidate.objects.filter(component__epoch=epoch).exists()
        and is_catalogue_method(mv)
        and OpticalSource.objects.filter(CandidateCut.from_settings().q()).exists()
    ):
        # no candidates built but an optical table to make them from: the tiles make them
        # (catalog.pipeline.tile_candidates); from now on this epoch's candidates are the
        # tiles' (its stored lists are top-K, never a field to decide over again)
        Epoch.objects.filter(pk=epoch.pk).update(candidates_in_tiles=True)
        epoch.candidates_in_tiles = True
    if epoch.candidates_in_tiles:
        # the tiles' range joins are planned from these statistics: a COPY-loaded optical
        # table has none, and each tile's read then scans the whole table (as build_candidates)
        analyze(OpticalSource, RadioComponent)
    if (
        n_sci
        and not epoch.candidates_in_tiles
        and not Candidate.objects.filter(component__epoch=epoch).exists()
    ):
        n = _flag_all_without_candidates(epoch)
        set_state(
            epoch.pk,
            Epoch.State.NEEDS_CANDIDATES,
            n_without_candidates=n,
            n_components=0,
            n_predictions=0,
            error="",
        )
        return {"action": "needs_candidates", "tiles": [], "without_candidates": n}
    todo = plan(epoch, mv, order=order, force=force)
    if todo and is_catalogue_method(mv):
        # the likelihood-ratio fit every tile reads, from the epoch's own data, before any
        # tile runs (catalog.pipeline.lr_epoch); ``force`` refits it
        from catalog.pipeline.lr_epoch import epoch_lr

        epoch_lr(epoch.pk, mv, refit=force)
    record_progress(epoch.pk)
    set_state(epoch.pk, Epoch.State.IDENTIFYING, error="")
    return {"action": "identify" if todo else "finish", "tiles": todo}


def record_progress(epoch_id: int) -> dict:
    """Recount the epoch's progress from its tile records (under the epoch's row lock, so
    concurrent tiles committing never leave a stale count)."""
    with transaction.atomic():
        list(Epoch.objects.select_for_update().filter(pk=epoch_id).values_list("pk"))
        tiles = EpochTile.objects.filter(epoch_id=epoch_id)
        done = tiles.filter(state=EpochTile.State.DONE).aggregate(
            n=Count("id"),
            comps=Sum("components"),
            preds=Sum("predictions"),
            without=Sum("without_candidates"),
            secs=Sum("seconds"),
        )
        fields = {
            "tiles_done": done["n"],
            "tiles_total": tiles.count(),
            "n_components": done["comps"] or 0,
            "n_predictions": done["preds"] or 0,
            "n_without_candidates": done["without"] or 0,
            "identify_seconds": done["secs"] or 0.0,
        }
        Epoch.objects.filter(pk=epoch_id).update(**fields)
    return fields


def finish(epoch_id: int) -> dict:
    """After the tiles: ``{"complete": False, "pending": n}`` while a tile is not done, else
    mark the epoch processed (or needs candidates) and return its progress."""
    pending = EpochTile.objects.filter(epoch_id=epoch_id).exclude(state=EpochTile.State.DONE)
    n_pending = pending.count()
    if n_pending:
        failed = list(
            pending.filter(state=EpochTile.State.FAILED).values_list("error", flat=True)[:3]
        )
        return {"complete": False, "pending": n_pending, "failed": failed}
    counts = record_progress(epoch_id)
    # a conditional state update: only the first finish moves the epoch into a
    # finished state; a second delivery of the callback (a chord redelivered, the last tile's
    # own send beside the chord's) sees 0 rows changed and reports ``already_finished`` so its caller
    # skips the diff and the summary refresh
    now = timezone.now()
    state = Epoch.State.NEEDS_CANDIDATES if counts["n_components"] == 0 else Epoch.State.PROCESSED
    extra = {"processed_at": now} if state == Epoch.State.PROCESSED else {}
    finished = (Epoch.State.PROCESSED, Epoch.State.NEEDS_CANDIDATES)
    changed = (
        Epoch.objects.filter(pk=epoch_id)
        .exclude(state__in=finished)
        .update(state=state, state_changed_at=now, **extra)
    )
    out = {"complete": True, **Epoch.objects.get(pk=epoch_id).progress}
    if not changed:
        out["already_finished"] = True
    return out


def fail(epoch_id: int, error: str) -> None:
    """Mark the epoch failed with ``error`` plus the first failed tiles' errors."""
    tiles = EpochTile.objects.filter(epoch_id=epoch_id, state=EpochTile.State.FAILED)
    detail = "; ".join(
        f"tile {o}/{i}: {e}" for o, i, e in tiles.values_list("order", "index", "error")[:3]
    )
    record_progress(epoch_id)
    set_state(epoch_id, Epoch.State.FAILED, error=(f"{error} {detail}".strip())[:4000])


def claim(epoch_id: int, *, takeover: bool = False) -> bool:
    """Move the epoch into ``identifying`` for one launch: a conditional UPDATE, so of two
    ``process_epoch`` running at once exactly one gets it (on SQLite and PostgreSQL alike).

    ``takeover`` (``--resume``/``--force``) claims an epoch already identifying as well.
    """
    rows = Epoch.objects.filter(pk=epoch_id)
    if not takeover:
        rows = rows.exclude(state=Epoch.State.IDENTIFYING)
    return bool(rows.update(state=Epoch.State.IDENTIFYING, state_changed_at=timezone.now()))


def epoch_if_all_done(tile_id: int) -> int | None:
    """The tile's epoch id when every tile of that epoch is done (time to finish), else None."""
    epoch_id = EpochTile.objects.filter(pk=tile_id).values_list("epoch_id", flat=True).first()
    if epoch_id is None:
        return None
    if EpochTile.objects.filter(epoch_id=epoch_id).exclude(state=EpochTile.State.DONE).exists():
        return None
    return epoch_id
