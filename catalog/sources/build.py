"""The source catalogue of an epoch: the association's groups as ``Source`` rows (ORM side).

Run when an epoch finishes (the chord's callback, ``workers.tasks.finish_epoch``, through
:func:`build_epoch_sources`), after every tile's predictions are written. Per HEALPix tile of
the epoch's science components: one read of the association sky (:mod:`catalog.pipeline.sky_selection`) over the tile's bounding disc plus the
pipeline's margin, re-read wider while a group reaches past it (the same reach bound as the
tiles, :mod:`catalog.pipeline.score`), then in numpy the groups of the tile's science
components (:class:`ml.association.rules.ComponentSky`, the method version's parameters), and
their rows (:func:`ml.association.sources.source_row`).

A group is written once: by the tile holding its *anchor*, the lowest-id science component in
it, so a group straddling a tile edge is found by both tiles and kept by one. Each row keeps its
tile (``tile_order``, ``tile_index``) and :func:`write_tile_sources` replaces one tile's rows in
a transaction, so a re-run or a redelivered tile leaves the same rows, never doubled, and the
step can run per tile (today the finishing task runs every tile in turn: :func:`build_sources`).
"""

from __future__ import annotations

import numpy as np
from django.db import transaction
from django.db.models import Q

from catalog.models import ModelVersion, RadioComponent, Source
from catalog.pipeline import tiling as T
from catalog.pipeline.component import SHAPE_FIELDS
from catalog.pipeline.score import SHAPE_KEYWORDS, Sky
from catalog.pipeline.sky_selection import sky_q
from catalog.read.best_host import best_hosts
from catalog.sky.spatial import hpx_index
from ml.association.edges import EdgeParams, edge_reach_arcsec
from ml.association.params import reach_arcsec
from ml.association.refit import Method
from ml.association.rules import ComponentSky
from ml.association.sources import source_row
from ml.host.likelihood_ratio import is_no_host
from ml.sky import angle_arcsec, separation_arcsec

MAX_WIDENINGS = 6
_FIELDS = ("id", "ra", "dec", "total_flux_mjy", "peak_flux_mjy", *SHAPE_FIELDS.values(),
           "is_science", "hpx")  # fmt: skip


def _read(epoch_id: int, centre: np.ndarray, radius: float, order: int, using: str):
    r = Q()
    for lo, hi in T.sky_ranges(centre[None, :], np.array([radius]), order):
        r |= Q(hpx__gte=lo, hpx__lt=hi)
    q = RadioComponent.objects.using(using).filter(sky_q(), r, epoch_id=epoch_id)
    return list(q.order_by("id").values_list(*_FIELDS))


def tile_groups(epoch_id: int, order: int, index: int, method: Method, *, using="default"):
    """The groups anchored in this tile: ``{anchor id: (member ids, core ra, core dec, sky,
    member indices into sky)}`` (core in deg; ``sky`` the :class:`Sky` they were found in)."""
    lo, hi = T.tile_range(order, index)
    centre, radius = T.pixel_discs(order, np.array([index]))
    centre, radius = centre[0], float(radius[0]) + T.MARGIN_ARCSEC
    for _ in range(MAX_WIDENINGS):
        rows = _read(epoch_id, centre, radius, order, using)
        if not rows:
            return {}
        cols = list(zip(*rows, strict=True))
        ids = np.array(cols[0], np.int64)
        sky = Sky.from_rows(ids, *(np.array(c, dtype=float) for c in cols[1:9]))
        science = np.array(cols[9], bool)
        hpx = np.array(cols[10], np.int64)
        d_centre = angle_arcsec(sky.xyz, centre[None, :])
        inside = d_centre <= radius
        shapes = {kw: getattr(sky, f) for f, kw in SHAPE_KEYWORDS.items()}
        cs = ComponentSky(sky.ra, sky.dec, sky.flux, sky.peak, method.params, **shapes)
        if isinstance(method.params, EdgeParams):
            reach = np.full(len(sky), edge_reach_arcsec(method.params))
        else:
            reach = reach_arcsec(cs.flux, method.params)
        out, need = {}, 0.0
        for t in np.flatnonzero(science & (hpx >= lo) & (hpx < hi) & inside):
            members = cs.group(int(t))
            need = max(need, float(np.max(d_centre[members] + reach[members])))
            anchor = int(members[science[members]][0])  # members ascend by id, t among them
            if anchor in out or not lo <= hpx[anchor] < hi:
                continue  # found already, or kept by the tile of its anchor
            # the core as ml.association.associate.associate gives it to every member's field
            if members.size == 1:
                core = float(sky.ra[anchor]), float(sky.dec[anchor])
            else:
                core = cs.core(members)
            out[anchor] = (members, *core)
        if need <= radius:
            return {int(ids[k]): (ids[m], ra, dec, sky, m) for k, (m, ra, dec) in out.items()}
        radius = need * 1.01 + 1.0
    raise RuntimeError(
        f"tile {order}/{index}: a radio source still reaches past the sky read after "
        f"{MAX_WIDENINGS} widenings (radius {radius:.0f} arcsec)"
    )


