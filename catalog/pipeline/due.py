"""Which epochs beat should launch: the ORM side of ``workers.tasks.process_new_epochs``
(the task stays ids in, this, counts out)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils import timezone

from catalog.models import Candidate, Epoch, InboxFile, RadioComponent


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
