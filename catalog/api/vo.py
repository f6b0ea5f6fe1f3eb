"""IVOA Simple Cone Search 1.03 over radio components and their hosts (VOTable out).

``GET`` or ``POST /api/vo/cone/components?RA=…&DEC=…&SR=…`` (degrees). Parameter names are
case-insensitive (IVOA DALI 1.1 §3.1); ``VERB`` (1–3) is accepted and ignored beyond its
range check. Errors are a VOTable with ``INFO name="QUERY_STATUS" value="ERROR"`` (SCS 1.03
§2 and DALI), never HTML. Columns: the component, its survey/epoch, and the current method's
host (optical id, position, likelihood, reliability), with units and UCDs.
"""

from __future__ import annotations

import io

import astropy.units as u
from astropy.io.votable.tree import Info, Resource, VOTableFile
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer
from rest_framework.views import APIView

from catalog.api.columns import column
from catalog.api.exports import _votable
from catalog.methods.versions import default_model_version
from catalog.models import RadioComponent
from catalog.read.host_catalogue import host_rows
from catalog.read.provenance import provenance
from catalog.sky.spatial import ConeCentre

CONTENT_TYPE = "text/xml; content=x-votable"
MAX_SR_DEG = 1.0

COLUMNS = [
    column("component.id"),
    column("component.name"),
    column("component.ra"),
    column("component.dec"),
    column("component.total_flux"),
    column("component.peak_flux"),
    column("component.survey"),
    column("component.epoch"),
    column("cone.separation_arcsec", "separation"),
    column("match.optical_id", "host_optical_id"),
    column("optical.catalogue", "host_catalogue"),
    column("match.source_id", "host_source_id"),
    column("host.ra", "host_ra"),
    column("host.dec", "host_dec"),
    column("match.likelihood", "host_likelihood"),
    column("match.reliability", "host_reliability"),
    column("match.p_no_host", "p_no_host"),
    column("match.no_host", "no_host"),
]


class VOTableRenderer(BaseRenderer):
    media_type = "text/xml"
    format = "votable"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


def _error(message: str) -> HttpResponse:
    vot = VOTableFile()
    res = Resource()
    vot.resources.append(res)
    res.infos.append(Info(name="QUERY_STATUS", value="ERROR"))
    res.infos.append(Info(name="Error", value=message))
    buf = io.BytesIO()
    vot.to_xml(buf)
    return HttpResponse(buf.getvalue(), content_type=CONTENT_TYPE)


class _Repeated(ValueError):
    pass


def _params(request) -> dict[str, str]:
    """Query string and form (or JSON) body, names upper-cased (DALI: case-insensitive names).

    A parameter given twice (``RA=1&ra=2``, or in both the query and the body) is an error,
    not a silent pick of one value.
    """
    out: dict[str, str] = {}
    body = request.data if request.method == "POST" else {}
    for source in (request.query_params, body if hasattr(body, "keys") else {}):
        for k in source.keys():
            values = source.getlist(k) if hasattr(source, "getlist") else [source.get(k)]
            for v in values:
                if isinstance(v, bool) or not isinstance(v, (str, int, float)):
                    continue
                if k.upper() in out:
                    raise _Repeated(k.upper())
                out[k.upper()] = str(v)
    return out


SCS_PARAMS = [
    OpenApiParameter("RA", OpenApiTypes.DOUBLE, required=True, description="ICRS (deg), [0, 360]."),
    OpenApiParameter("DEC", OpenApiTypes.DOUBLE, required=True, description="ICRS (deg)."),
    OpenApiParameter("SR", OpenApiTypes.DOUBLE, required=True, description="Radius (deg), ≤ 1."),
    OpenApiParameter("VERB", OpenApiTypes.INT, description="1–3 (all columns are returned)."),
]


class ConeSearchView(APIView):
    """IVOA Simple Cone Search over components with their hosts (names case-insensitive)."""

    authentication_classes: list = []  # public, stateless: no session, so no CSRF on POST
    permission_classes: list = []
    renderer_classes = [VOTableRenderer]

    @extend_schema(
        parameters=SCS_PARAMS,
        responses={200: OpenApiResponse(OpenApiTypes.STR, description="VOTable 1.4")},
    )
    def get(self, request):
        return self._search(request)

    @extend_schema(
        parameters=SCS_PARAMS,
        request=None,
        responses={200: OpenApiResponse(OpenApiTypes.STR, description="VOTable 1.4")},
    )
    def post(self, request):
        return self._search(request)

    def handle_exception(self, exc):
        # A malformed body (400), an unsupported media type (415) or method (405), a throttle
        # (429): still a VOTable with QUERY_STATUS=ERROR (SCS 1.03 §2), never a bare text body;
        # the HTTP status and its headers (Allow, Retry-After) are kept.
        response = super().handle_exception(exc)
        data = response.data
        detail = data.get("detail", data) if isinstance(data, dict) else data
        error = _error(str(detail))
        error.status_code = response.status_code
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                error[header] = response[header]
        return error

    def _search(self, request) -> HttpResponse:
        try:
            params = _params(request)
        except _Repeated as exc:
            return _error(f"parameter {exc} given more than once")
        values = {}
        for key in ("RA", "DEC", "SR"):
            raw = params.get(key)
            if raw is None:
                return _error(f"missing parameter {key}")
            try:
                values[key] = float(raw)
            except ValueError:
                return _error(f"parameter {key} is not a number: {raw[:40]!r}")
            if values[key] != values[key] or abs(values[key]) == float("inf"):
                return _error(f"parameter {key} is not finite")
        if "VERB" in params and params["VERB"].strip() not in ("1", "2", "3"):
            return _error("VERB must be 1, 2 or 3")
        if not (0 <= values["RA"] <= 360 and -90 <= values["DEC"] <= 90):
            return _error("RA must be in [0, 360] and DEC in [-90, 90] deg")
        if not (0 < values["SR"] <= MAX_SR_DEG):
            return _error(f"SR must be in (0, {MAX_SR_DEG}] deg")
        comps = list(
            RadioComponent.objects.cone_search(
                ConeCentre(values["RA"] % 360, values["DEC"]), values["SR"] * u.deg
            )
            .select_related("epoch__survey")
            .order_by("separation_arcsec", "id")
        )
        mv = default_model_version()
        hosts = host_rows(comps, mv)
        rows = [
            (
                c.pk,
                c.name,
                c.ra,
                c.dec,
                c.total_flux_mjy,
                c.peak_flux_mjy,
                c.epoch.survey.name,
                c.epoch.name,
                c.separation_arcsec,
                h.optical_id,
                h.catalogue,
                h.source_id,
                h.ra,
                h.dec,
                h.likelihood,
                h.reliability,
                h.p_no_host,
                h.no_host,
            )
            for c, h in zip(comps, hosts, strict=True)
        ]
        epochs = list({c.epoch_id: c.epoch for c in comps}.values())
        record = provenance(epochs=epochs, model_version=mv)
        body = b"".join(
            _votable(COLUMNS, [rows], "radiohost cone search: components and hosts", record)
        )
        return HttpResponse(body, content_type=CONTENT_TYPE)
