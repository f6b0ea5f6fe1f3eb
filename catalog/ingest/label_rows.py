"""Labels of the published catalogues (Norris 2006, RGZ, Zhu 2023, Lou 2023, the simulated
sky), as their ingesters hand them to the label writer.

The rules of what a re-ingest may write (idempotent; never over a curator's decision) live
with the label writer, :mod:`catalog.labels.published`; this adapter only books what it did
in the ingest's report. Expert label files go through
:func:`catalog.labels.writer.write_expert_label` (:mod:`catalog.ingest.labels_expert`).
"""

from __future__ import annotations

from collections.abc import Iterable

from catalog.ingest.contract import IngestReport
from catalog.labels.published import write_published


def put_labels(rows: Iterable[dict], *, origin: str, report: IngestReport) -> list[int]:
    """Write labels of one published origin; returns the label ids of the rows written or
    kept (rows held back for a curator's label are counted as rejected, with the reason)."""
    done = write_published(rows, origin=origin)
    report.add("Label", inserted=done.inserted, updated=done.updated, unchanged=done.unchanged)
    for reason, n in done.held.items():
        report.reject(reason, n)
    return done.pks
