"""The search page's query: one queryset from the search form, never a whole table.

Name spellings: the catalogue name as stored ("VLASS1QLCIR J100024.00+021200.0"), any case,
with an underscore or several spaces for the blank, or the bare J-name with or without the
survey prefix. A J-name encodes the position (truncated to 0.01 s / 0.1″), so it is searched
as a 1.5″ cone through the HEALPix index instead of a suffix match that would scan the table.
"""

from __future__ import annotations

import re

import astropy.units as u
from astropy.coordinates import SkyCoord
from django.db.models import Exists, F, OuterRef, Q

from catalog.models import Label, RadioComponent

from .forms import SORTS

_JNAME = re.compile(r"J(\d{2})(\d{2})(\d{2}(?:\.\d+)?)([+-])(\d{2})(\d{2})(\d{2}(?:\.\d+)?)")
JNAME_RADIUS_ARCSEC = 1.5


def normalise_name(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text.strip()).upper()


def jname_coord(text: str) -> SkyCoord | None:
    m = _JNAME.search(normalise_name(text).replace(" ", ""))
    if m is None:
        return None
    h, mi, s, sign, d, dm, ds = m.groups()
    return SkyCoord(f"{h}:{mi}:{s} {sign}{d}:{dm}:{ds}", unit=(u.hourangle, u.deg), frame="icrs")


def search_queryset(data: dict):
    """Components matching the cleaned search form ``data``, ordered, with their summary."""
    qs = RadioComponent.objects.select_related(
        "epoch__survey", "summary__best_candidate__optical_source"
    ).only(
        "name", "ra", "dec", "total_flux_mjy", "peak_flux_mjy", "s_code", "epoch__name",
        "epoch__survey__name", "summary__best_likelihood", "summary__has_prime",
        "summary__needs_review", "summary__n_positive", "summary__n_candidates",
        "summary__best_candidate__optical_source__catalogue",
        "summary__best_candidate__optical_source__source_id",
        "summary__best_candidate__distance_px",
    )  # fmt: skip
    if data.get("coord") is not None:
        qs = qs.cone_search(data["coord"], data["radius_arcsec"] * u.arcsec)
    name = (data.get("name") or "").strip()
    if name:
        coord = jname_coord(name)
        exact = Q(name=normalise_name(name))
        if coord is not None:
            near = RadioComponent.objects.cone_search(coord, JNAME_RADIUS_ARCSEC * u.arcsec)
            qs = qs.filter(exact | Q(pk__in=near.values("pk")))
        else:
            qs = qs.filter(exact)
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


def api_query(data: dict) -> dict:
    """The same query as API parameters (the API's cone search takes decimal degrees)."""
    out = {}
    if data.get("coord") is not None:
        c = data["coord"].icrs
        out.update(
            ra=f"{c.ra.deg:.6f}", dec=f"{c.dec.deg:.6f}", radius_arcsec=f"{data['radius_arcsec']:g}"
        )
    if data.get("name"):
        out["name"] = data["name"].strip()
    if data.get("flux_min") is not None:
        out["flux_min"] = f"{data['flux_min']:g}"
    if data.get("flux_max") is not None:
        out["flux_max"] = f"{data['flux_max']:g}"
    for flag in ("prime", "review", "expert"):
        if data.get(flag):
            out[flag] = "true"
    return out
