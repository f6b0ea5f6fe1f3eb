"""The API's tables: which columns each list exports, in which order, and host-catalogue
rows. The columns themselves (units, UCDs, descriptions) are :mod:`catalog.api.columns`.
"""

from __future__ import annotations

from catalog.api.columns import column
from catalog.api.exports import export_response, keyset_chunks
from catalog.models import ModelVersion
from catalog.read.answers import PHOTOMETRY
from catalog.read.host_catalogue import host_rows
from catalog.read.provenance import epochs_of, provenance
from catalog.read.source_catalogue import source_chunks

COMPONENT_COLS = [
    (column("component.id"), "id"),
    (column("component.name"), "name"),
    (column("component.survey"), "epoch__survey__name"),
    (column("component.epoch", "epoch_name"), "epoch__name"),
    (column("component.ra"), "ra"),
    (column("component.dec"), "dec"),
    (column("component.e_ra"), "e_ra_arcsec"),
    (column("component.e_dec"), "e_dec_arcsec"),
    (column("component.total_flux"), "total_flux_mjy"),
    (column("component.e_total_flux"), "e_total_flux_mjy"),
    (column("component.peak_flux"), "peak_flux_mjy"),
    (column("component.e_peak_flux"), "e_peak_flux_mjy"),
    (column("component.major"), "major_arcsec"),
    (column("component.minor"), "minor_arcsec"),
    (column("component.pa"), "pa_deg"),
    (column("component.s_code"), "s_code"),
    (column("component.is_science"), "is_science"),
]

HOST_COLS = [
    column("component.id", "component_id"),
    column("component.name", "component_name"),
    column("component.ra", "component_ra"),
    column("component.dec", "component_dec"),
    column("component.survey"),
    column("component.epoch"),
    column("model_version_id"),
    column("match.optical_id"),
    column("optical.catalogue"),
    column("match.source_id"),
    column("host.ra"),
    column("host.dec"),
    column("host.separation_arcsec"),
    column("match.likelihood"),
    column("match.reliability"),
    column("match.p_no_host"),
    column("match.no_host"),
    column("match.is_positive"),
    column("match.is_prime"),
    column("host.n_candidates"),
    column("cone.separation_arcsec", "cone_separation_arcsec"),
]

CANDIDATE_COLS = [
    column("candidate.id"),
    column("match.optical_id"),
    column("optical.catalogue"),
    column("match.source_id"),
    column("optical.ra"),
    column("optical.dec"),
    column("candidate.separation_arcsec"),
    column("candidate.dx_px"),
    column("candidate.dy_px"),
    column("match.likelihood"),
    column("candidate.rank"),
    column("match.is_positive"),
    column("match.is_prime"),
    column("match.reliability"),
    column("class.p_galaxy"),
    column("class.p_qso"),
    column("class.p_star"),
    *[column(f"phot.{f}") for f in PHOTOMETRY],
]


OPTICAL_COLS = [
    (column("optical.id"), "id"),
    (column("optical.catalogue"), "catalogue"),
    (column("optical.source_id"), "source_id"),
    (column("optical.ra"), "ra"),
    (column("optical.dec"), "dec"),
    *[(column(f"phot.{f}"), f) for f in PHOTOMETRY],
]


def _cone(qs) -> bool:
    return "separation_arcsec" in qs.query.annotations


def _export_rows(
    fmt: str, qs, spec, *, filename: str, description: str, record: dict, progress=None
):
    """A table's rows, whole, in ``fmt``; a cone search adds its separation column."""
    cols = [c for c, _ in spec]
    fields = [f for _, f in spec]
    if _cone(qs):
        cols.append(column("cone.separation_arcsec"))
        fields.append("separation_arcsec")
    return export_response(
        fmt,
        cols,
        lambda: keyset_chunks(qs, fields),
        filename=filename,
        count=qs.count,
        description=description,
        provenance=record,
        progress=progress,
    )


def export_components(fmt: str, qs, *, progress=None):
    return _export_rows(
        fmt,
        qs,
        COMPONENT_COLS,
        filename="components",
        description="radiohost radio components",
        record=provenance(epochs=epochs_of(qs)),
        progress=progress,
    )


def export_optical_sources(fmt: str, qs, *, progress=None):
    return _export_rows(
        fmt,
        qs,
        OPTICAL_COLS,
        filename="optical_sources",
        description="radiohost optical sources (PS1 AB, AllWISE Vega magnitudes)",
        record=provenance(
            epochs=[],
            simulated=qs.filter(is_simulated=True).exists(),
            real=qs.filter(is_simulated=False).exists(),
        ),
        progress=progress,
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
            "no_host": r.no_host,
            "cone_separation_arcsec": getattr(c, "separation_arcsec", None),
        }
        out.append(d)
    return out


def export_hosts(fmt: str, qs, mv, *, progress=None):
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
        provenance=provenance(epochs=epochs_of(qs), model_version=mv),
        progress=progress,
    )


def export_candidates(fmt: str, component, candidates, mv):
    names = [c.name for c in CANDIDATE_COLS]
    rows = [tuple({**c.__dict__, **c.photometry}[n] for n in names) for c in candidates]
    return export_response(
        fmt,
        CANDIDATE_COLS,
        lambda: [rows],
        filename=f"candidates_{component.pk}",
        count=lambda: len(rows),
        description=f"ranked candidates of {component.name}",
        provenance=provenance(epochs=[component.epoch], model_version=mv),
    )


SOURCE_COLS = [
    column("source.id"),
    column("source.name"),
    column("source.type"),
    column("source.n_components"),
    column("source.component_names"),
    column("component.survey"),
    column("component.epoch"),
    column("source.ra"),
    column("source.dec"),
    column("source.core_ra"),
    column("source.core_dec"),
    column("source.total_flux"),
    column("source.las"),
    column("source.host_id"),
    column("source.host_catalogue"),
    column("source.host_source_id"),
    column("source.host_ra"),
    column("source.host_dec"),
    column("source.host_likelihood"),
    column("source.host_reliability"),
    column("source.host_separation"),
    column("source.p_no_host"),
    column("model_version_id"),
]


def export_sources(fmt: str, qs, *, description: str = "radiohost source catalogue"):
    """The source catalogue (catalog.read.source_catalogue rows), whole, in ``fmt``."""
    cols = list(SOURCE_COLS)
    if _cone(qs):
        cols.append(column("cone.separation_arcsec", "cone_separation_arcsec"))
    names = [c.name for c in cols]
    using = qs.db

    def chunks():
        for rows in source_chunks(qs, using=using):
            yield [tuple(d[n] for n in names) for d in rows]

    mv_ids = list(qs.order_by().values_list("model_version_id", flat=True).distinct()[:2])
    mv = ModelVersion.objects.filter(pk=mv_ids[0]).first() if len(mv_ids) == 1 else None
    return export_response(
        fmt,
        cols,
        chunks,
        filename="sources",
        count=qs.count,
        description=description,
        provenance=provenance(epochs=epochs_of(qs), model_version=mv),
    )
