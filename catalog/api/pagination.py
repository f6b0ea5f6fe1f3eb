"""Keyset (cursor) pagination with a capped page size.

``LIMIT/OFFSET`` makes page 10,000 of a survey-size table scan 10,000 pages first, and a
huge ``offset``/``limit`` overflowed the database's BIGINT (a 500). A cursor encodes the
last row's ordering key, so every page is one index range scan. ``limit`` sets the page
size, from 1 to :data:`MAX_PAGE_SIZE` (as the schema and the README say); any other ``limit`` is a
400 that names the bounds, never silently a smaller page than asked for.
Whole tables are exported with ``?format=`` (streamed, never paginated).

Every page carries a ``provenance`` object (:func:`catalog.read.provenance.provenance`): the
same record the pages show and the exports write into their headers, so a JSON answer says
whether its rows are simulated or real, their survey/epoch, the method, the software and date.
"""

from __future__ import annotations

import math

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination

from catalog.api.params import CONE_PARAMS
from catalog.read.provenance import KEYS, epochs_of, provenance

MAX_PAGE_SIZE = 1000
PAGE_SIZE = 100


def page_size(request, default: int = PAGE_SIZE) -> int:
    raw = request.query_params.get("limit")
    if raw in (None, ""):
        return default
    text = str(raw).strip()
    if not text.isdigit() or not 1 <= int(text[:12]) <= MAX_PAGE_SIZE or len(text) > 12:
        raise ValidationError(
            {"limit": [f"must be an integer from 1 to {MAX_PAGE_SIZE}, got {raw!r}"]}
        )
    return int(text)


class KeysetPagination(CursorPagination):
    """Ordered by ``id``; cone searches by ``separation_arcsec`` (ties broken in the cursor)."""

    ordering = "id"
    page_size = PAGE_SIZE
    page_size_query_param = "limit"
    max_page_size = MAX_PAGE_SIZE
    query_params = ("cursor", "limit")

    def paginate_queryset(self, queryset, request, view=None):
        self.provenance = _record(queryset, view)
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["provenance"] = self.provenance
        return response

    def get_paginated_response_schema(self, schema):
        out = super().get_paginated_response_schema(schema)
        out["properties"]["provenance"] = {
            "type": "object",
            "description": "What the rows are: simulated or real, epochs, method, software, date.",
            "properties": {k: {"type": "string"} for k in KEYS},
        }
        return out

    def get_page_size(self, request):
        return page_size(request, self.page_size)

    def get_ordering(self, request, queryset, view):
        if any(request.query_params.get(k) not in (None, "") for k in CONE_PARAMS):
            return ("separation_arcsec", "id")
        return ("id",)

    def decode_cursor(self, request):
        if request.query_params.get(self.cursor_query_param) == "":
            return None  # ``?cursor=`` is the first page, as ``?limit=`` is the default size
        try:
            cursor = super().decode_cursor(request)
        except Exception as exc:  # NotFound("Invalid cursor") is a 404; a bad cursor is input
            raise ValidationError({"cursor": ["invalid cursor"]}) from exc
        if cursor is not None and cursor.position is not None:
            # The position goes into the WHERE clause as the ordering field's value: a
            # hand-made cursor (base64 of "p=abc") was a ValueError in the query, a 500.
            if not _valid_position(self.ordering[0].lstrip("-"), cursor.position):
                raise ValidationError({"cursor": ["invalid cursor"]})
        return cursor


def _valid_position(field: str, position: str) -> bool:
    try:
        if field == "separation_arcsec":
            return math.isfinite(float(position))
        return -(2**63) <= int(position) < 2**63
    except (TypeError, ValueError):
        return False


def _record(queryset, view) -> dict[str, str]:
    """The provenance of a listed queryset: component-like rows by their epochs, optical
    sources by their own ``is_simulated`` flag, anything else as the whole catalogue."""
    mv = view.model_version() if hasattr(view, "model_version") else None
    fields = {f.name for f in queryset.model._meta.get_fields()}
    if "epoch" in fields:
        return provenance(epochs=epochs_of(queryset), model_version=mv)
    if "is_simulated" in fields:
        return provenance(
            epochs=[],
            simulated=queryset.filter(is_simulated=True).exists(),
            real=queryset.filter(is_simulated=False).exists(),
            model_version=mv,
        )
    return provenance(model_version=mv)
