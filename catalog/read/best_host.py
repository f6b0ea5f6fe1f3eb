"""The one read of a component's best host for the source catalogue: id, position, likelihood,
reliability and the probability of no host, under one method version.

On the default database these are the host catalogue's own rows
(:func:`catalog.read.host_catalogue.host_rows`: two queries a batch, what ``/api/hosts/``
shows); on another alias (the SQLite tests) the same reliability in SQL
(:func:`catalog.read.host_catalogue.reliability_expression`, tested equal to ``host_rows``).
``p_no_host`` is the host row's, or the best prediction's where the method stores one (a
``HostPrediction.p_no_host`` column); NULL otherwise. Whatever the host catalogue publishes,
the source catalogue publishes the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from catalog.models import HostPrediction, ModelVersion, RadioComponent
from catalog.read.host_catalogue import host_rows, reliability_expression

#: Whether predictions carry a no-host probability (the likelihood-ratio method stores one).
_HAS_P_NO_HOST = any(f.name == "p_no_host" for f in HostPrediction._meta.get_fields())


@dataclass(frozen=True)
class BestHost:
    component_id: int
    optical_id: int
    ra: float
    dec: float
    likelihood: float
    reliability: float | None
    p_no_host: float | None


def best_hosts(
    component_ids: Iterable[int], mv: ModelVersion, *, using: str = "default"
) -> dict[int, BestHost]:
    """Per component with a scored best candidate (rank 1) under ``mv``: its :class:`BestHost`."""
    ids = list(component_ids)
    if not ids:
        return {}
    if using == "default":
        comps = list(RadioComponent.objects.filter(pk__in=ids).values("id", "ra", "dec"))
        return {
            r.component_id: BestHost(
                component_id=r.component_id,
                optical_id=r.optical_id,
                ra=r.ra,
                dec=r.dec,
                likelihood=r.likelihood,
                reliability=r.reliability,
                p_no_host=getattr(r, "p_no_host", None),
            )
            for r in host_rows(comps, mv)
            if r.optical_id is not None
        }
    best = (
        HostPrediction.objects.using(using)
        .filter(model_version_id=mv.pk, rank=1, candidate__component_id__in=ids)
        .order_by("candidate__component_id", "-likelihood", "id")
    )
    cols = ["candidate__component_id", "candidate__optical_source_id", "likelihood",
            "candidate__optical_source__ra", "candidate__optical_source__dec"]  # fmt: skip
    if _HAS_P_NO_HOST:
        cols.append("p_no_host")
    rows: dict[int, tuple] = {}
    for r in best.values_list(*cols):
        rows.setdefault(r[0], r)
    rel = dict(
        RadioComponent.objects.using(using)
        .filter(pk__in=list(rows))
        .annotate(rel=reliability_expression(mv))
        .values_list("id", "rel")
    )
    return {
        cid: BestHost(
            component_id=cid,
            optical_id=r[1],
            ra=r[3],
            dec=r[4],
            likelihood=r[2],
            reliability=rel.get(cid),
            p_no_host=r[5] if _HAS_P_NO_HOST else None,
        )
        for cid, r in rows.items()
    }
