"""Thin Celery tasks for the pages: overlays, radio cutouts, the list-page summaries.

Ids in → ORM/provider code → a name or a count out; each is idempotent (an overlay is stored
under the digest of what it draws, a cutout under its sha256, summaries are rewritten), so a
redelivered task repeats nothing. Cutouts are fetched here and never inside a page request.
"""

from __future__ import annotations

from celery import shared_task

TASK_OPTS = {"bind": True, "acks_late": True, "reject_on_worker_lost": True}


@shared_task(**TASK_OPTS, queue="cpu")
def render_overlay(self, component_id: int) -> str:
    """Render (if not yet stored) the component's seed Figure-8 overlay; its storage name."""
    from catalog.images.overlay import render_and_store

    return render_and_store(component_id)


@shared_task(**TASK_OPTS, queue="cpu", autoretry_for=(OSError,), retry_backoff=30, max_retries=3)
def fetch_radio_cutout(self, component_id: int, size_arcsec: float = 240.0) -> str | None:
    """Fetch the component's VLASS QL cutout from CADC once and store it (``Cutout``, sha256).

    Returns the stored path, or None when CADC holds no VLASS image there. An existing VLASS
    cutout is kept (delete the row to refetch).
    """
    from catalog.images.cutouts import fetch_component_cutout

    return fetch_component_cutout(component_id, size_arcsec)


@shared_task(**TASK_OPTS, queue="cpu")
def refresh_summaries(
    self, component_ids: list[int] | None = None, epoch_id: int | None = None
) -> int:
    """Rewrite the search/review summaries (sent by ``finish_epoch`` once an epoch's
    predictions are complete; idempotent, so a redelivery rewrites the same rows)."""
    from catalog.read.summaries import refresh_summaries as refresh

    return refresh(component_ids, epoch_id=epoch_id)
