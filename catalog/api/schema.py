"""OpenAPI post-processing: document the error answers every operation can give.

drf-spectacular lists the success response only; a client (and the schemathesis run in
tests/api) must know that a bad parameter is a 400, an unknown id a 404, a stale relabel
a 409 and a throttled client a 429, each with a JSON body.
"""

from __future__ import annotations

from drf_spectacular.authentication import BasicScheme

ERROR = {
    "type": "object",
    "description": "Field name → list of messages, or {'detail': message}.",
    "additionalProperties": True,
}


#: List endpoints whose exports may become background jobs (catalog.api.export_jobs).
EXPORTING_LISTS = ("/api/components/", "/api/hosts/", "/api/optical-sources/")


def _json(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


SAFE = ("get", "head", "options")


def _empty_is_no_filter(op: dict) -> None:
    """A choice filter given empty (``?catalogue=``, what a blank form field sends) filters
    nothing, as every django-filter does; the schema's enum says so."""
    for param in op.get("parameters", []):
        enum = (param.get("schema") or {}).get("enum")
        if param.get("name") == "format" or enum is None or param.get("in") != "query":
            continue  # ?format= names a renderer: empty is not "any"
        if "" not in enum:
            param["schema"]["enum"] = [*enum, ""]


def _bound_page_size(op: dict) -> None:
    """``limit`` is 1..MAX_PAGE_SIZE (catalog.api.pagination); say so, or a client sends 0."""
    from catalog.api.pagination import MAX_PAGE_SIZE

    for param in op.get("parameters", []):
        if param.get("in") == "query" and param.get("name") == "limit":
            param.setdefault("schema", {}).update(
                {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}
            )


def add_error_responses(result, generator, request, public):
    for path, ops in result.get("paths", {}).items():
        for method, op in ops.items():
            responses = op.setdefault("responses", {})
            if method in SAFE and op.get("security"):
                # Reads are public: credentials are optional ({} = anonymous allowed).
                if {} not in op["security"]:
                    op["security"].append({})
            if path.startswith("/api/vo/"):
                continue  # SCS answers errors as VOTables with status 200 (SCS 1.03 §2)
            _bound_page_size(op)
            _empty_is_no_filter(op)
            responses.setdefault("400", _json("Bad parameters or body (names the fields)."))
            responses.setdefault("429", _json("Throttled."))
            # Wrong credentials are a 401 on every operation, reads included (Basic auth is
            # checked whenever it is sent).
            responses.setdefault("401", _json("Not authenticated, or wrong credentials."))
            if "{id}" in path or "{token}" in path:
                responses.setdefault("404", _json("No such object."))
            if method not in SAFE:
                responses.setdefault("403", _json("Authenticated without the permission."))
            if path in EXPORTING_LISTS and method == "get":
                responses.setdefault(
                    "202",
                    {
                        "description": "An export (?format=) over the inline row limit: a "
                        "background job; poll its url, download from its download link.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ExportJob"}
                            }
                        },
                    },
                )
            if path.startswith("/api/labels/") and method == "post":
                responses.setdefault(
                    "409", _json("supersedes is not the component's current label.")
                )
    return result


class ThrottledBasicScheme(BasicScheme):
    """Documents catalog.api.auth.ThrottledBasicAuthentication as HTTP Basic."""

    target_class = "catalog.api.auth.ThrottledBasicAuthentication"
