"""IVOA Simple Cone Search 1.03 over radio components (VOTable out, astropy.io.votable).

``GET /api/vo/cone/components?RA=…&DEC=…&SR=…`` with RA, DEC, SR in degrees. Errors
are returned as a VOTable with an INFO name="Error" element, as SCS 1.03 §2 requires.
"""

from __future__ import annotations

import io

import astropy.units as u
from astropy.coordinates import SkyCoord
from astropy.io.votable.tree import Info, Resource, VOTableFile
from astropy.table import Table
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from catalog.models import RadioComponent

CONTENT_TYPE = "text/xml; content=x-votable"
MAX_SR_DEG = 1.0


def _error(message: str) -> HttpResponse:
    vot = VOTableFile()
    res = Resource()
    vot.resources.append(res)
    res.infos.append(Info(name="Error", value=message))
    buf = io.BytesIO()
    vot.to_xml(buf)
    return HttpResponse(buf.getvalue(), content_type=CONTENT_TYPE)


@require_GET
def scs_components(request) -> HttpResponse:
    values = {}
    for key in ("RA", "DEC", "SR"):
        raw = request.GET.get(key)
        if raw is None:
            return _error(f"missing parameter {key}")
        try:
            values[key] = float(raw)
        except ValueError:
            return _error(f"parameter {key} is not a number: {raw!r}")
    if not (0 <= values["RA"] <= 360 and -90 <= values["DEC"] <= 90):
        return _error("RA must be in [0, 360] and DEC in [-90, 90] deg")
    if not (0 < values["SR"] <= MAX_SR_DEG):
        return _error(f"SR must be in (0, {MAX_SR_DEG}] deg")
    coord = SkyCoord(values["RA"] % 360 * u.deg, values["DEC"] * u.deg)
    rows = list(
        RadioComponent.objects.cone_search(coord, values["SR"] * u.deg)
        .select_related("epoch__survey")
        .order_by("separation_arcsec")
        .values_list(
            "id",
            "name",
            "ra",
            "dec",
            "total_flux_mjy",
            "peak_flux_mjy",
            "epoch__survey__name",
            "epoch__name",
            "separation_arcsec",
        )
    )
    names = [
        "id",
        "name",
        "ra",
        "dec",
        "total_flux_mjy",
        "peak_flux_mjy",
        "survey",
        "epoch",
        "separation_arcsec",
    ]
    table = Table(
        rows=rows or None,
        names=names,
        dtype=[int, str, float, float, float, float, str, str, float],
    )
    for name, unit in (
        ("ra", u.deg),
        ("dec", u.deg),
        ("total_flux_mjy", u.mJy),
        ("peak_flux_mjy", u.mJy),
        ("separation_arcsec", u.arcsec),
    ):
        table[name].unit = unit
    vot = VOTableFile.from_table(table)
    fields = vot.get_first_table().fields
    ucds = {
        "id": "meta.id;meta.main",
        "ra": "pos.eq.ra;meta.main",
        "dec": "pos.eq.dec;meta.main",
        "name": "meta.id",
    }
    for f in fields:
        if f.name in ucds:
            f.ucd = ucds[f.name]
    buf = io.BytesIO()
    vot.to_xml(buf)
    return HttpResponse(buf.getvalue(), content_type=CONTENT_TYPE)
