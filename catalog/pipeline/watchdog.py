"""The tile watchdog: an epoch whose tiles stopped progressing gets its undone tiles re-sent.

Why: tile messages live in the broker. Redis without persistence that restarts mid-epoch
forgets every queued and unacknowledged tile; nothing then redelivers them (the visibility
timeout only restores messages Redis still holds), and the epoch would sit in
``identifying`` forever. Beat runs :func:`claim_stalled` every
``RADIOHOST_WATCHDOG_EVERY_S``; an epoch is stalled when it is ``identifying``, has tiles not
done, and neither a tile started or finished nor the epoch changed state or was re-sent for
``RADIOHOST_TILE_STALL_S`` (default: a tile's hard time limit, so a tile that is merely slow
is not taken for lost).

Re-sending is idempotent: a tile already done is skipped by :func:`catalog.pipeline.tile.run_tile`,
and a tile some worker still runs holds its advisory lock, so it is not re-sent here and a
duplicate that slipped through backs off (``TileBusy``). The claim is one conditional UPDATE
on the epoch row, so two watchdogs running at once re-send an epoch once. Each re-send is
counted on the epoch (``resends``, ``resent_at``), which the API, admin and
``process_epoch`` show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import F, Max, Q
from django.utils import timezone

from catalog.models import Epoch, EpochTile
from catalog.pipeline.component import is_catalogue_method
from catalog.pipeline.locks import TILE, held


@dataclass(frozen=True)
class Resend:
    """What to re-send for one stalled epoch: its undone, unlocked tiles and their route."""

    epoch_id: int
    tiles: list[int]
    path: str  # "catalogue" or "cnn", the route the epoch's tiles were planned for
    queue: str  # "cpu" or "gpu"
    idle_s: float


def stall_seconds() -> float:
    return float(settings.RADIOHOST_TILE_STALL_S)


def last_progress(epoch: Epoch):
    """The latest sign of life of an identifying epoch: a tile started or finished, the
    state set, or an earlier re-send."""
    agg = EpochTile.objects.filter(epoch=epoch).aggregate(
        started=Max("started_at"), finished=Max("finished_at")
    )
    times = [agg["started"], agg["finished"], epoch.state_changed_at, epoch.resent_at]
    times = [t for t in times if t is not None]
    return max(times) if times else None


def claim_stalled(*, stall_s: float | None = None, now=None) -> list[Resend]:
    """Find stalled epochs, claim each (one conditional UPDATE) and return what to re-send.

    An epoch whose undone tiles are all being run right now is not stalled (a worker holds
    them); it is left alone without being claimed. An epoch with every tile done is claimed
    with no tiles: its finishing message was the one lost, and only that is re-sent.
    """
    stall_s = stall_seconds() if stall_s is None else stall_s
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=stall_s)
    out = []
    for epoch in Epoch.objects.filter(state=Epoch.State.IDENTIFYING).select_related(
        "model_version"
    ):
        seen = last_progress(epoch)
        if seen is not None and seen >= cutoff:
            continue
        if not EpochTile.objects.filter(epoch=epoch).exists():
            # claimed but never planned (the launching process died before planning): back to
            # the state beat's process_new_epochs launches from, rather than "finished"
            Epoch.objects.filter(pk=epoch.pk, state=Epoch.State.IDENTIFYING).update(
                state=Epoch.State.CANDIDATES_READY, state_changed_at=now,
                resends=F("resends") + 1, resent_at=now,
            )  # fmt: skip
            continue
        undone = list(
            EpochTile.objects.filter(epoch=epoch)
            .exclude(state=EpochTile.State.DONE)
            .order_by("index")
            .values_list("pk", flat=True)
        )
        running = held(TILE, undone)
        tiles = [t for t in undone if t not in running]
        if undone and not tiles:
            continue
        # the claim: only the watchdog that moves ``resent_at`` past the cutoff re-sends
        claimed = (
            Epoch.objects.filter(pk=epoch.pk, state=Epoch.State.IDENTIFYING)
            .filter(Q(resent_at__isnull=True) | Q(resent_at__lt=cutoff))
            .update(resends=F("resends") + 1, resent_at=now)
        )
        if not claimed:
            continue
        cnn = epoch.model_version is not None and not is_catalogue_method(epoch.model_version)
        out.append(
            Resend(
                epoch_id=epoch.pk,
                tiles=tiles,
                path="cnn" if cnn else "catalogue",
                queue="gpu" if cnn else "cpu",
                idle_s=(now - seen).total_seconds() if seen else float("inf"),
            )
        )
    return out
