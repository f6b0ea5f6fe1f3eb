"""The search page's query: one queryset from the search form, never a whole table.

Names go through the API's lookup (:func:`catalog.read.names.find_by_name`: the CIRADA name, the
bare J-name, the seed's spelling; J-names are found by position on the HEALPix index), also
tried upper-cased with runs of blanks/underscores collapsed, as people type them.
"""

from __future__ import annotations

import astropy.units as u
from django.db.models import Exists, F, OuterRef

from catalog.models import Label, RadioComponent
from catalog.read.names import find_by_name

SORTS = {
    "name": "name",
    "-name": "-name",
    "ra": "ra",
    "-ra": "-ra",
    "dec": "dec",
    "-dec": "-dec",
    "flux": "total_flux_mjy",
    "-flux": "-total_flux_mjy",
    "reliability": "summary__best_reliability",
    "-reliability": "-summary__best_reliability",
    "separation": "separation_arcsec",
}


def search_queryset(data: dict):
    """Components matching the cleaned search form ``data``, ordered, with their summary."""
    # Only the one-to-one summary is joined: the best host of a page's rows comes from
    # catalog.read.host_catalogue.host_rows after the LIMIT, so no candidate join runs over the result.
    qs = RadioComponent.objects.select_related("epoch__survey", "summary").only(
        "name", "ra", "dec", "total_flux_mjy", "peak_flux_mjy", "s_code", "epoch__name",
        "epoch__survey__name", "summary__best_reliability", "summary__has_prime",
        "summary__needs_review",
    )  # fmt: skip
    if data.get("coord") is not None:
        qs = qs.cone_search(data["coord"], data["radius_arcsec"] * u.arcsec)
    name = (data.get("name") or "").strip()
    if name:
        # the API's name lookup: every spelling it accepts, in any letter case
        qs = qs.filter(pk__in=[c.pk for c in find_by_name(name)])
    if data.get("flux_min") is not None:
        qs = qs.filter(total_flux_mjy__gte=data["flux_min"])
    if data.get("flux_max") is not None:
        qs = qs.filter(total_flux_mjy__lte=data["flux_max"])
    if data.get("prime"):
        qs = qs.filter(summary__has_prime=True)
    if data.get("review"):
        qs = qs.filter(summary__needs_review=True)
    if data.get("expert"):
        expert = Label.objects.current().filter(
            component=OuterRef("pk"), origin=Label.Origin.EXPERT
        )
        qs = qs.filter(Exists(expert))
    sort = data.get("sort") or ("separation" if data.get("coord") is not None else "name")
    key = SORTS[sort]
    if key.lstrip("-").startswith("summary__"):
        f = key.lstrip("-")
        order = [F(f).desc(nulls_last=True) if key.startswith("-") else F(f).asc(nulls_last=True)]
        return qs.order_by(*order, "pk"), sort
    return qs.order_by(key, "pk"), sort


#: page filters the host-catalogue API has no parameter for (left out of the export links);
#: every filter of the page now has one (catalog.api.filters.HostFilter)
NOT_IN_API: dict[str, str] = {}


def api_query(data: dict) -> tuple[dict, list[str]]:
    """The same query as parameters of the API's host catalogue (``/api/hosts/``: cone in
    decimal degrees, name, prime flag), and the page filters it cannot express."""
    out = {}
    if data.get("coord") is not None:
        c = data["coord"].icrs
        out.update(
            ra=f"{c.ra.deg:.6f}", dec=f"{c.dec.deg:.6f}", radius_arcsec=f"{data['radius_arcsec']:g}"
        )
    if data.get("name"):
        out["name"] = data["name"].strip()
    if data.get("prime"):
        out["is_prime"] = "true"
    for key, param in (("flux_min", "flux_min"), ("flux_max", "flux_max")):
        if data.get(key) is not None:
            out[param] = repr(float(data[key]))
    if data.get("review"):
        out["needs_review"] = "true"
    if data.get("expert"):
        out["has_expert_label"] = "true"
    dropped = [label for key, label in NOT_IN_API.items() if data.get(key) not in (None, False, "")]
    return out, dropped
