"""The epoch chord (Celery canvas only; the work is in :mod:`catalog.pipeline`).

``process_epoch`` plans the tiles and sends::

    chord([identify_tile(t) for t in undone tiles], finish_epoch(epoch))
         .on_error(epoch_failed(epoch))

Tiles go to the queue :mod:`catalog.pipeline.route` chooses (``cpu`` for the catalogue method,
``gpu`` for a CNN checkpoint with cutouts); the callback and bookkeeping stay on ``cpu``.
"""

from __future__ import annotations

from celery import chord, group, signature


def launch(
    epoch_id: int, *, force: bool = False, resume: bool = False, queue: str | None = None
) -> dict:
    """Plan an epoch and send its chord; returns what was done (``action``, tiles, route).

    An epoch already ``identifying`` is left alone unless ``resume`` (its chord is still
    running; re-sending would only queue duplicates, which the tile locks then turn away).
    ``queue`` overrides the routed queues (a test's private queue).
    """
    from catalog.models import Epoch
    from catalog.pipeline import epoch as pipeline
    from catalog.pipeline.route import choose

    epoch = Epoch.objects.select_related("survey").get(pk=epoch_id)
    if epoch.state == Epoch.State.IDENTIFYING and not (resume or force):
        return {"epoch": str(epoch), "action": "already_identifying", "tiles": 0}
    route = choose(epoch)
    plan = pipeline.start(epoch, mv=route.model_version, force=force)
    out = {"epoch": str(epoch), "action": plan["action"], "tiles": len(plan["tiles"]),
           "route": route.path, "queue": queue or route.queue}  # fmt: skip
    cpu = queue or "cpu"
    # tasks by name: workers.tasks imports this module (process_epoch), never the reverse
    callback = signature("workers.tasks.finish_epoch", args=(epoch_id,), immutable=True, queue=cpu)
    callback.link_error(
        signature("workers.tasks.epoch_failed", args=(epoch_id,), immutable=True, queue=cpu)
    )
    if plan["action"] == "needs_candidates":
        return out | {"without_candidates": plan["without_candidates"]}
    if plan["action"] == "finish":
        callback.apply_async()
        return out
    tile_task = (
        "workers.tasks.identify_tile_cnn" if route.path == "cnn" else "workers.tasks.identify_tile"
    )
    tile_queue = queue or route.queue
    header = group(
        signature(tile_task, args=(t,), immutable=True, queue=tile_queue) for t in plan["tiles"]
    )
    try:
        result = chord(header)(callback)
    except Exception as exc:  # eager (the demo): a tile's error surfaces here, not in an errback
        pipeline.fail(epoch_id, f"{type(exc).__name__}: {exc}")
        return out | {"action": "failed", "error": str(exc)}
    return out | {"chord": result.id}
