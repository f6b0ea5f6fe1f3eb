"""The API's tables: which columns (units, UCDs) each list exports, and host-catalogue rows.

Units follow the CIRADA tables (Gordon et al. 2021): fluxes in mJy, peak fluxes in
mJy/beam, positions in degrees, sizes in arcsec; UCDs are IVOA UCD1+ words.
"""

from __future__ import annotations

from catalog.api.exports import Col, export_response, keyset_chunks
from catalog.read.answers import PHOTOMETRY
from catalog.read.host_catalogue import host_rows

COMPONENT_COLS = [
    (Col("id", "int", ucd="meta.id;meta.main"), "id"),
    (Col("name", "str", ucd="meta.id", width=64), "name"),
    (Col("survey", "str", ucd="meta.dataset", width=16), "epoch__survey__name"),
    (Col("epoch", "str", ucd="meta.dataset", width=16), "epoch__name"),
    (Col("ra", "float", "deg", "pos.eq.ra;meta.main"), "ra"),
    (Col("dec", "float", "deg", "pos.eq.dec;meta.main"), "dec"),
    (Col("e_ra", "float", "arcsec", "stat.error;pos.eq.ra"), "e_ra_arcsec"),
    (Col("e_dec", "float", "arcsec", "stat.error;pos.eq.dec"), "e_dec_arcsec"),
    (Col("total_flux", "float", "mJy", "phot.flux.density;em.radio"), "total_flux_mjy"),
    (Col("e_total_flux", "float", "mJy", "stat.error;phot.flux.density"), "e_total_flux_mjy"),
    (Col("peak_flux", "float", "mJy/beam", "phot.flux.density;em.radio"), "peak_flux_mjy"),
    (Col("e_peak_flux", "float", "mJy/beam", "stat.error;phot.flux.density"), "e_peak_flux_mjy"),
    (Col("major", "float", "arcsec", "phys.angSize.smajAxis"), "major_arcsec"),
    (Col("minor", "float", "arcsec", "phys.angSize.sminAxis"), "minor_arcsec"),
    (Col("pa", "float", "deg", "pos.posAng"), "pa_deg"),
    (Col("s_code", "str", ucd="meta.code.class", width=1), "s_code"),
    (Col("is_science", "bool", ucd="meta.code"), "is_science"),
]

HOST_COLS = [
    Col("component_id", "int", ucd="meta.id;meta.main"),
    Col("component_name", "str", ucd="meta.id", width=64),
    Col("component_ra", "float", "deg", "pos.eq.ra;meta.main"),
    Col("component_dec", "float", "deg", "pos.eq.dec;meta.main"),
    Col("survey", "str", ucd="meta.dataset", width=16),
    Col("epoch", "str", ucd="meta.dataset", width=16),
    Col("model_version_id", "int", ucd="meta.id;meta.software"),
    Col("optical_id", "int", ucd="meta.id.cross"),
    Col("catalogue", "str", ucd="meta.dataset", width=16),
    Col("source_id", "str", ucd="meta.id.cross", width=32),
    Col("ra", "float", "deg", "pos.eq.ra", "host RA"),
    Col("dec", "float", "deg", "pos.eq.dec", "host Dec"),
    Col("separation_arcsec", "float", "arcsec", "pos.angDistance", "host to component"),
    Col("likelihood", "float", "", "stat.likelihood", "host likelihood (seed 4.2)"),
    Col("reliability", "float", "", "stat.probability", "per-field posterior P(host)"),
    Col("is_positive", "bool", ucd="meta.code"),
    Col("is_prime", "bool", ucd="meta.code"),
    Col("n_candidates", "int", ucd="meta.number"),
    Col("cone_separation_arcsec", "float", "arcsec", "pos.angDistance", "component to cone centre"),
]

