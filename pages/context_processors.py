"""What every page says about its rows: the provenance banner of the base template.

A view that shows a narrower set of rows (a component page: one epoch) puts its own
``provenance`` in the context, which wins over this catalogue-wide one. Lazy: built only when
a template shows it (the admin's and the API's never do).
"""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from catalog.methods.versions import default_model_version
from catalog.read.provenance import provenance


def page_provenance(request) -> dict:
    return {
        "site_provenance": SimpleLazyObject(
            lambda: provenance(model_version=default_model_version())
        )
    }
