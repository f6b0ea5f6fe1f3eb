"""Many optical catalogue files (PS1 DR2 / AllWISE per sky cell) as one load.

PS1 DR2 and AllWISE arrive as many files, one per sky cell. Each file is its own
transaction (:func:`catalog.ingest.optical_catalogue.ingest_optical_catalogue` with the
PS1↔AllWISE match and the ANALYZE deferred), so files load side by side on workers
(``workers.optical``: a group of one task per file, one chord callback); then
:func:`finish` redoes the 2″ match once over the union of the HEALPix tiles the files
touched and ANALYZEs once. A bad file is refused naming file, row and column and leaves the
database as before; the others still load, and the match still runs over theirs. A re-run
is idempotent (the upsert), so a file whose worker died is simply redone.
"""

from __future__ import annotations

import glob
from pathlib import Path

from catalog.ingest.contract import IngestError, IngestReport, analyze
from catalog.ingest.optical_catalogue import ingest_optical_catalogue
from catalog.ingest.optical_match import match_tiles
from catalog.ingest.optical_readers import FORMATS
from catalog.models import OpticalSource

#: file endings a directory is searched for (the readers' formats)
SUFFIXES = tuple(sorted(FORMATS))


def expand_paths(specs: list[str]) -> list[Path]:
    """Files named by ``specs``: a file, a directory (its catalogue files, sorted) or a glob.

    Raises :class:`IngestError` naming a spec that matches no file.
    """
    out: list[Path] = []
    for spec in specs:
        p = Path(spec)
        if p.is_dir():
            found = sorted(
                f for f in p.iterdir() if f.is_file() and f.name.lower().endswith(SUFFIXES)
            )
        elif any(ch in spec for ch in "*?["):
            found = sorted(Path(f) for f in glob.glob(spec) if Path(f).is_file())
        else:
            found = [p]
        if not found:
            raise IngestError(f"{spec}: no catalogue files ({', '.join(SUFFIXES)})")
        out += found
    seen: set[Path] = set()
    return [p for p in out if not (p.resolve() in seen or seen.add(p.resolve()))]


def ingest_one(
    path: str, *, catalogue: str, simulated: bool = False, dry_run: bool = False
) -> dict:
    """One file, match and ANALYZE deferred: ``{"report", "tiles"}`` or ``{"error"}``.

    Bad input is returned, not raised, so the chord's callback still runs (the other files
    are committed and need their match); the caller names every refused file.
    """
    touched: set[int] = set()
    try:
        rep = ingest_optical_catalogue(
            path, catalogue=catalogue, simulated=simulated, dry_run=dry_run,
            match=False, analyze_after=False, touched=touched,
        )  # fmt: skip
    except (IngestError, ValueError) as exc:
        return {"path": str(path), "error": str(exc)}
    return {"path": str(path), "report": rep.as_dict(), "tiles": sorted(touched)}


def finish(results: list[dict], *, dry_run: bool = False) -> dict:
    """The chord callback: one PS1↔AllWISE match over the union of touched tiles, ANALYZE."""
    tiles = {int(t) for r in results for t in r.get("tiles", ())}
    rep = IngestReport(source=f"PS1↔AllWISE match over {len(tiles)} tiles", dry_run=dry_run)
    changed = 0 if dry_run or not tiles else match_tiles(tiles, rep)
    analyze(OpticalSource)
    errors = [r["error"] for r in results if "error" in r]
    return {
        "files": len(results),
        "loaded": len(results) - len(errors),
        "errors": errors,
        "tiles": len(tiles),
        "match_changed": changed,
        "reports": [r["report"] for r in results if "report" in r],
    }


def ingest_serial(paths: list[Path], *, catalogue: str, simulated: bool = False,
                  dry_run: bool = False) -> dict:  # fmt: skip
    """The same load in this process, file after file (the reference a fan-out equals)."""
    return finish(
        [ingest_one(str(p), catalogue=catalogue, simulated=simulated, dry_run=dry_run)
         for p in paths],
        dry_run=dry_run,
    )  # fmt: skip


def send(paths, *, catalogue: str, simulated: bool = False, dry_run: bool = False,
         queue: str = "cpu"):  # fmt: skip
    """Send ``chord([ingest_optical_file(f) ...], finish_optical_ingest())`` for ``paths``;
    returns its AsyncResult (the callback's summary). Tasks by name: catalog never imports
    workers. ``queue``: where the file tasks and the callback go (a test's private queue)."""
    from celery import chord, current_app, group, signature

    current_app.loader.import_default_modules()
    header = group(
        signature("workers.optical.ingest_optical_file",
                  args=(str(p), catalogue, simulated, dry_run), immutable=True, queue=queue)
        for p in paths
    )  # fmt: skip
    callback = signature(
        "workers.optical.finish_optical_ingest", kwargs={"dry_run": dry_run}, queue=queue
    )
    return chord(header)(callback)
