"""The epoch chord (Celery canvas only; the work is in :mod:`catalog.pipeline`).

``process_epoch`` plans the tiles and sends::

    chord([identify_tile(t) for t in undone tiles], finish_epoch(epoch))
         .on_error(epoch_failed(epoch))

Tiles go to the queue :mod:`catalog.pipeline.route` chooses (``cpu`` for the catalogue method,
``gpu`` for a CNN checkpoint with cutouts); the callback and bookkeeping stay on ``cpu``. The
tile watchdog (:mod:`catalog.pipeline.watchdog`) re-sends a stalled epoch's undone tiles
through :func:`resend`, the same chord.
"""

from __future__ import annotations

from celery import chord, group, signature


def _callback(epoch_id: int, cpu: str):
    # tasks by name: workers.tasks imports this module (process_epoch), never the reverse
    callback = signature("workers.tasks.finish_epoch", args=(epoch_id,), immutable=True, queue=cpu)
    callback.link_error(
        signature("workers.tasks.epoch_failed", args=(epoch_id,), immutable=True, queue=cpu)
    )
    return callback


def send_tiles(epoch_id: int, tiles: list[int], *, path: str, tile_queue: str, cpu: str):
    """Send the chord of these tiles (or, with none left, the finishing callback alone)."""
    callback = _callback(epoch_id, cpu)
    if not tiles:
        return callback.apply_async()
    tile_task = (
        "workers.tasks.identify_tile_cnn" if path == "cnn" else "workers.tasks.identify_tile"
    )
    header = group(signature(tile_task, args=(t,), immutable=True, queue=tile_queue) for t in tiles)
    return chord(header)(callback)


def launch(
    epoch_id: int, *, force: bool = False, resume: bool = False, queue: str | None = None
) -> dict:
    """Plan an epoch and send its chord; returns what was done (``action``, tiles, route).

    One launch per epoch: an epoch already ``identifying`` is left alone unless ``resume`` or
    ``force`` (``action`` ``already_identifying``, with a ``message``), and of two launches at
    once only one claims the epoch (:func:`catalog.pipeline.epoch.claim`, a conditional
    UPDATE); on PostgreSQL an advisory lock held while planning and sending also turns away a
    second ``--resume``/``--force`` (``action`` ``launching``). ``queue`` overrides the routed
    queues (a test's private queue).
    """
    from catalog.models import Epoch
    from catalog.pipeline import epoch as pipeline
    from catalog.pipeline.locks import LAUNCH, advisory_lock
    from catalog.pipeline.route import choose

    epoch = Epoch.objects.select_related("survey").get(pk=epoch_id)
    with advisory_lock(LAUNCH, epoch_id) as got:
        if not got:
            return {"epoch": str(epoch), "action": "launching", "tiles": 0,
                    "message": f"{epoch}: another process_epoch is launching it now; "
                    "this one sends nothing (follow it with `manage.py process_epoch` later)"}  # fmt: skip
        if not pipeline.claim(epoch_id, takeover=resume or force):
            epoch.refresh_from_db()
            return {"epoch": str(epoch), "action": "already_identifying", "tiles": 0,
                    "message": f"{epoch}: already identifying ({epoch.tiles_done}/"
                    f"{epoch.tiles_total} tiles done); this launch joins it and sends nothing "
                    "(--resume re-sends its undone tiles)"}  # fmt: skip
        try:
            route = choose(epoch)
            plan = pipeline.start(epoch, mv=route.model_version, force=force)
        except Exception as exc:
            # the claim moved it to identifying: leave it failed, not claimed by no one
            pipeline.fail(epoch_id, f"planning failed: {type(exc).__name__}: {exc}")
            raise
        out = {"epoch": str(epoch), "action": plan["action"], "tiles": len(plan["tiles"]),
               "route": route.path, "queue": queue or route.queue}  # fmt: skip
        if plan["action"] == "needs_candidates":
            return out | {"without_candidates": plan["without_candidates"]}
        try:
            result = send_tiles(
                epoch_id, plan["tiles"], path=route.path, tile_queue=queue or route.queue,
                cpu=queue or "cpu",
            )  # fmt: skip
        except (
            Exception
        ) as exc:  # eager (the demo): a tile's error surfaces here, not in an errback
            pipeline.fail(epoch_id, f"{type(exc).__name__}: {exc}")
            return out | {"action": "failed", "error": str(exc)}
    return out if plan["action"] == "finish" else out | {"chord": result.id}


def resend(stalled) -> dict:
    """Re-send one stalled epoch's undone tiles (a :class:`catalog.pipeline.watchdog.Resend`)."""
    send_tiles(stalled.epoch_id, stalled.tiles, path=stalled.path, tile_queue=stalled.queue,
               cpu="cpu")  # fmt: skip
    return {"epoch": stalled.epoch_id, "tiles": len(stalled.tiles), "idle_s": stalled.idle_s}
