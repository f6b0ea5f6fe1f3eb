"""One tile of an epoch: read its radio sky (one query) and candidates (one query), score in
numpy (:mod:`.score`), write its predictions, flags and record in one transaction.

Queries per tile: the sky (tile + margin, as ``hpx`` ranges), the candidates -- read from the
stored ``Candidate`` rows joined to their optical positions, or, for an epoch whose tiles make
their own (``Epoch.candidates_in_tiles``, :mod:`.tile_candidates`), the optical sources near
the tile's components -- and the writes; only when a radio source reaches past the margin, one
wider sky read. Whether the tile's rows may be COPYed straight in comes from its planned state
(``EpochTile.fresh``), not from a query.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.ingest.candidate_writer import store_candidates
from catalog.models import Candidate, Epoch, EpochTile, RadioComponent
from catalog.pipeline import tiling as T
from catalog.pipeline.component import SHAPE_FIELDS
from catalog.pipeline.locks import TILE, advisory_lock
from catalog.pipeline.score import (
    Cores,
    Predictions,
    Sky,
    decide_fields,
    locate_cores,
    lr_reliability,
    score_candidates,
)
from catalog.pipeline.sky_selection import sky_q
from catalog.pipeline.tile_candidates import TilePairs, keep_top_k, make_pairs, take, top_k
from catalog.pipeline.writer import write_predictions
from ml.association.refit import Method
from ml.host.likelihood_ratio import LRModel

#: Rounds of widening a sub-tile's disc for radio sources that reach past the margin.
MAX_WIDENINGS = 6


class TileBusy(Exception):
    """Another worker holds this tile's lock (a duplicate delivery): try again later."""


def _ranges_q(ranges) -> Q:
    q = Q()
    for lo, hi in ranges:
        q |= Q(hpx__gte=lo, hpx__lt=hi)
    return q


def load_sky(epoch_id: int, ranges) -> tuple[Sky, np.ndarray, np.ndarray]:
    """The epoch's components in the ``hpx`` ranges (one query): the Sky, and per row of
    it ``is_science`` and ``hpx``. The sky is every component inside the association sky's
    selection (:mod:`catalog.pipeline.sky_selection`: a non-science component is still radio
    emission that may belong to a source, a rejected duplicate copy or an empty island is
    not); only science components in it are targets. The
    shape columns (:data:`catalog.pipeline.component.SHAPE_FIELDS`) come along for the edge model."""
    rows = list(
        RadioComponent.objects.filter(epoch_id=epoch_id)
        .filter(_ranges_q(ranges), sky_q())
        .values_list("id", "ra", "dec", "total_flux_mjy", "peak_flux_mjy",
                     *SHAPE_FIELDS.values(), "is_science", "hpx")
    )  # fmt: skip
    if not rows:
        e = np.empty(0)
        return Sky.from_rows(e, e, e, e, e), e.astype(bool), e.astype(np.int64)
    cols = list(zip(*rows, strict=True))
    ids = np.array(cols[0], np.int64)
    sky = Sky.from_rows(ids, *(np.array(c, dtype=float) for c in cols[1:9]))  # None -> NaN
    order = np.argsort(ids, kind="stable")  # Sky sorts by id: keep the flags aligned
    return sky, np.array(cols[9], bool)[order], np.array(cols[10], np.int64)[order]


def load_candidates(epoch_id: int, lo: int, hi: int) -> tuple[np.ndarray, ...]:
    """(candidate id, component id, optical ra, dec) of the tile's science components, grouped
    by component and in id order within it (one query)."""
    qs = (
        Candidate.objects.filter(
            component__epoch_id=epoch_id,
            component__is_science=True,
            component__hpx__gte=lo,
            component__hpx__lt=hi,
        )
        .filter(sky_q(prefix="component__"))  # the targets are the sky's science rows
        .order_by("component_id", "id")
        .values_list("id", "component_id", "optical_source__ra", "optical_source__dec")
    )
    # the ORM's SQL through a plain cursor: ~10^5 rows a tile, and building them through
    # values_list cost ~3x the query itself
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    if not rows:
        e = np.empty(0)
        return e.astype(np.int64), e.astype(np.int64), e, e
    a = np.array(rows, dtype=float)
    return a[:, 0].astype(np.int64), a[:, 1].astype(np.int64), a[:, 2], a[:, 3]


