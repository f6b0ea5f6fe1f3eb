"""Host identification on the catalog (ORM side): component association + core → HostPredictions.

The radio sky around a component is read with the HEALPix cone search, grouped and
its core located by :mod:`ml.association` (pure numpy), candidates scored by
:mod:`ml.host.positional`, and the seed §4.2 decision rule (:func:`ml.host.decision.decide`)
sets rank / positive / prime. Predictions are upserted per (candidate, model version),
so re-running is idempotent.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord
from django.db import transaction

from catalog.methods.versions import METHOD_NAME
from catalog.models import HostPrediction, ModelVersion, RadioComponent
from catalog.pipeline.sky_selection import sky_q
from ml.association.associate import associate
from ml.association.edges import EdgeParams, edge_reach_arcsec
from ml.association.params import reach_arcsec
from ml.association.refit import Method
from ml.association.rules import ComponentSky
from ml.host.decision import decide
from ml.host.likelihood_ratio import (
    LRModel,
    core_sigma_arcsec,
    field_reliability,
    local_density_arcsec2,
)
from ml.host.positional import positional_likelihood
from ml.sky import separation_arcsec

#: The radio sky read around a component: the 3.6′ field of seed §2.2.2 reaches 108″
#: from the centre; doubles up to ~150″ across still link from the field's edge.
SKY_RADIUS_ARCSEC = 180.0


def association_model_version() -> ModelVersion:
    """The registry entry of the model-free method (no checkpoint: its config is its definition)."""
    config = {
        "method": "ml.association + ml.host.positional.positional_likelihood",
        **Method().to_config(),
        "sky_radius_arcsec": SKY_RADIUS_ARCSEC,
    }
    mv, _ = ModelVersion.objects.get_or_create(
        name=METHOD_NAME, defaults={"kind": ModelVersion.Kind.HOST, "config": config}
    )
    return mv


def is_catalogue_method(mv: ModelVersion) -> bool:
    return "association" in (mv.config or {})


def current_method_version() -> ModelVersion:
    """The catalogue-level method the pipeline runs: the active host version when it is one
    (a refit), else the published-defaults version."""
    active = ModelVersion.objects.filter(
        kind=ModelVersion.Kind.HOST, status=ModelVersion.Status.ACTIVE
    ).first()
    if active is not None and is_catalogue_method(active):
        return active
    return association_model_version()


#: RadioComponent columns passed to ComponentSky as its optional shape keywords (CIRADA
#: DC_Maj, DC_Min, PA, Isl_rms): the edge associator reads them (ml.association.edges)
SHAPE_FIELDS = {
    "major_arcsec": "dc_major_arcsec",
    "minor_arcsec": "dc_minor_arcsec",
    "pa_deg": "pa_deg",
    "rms_mjy": "isl_rms_mjy",
}


def sky_arrays(
    component: RadioComponent, radius_arcsec: float = SKY_RADIUS_ARCSEC
) -> tuple[tuple[np.ndarray, ...], dict[str, np.ndarray]]:
    """The radio sky of ``component``'s epoch within ``radius_arcsec`` (``SKY_RADIUS_ARCSEC``).

    Returns ``(columns, shapes)``: ``columns`` = ra, dec (deg), integrated flux (mJy) and
    peak flux (mJy/beam), the positional inputs of ``ComponentSky``; ``shapes`` = its
    optional keywords (:data:`SHAPE_FIELDS`, NULL -> NaN = not measured), so an edge model
    sees what the held-out evaluation gave it.
    """
    coord = SkyCoord(component.ra * u.deg, component.dec * u.deg)
    # the association sky's selection, as the tiles read it; a component outside it is
    # never grouped, so its sky is itself alone
    inside = sky_q()
    own = RadioComponent.objects.filter(pk=component.pk)
    sky = RadioComponent.objects.filter(inside, epoch=component.epoch)
    if component.pk is not None and not own.filter(inside).exists():
        sky = own
    sky_rows = list(
        sky.cone_search(coord, radius_arcsec * u.arcsec).values_list(
            "ra", "dec", "total_flux_mjy", "peak_flux_mjy", *SHAPE_FIELDS.values()
        )
    )
    cols = [np.array(col, dtype=float) for col in zip(*sky_rows, strict=True)]
    ra, dec, flux, peak = cols[:4]
    # A component without fluxes cannot be weighed: treat it as equal to its neighbours.
    flux = np.where(
        np.isfinite(flux) & (flux > 0),
        flux,
        np.nanmedian(flux[flux > 0]) if np.any(flux > 0) else 1.0,
    )
    peak = np.where(np.isfinite(peak) & (peak > 0), peak, flux)
    return (ra, dec, flux, peak), dict(zip(SHAPE_FIELDS, cols[4:], strict=True))


#: Wider re-reads before giving up (as the epoch pipeline's tiles: catalog.pipeline.tile).
MAX_WIDENINGS = 6


def associate_component(component: RadioComponent, method: Method):
    """The component's group and core, equal to what the epoch pipeline finds for it."""
    return sky_around(component, method)[2]


