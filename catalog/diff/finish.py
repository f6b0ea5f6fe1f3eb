"""How an epoch is closed once its tiles are done: processed, then its source catalogue and its
diff against the previous epoch (the ORM side of ``workers.tasks.finish_epoch``, which stays ids in, this,
counts out). It lives beside the diff because it ends in one: the pipeline never imports
the diff (the diff reads the host catalogue, which reads the pipeline's method version).
"""

from __future__ import annotations

from catalog.diff.epochs import finish_diff, plan_previous
from catalog.pipeline import epoch as pipeline
from catalog.pipeline.inbox import epoch_settled
from catalog.pipeline.locks import FINISH, advisory_lock
from catalog.sources.build import build_epoch_sources

#: A finishing callback that keeps finding undone tiles gives up after this many looks.
MAX_FINISH_LOOKS = 120


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
        # the source catalogue: only the finish that moved the epoch writes it (a replacement)
        out["sources"] = build_epoch_sources(epoch_id)
        # the diff is planned here and its tiles fan out as tasks (workers.tasks.diff_tile);
        # :func:`close_diff` settles the epoch once they are summed
        plan = plan_previous(epoch_id)
        if plan is None or not plan[1]:
            out["diff"] = finish_diff(plan[0].pk).summary if plan is not None else None
            epoch_settled(epoch_id)
        else:
            diff, tiles = plan
            out["diff_plan"] = {"diff_id": diff.pk, "tiles": tiles}
    return out | {"retry": False, "refresh": True}


def close_diff(diff_id: int, epoch_id: int) -> dict:
    """After every tile of an epoch's diff ran: sum them, then settle the epoch (its inbox
    record moves on). Idempotent: a second delivery sums the same rows again."""
    diff = finish_diff(diff_id)
    epoch_settled(epoch_id)
    return diff.summary
