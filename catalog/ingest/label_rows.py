"""Labels of the published catalogues (Norris 2006, RGZ, Zhu 2023, Lou 2023, expert files,
the simulated sky), written idempotently by their ingesters.

Experts' labels made through the product go through :mod:`catalog.curation.labels`; the
catalogue origins come from the ingesters alone, through :func:`put_labels` here. Labels are
immutable: a changed row supersedes the current label of its subject, an identical one is
left alone, so a re-run of an ingest changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from catalog.ingest.common import IngestReport
from catalog.models import Label

LABEL_FIELDS = (
    "source_id",
    "host_id",
    "host_ra",
    "host_dec",
    "no_host",
    "consensus_level",
    "match_separation_arcsec",
    "host_match_separation_arcsec",
    "author_name",
    "reason",
    "author_id",
)


def _label_same(old: Label, new: dict) -> bool:
    for f in LABEL_FIELDS:
        a, b = (
            getattr(old, f),
            new.get(f, Label._meta.get_field(f.removesuffix("_id")).get_default()),
        )
        if isinstance(a, float) or isinstance(b, float):
            if a is None or b is None:
                if a is not b:
                    return False
            elif abs(a - b) > 1e-9 * max(1.0, abs(a)):
                return False
        elif a != b:
            return False
    return True


def put_labels(rows: Iterable[dict], *, origin: str, report: IngestReport) -> list[int]:
    """Write labels of one origin idempotently, superseding (never editing) changed ones.

    A label's subject is ``component_id`` if given, else ``source_id``; the current label
    of that subject and origin is compared field by field: identical -> unchanged;
    different -> a new label with ``supersedes`` = the old one (labels are immutable).
    """
    rows = list(rows)
    comp_ids = {r["component_id"] for r in rows if r.get("component_id")}
    src_ids = {r["source_id"] for r in rows if not r.get("component_id")}
    current: dict[tuple, Label] = {}
    for lab in Label.objects.current().filter(origin=origin, component_id__in=comp_ids):
        current[("c", lab.component_id)] = lab
    for lab in Label.objects.current().filter(
        origin=origin, component__isnull=True, source_id__in=src_ids
    ):
        current[("s", lab.source_id)] = lab
    out, new, n_ins, n_upd, n_same, seen = [], [], 0, 0, 0, set()
    for r in rows:
        key = ("c", r["component_id"]) if r.get("component_id") else ("s", r["source_id"])
        if key in seen:
            raise ValueError(f"put_labels: two {origin} labels for the same subject {key}")
        seen.add(key)
        old = current.get(key)
        if old is not None and _label_same(old, r):
            n_same += 1
            out.append(old.pk)
            continue
        new.append(Label(origin=origin, supersedes=old, **r))
        if old is None:
            n_ins += 1
        else:
            n_upd += 1
    # bulk_create inserts only (Label.save forbids edits, which bulk_create never does)
    Label.objects.bulk_create(new, batch_size=2000)
    out.extend(lab.pk for lab in new)
    report.add("Label", inserted=n_ins, updated=n_upd, unchanged=n_same)
    return out