CANDIDATE_COLS = [
    Col("candidate_id", "int", ucd="meta.id;meta.main"),
    Col("optical_id", "int", ucd="meta.id.cross"),
    Col("catalogue", "str", ucd="meta.dataset", width=16),
    Col("source_id", "str", ucd="meta.id.cross", width=32),
    Col("ra", "float", "deg", "pos.eq.ra;meta.main"),
    Col("dec", "float", "deg", "pos.eq.dec;meta.main"),
    Col("separation_arcsec", "float", "arcsec", "pos.angDistance"),
    Col("dx_px", "float", "pix", "pos.cartesian.x"),
    Col("dy_px", "float", "pix", "pos.cartesian.y"),
    Col("likelihood", "float", "", "stat.likelihood"),
    Col("rank", "int", ucd="meta.number"),
    Col("is_positive", "bool", ucd="meta.code"),
    Col("is_prime", "bool", ucd="meta.code"),
    Col("reliability", "float", "", "stat.probability"),
    Col("p_galaxy", "float", "", "stat.probability"),
    Col("p_qso", "float", "", "stat.probability"),
    Col("p_star", "float", "", "stat.probability"),
    *[
        Col(f, "float", "mag", ("stat.error;" if f.startswith("e_") else "") + "phot.mag")
        for f in PHOTOMETRY
    ],
]


OPTICAL_COLS = [
    (Col("id", "int", ucd="meta.id;meta.main"), "id"),
    (Col("catalogue", "str", ucd="meta.dataset", width=16), "catalogue"),
    (Col("source_id", "str", ucd="meta.id", width=32), "source_id"),
    (Col("ra", "float", "deg", "pos.eq.ra;meta.main"), "ra"),
    (Col("dec", "float", "deg", "pos.eq.dec;meta.main"), "dec"),
    *[
        (Col(f, "float", "mag", ("stat.error;" if f.startswith("e_") else "") + "phot.mag"), f)
        for f in PHOTOMETRY
    ],
]


def _cone(qs) -> bool:
    return "separation_arcsec" in qs.query.annotations


def _export_rows(fmt: str, qs, spec, *, filename: str, description: str):
    """A table's rows, whole, in ``fmt``; a cone search adds its separation column."""
    cols = [c for c, _ in spec]
    fields = [f for _, f in spec]
    if _cone(qs):
        cols.append(Col("separation_arcsec", "float", "arcsec", "pos.angDistance"))
        fields.append("separation_arcsec")
    return export_response(
        fmt,
        cols,
        lambda: keyset_chunks(qs, fields),
        filename=filename,
        count=qs.count,
        description=description,
    )


def export_components(fmt: str, qs):
    return _export_rows(
        fmt, qs, COMPONENT_COLS, filename="components", description="radiohost radio components"
    )


def export_optical_sources(fmt: str, qs):
    return _export_rows(
        fmt,
        qs,
        OPTICAL_COLS,
        filename="optical_sources",
        description="radiohost optical sources (PS1 AB, AllWISE Vega magnitudes)",
    )


def host_dicts(components, mv) -> list[dict]:
    """Host rows of a page (or chunk) of ``RadioComponent`` instances, as serializer dicts."""
    rows = host_rows(components, mv)
    out = []
    for c, r in zip(components, rows, strict=True):
        d = {
            "component_id": c.pk,
            "component_name": c.name,
            "component_ra": c.ra,
            "component_dec": c.dec,
            "survey": c.epoch.survey.name,
            "epoch": c.epoch.name,
            **{k: v for k, v in r.__dict__.items() if k != "component_id"},
            "cone_separation_arcsec": getattr(c, "separation_arcsec", None),
        }
        out.append(d)
    return out


def export_hosts(fmt: str, qs, mv):
    names = [c.name for c in HOST_COLS]

    def chunks():
        last = None
        while True:
            page = qs.order_by("id")
            if last is not None:
                page = page.filter(id__gt=last)
            comps = list(page[:2000])
            if not comps:
                return
            last = comps[-1].pk
            yield [tuple(d[n] for n in names) for d in host_dicts(comps, mv)]

    return export_response(
        fmt,
        HOST_COLS,
        chunks,
        filename="hosts",
        count=qs.count,
        description=f"radiohost host catalogue ({'no model' if mv is None else mv.name})",
    )


def export_candidates(fmt: str, component, candidates):
    names = [c.name for c in CANDIDATE_COLS]
    rows = [tuple({**c.__dict__, **c.photometry}[n] for n in names) for c in candidates]
    return export_response(
        fmt,
        CANDIDATE_COLS,
        lambda: [rows],
        filename=f"candidates_{component.pk}",
        count=lambda: len(rows),
        description=f"ranked candidates of {component.name}",
    )
