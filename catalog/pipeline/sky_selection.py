"""The association sky's selection on the ORM side: ``RADIOHOST_ASSOCIATION_SKY`` as a ``Q``.

The rules are :mod:`ml.association.sky` (pure, documented there with their sources); this
module only reads the setting and writes the same selection in SQL, so a tile's one sky query
already leaves out what may not be grouped. ``tests/catalog/test_sources.py`` checks that the
``Q`` selects exactly the rows :meth:`SkySelection.mask` keeps on the real CIRADA sample, on
PostgreSQL and SQLite. Every reader of the radio sky (the epoch tiles, the per-component
answer, the relabel refit) filters with it, so they all group the same sky.
"""

from __future__ import annotations

from django.db.models import F, Q
from django.db.models.lookups import Exact

from ml.association.sky import DUPLICATE_REJECT, EMPTY_ISLAND, SkySelection, parse_selection


def current_selection() -> SkySelection:
    """The deployment's selection (``RADIOHOST_ASSOCIATION_SKY``; a bad value is a ValueError
    naming the setting)."""
    from django.conf import settings

    return parse_selection(getattr(settings, "RADIOHOST_ASSOCIATION_SKY", ""))


def sky_q(selection: SkySelection | None = None, *, prefix: str = "") -> Q:
    """Rows of ``RadioComponent`` (``prefix`` = the path to it, e.g. ``"component__"``) inside
    the association sky. NULL flags (catalogues without them) count as 0 / unflagged."""
    s = current_selection() if selection is None else selection
    q = Q()
    if s.drop_duplicates:
        q &= Q(**{f"{prefix}duplicate_flag__isnull": True}) | ~Q(
            **{f"{prefix}duplicate_flag": DUPLICATE_REJECT}
        )
    if s.drop_empty:
        q &= ~Q(**{f"{prefix}s_code": EMPTY_ISLAND})
    if s.quality_mask == -1:
        q &= Q(**{f"{prefix}quality_flag__isnull": True}) | Q(**{f"{prefix}quality_flag": 0})
    elif s.quality_mask:
        q &= Q(**{f"{prefix}quality_flag__isnull": True}) | Q(
            Exact(F(f"{prefix}quality_flag").bitand(s.quality_mask), 0)
        )
    return q
