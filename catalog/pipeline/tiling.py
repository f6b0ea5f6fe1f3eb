"""HEALPix tiles of an epoch (no ORM): the unit of work, its association sub-tiles, its margin.

A *tile* (nested order :data:`catalog.sky.spatial.EPOCH_TILE_ORDER`) is one Celery task.
Inside it the radio sky is
grouped per *sub-tile* (order :data:`SKY_ORDER`): one ``ml.association.rules.ComponentSky`` per
sub-tile, built from every component within the sub-tile's bounding disc widened by
:data:`MARGIN_ARCSEC`. ``ComponentSky`` holds an N×N pair matrix, so its N must stay in the
hundreds: a sub-tile at order 7 (~0.46° across, ~21 VLASS components at ~100 deg⁻²) plus a
4′ margin holds ~50 components, while the task tile at order 3 (~7.3° across, 53.7 deg²,
~5,400 VLASS components) is ~4 s of work at 1,500 components/s -- "seconds to a minute",
and a full epoch of 3.4 M components is ~630 tasks, few enough for one chord.
"""

from __future__ import annotations

from functools import cache

import astropy.units as u
import numpy as np
from astropy_healpix import HEALPix

from catalog.sky.spatial import HPX_ORDER, cone_order, merge_ranges
from ml.sky import angle_arcsec, unit_vectors

#: Association sub-tiles: one ComponentSky each.
SKY_ORDER = 7
#: Radio sky read beyond a sub-tile's bounding disc (arcsec). A double of 100 mJy links over
#: up to ~224″ (Magliocchetti 1998 scale with a 4:1 flux partner) and triples over 120″;
#: components reaching further are detected by :func:`ml.association.params.reach_arcsec`
#: and their sub-tile re-read wider, so the margin sets speed, never the result. The learned
#: edge model's bound (:func:`ml.association.edges.edge_reach_arcsec`) is 204″ by default.
MARGIN_ARCSEC = 240.0


@cache
def _hp(order: int) -> HEALPix:
    return HEALPix(nside=2**order, order="nested")


def shift(order: int) -> int:
    """Bits between a pixel at ``order`` and its order-29 descendants."""
    return 2 * (HPX_ORDER - order)


def tile_range(order: int, index: int) -> tuple[int, int]:
    """Half-open range of order-29 ``hpx`` values inside pixel ``index`` at ``order``."""
    s = shift(order)
    return int(index) << s, (int(index) + 1) << s


def children(order: int, index: int, sub_order: int) -> np.ndarray:
    """The pixels at ``sub_order`` (>= ``order``) inside pixel ``index`` at ``order``."""
    if sub_order < order:
        raise ValueError(f"sub_order {sub_order} is coarser than the tile order {order}")
    k = 4 ** (sub_order - order)
    return int(index) * k + np.arange(k, dtype=np.int64)


def pixel_discs(order: int, pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre unit vectors (P, 3) and bounding radii (arcsec) of nested pixels at ``order``.

    The radius is the largest distance from the centre to 4 points per pixel edge, padded
    by 1 % (HEALPix edges bulge slightly between the sampled points).
    """
    hp = _hp(order)
    pixels = np.asarray(pixels, dtype=np.int64)
    lon, lat = hp.healpix_to_lonlat(pixels)
    centre = unit_vectors(lon.to_value(u.deg), lat.to_value(u.deg))
    blon, blat = hp.boundaries_lonlat(pixels, step=4)
    edge = unit_vectors(blon.to_value(u.deg), blat.to_value(u.deg))  # (P, 16, 3)
    radius = angle_arcsec(edge, centre[:, None, :]).max(axis=1) * 1.01
    return centre, radius


def xyz_to_radec(xyz: np.ndarray) -> tuple[float, float]:
    return (
        float(np.degrees(np.arctan2(xyz[1], xyz[0])) % 360.0),
        float(np.degrees(np.arcsin(np.clip(xyz[2], -1, 1)))),
    )


def sky_ranges(centres: np.ndarray, radii_arcsec: np.ndarray, order: int) -> list[tuple[int, int]]:
    """Order-29 ``hpx`` ranges covering every disc (centre, radius): the one sky query of a tile.

    The discs are covered at ``order`` or, for discs much wider than its pixels (one
    component's own order-29 pixel as a tile, :mod:`catalog.pipeline.full_list`), at the order
    that covers them in a few pixels; a reader keeps only what lies inside each disc."""
    if len(radii_arcsec):
        order = min(order, cone_order(float(np.max(radii_arcsec)) * u.arcsec))
    hp = _hp(order)
    pix: set[int] = set()
    for c, r in zip(centres, radii_arcsec, strict=True):
        ra, dec = xyz_to_radec(c)
        found = hp.cone_search_lonlat(ra * u.deg, dec * u.deg, (r * (1 + 1e-6) + 1e-3) * u.arcsec)
        pix.update(int(p) for p in found)
    return merge_ranges(pix, order)