def sky_around(component: RadioComponent, method: Method):
    """The radio sky around ``component`` that holds its whole source under ``method``:
    ``(columns, shapes, association)`` as :func:`sky_arrays` and ``associate`` give them.

    The sky is read within ``SKY_RADIUS_ARCSEC`` and re-read wider while the group reaches
    past it: a member of flux S links out to ``reach_arcsec(S)`` (for bright doubles, and
    aligned doubles at twice the Magliocchetti scale, far beyond 180″), so a fixed disc
    could cut a source the tiles keep whole (their margin widens the same way).
    """
    radius = SKY_RADIUS_ARCSEC
    for _ in range(MAX_WIDENINGS):
        columns, shapes = sky_arrays(component, radius)
        sky = ComponentSky(*columns, method.params, **shapes)
        assoc = associate(sky, component.ra, component.dec)
        members = np.asarray(assoc.members)
        if isinstance(method.params, EdgeParams):
            reach = np.full(members.size, edge_reach_arcsec(method.params))
        else:
            reach = reach_arcsec(sky.flux[members], method.params)
        d = separation_arcsec(component.ra, component.dec, sky.ra[members], sky.dec[members])
        need = float(np.max(d + reach))
        if need <= radius:
            return columns, shapes, assoc
        radius = need * 1.01 + 1.0
    raise RuntimeError(
        f"{component}: its radio source still reaches past the sky read after "
        f"{MAX_WIDENINGS} widenings (radius {radius:.0f} arcsec)"
    )


def field_lr_reliability(sep, is_multi: bool, method: Method, lr_config: dict | None):
    """One field's likelihood-ratio reliabilities and p_no_host, exactly as the epoch tiles
    compute them (:func:`catalog.pipeline.score.lr_reliability`)."""
    lr = LRModel.from_dict(lr_config)
    sep = np.asarray(sep, float)
    sigma = core_sigma_arcsec(
        multi_component=[is_multi],
        sigma_single_arcsec=method.sigma(False),
        sigma_multi_arcsec=method.sigma(True),
    )
    ratio = lr.likelihood_ratio(sep, sigma[0], density=local_density_arcsec2(sep, [0])[0])
    rel, p_none = field_reliability(ratio, [0], lr.q0)
    return rel, float(p_none[0])


@transaction.atomic
def identify_component(component: RadioComponent, mv: ModelVersion) -> int:
    """Score every candidate of ``component``; returns the number of predictions written.

    The association parameters and positional scales are ``mv.config``'s (a version refitted
    on labels by :mod:`catalog.curation.refit`), the published defaults where it has none.
    """
    cands = list(component.candidates.select_related("optical_source").order_by("id"))
    if not cands:
        return 0
    method = Method.from_config(mv.config)
    assoc = associate_component(component, method)
    sep = separation_arcsec(
        assoc.core_ra,
        assoc.core_dec,
        [c.optical_source.ra for c in cands],
        [c.optical_source.dec for c in cands],
    )
    lik = positional_likelihood(
        sep, multi_component=assoc.is_multi, sigma_arcsec=method.sigma(assoc.is_multi)
    )
    best, positives, prime = decide(lik)
    rel, p_none = field_lr_reliability(sep, assoc.is_multi, method, mv.config.get("lr"))
    ranks = np.empty(len(cands), dtype=int)
    ranks[np.argsort(-lik, kind="stable")] = np.arange(1, len(cands) + 1)
    pos = set(positives.tolist())
    existing = {
        p.candidate_id: p
        for p in HostPrediction.objects.filter(model_version=mv, candidate__in=cands)
    }
    new, changed = [], []
    for i, cand in enumerate(cands):
        values = {
            "likelihood": float(lik[i]),
            "rank": int(ranks[i]),
            "is_positive": i in pos,
            "is_prime": prime == i,
            "reliability": float(rel[i]),
            "p_no_host": float(p_none),
        }
        p = existing.get(cand.id)
        if p is None:
            new.append(HostPrediction(candidate=cand, model_version=mv, **values))
        elif any(getattr(p, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(p, k, v)
            changed.append(p)
    HostPrediction.objects.bulk_create(new)
    HostPrediction.objects.bulk_update(
        changed, ["likelihood", "rank", "is_positive", "is_prime", "reliability", "p_no_host"]
    )
    return len(cands)


def identify_components(component_ids, mv: ModelVersion | None = None) -> int:
    """Identify hosts for these components with ``mv`` (default: :func:`current_method_version`)."""
    mv = mv or current_method_version()
    n = 0
    for comp in RadioComponent.objects.filter(pk__in=list(component_ids)).select_related("epoch"):
        n += identify_component(comp, mv)
    return n


def identify_components_by_version(
    component_ids: list[int], model_version_id: int | None = None
) -> int:
    """:func:`identify_components` with a ModelVersion id (None: the current method)."""
    mv = (
        ModelVersion.objects.get(pk=model_version_id)
        if model_version_id is not None
        else current_method_version()
    )
    return identify_components(component_ids, mv)
