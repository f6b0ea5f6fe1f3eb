"""Search (``/search/``): name, position (decimal or sexagesimal) + radius, flux, flags."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog.methods.versions import default_model_version
from catalog.read.host_catalogue import host_rows
from catalog.read.search import api_query, search_queryset
from pages.forms import SearchForm

PAGE_SIZE = 50


def page_of(qs, page: int, size: int = PAGE_SIZE) -> tuple[list, bool]:
    """One page by LIMIT/OFFSET, fetching one row more to know if another page exists
    (no COUNT over a survey-size result)."""
    rows = list(qs[(page - 1) * size : page * size + 1])
    return rows[:size], len(rows) > size


@require_GET
def search(request):
    form = SearchForm(request.GET or None)
    ctx = {"form": form, "searched": False}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        qs, sort = search_queryset(data)
        try:
            page = max(1, int(request.GET.get("page", 1)))
        except ValueError:
            page = 1
        rows, more = page_of(qs, page, PAGE_SIZE)
        mv = default_model_version()
        hosts = {h.component_id: h for h in host_rows(rows, mv)} if mv else {}
        params = {k: v for k, v in request.GET.items() if k not in ("page", "sort") and v}
        api_params, not_exported = api_query(data)
        api = urlencode(api_params)
        ctx.update(
            searched=True,
            rows=[(c, hosts.get(c.pk)) for c in rows],
            page=page,
            more=more,
            sort=sort,
            base_query=urlencode(params),
            sort_query=urlencode({**params, "sort": sort}),
            cone=data.get("coord") is not None,
            model_version=mv,
            api_json=f"/api/hosts/?{api}",
            api_csv=f"/api/hosts/?{urlencode({**api_params, 'format': 'csv'})}",
            api_votable=f"/api/hosts/?{urlencode({**api_params, 'format': 'votable'})}",
            not_exported=not_exported,
        )
    return render(request, "pages/search.html", ctx)