@dataclass
class TileOutcome:
    predictions: Predictions
    identified: np.ndarray  # component ids with candidates
    without_candidates: np.ndarray  # science component ids without any candidate
    sky_components: int
    widened: int
    #: the stored candidates' pairs, row for row with ``predictions``, when the tile made them
    #: (their ids are drawn when written); None when they were read from ``Candidate``
    pairs: TilePairs | None = None
    #: seconds per stage (``candidates_s``: optical read + pairing; ``candidate_write_s``,
    #: ``prediction_write_s``), kept in the tile's ``runs`` record for the benchmark
    timings: dict | None = None


def compute_tile(
    epoch_id: int,
    order: int,
    index: int,
    method: Method,
    *,
    sky_order: int | None = None,
    margin_arcsec: float = T.MARGIN_ARCSEC,
    make_candidates: bool = False,
    cut_top_k: bool = True,
    lr: LRModel | None = None,
) -> TileOutcome:
    """Everything but the writes for one tile (pure reads + numpy); ``lr``: the version's
    likelihood-ratio model (reliability and p_no_host, :func:`.score.lr_reliability`).

    ``make_candidates``: pair the tile's science components with the optical table here
    (:mod:`.tile_candidates`) instead of reading stored candidates; every field is decided
    (and its reliability computed) over all its candidates, then only each component's top-K
    is kept for storage (all of them with ``cut_top_k=False``: a component's full list,
    :mod:`.full_list`).
    """
    sky_order = max(sky_order if sky_order is not None else T.SKY_ORDER, order)
    lo, hi = T.tile_range(order, index)
    subs = T.children(order, index, sky_order)
    centres, radii = T.pixel_discs(sky_order, subs)
    radius = radii + margin_arcsec
    sky, science, hpx = load_sky(epoch_id, T.sky_ranges(centres, radius, sky_order))
    is_target = science & (hpx >= lo) & (hpx < hi)
    targets = sky.ids[is_target]
    pairs = None
    t_cand = time.perf_counter()
    if make_candidates:
        pairs = make_pairs(targets, sky.ra[is_target], sky.dec[is_target])
        cand_comp, cand_ra, cand_dec = pairs.component_id, pairs.ra, pairs.dec
        cand_id = np.full(len(pairs), -1, np.int64)  # drawn when written
    else:
        cand_id, cand_comp, cand_ra, cand_dec = load_candidates(epoch_id, lo, hi)
    timings = {"candidates_s": round(time.perf_counter() - t_cand, 4)}
    has = np.isin(targets, cand_comp)
    ident, without = targets[has], targets[~has]
    sub_of = (hpx[is_target][has] >> T.shift(sky_order)) - subs[0]
    n = ident.size
    core_ra, core_dec, multi = np.empty(n), np.empty(n), np.zeros(n, bool)
    todo = {int(k): np.flatnonzero(sub_of == k) for k in np.unique(sub_of)}
    widened = 0
    for _ in range(MAX_WIDENINGS):
        short: dict[int, tuple[np.ndarray, float]] = {}
        for k, idx in todo.items():
            t_sky = np.searchsorted(sky.ids, ident[idx])
            cores, need = locate_cores(
                sky, t_sky, method.params, centre=centres[k], radius_arcsec=radius[k]
            )
            core_ra[idx], core_dec[idx], multi[idx] = cores.ra, cores.dec, cores.is_multi
            bad = need > radius[k]
            if bad.any():
                short[k] = (idx[bad], float(need[bad].max()))
        if not short:
            break
        # one wider read for every sub-tile with a source reaching past its disc
        ks = np.array(sorted(short))
        for k in ks:
            radius[k] = short[k][1] * 1.01 + 1.0
        extra, _, _ = load_sky(epoch_id, T.sky_ranges(centres[ks], radius[ks], sky_order))
        sky = sky.merged(extra)
        todo = {int(k): short[int(k)][0] for k in ks}
        widened += len(ks)
    else:
        raise RuntimeError(
            f"tile {order}/{index}: radio sources still reach past the sky read after "
            f"{MAX_WIDENINGS} widenings (radius {radius.max():.0f} arcsec)"
        )
    cores = Cores(core_ra, core_dec, multi)
    cand_t = np.searchsorted(ident, cand_comp)
    # the one scoring call: every candidate of every field, before any top-K cut
    lik = score_candidates(cand_t, cand_ra, cand_dec, cores, method)
    rel = lr_reliability(cand_t, cand_ra, cand_dec, cores, method, lr)
    preds = decide_fields(cand_id, cand_t, lik, rel)
    if pairs is not None and cut_top_k:
        keep = keep_top_k(preds, top_k())
        preds, pairs = take(preds, keep), pairs.take(keep)
    return TileOutcome(preds, ident, without, len(sky), widened, pairs, timings)


