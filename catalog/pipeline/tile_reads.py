"""The reads of one tile (:mod:`.tile`): its radio sky (one query over ``hpx`` ranges) and its
stored candidates with their optical positions and magnitudes (one query)."""

from __future__ import annotations

import numpy as np
from django.db import connection
from django.db.models import Q

from catalog.models import Candidate, RadioComponent
from catalog.pipeline.component import SHAPE_FIELDS
from catalog.pipeline.lr_mags import MAG_FIELDS
from catalog.pipeline.score import Sky
from catalog.pipeline.sky_selection import sky_q


def _ranges_q(ranges) -> Q:
    q = Q()
    for lo, hi in ranges:
        q |= Q(hpx__gte=lo, hpx__lt=hi)
    return q


def load_sky(epoch_id: int, ranges) -> tuple[Sky, np.ndarray, np.ndarray, np.ndarray]:
    """The epoch's components in the ``hpx`` ranges (one query): the Sky, and per row of
    it ``is_science`` and ``hpx``. The sky is every component inside the association sky's
    selection (:mod:`catalog.pipeline.sky_selection`: a non-science component is still radio
    emission that may belong to a source, a rejected duplicate copy or an empty island is
    not); only science components in it are targets; with each its catalogued (E_RA,
    E_DEC) in arcsec (the core's σ). The
    shape columns (:data:`catalog.pipeline.component.SHAPE_FIELDS`) come along for the edge model."""
    rows = list(
        RadioComponent.objects.filter(epoch_id=epoch_id)
        .filter(_ranges_q(ranges), sky_q())
        .values_list("id", "ra", "dec", "total_flux_mjy", "peak_flux_mjy",
                     *SHAPE_FIELDS.values(), "is_science", "hpx", "e_ra_arcsec", "e_dec_arcsec")
    )  # fmt: skip
    if not rows:
        e = np.empty(0)
        sky = Sky.from_rows(e, e, e, e, e)
        return sky, e.astype(bool), e.astype(np.int64), np.zeros((0, 2))
    cols = list(zip(*rows, strict=True))
    ids = np.array(cols[0], np.int64)
    sky = Sky.from_rows(ids, *(np.array(c, dtype=float) for c in cols[1:9]))  # None -> NaN
    order = np.argsort(ids, kind="stable")  # Sky sorts by id: keep the flags aligned
    err = np.array(cols[11:13], dtype=float).T[order]  # None -> NaN: no error term
    return sky, np.array(cols[9], bool)[order], np.array(cols[10], np.int64)[order], err


def load_candidates(epoch_id: int, lo: int, hi: int) -> tuple[np.ndarray, ...]:
    """(candidate id, component id, optical ra, dec, magnitudes (M, 3): PS1 r, i, W1) of the
    tile's science components, grouped by component and in id order within it (one query)."""
    qs = (
        Candidate.objects.filter(
            component__epoch_id=epoch_id,
            component__is_science=True,
            component__hpx__gte=lo,
            component__hpx__lt=hi,
        )
        .filter(sky_q(prefix="component__"))  # the targets are the sky's science rows
        .order_by("component_id", "id")
        .values_list(
            "id",
            "component_id",
            "optical_source__ra",
            "optical_source__dec",
            *(f"optical_source__{f}" for f in MAG_FIELDS),
        )  # fmt: skip
    )
    # the ORM's SQL through a plain cursor: ~10^5 rows a tile, and building them through
    # values_list cost ~3x the query itself
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    if not rows:
        e = np.empty(0)
        return e.astype(np.int64), e.astype(np.int64), e, e, np.zeros((0, len(MAG_FIELDS)))
    a = np.array(rows, dtype=float)  # None -> NaN
    return a[:, 0].astype(np.int64), a[:, 1].astype(np.int64), a[:, 2], a[:, 3], a[:, 4:]
