"""A tile's fields before scoring: its reads (:mod:`.tile_reads`: sky, candidates with their
magnitudes), the association cores with their σ inputs; what :func:`.tile.compute_tile` scores
and the epoch's likelihood-ratio fit (:mod:`.lr_epoch`) fits on, read the same way."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from catalog.pipeline import tiling as T
from catalog.pipeline.score import Cores, locate_cores
from catalog.pipeline.tile_candidates import TilePairs, make_pairs
from catalog.pipeline.tile_reads import load_candidates, load_sky
from ml.association.refit import Method

#: Rounds of widening a sub-tile's disc for radio sources that reach past the margin.
MAX_WIDENINGS = 6


@dataclass
class TileFields:
    """A tile's fields before scoring: candidates grouped by target (``cand_t`` into
    ``ident``), their magnitudes (columns :data:`.lr_mags.MAG_FIELDS`) and the cores."""

    cand_id: np.ndarray
    cand_t: np.ndarray
    cand_ra: np.ndarray
    cand_dec: np.ndarray
    cand_mag: np.ndarray
    cores: Cores
    ident: np.ndarray
    without: np.ndarray
    sky_components: int
    widened: int
    pairs: TilePairs | None
    timings: dict


def tile_fields(
    epoch_id: int,
    order: int,
    index: int,
    method: Method,
    *,
    sky_order: int | None = None,
    margin_arcsec: float = T.MARGIN_ARCSEC,
    make_candidates: bool = False,
) -> TileFields:
    """The reads of one tile and its cores, no scoring (:func:`compute_tile`; the epoch's
    likelihood-ratio fit, :mod:`.lr_epoch`, reads the same fields)."""
    sky_order = max(sky_order if sky_order is not None else T.SKY_ORDER, order)
    lo, hi = T.tile_range(order, index)
    subs = T.children(order, index, sky_order)
    centres, radii = T.pixel_discs(sky_order, subs)
    radius = radii + margin_arcsec
    sky, science, hpx, err = load_sky(epoch_id, T.sky_ranges(centres, radius, sky_order))
    is_target = science & (hpx >= lo) & (hpx < hi)
    targets = sky.ids[is_target]
    pairs = None
    t_cand = time.perf_counter()
    if make_candidates:
        pairs = make_pairs(targets, sky.ra[is_target], sky.dec[is_target])
        cand_comp, cand_ra, cand_dec = pairs.component_id, pairs.ra, pairs.dec
        cand_id, cand_mag = np.full(len(pairs), -1, np.int64), pairs.mag  # ids drawn when written
    else:
        cand_id, cand_comp, cand_ra, cand_dec, cand_mag = load_candidates(epoch_id, lo, hi)
    timings = {"candidates_s": round(time.perf_counter() - t_cand, 4)}
    has = np.isin(targets, cand_comp)
    ident, without = targets[has], targets[~has]
    sub_of = (hpx[is_target][has] >> T.shift(sky_order)) - subs[0]
    n = ident.size
    core_ra, core_dec, multi = np.empty(n), np.empty(n), np.zeros(n, bool)
    extent = np.full(n, np.nan)
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
            extent[idx] = cores.extent_arcsec
            bad = need > radius[k]
            if bad.any():
                short[k] = (idx[bad], float(need[bad].max()))
        if not short:
            break
        # one wider read for every sub-tile with a source reaching past its disc
        ks = np.array(sorted(short))
        for k in ks:
            radius[k] = short[k][1] * 1.01 + 1.0
        extra, _, _, _ = load_sky(epoch_id, T.sky_ranges(centres[ks], radius[ks], sky_order))
        sky = sky.merged(extra)
        todo = {int(k): short[int(k)][0] for k in ks}
        widened += len(ks)
    else:
        raise RuntimeError(
            f"tile {order}/{index}: radio sources still reach past the sky read after "
            f"{MAX_WIDENINGS} widenings (radius {radius.max():.0f} arcsec)"
        )
    e_t = err[is_target][has]
    cores = Cores(core_ra, core_dec, multi, extent, e_t[:, 0], e_t[:, 1])
    cand_t = np.searchsorted(ident, cand_comp)
    return TileFields(cand_id, cand_t, cand_ra, cand_dec, cand_mag, cores, ident, without,
                      len(sky), widened, pairs, timings)  # fmt: skip