def untiled_predictions(epoch_id: int, method: Method, lr: LRModel | None = None) -> Predictions:
    """The reference the tiles must equal: every science component of the epoch associated in
    ONE ComponentSky of the whole epoch (small epochs only: the pair matrix is N×N)."""
    rows = list(
        RadioComponent.objects.filter(sky_q(), epoch_id=epoch_id).values_list(
            "id", "ra", "dec", "total_flux_mjy", "peak_flux_mjy", *SHAPE_FIELDS.values()
        )
    )
    a = np.array(rows, dtype=float).reshape(-1, 9)  # None -> NaN
    sky = Sky.from_rows(a[:, 0].astype(np.int64), *a[:, 1:].T)
    cid, comp, ora, odec = load_candidates(epoch_id, 0, 12 * 4**T.HPX_ORDER)
    ident = np.unique(comp)
    cores, _ = locate_cores(sky, np.searchsorted(sky.ids, ident), method.params)
    cand_t = np.searchsorted(ident, comp)
    lik = score_candidates(cand_t, ora, odec, cores, method)
    return decide_fields(cid, cand_t, lik, lr_reliability(cand_t, ora, odec, cores, method, lr))


def _flag_without_candidates(epoch_id: int, lo: int, hi: int, without: np.ndarray) -> None:
    ids = without.tolist()
    RadioComponent.objects.filter(pk__in=ids, no_candidates=False).update(no_candidates=True)
    RadioComponent.objects.filter(
        epoch_id=epoch_id, is_science=True, hpx__gte=lo, hpx__lt=hi, no_candidates=True
    ).exclude(pk__in=ids).update(no_candidates=False)


def compute_catalogue(epoch_id: int, order: int, index: int, mv) -> TileOutcome:
    """The catalogue method with the version's association parameters and positional scales."""
    in_tiles = Epoch.objects.filter(pk=epoch_id).values_list("candidates_in_tiles", flat=True)
    return compute_tile(
        epoch_id, order, index, Method.from_config(mv.config),
        make_candidates=in_tiles.get(), lr=LRModel.from_dict(mv.config.get("lr")),
    )  # fmt: skip


def _write(out: TileOutcome, mv_id: int, *, fresh: bool) -> None:
    t0 = time.perf_counter()
    if out.pairs is not None:
        p = out.pairs
        out.predictions.candidate_id = store_candidates(
            p.component_id, p.optical_id, p.dx, p.dy, p.distance, fresh=fresh
        )
    t1 = time.perf_counter()
    write_predictions(out.predictions, mv_id, fresh=fresh)
    if out.timings is not None:
        out.timings["candidate_write_s"] = round(t1 - t0, 4)
        out.timings["prediction_write_s"] = round(time.perf_counter() - t1, 4)


