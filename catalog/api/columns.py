"""The one table of exported columns: name, type, unit, UCD and description of every column
that the CSV (ECSV)/VOTable/FITS/Parquet exports and the IVOA cone search write.

A column is called what the JSON API calls it (the model field: ``total_flux_mjy``,
``e_ra_arcsec``), so a script written against one format reads every other; the unit in the
name is the house rule for non-degree quantities, and each format carries the unit as well.

Units follow the CIRADA tables (Gordon et al. 2021): fluxes in mJy, peak fluxes in
mJy/beam, positions in degrees, sizes in arcsec; UCDs are IVOA UCD1+ words. Each entry is
keyed by what it describes; an export that names the column differently (the cone search's
``host_ra``, the host table's ``component_id``) renames it with :func:`column` and keeps its
unit, UCD and description.
"""

from __future__ import annotations

from dataclasses import replace

from catalog.api.exports import Col
from catalog.read.answers import PHOTOMETRY

_MAIN_RA = "pos.eq.ra;meta.main"
_MAIN_DEC = "pos.eq.dec;meta.main"

COLUMNS: dict[str, Col] = {
    # the radio component
    "component.id": Col("id", "int", ucd="meta.id;meta.main"),
    "component.name": Col("name", "str", ucd="meta.id", width=64),
    "component.survey": Col("survey", "str", ucd="meta.dataset", width=16),
    "component.epoch": Col("epoch", "str", ucd="meta.dataset", width=16),
    "component.ra": Col("ra", "float", "deg", _MAIN_RA),
    "component.dec": Col("dec", "float", "deg", _MAIN_DEC),
    "component.e_ra": Col("e_ra_arcsec", "float", "arcsec", "stat.error;pos.eq.ra"),
    "component.e_dec": Col("e_dec_arcsec", "float", "arcsec", "stat.error;pos.eq.dec"),
    "component.total_flux": Col("total_flux_mjy", "float", "mJy", "phot.flux.density;em.radio"),
    "component.e_total_flux": Col(
        "e_total_flux_mjy", "float", "mJy", "stat.error;phot.flux.density"
    ),
    "component.peak_flux": Col("peak_flux_mjy", "float", "mJy/beam", "phot.flux.density;em.radio"),
    "component.e_peak_flux": Col(
        "e_peak_flux_mjy", "float", "mJy/beam", "stat.error;phot.flux.density"
    ),
    "component.major": Col("major_arcsec", "float", "arcsec", "phys.angSize.smajAxis"),
    "component.minor": Col("minor_arcsec", "float", "arcsec", "phys.angSize.sminAxis"),
    "component.pa": Col("pa_deg", "float", "deg", "pos.posAng"),
    "component.s_code": Col("s_code", "str", ucd="meta.code.class", width=1),
    "component.is_science": Col("is_science", "bool", ucd="meta.code"),
    "cone.separation_arcsec": Col(
        "separation_arcsec", "float", "arcsec", "pos.angDistance", "component to cone centre"
    ),
    "model_version_id": Col("model_version_id", "int", ucd="meta.id;meta.software"),
    # an optical source, as the main object of its own table
    "optical.id": Col("id", "int", ucd="meta.id;meta.main"),
    "optical.catalogue": Col("catalogue", "str", ucd="meta.dataset", width=16),
    "optical.source_id": Col("source_id", "str", ucd="meta.id", width=32),
    "optical.ra": Col("ra", "float", "deg", _MAIN_RA),
    "optical.dec": Col("dec", "float", "deg", _MAIN_DEC),
    # an optical source as a component's host or candidate
    "match.optical_id": Col("optical_id", "int", ucd="meta.id.cross"),
    "match.source_id": Col("source_id", "str", ucd="meta.id.cross", width=32),
    "host.ra": Col("ra", "float", "deg", "pos.eq.ra", "host RA"),
    "host.dec": Col("dec", "float", "deg", "pos.eq.dec", "host Dec"),
    "host.separation_arcsec": Col(
        "separation_arcsec", "float", "arcsec", "pos.angDistance", "host to component"
    ),
    "candidate.id": Col("candidate_id", "int", ucd="meta.id;meta.main"),
    "candidate.separation_arcsec": Col("separation_arcsec", "float", "arcsec", "pos.angDistance"),
    "candidate.dx_px": Col("dx_px", "float", "pix", "pos.cartesian.x"),
    "candidate.dy_px": Col("dy_px", "float", "pix", "pos.cartesian.y"),
    "candidate.rank": Col("rank", "int", ucd="meta.number"),
    "match.likelihood": Col(
        "likelihood", "float", "", "stat.likelihood", "host likelihood (seed 4.2)"
    ),
    "match.reliability": Col(
        "reliability",
        "float",
        "",
        "stat.probability",
        "LR reliability P(host), with a no-counterpart term",
    ),
    "match.p_no_host": Col(
        "p_no_host", "float", "", "stat.probability", "P(none of the candidates is the host)"
    ),
    "match.no_host": Col(
        "no_host", "bool", ucd="meta.code", description="no host found: p_no_host > reliability"
    ),
    "match.is_positive": Col("is_positive", "bool", ucd="meta.code"),
    "match.is_prime": Col("is_prime", "bool", ucd="meta.code"),
    "host.n_candidates": Col("n_candidates", "int", ucd="meta.number"),
    # the source catalogue (catalog.models.Source; CIRADA host-table layout, Gordon et al. 2023)
    "source.id": Col("id", "int", ucd="meta.id;meta.main"),
    "source.name": Col("source_name", "str", ucd="meta.id", width=64),
    "source.type": Col("source_type", "str", ucd="meta.code.class", width=24),
    "source.n_components": Col("n_components", "int", ucd="meta.number"),
    "source.component_names": Col(
        "component_names", "str", ucd="meta.id.part", description="';'-separated", width=256
    ),
    "source.ra": Col("ra", "float", "deg", _MAIN_RA, "flux-weighted centroid"),
    "source.dec": Col("dec", "float", "deg", _MAIN_DEC, "flux-weighted centroid"),
    "source.core_ra": Col("core_ra", "float", "deg", "pos.eq.ra", "association core"),
    "source.core_dec": Col("core_dec", "float", "deg", "pos.eq.dec", "association core"),
    "source.total_flux": Col("total_flux", "float", "mJy", "phot.flux.density;em.radio"),
    "source.las": Col("las", "float", "arcsec", "phys.angSize", "largest angular size"),
    "source.host_catalogue": Col("host_catalogue", "str", ucd="meta.dataset", width=16),
    "source.host_source_id": Col("host_source_id", "str", ucd="meta.id.cross", width=32),
    "source.host_id": Col("host_optical_id", "int", ucd="meta.id.cross"),
    "source.host_ra": Col("host_ra", "float", "deg", "pos.eq.ra", "host RA"),
    "source.host_dec": Col("host_dec", "float", "deg", "pos.eq.dec", "host Dec"),
    "source.host_likelihood": Col(
        "host_likelihood", "float", "", "stat.likelihood", "host likelihood (seed 4.2)"
    ),
    "source.host_reliability": Col(
        "host_reliability", "float", "", "stat.probability", "host reliability, as /api/hosts/"
    ),
    "source.host_separation": Col(
        "host_separation_arcsec", "float", "arcsec", "pos.angDistance", "host to core"
    ),
    "source.p_no_host": Col(
        "p_no_host", "float", "", "stat.probability", "P(no candidate is the host)"
    ),
    **{
        f"class.{p}": Col(p, "float", "", "stat.probability")
        for p in ("p_galaxy", "p_qso", "p_star")
    },
    **{
        f"phot.{f}": Col(
            f, "float", "mag", ("stat.error;" if f.startswith("e_") else "") + "phot.mag"
        )
        for f in PHOTOMETRY
    },
}


def column(key: str, name: str | None = None) -> Col:
    """The column ``key`` of :data:`COLUMNS`, exported as ``name`` when given."""
    col = COLUMNS[key]
    return col if name is None else replace(col, name=name)
