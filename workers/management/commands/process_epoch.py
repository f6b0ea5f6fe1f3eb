"""``manage.py process_epoch NAME``: identify hosts over an epoch's HEALPix tiles, with a bar.

Sends the same chord as the beat/inbox path (:func:`workers.pipeline.launch`): eagerly in this
process when ``CELERY_TASK_ALWAYS_EAGER`` is set (the demo), else through the broker to the
workers, following the epoch's tile count until it leaves ``identifying``.
"""

from __future__ import annotations

import json
import logging
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm


class Command(BaseCommand):
    help = "Identify hosts for an epoch (HEALPix tiles as a Celery chord) with a progress bar."

    def add_arguments(self, parser):
        parser.add_argument("epoch", help="Epoch name or 'SURVEY NAME' (e.g. 'VLASS 2').")
        parser.add_argument("--force", action="store_true", help="Redo every tile.")
        parser.add_argument(
            "--resume", action="store_true", help="Re-send the undone tiles of an epoch "
            "stuck in 'identifying' (e.g. its broker lost the messages)."
        )  # fmt: skip
        parser.add_argument("--timeout", type=float, default=None, help="Stop waiting after s.")
        parser.add_argument(
            "--in-process", action="store_true", help="Identify the tiles in this process "
            "(no broker, no worker: what the demo does)."
        )  # fmt: skip
        parser.add_argument("--json", action="store_true", help="Print the final state as JSON.")

    def handle(self, *args, **o):
        from celery import current_app as app
        from celery.signals import task_postrun

        from catalog.models import Epoch
        from catalog.pipeline.candidates import resolve_epoch
        from workers import tasks
        from workers.pipeline import launch

        try:
            epoch = resolve_epoch(o["epoch"])
        except (ValueError, Epoch.DoesNotExist) as exc:
            raise CommandError(str(exc)) from exc
        eager_before = app.conf.task_always_eager
        if o["in_process"]:
            app.conf.task_always_eager = True
        eager = bool(app.conf.task_always_eager)
        bar = tqdm(desc=str(epoch), unit="tile", disable=o["verbosity"] < 1)

        tile_tasks = {tasks.identify_tile.name, tasks.identify_tile_cnn.name}

        def tick(sender=None, **_):
            if getattr(sender, "name", None) in tile_tasks:
                bar.update(1)

        task_postrun.connect(tick, weak=False)
        # eager runs log every task at INFO; the bar says the same in one line
        trace_log = logging.getLogger("celery.app.trace")
        old_level = trace_log.level
        if o["verbosity"] < 2:
            trace_log.setLevel(logging.WARNING)
        try:
            plan = launch(epoch.pk, force=o["force"], resume=o["resume"])
            bar.total = plan["tiles"]
            bar.refresh()
            if plan.get("message"):
                # one launch per epoch: a second one joins the running one (follows it here)
                self.stderr.write(plan["message"])
            if plan["action"] == "needs_candidates":
                from catalog.pipeline.inbox import epoch_settled

                epoch_settled(epoch.pk)
            elif not eager and plan["action"] != "failed":
                self._follow(epoch.pk, bar, o["timeout"])
        finally:
            app.conf.task_always_eager = eager_before
            trace_log.setLevel(old_level)
            task_postrun.disconnect(tick)
            bar.close()
        epoch.refresh_from_db()
        state = {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                 for k, v in epoch.progress.items()}  # fmt: skip
        if o["json"]:
            self.stdout.write(json.dumps(state | {"plan": plan}, indent=2))
        else:
            self.stdout.write(
                f"{epoch}: {state['state']} — tiles {state['tiles_done']}/{state['tiles_total']}, "
                f"{state['components']} components identified, {state['predictions']} "
                f"predictions, {state['without_candidates']} without candidates (flagged)"
                + (
                    f"; the watchdog re-sent stalled tiles {state['resends']} time(s), last "
                    f"at {state['resent_at']}"
                    if state["resends"]
                    else ""
                )
                + (f"; error: {state['error']}" if state["error"] else "")
            )
        if epoch.state == Epoch.State.FAILED:
            raise CommandError(f"{epoch}: failed: {epoch.error}")
        if epoch.state == Epoch.State.NEEDS_CANDIDATES:
            raise CommandError(needs_candidates_hint(epoch, state))

    def _follow(self, epoch_id: int, bar, timeout: float | None) -> None:
        from catalog.models import Epoch

        t0 = time.monotonic()
        while True:
            e = Epoch.objects.get(pk=epoch_id)
            bar.total = e.tiles_total
            bar.n = e.tiles_done
            bar.refresh()
            if e.state != Epoch.State.IDENTIFYING:
                return
            if timeout is not None and time.monotonic() - t0 > timeout:
                if e.tiles_done == 0:
                    raise CommandError(no_worker_hint(e, timeout))
                raise CommandError(
                    f"{e}: still identifying after {timeout} s ({e.tiles_done}/{e.tiles_total} tiles)"
                )
            time.sleep(1.0)


def needs_candidates_hint(epoch, state: dict) -> str:
    """What to do when no component of the epoch has an optical candidate (a dead end else)."""
    name = f"'{epoch.survey.name} {epoch.name}'"
    return (
        f"{epoch}: nothing identified — {state['without_candidates']} components have no "
        "optical candidate (no PS1/AllWISE rows loaded over this sky). Next: load the "
        "catalogues with `manage.py ingest_optical_catalogue FILE --catalogue ps1dr2|allwise` "
        f"or fetch them with `manage.py harvest_optical_region --epoch {name}`, then "
        f"`manage.py build_candidates --epoch {name}`, then re-run "
        f"`manage.py process_epoch {name}`."
    )


def no_worker_hint(epoch, timeout: float) -> str:
    """Sent, but no tile was taken: most likely no worker listens on the tiles' queue."""
    return (
        f"{epoch}: no worker took a tile in {timeout} s (0/{epoch.tiles_total} tiles done). "
        "Start one: `celery -A radiohost_site worker --queues cpu,gpu` (or `docker compose up "
        "worker-cpu`); it picks the sent tiles up. Or run here without a worker: "
        "`manage.py process_epoch --in-process --resume ...`."
    )