def write_tile(out: TileOutcome, mv_id: int, *, fresh: bool) -> None:
    """The tile's candidates (when it made them) and predictions. ``fresh`` (from the tile's
    planned state) COPYs straight in; should a row exist all the same (another writer since
    the plan), the savepoint is rolled back and the idempotent upsert runs instead."""
    if not fresh:
        return _write(out, mv_id, fresh=False)
    import psycopg

    try:
        with transaction.atomic():
            _write(out, mv_id, fresh=True)
    except (IntegrityError, psycopg.errors.IntegrityError):
        _write(out, mv_id, fresh=False)


def run_tile(tile_id: int, *, worker: str = "", compute=compute_catalogue) -> dict:
    """Identify one tile once: skipped if done, :class:`TileBusy` if another worker runs it.

    ``compute(epoch_id, order, index, model_version) -> TileOutcome`` is the method
    (:func:`compute_catalogue`, or :func:`catalog.pipeline.cnn.compute_cnn`); the record,
    lock and writes are the same for both.
    """
    from catalog.pipeline.epoch import record_progress

    tile = EpochTile.objects.select_related("epoch").get(pk=tile_id)
    if tile.state == EpochTile.State.DONE:
        return {"tile": tile_id, "skipped": True}
    with advisory_lock(TILE, tile_id) as got:
        if not got:
            raise TileBusy(f"tile {tile_id} is being identified by another worker")
        tile.refresh_from_db()
        if tile.state == EpochTile.State.DONE:
            return {"tile": tile_id, "skipped": True}
        epoch = tile.epoch
        mv = epoch.model_version
        if mv is None:
            raise ValueError(f"{epoch}: no model version planned; run process_epoch first")
        runs = [*tile.runs, {"worker": worker, "pid": os.getpid(),
                             "start": timezone.now().isoformat(), "end": None}]  # fmt: skip
        EpochTile.objects.filter(pk=tile_id).update(
            state=EpochTile.State.RUNNING, attempts=F("attempts") + 1,
            started_at=timezone.now(), runs=runs, error="",
        )  # fmt: skip
        t0 = time.perf_counter()
        lo, hi = T.tile_range(tile.order, tile.index)
        try:
            out = compute(epoch.id, tile.order, tile.index, mv)
            with transaction.atomic():
                if connection.vendor == "postgresql":
                    # Don't wait for the WAL flush (~25 % of a tile here): a database crash can
                    # lose only whole tile transactions -- predictions and the tile's "done"
                    # together -- and such a tile is simply run again (process_epoch --resume).
                    with connection.cursor() as cur:
                        cur.execute("SET LOCAL synchronous_commit TO OFF")
                write_tile(out, mv.id, fresh=tile.fresh)
                _flag_without_candidates(epoch.id, lo, hi, out.without_candidates)
                runs[-1]["end"] = timezone.now().isoformat()
                runs[-1].update(out.timings or {})
                seconds = time.perf_counter() - t0
                EpochTile.objects.filter(pk=tile_id).update(
                    state=EpochTile.State.DONE,
                    components=out.identified.size,
                    predictions=len(out.predictions),
                    without_candidates=out.without_candidates.size,
                    sky_components=out.sky_components,
                    seconds=seconds,
                    finished_at=timezone.now(),
                    runs=runs,
                )
                record_progress(epoch.id)
        except Exception as exc:
            runs[-1]["end"] = timezone.now().isoformat()
            runs[-1]["error"] = f"{type(exc).__name__}: {exc}"[:500]
            EpochTile.objects.filter(pk=tile_id).update(
                state=EpochTile.State.FAILED, error=runs[-1]["error"], runs=runs
            )
            raise
    return {
        "tile": tile_id,
        "components": int(out.identified.size),
        "predictions": len(out.predictions),
        "without_candidates": int(out.without_candidates.size),
        "sky_components": out.sky_components,
        "widened": out.widened,
        "seconds": round(seconds, 3),
    }
