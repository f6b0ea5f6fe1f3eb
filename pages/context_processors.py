"""What every page says about its rows: the provenance banner of the base template.

A view that shows a narrower set of rows (a component page: one epoch) puts its own
``provenance`` in the context, which wins over this catalogue-wide one.
"""

from __future__ import annotations

from catalog.methods.versions import default_model_version
from catalog.read.provenance import provenance


def page_provenance(request) -> dict:
    if request.path.startswith(("/api/", "/admin/", "/static/")):
        return {}
    return {"site_provenance": provenance(model_version=default_model_version())}
