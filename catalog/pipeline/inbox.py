"""New CIRADA component catalogues dropped into ``settings.RADIOHOST_INBOX_DIR``.

Each file is walked through ingest -> build candidates -> process (the epoch chord) -> diff,
every step appended to its :class:`catalog.models.InboxFile` record with its time and
result. A file is recorded once per (path, sha256) and walked under an advisory lock on its
record, and each step advances ``state`` before the next runs, so two overlapping beats (or a
beat and a redelivered task) never ingest or process a file twice: the second finds the
lock held, or the step already done.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from catalog.models import Epoch, EpochDiff, InboxFile
from catalog.pipeline.locks import INBOX, advisory_lock

_TERMINAL = (InboxFile.State.DONE, InboxFile.State.NEEDS_CANDIDATES, InboxFile.State.FAILED)


def inbox_dir() -> Path | None:
    d = getattr(settings, "RADIOHOST_INBOX_DIR", "")
    return Path(d) if d else None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def scan(directory: Path | None = None) -> list[int]:
    """Record new ``*.csv`` files of the inbox; returns the ids of records still to walk.

    A file already recorded with the same size is not re-hashed (a CIRADA catalogue is ~1 GB).
    """
    d = directory or inbox_dir()
    if d is None or not d.is_dir():
        return []
    out = []
    for path in sorted(d.glob("*.csv")):
        size = path.stat().st_size
        known = InboxFile.objects.filter(path=str(path), size_bytes=size).first()
        if known is None:
            known, _ = InboxFile.objects.get_or_create(
                path=str(path), sha256=_sha256(path), defaults={"size_bytes": size}
            )
        if known.state not in _TERMINAL and known.state != InboxFile.State.PROCESSING:
            out.append(known.pk)
    return out


def _record(f: InboxFile, step: str, result, state: str, **fields) -> None:
    f.steps = [*f.steps, {"step": step, "at": timezone.now().isoformat(), "result": result}]
    f.state = state
    for k, v in fields.items():
        setattr(f, k, v)
    f.save()


def prepare(inbox_id: int) -> dict:
    """Run the file's next steps up to the epoch chord; ``next == "process"`` tells the caller
    to send it (exactly once: the state moved to ``processing`` under the lock)."""
    from catalog.ingest.vlass_cirada import _epoch_from_file, ingest_vlass_cirada, vlass_epoch
    from catalog.pipeline.candidates import build_candidates
    from catalog.pipeline.epoch import set_state

    with advisory_lock(INBOX, inbox_id) as got:
        if not got:
            return {"inbox": inbox_id, "next": None, "busy": True}
        f = InboxFile.objects.get(pk=inbox_id)
        try:
            if f.state == InboxFile.State.NEW:
                report = ingest_vlass_cirada(f.path)
                ep = vlass_epoch(_epoch_from_file(Path(f.path)))
                set_state(ep.pk, Epoch.State.INGESTED)
                _record(f, "ingest", report.as_dict()["counts"], InboxFile.State.INGESTED, epoch=ep)
            if f.state == InboxFile.State.INGESTED:
                res = build_candidates(f.epoch)
                res = {k: v for k, v in res.items() if isinstance(v, int | float | str)}
                if res.get("pairs"):
                    set_state(f.epoch_id, Epoch.State.CANDIDATES_READY)
                _record(f, "build_candidates", res, InboxFile.State.CANDIDATES)
            if f.state == InboxFile.State.CANDIDATES:
                _record(f, "process", "sent", InboxFile.State.PROCESSING)
                return {"inbox": inbox_id, "epoch_id": f.epoch_id, "next": "process"}
        except Exception as exc:
            _record(f, "error", f"{type(exc).__name__}: {exc}"[:2000], InboxFile.State.FAILED,
                    error=str(exc)[:4000])  # fmt: skip
            raise
        return {"inbox": inbox_id, "epoch_id": f.epoch_id, "next": None, "state": f.state}


def epoch_settled(epoch_id: int) -> None:
    """Record the outcome (processed + diff, needs candidates, failed) on the inbox files whose
    epoch this is and that are waiting for it."""
    epoch = Epoch.objects.get(pk=epoch_id)
    waiting = InboxFile.objects.filter(epoch_id=epoch_id, state=InboxFile.State.PROCESSING)
    if not waiting.exists():
        return
    progress = {
        k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in epoch.progress.items()
    }
    state = {
        Epoch.State.PROCESSED: InboxFile.State.DONE,
        Epoch.State.NEEDS_CANDIDATES: InboxFile.State.NEEDS_CANDIDATES,
        Epoch.State.FAILED: InboxFile.State.FAILED,
    }.get(epoch.state)
    if state is None:
        return
    diff = EpochDiff.objects.filter(epoch_b_id=epoch_id).order_by("-created_at").first()
    for f in waiting:
        _record(f, "process", progress, state, error=epoch.error)
        if state == InboxFile.State.DONE:
            _record(f, "diff", diff.summary if diff else "no earlier epoch of this survey", state)
