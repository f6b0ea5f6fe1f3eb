"""The curators' entry to the one label writer, :mod:`catalog.labels.writer` (the rules and
the writer live there, beside the published-catalogue side, :mod:`catalog.labels.published`).

Kept under ``curation`` because who may write labels, and how, is the curators' workflow:
the API, the pages and the admin import these names from here.
"""

from catalog.labels.writer import (
    CURRENT,
    MAX_HOST_OFFSET_ARCSEC,
    MAX_REASON_CHARS,
    PERMISSION,
    LabelConflict,
    LabelInputError,
    can_see_labellers,
    can_write_labels,
    relabel,
    shown_labeller,
    validate,
    write_expert_label,
)

__all__ = [
    "CURRENT",
    "MAX_HOST_OFFSET_ARCSEC",
    "MAX_REASON_CHARS",
    "PERMISSION",
    "LabelConflict",
    "LabelInputError",
    "can_see_labellers",
    "can_write_labels",
    "relabel",
    "shown_labeller",
    "validate",
    "write_expert_label",
]
