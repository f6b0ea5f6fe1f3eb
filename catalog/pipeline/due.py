"""Which epochs beat should launch, and how an epoch is closed once its tiles are done.

The ORM side of ``workers.tasks.process_new_epochs`` and ``workers.tasks.finish_epoch``; the
tasks stay ids in, one of these, counts out.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils import timezone

from catalog.models import Candidate, Epoch, InboxFile, RadioComponent
from catalog.pipeline import epoch as pipeline
from catalog.pipeline.diff import diff_previous
from catalog.pipeline.inbox import epoch_settled
from catalog.pipeline.locks import FINISH, advisory_lock

#: A finishing callback that keeps finding undone tiles gives up after this many looks.
MAX_FINISH_LOOKS = 120


def epochs_due() -> list[int]:
    """Epochs that are ingested or have candidates ready and were never identified, plus
    "needs candidates" epochs whose candidates have since been built (moved back to
    ``candidates_ready`` here).

    Never an epoch that is identifying (its chord is running; the watchdog looks after a
    lost one), processed or failed (an operator re-runs those with ``manage.py
    process_epoch``), nor one an inbox file is still walking through its steps.
    """
    busy_inbox = InboxFile.objects.filter(
        state__in=[InboxFile.State.NEW, InboxFile.State.INGESTED, InboxFile.State.CANDIDATES]
    ).values("epoch")
    revived = Epoch.objects.alias(
        has_candidates=Exists(Candidate.objects.filter(component__epoch=OuterRef("pk")))
    ).filter(state=Epoch.State.NEEDS_CANDIDATES, has_candidates=True)
    revived.update(state=Epoch.State.CANDIDATES_READY, state_changed_at=timezone.now())
    return list(
        Epoch.objects.filter(
            Exists(RadioComponent.objects.filter(epoch=OuterRef("pk"))),
            state__in=[Epoch.State.INGESTED, Epoch.State.CANDIDATES_READY],
        )
        .exclude(pk__in=busy_inbox)
        .order_by("pk")
        .values_list("id", flat=True)
    )


def close_epoch(epoch_id: int, *, looks: int = 0) -> dict:
    """Finish an epoch whose tiles ran: processed + diff, or failed, or ``{"retry": True}``.

    Runs under the epoch's FINISH lock, so of two callbacks at once one closes and the other
    is told to retry (and then finds it ``already_finished``: no second diff, no second
    summary refresh). A tile still undone (a duplicate delivery counted twice by the chord)
    asks for a retry, up to :data:`MAX_FINISH_LOOKS` looks; a failed tile fails the epoch.
    ``refresh`` says whether the caller should refresh the page summaries.
    """
    with advisory_lock(FINISH, epoch_id) as got:
        if not got:
            return {"retry": True, "refresh": False}
        out = pipeline.finish(epoch_id)
        if not out["complete"]:
            if out["failed"]:
                pipeline.fail(epoch_id, "identification failed:")
                epoch_settled(epoch_id)
                return out | {"retry": False, "refresh": False}
            if looks >= MAX_FINISH_LOOKS:
                raise RuntimeError(f"epoch {epoch_id}: {out['pending']} tiles never finished")
            return out | {"retry": True, "refresh": False}
        if out.get("already_finished"):
            return out | {"retry": False, "refresh": False}
        diff = diff_previous(epoch_id)
        out["diff"] = diff.summary if diff is not None else None
        epoch_settled(epoch_id)
    return out | {"retry": False, "refresh": True}