def _tiles(epoch_id: int, order: int, using: str) -> list[int]:
    s = T.shift(order)
    hpx = RadioComponent.objects.using(using).filter(sky_q(), epoch_id=epoch_id, is_science=True)
    return sorted({h >> s for h in hpx.values_list("hpx", flat=True)})


def best_of_group(hosts: list):
    """The source's host among its members' best candidates: the most reliable (reliability
    as the host catalogue gives it), then the most likely, then the lowest optical id."""
    if not hosts:
        return None
    return max(hosts, key=lambda b: (
        -1.0 if b.reliability is None else b.reliability, b.likelihood, -b.optical_id))  # fmt: skip


def _rows(epoch_id: int, mv: ModelVersion, groups: dict, order: int, index: int, using: str):
    """``(Source rows, their member ids)`` of one tile's groups, in anchor order."""
    dc_major = dict(
        RadioComponent.objects.using(using)
        .filter(pk__in=list(groups))
        .values_list("id", "dc_major_arcsec")
    )
    hosts = best_hosts({int(i) for v in groups.values() for i in v[0]}, mv, using=using)
    rows, members = [], []
    anchors = sorted(groups)
    parts = []
    for k in anchors:
        sky, m = groups[k][3], groups[k][4]
        dc = [dc_major.get(k)] if m.size == 1 else None  # a single's size is its own
        parts.append(source_row(sky.ra[m], sky.dec[m], sky.flux[m], dc))
    hpx = hpx_index([r.ra for r in parts], [r.dec for r in parts]) if parts else []
    for anchor, r, h_pix in zip(anchors, parts, hpx, strict=True):
        ids, core_ra, core_dec = groups[anchor][:3]
        h = best_of_group([hosts[i] for i in ids.tolist() if i in hosts])
        src = Source(
            epoch_id=epoch_id,
            model_version=mv,
            tile_order=order,
            tile_index=index,
            source_name=r.name,
            source_type=r.source_type,
            n_components=r.n_components,
            ra=r.ra,
            dec=r.dec,
            hpx=int(h_pix),
            core_ra=core_ra,
            core_dec=core_dec,
            total_flux_mjy=r.total_flux_mjy,
            las_arcsec=None if np.isnan(r.las_arcsec) else r.las_arcsec,
        )
        if h is not None and is_no_host(h.reliability, h.p_no_host):
            src.p_no_host = h.p_no_host  # "no host found", with its probability
        elif h is not None:
            src.host_id, src.host_ra, src.host_dec = h.optical_id, h.ra, h.dec
            src.host_likelihood, src.host_reliability, src.p_no_host = (
                h.likelihood, h.reliability, h.p_no_host,
            )  # fmt: skip
            src.host_separation_arcsec = float(separation_arcsec(core_ra, core_dec, h.ra, h.dec))
        rows.append(src)
        members.append(ids.tolist())
    return rows, members


def write_tile_sources(
    epoch_id: int, mv: ModelVersion, order: int, index: int, *, using="default"
) -> int:
    """Replace the sources anchored in one tile (idempotent: a redelivered tile rewrites the
    same rows). Two sources with the same J-name (two groups < 0.15″ apart) are told apart by a
    ``_2``, ``_3`` suffix in anchor order, also across tiles."""
    method = Method.from_config(mv.config or {})
    groups = tile_groups(epoch_id, order, index, method, using=using)
    rows, members = _rows(epoch_id, mv, groups, order, index, using)
    mine = Source.objects.using(using).filter(
        epoch_id=epoch_id, model_version=mv, tile_order=order, tile_index=index
    )
    through = Source.components.through
    with transaction.atomic(using=using):
        mine.delete()
        taken = set(
            Source.objects.using(using)
            .filter(epoch_id=epoch_id, model_version=mv,
                    source_name__in=[r.source_name for r in rows])
            .values_list("source_name", flat=True)
        )  # fmt: skip
        for r in rows:
            base, k = r.source_name, 1
            while r.source_name in taken:
                k += 1
                r.source_name = f"{base}_{k}"
            taken.add(r.source_name)
        made = Source.objects.using(using).bulk_create(rows, batch_size=2000)
        through.objects.using(using).bulk_create(
            [through(source_id=s.pk, radiocomponent_id=c)
             for s, ids in zip(made, members, strict=True) for c in ids],
            batch_size=5000,
        )  # fmt: skip
    return len(rows)


def build_sources(epoch_id: int, mv: ModelVersion, *, order: int = 3, using="default") -> int:
    """The epoch's ``Source`` rows under ``mv``: every tile's, and none of a tile (or tile
    order) that no longer holds a science component; returns how many there are."""
    tiles = _tiles(epoch_id, order, using)
    with transaction.atomic(using=using):
        Source.objects.using(using).filter(epoch_id=epoch_id, model_version=mv).exclude(
            tile_order=order, tile_index__in=tiles
        ).delete()
        return sum(write_tile_sources(epoch_id, mv, order, i, using=using) for i in tiles)


def build_epoch_sources(epoch_id: int) -> int:
    """The finishing step: the epoch's sources under the method version that identified it."""
    from catalog.models import Epoch
    from catalog.pipeline.epoch import tile_order

    epoch = Epoch.objects.get(pk=epoch_id)
    if epoch.model_version is None:
        return 0
    return build_sources(epoch_id, epoch.model_version, order=epoch.tile_order or tile_order())
