"""The label writer's side for published catalogues (Norris 2006, RGZ, Zhu 2023, Lou 2023,
the simulated sky's truth): their ingesters write labels only through :func:`write_published`.

A published label set is re-ingested whenever its ingest runs again (``ingest_all``, a second
``make demo``), so this writer is idempotent and, above all, defers to curators:

* the subject's current label of this origin, identical -> left alone; different -> a new
  label superseding it (labels are immutable; a corrected catalogue version);
* a subject whose current label is a curator's (``expert``) gets no new label of this origin:
  a curator who superseded the published label has decided, so the published label stays in
  the history and is never made current again, nor added as a rival current label beside the
  curator's. Those rows are counted in ``held`` with the reason.

Experts' labels are written by :func:`catalog.labels.writer.write_expert_label`, never here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

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
HELD_SUPERSEDED = "published label superseded by a curator (kept in the history)"
HELD_CURATED = "component labelled by a curator (the published label is not added beside it)"


@dataclass
class PublishedWrite:
    """What :func:`write_published` did: label ids per row, counts, and rows held back."""

    pks: list[int] = field(default_factory=list)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    held: dict[str, int] = field(default_factory=dict)


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


def _subject(row: dict) -> tuple[str, int]:
    return ("c", row["component_id"]) if row.get("component_id") else ("s", row["source_id"])


def _by_subject(qs) -> dict[tuple[str, int], list[Label]]:
    out: dict[tuple[str, int], list[Label]] = {}
    for lab in qs:
        key = ("c", lab.component_id) if lab.component_id else ("s", lab.source_id)
        out.setdefault(key, []).append(lab)
    return out


def write_published(rows: Iterable[dict], *, origin: str) -> PublishedWrite:
    """Write one published origin's labels under the rules above; one row per subject.

    A label's subject is ``component_id`` if given, else ``source_id``.
    """
    if origin == Label.Origin.EXPERT:
        raise ValueError(
            "expert labels are written by catalog.labels.writer.write_expert_label, "
            "under the label rules"
        )
    rows = list(rows)
    comp_ids = {r["component_id"] for r in rows if r.get("component_id")}
    src_ids = {r["source_id"] for r in rows if not r.get("component_id")}
    heads = Label.objects.current()
    current = {
        **_by_subject(heads.filter(component_id__in=comp_ids)),
        **_by_subject(heads.filter(component__isnull=True, source_id__in=src_ids)),
    }
    mine = Label.objects.filter(origin=origin)
    history = {
        ("c", c)
        for c in mine.filter(component_id__in=comp_ids).values_list("component_id", flat=True)
    } | {
        ("s", c)
        for c in mine.filter(component__isnull=True, source_id__in=src_ids).values_list(
            "source_id", flat=True
        )
    }
    out, new, seen = PublishedWrite(), [], set()
    for r in rows:
        key = _subject(r)
        if key in seen:
            raise ValueError(f"write_published: two {origin} labels for the same subject {key}")
        seen.add(key)
        labs = current.get(key, [])
        own = next((lab for lab in labs if lab.origin == origin), None)
        if own is None and any(lab.origin == Label.Origin.EXPERT for lab in labs):
            why = HELD_SUPERSEDED if key in history else HELD_CURATED
            out.held[why] = out.held.get(why, 0) + 1
            continue
        if own is not None and _label_same(own, r):
            out.unchanged += 1
            out.pks.append(own.pk)
            continue
        new.append(Label(origin=origin, supersedes=own, **r))
        if own is None:
            out.inserted += 1
        else:
            out.updated += 1
    # bulk_create inserts only (Label.save forbids edits, which bulk_create never does)
    Label.objects.bulk_create(new, batch_size=2000)
    out.pks.extend(lab.pk for lab in new)
    return out
