"""What users read of the source catalogue: ``Source`` rows with their components' names.

One dict per source, keyed by the exported column names (:data:`ROW_KEYS`), built for a batch
of sources in two queries (the sources with their epoch and host, then every member's name),
so the API's pages, its exports and ``manage.py export_host_table`` read the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from catalog.models import ModelVersion, Source

#: Row keys in export order (the columns of catalog.api.tables.SOURCE_COLS).
ROW_KEYS = (
    "id", "source_name", "source_type", "n_components", "component_names", "survey", "epoch",
    "ra", "dec", "core_ra", "core_dec", "total_flux", "las", "host_optical_id",
    "host_catalogue", "host_source_id", "host_ra", "host_dec", "host_likelihood",
    "host_reliability", "host_separation_arcsec", "p_no_host", "model_version_id",
)  # fmt: skip


def source_queryset(*, epoch=None, model_version: ModelVersion | None = None, using="default"):
    """Sources (epoch, survey and host joined), optionally of one epoch and method version."""
    qs = Source.objects.using(using).select_related("epoch__survey", "host")
    if epoch is not None:
        qs = qs.filter(epoch=epoch)
    if model_version is not None:
        qs = qs.filter(model_version=model_version)
    return qs.order_by("id")


def member_names(source_ids: Sequence[int], *, using="default") -> dict[int, list[tuple]]:
    """``{source id: [(component id, name), ...]}`` in component id order (one query)."""
    through = Source.components.through
    out: dict[int, list[tuple]] = defaultdict(list)
    for sid, cid, name in (
        through.objects.using(using)
        .filter(source_id__in=list(source_ids))
        .order_by("source_id", "radiocomponent_id")
        .values_list("source_id", "radiocomponent_id", "radiocomponent__name")
    ):
        out[sid].append((cid, name))
    return out


def source_dicts(sources: Sequence[Source], *, using="default") -> list[dict]:
    """The rows of a batch of sources (selected with epoch, survey and host), in order."""
    names = member_names([s.pk for s in sources], using=using)
    out = []
    for s in sources:
        h = s.host
        out.append(
            {
                "id": s.pk,
                "source_name": s.source_name,
                "source_type": s.source_type,
                "n_components": s.n_components,
                "components": [{"id": c, "name": n} for c, n in names.get(s.pk, [])],
                "component_names": ";".join(n for _, n in names.get(s.pk, [])),
                "survey": s.epoch.survey.name,
                "epoch": s.epoch.name,
                "ra": s.ra,
                "dec": s.dec,
                "core_ra": s.core_ra,
                "core_dec": s.core_dec,
                "total_flux": s.total_flux_mjy,
                "las": s.las_arcsec,
                "host_optical_id": s.host_id,
                "host_catalogue": h.catalogue if h else None,
                "host_source_id": h.source_id if h else None,
                "host_ra": s.host_ra,
                "host_dec": s.host_dec,
                "host_likelihood": s.host_likelihood,
                "host_reliability": s.host_reliability,
                "host_separation_arcsec": s.host_separation_arcsec,
                "p_no_host": s.p_no_host,
                "model_version_id": s.model_version_id,
                "cone_separation_arcsec": getattr(s, "separation_arcsec", None),
            }
        )
    return out


def source_chunks(qs, *, chunk: int = 2000, using="default") -> Iterator[list[dict]]:
    """Rows of the whole queryset in id order, ``chunk`` sources per query (keyset)."""
    last = None
    while True:
        page = qs.order_by("id")
        if last is not None:
            page = page.filter(id__gt=last)
        rows = list(page[:chunk])
        if not rows:
            return
        last = rows[-1].pk
        yield source_dicts(rows, using=using)
        if len(rows) < chunk:
            return


def source_of_component(component, mv: ModelVersion | None) -> dict | None:
    """The source-catalogue row holding ``component`` under ``mv`` (its epoch's), or None."""
    if mv is None:
        return None
    s = (
        source_queryset(model_version=mv)
        .filter(epoch_id=component.epoch_id, components=component.pk)
        .first()
    )
    return None if s is None else source_dicts([s])[0]


def outside_sky_reason(component) -> str | None:
    """Why the association never groups ``component`` (the sky selection), or None."""
    from catalog.pipeline.sky_selection import current_selection

    return current_selection().reasons(
        [component.duplicate_flag], [component.quality_flag], [component.s_code]
    )[0]
