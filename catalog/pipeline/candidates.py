"""The candidate join: every science component of an epoch × the optical catalogue in the DB.

Seed §2.2.2: a component's host candidates are the PS1 DR2 objects in the 3.6′ box
centred on it; seed §3.3 gives each its (dx, dy, D) in the 240×240, 1″/px radio cutout.
Survey pipelines (LoTSS DR2; the CIRADA VLASS host table of Gordon et al. 2023) make
these pairs with a spatial join against a local copy of the optical catalogue, not with
remote queries per component; this module is that join.

Work is split by HEALPix tile (nested, order :data:`JOIN_TILE_ORDER`, ~0.9° across): per tile
one query reads its components (an ``hpx`` range) and one reads the optical sources in
the merged HEALPix ranges covering every component's search circle (:func:`near_ranges`); astropy's ``search_around_sky`` pairs them, :func:`catalog.sky.geometry.
sin_offsets` computes the geometry of all pairs at once, and
:func:`catalog.ingest.candidate_writer.write_candidates` writes them in bulk (binary COPY on
PostgreSQL). Re-running is idempotent; the tables read are ANALYZEd first, the candidates at the end.

Which optical sources are candidates (:class:`CandidateCut`): the PS1 DR2 and simulated
catalogues (AllWISE rows only lend their W1/W2 to matched PS1 objects), optionally cut
by magnitude and PS1 nDetections (setting ``RADIOHOST_CANDIDATE_CUT``). The default is
no cut: the seed's box holds every PS1 object, and a cut costs recall (measured in
results/candidates.json).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord, search_around_sky
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q

from catalog.ingest.candidate_writer import write_candidates
from catalog.ingest.contract import IngestReport, analyze
from catalog.models import Candidate, Epoch, OpticalSource, RadioComponent
from catalog.sky.geometry import CANDIDATE_BOX_ARCMIN, search_radius_arcsec, selected, sin_offsets
from catalog.sky.spatial import HPX_ORDER, JOIN_TILE_ORDER, _healpix, cone_order, merge_ranges

CANDIDATE_CATALOGUES = (OpticalSource.Catalogue.PS1_DR2, OpticalSource.Catalogue.SIMULATED)
_FLUSH_ROWS = 500_000  # candidate rows buffered before one bulk write


@dataclass(frozen=True)
class CandidateCut:
    """Optional magnitude / quality cut on the candidate set.

    ``max_mag``: drop objects fainter than this in ``band`` (``r`` -> ``r_mag``, PSF);
    an object with no magnitude in that band is kept (its absence is not evidence of
    faintness: the Norris-71 PS1 rows carry positions only). ``min_detections``: drop
    PS1 objects with fewer single-epoch detections (``n_detections``; unknown kept).
    """

    band: str = "r"
    max_mag: float | None = None
    min_detections: int | None = None

    @classmethod
    def from_settings(cls) -> CandidateCut:
        return cls(**getattr(settings, "RADIOHOST_CANDIDATE_CUT", {}))

    def q(self) -> Q:
        q = Q(catalogue__in=CANDIDATE_CATALOGUES)
        if self.max_mag is not None:
            f = f"{self.band}_mag"
            q &= Q(**{f"{f}__isnull": True}) | Q(**{f"{f}__lte": self.max_mag})
        if self.min_detections is not None:
            q &= Q(n_detections__isnull=True) | Q(n_detections__gte=self.min_detections)
        return q

    def as_dict(self) -> dict:
        return {"band": self.band, "max_mag": self.max_mag, "min_detections": self.min_detections}


def resolve_epoch(epoch) -> Epoch:
    """An :class:`Epoch`, its pk, its name or ``"SURVEY NAME"`` (e.g. ``"VLASS 2.2"``)."""
    if isinstance(epoch, Epoch):
        return epoch
    if isinstance(epoch, int):
        return Epoch.objects.get(pk=epoch)
    name = str(epoch).strip()
    found = list(Epoch.objects.filter(name=name)[:2])
    if not found and " " in name:
        survey, _, ep = name.partition(" ")
        found = list(Epoch.objects.filter(survey__name=survey, name=ep)[:2])
    if len(found) != 1:
        raise ValueError(
            f"epoch {name!r}: {'not found' if not found else 'ambiguous; write SURVEY NAME'}"
        )
    return found[0]


def _tiles(epoch: Epoch) -> list[int]:
    shift = 4 ** (HPX_ORDER - JOIN_TILE_ORDER)
    qs = RadioComponent.objects.filter(epoch=epoch, is_science=True)
    # integer division of a BIGINT is integer division on both engines
    return sorted(
        int(t)
        for t in qs.annotate(hpx_tile=F("hpx") / shift)
        .values_list("hpx_tile", flat=True)
        .distinct()
        .order_by()
    )


def pair_indices(
    comp: np.ndarray, opt: np.ndarray, *, box_arcmin: float | None, radius_arcsec: float | None
) -> tuple[np.ndarray, ...]:
    """Row indices (into ``comp``, ``opt``) and geometry (dx, dy, D) of every candidate pair.

    ``comp``, ``opt``: rows (pk, ra, dec). Sorted by component pk, then optical pk: the order
    the candidates are stored in, so ranks tie-break the same way whoever made them.
    """
    if len(comp) == 0 or len(opt) == 0:
        return tuple(np.zeros(0, t) for t in (np.int64, np.int64, float, float, float))
    r = search_radius_arcsec(box_arcmin, radius_arcsec)
    c = SkyCoord(comp[:, 1] * u.deg, comp[:, 2] * u.deg)
    o = SkyCoord(opt[:, 1] * u.deg, opt[:, 2] * u.deg)
    i, j, sep, _ = search_around_sky(c, o, r * u.arcsec)
    dx, dy, d = sin_offsets(comp[i, 1], comp[i, 2], opt[j, 1], opt[j, 2])
    keep = selected(
        dx, dy, sep.to_value(u.arcsec), box_arcmin=box_arcmin, radius_arcsec=radius_arcsec
    )
    i, j = i[keep], j[keep]
    order = np.lexsort((opt[j, 0], comp[i, 0]))
    return i[order], j[order], dx[keep][order], dy[keep][order], d[keep][order]


def tile_pairs(
    comp: np.ndarray, opt: np.ndarray, *, box_arcmin: float | None, radius_arcsec: float | None
) -> tuple[np.ndarray, ...]:
    """All candidate pairs of one tile.

    ``comp``: rows (pk, ra, dec); ``opt``: rows (pk, ra, dec). Returns
    (component pk, optical pk, dx, dy, D) arrays, sorted by component then optical pk.
    """
    i, j, dx, dy, d = pair_indices(comp, opt, box_arcmin=box_arcmin, radius_arcsec=radius_arcsec)
    return comp[i, 0].astype(np.int64), opt[j, 0].astype(np.int64), dx, dy, d


def near_ranges(comp: np.ndarray, margin_arcsec: float) -> list[tuple[int, int]]:
    """Order-29 ``hpx`` ranges covering every component's search circle (merged).

    Per component, not one cone per tile: sparse components (VLASS: ~50 per tile) would
    otherwise read the whole tile of a full-depth optical catalogue (~60k rows).
    """
    order = cone_order(margin_arcsec * u.arcsec)
    hp = _healpix(order)
    r = margin_arcsec * (1 + 1e-9) * u.arcsec + 1e-9 * u.deg
    pix: set[int] = set()
    for ra, dec in comp[:, 1:3]:
        pix.update(int(p) for p in hp.cone_search_lonlat(ra * u.deg, dec * u.deg, r))
    return merge_ranges(pix, order)


def optical_near(
    comp: np.ndarray, margin_arcsec: float, cut: CandidateCut, columns: tuple[str, ...] = ()
) -> np.ndarray:
    """(pk, ra, dec, *columns) of candidate-catalogue sources in the components' HEALPix
    ranges (``columns``: further OpticalSource fields, NULL -> NaN)."""
    ranges = near_ranges(comp, margin_arcsec)
    if connection.vendor == "postgresql":
        # Hundreds of ranges as two arrays joined by the hpx index: building them as a
        # Django Q of ORs cost more than the query itself (cProfile, bench/candidates.py).
        qs = OpticalSource.objects.filter(cut.q()).values_list("pk", "ra", "dec", *columns, "hpx")
        sql, params = qs.query.sql_with_params()
        lo, hi = zip(*ranges, strict=True) if ranges else ((), ())
        with transaction.atomic(), connection.cursor() as cur:
            # The planner expects millions of rows from this join (it cannot see that the
            # ranges are narrow) and JIT-compiles it: 46 ms a tile instead of 5.4 ms measured.
            cur.execute("SET LOCAL jit = off")
            extra = "".join(f", o.c{k}" for k in range(len(columns)))
            alias = "".join(f", c{k}" for k in range(len(columns)))
            cur.execute(
                f"SELECT o.pk, o.ra, o.dec{extra} FROM ({sql}) AS o(pk, ra, dec{alias}, hpx) "
                "JOIN unnest(%s::bigint[], %s::bigint[]) AS r(lo, hi) ON o.hpx >= r.lo AND o.hpx < r.hi",
                [*params, list(lo), list(hi)],
            )
            rows = cur.fetchall()
    else:
        pre = Q()
        for lo_, hi_ in ranges:
            pre |= Q(hpx__gte=lo_, hpx__lt=hi_)
        rows = list(
            OpticalSource.objects.filter(pre & cut.q()).values_list("pk", "ra", "dec", *columns)
        )
    return np.asarray(rows, float).reshape(-1, 3 + len(columns))


def build_candidates(
    epoch,
    *,
    box_arcmin: float = CANDIDATE_BOX_ARCMIN,
    radius_arcsec: float | None = None,
    progress=False,
    cut: CandidateCut | None = None,
) -> dict:
    """Make the ``Candidate`` rows of every science component of ``epoch``.

    Parameters
    ----------
    epoch : Epoch, int, or str
        The epoch (object, pk, name, or ``"SURVEY NAME"``).
    box_arcmin : float
        Side of the square candidate box in the cutout frame (seed §2.2.2: 3.6′).
    radius_arcsec : float, optional
        Instead of the box: every source within this great-circle radius.
    progress : bool or tqdm-like
        ``True`` shows a tqdm bar over tiles; an object with ``update(n)`` is updated.
    cut : CandidateCut, optional
        Magnitude/quality cut; default from ``settings.RADIOHOST_CANDIDATE_CUT`` (none).

    Returns
    -------
    dict
        ``epoch, mode, tiles, components, components_with_candidates, pairs,
        inserted, updated, unchanged, seconds`` (and the box/radius/cut used).
    """
    t0 = time.perf_counter()
    ep = resolve_epoch(epoch)
    cut = cut if cut is not None else CandidateCut.from_settings()
    margin = search_radius_arcsec(box_arcmin if radius_arcsec is None else None, radius_arcsec)
    box = None if radius_arcsec is not None else box_arcmin
    # Plan the per-tile joins from fresh statistics: tables COPY-loaded just before (an
    # optical catalogue, a simulated sky) have none, and PostgreSQL then answers each tile's
    # hpx-range join with a scan of the whole optical table (minutes per tile at 1 M rows).
    analyze(OpticalSource, RadioComponent)
    tiles = _tiles(ep)
    shift = 2 * (HPX_ORDER - JOIN_TILE_ORDER)
    fresh = not Candidate.objects.filter(component__epoch=ep).exists()
    report = IngestReport(source=f"candidates of {ep}")
    bar = _bar(progress, len(tiles), ep)
    buf: list[tuple[np.ndarray, ...]] = []
    n_buf = n_comp = n_with = n_pairs = 0

    def flush() -> None:
        nonlocal n_buf
        if not buf:
            return
        cols = [np.concatenate([b[k] for b in buf]) for k in range(5)]
        with transaction.atomic():
            write_candidates(*cols, report, fresh=fresh)
        buf.clear()
        n_buf = 0

    for tile in tiles:
        comp = np.asarray(
            list(
                RadioComponent.objects.filter(
                    epoch=ep, is_science=True, hpx__gte=tile << shift, hpx__lt=(tile + 1) << shift
                ).values_list("pk", "ra", "dec")
            ),
            float,
        ).reshape(-1, 3)
        n_comp += len(comp)
        if len(comp):
            opt = optical_near(comp, margin, cut)
            pairs = tile_pairs(comp, opt, box_arcmin=box, radius_arcsec=radius_arcsec)
            n_with += len(np.unique(pairs[0]))
            n_pairs += len(pairs[0])
            if len(pairs[0]):
                buf.append(pairs)
                n_buf += len(pairs[0])
            if n_buf >= _FLUSH_ROWS:
                flush()
        if bar is not None:
            bar.update(1)
    flush()
    if bar is not None and progress is True:
        bar.close()
    analyze(Candidate)  # the optical table was analysed at the start and is not written here
    return {
        "epoch": str(ep),
        "mode": "radius" if radius_arcsec is not None else "box",
        "box_arcmin": box,
        "radius_arcsec": radius_arcsec,
        "cut": cut.as_dict(),
        "tiles": len(tiles),
        "components": n_comp,
        "components_with_candidates": n_with,
        "pairs": n_pairs,
        "inserted": report.total("inserted"),
        "updated": report.total("updated"),
        "unchanged": report.total("unchanged"),
        "seconds": round(time.perf_counter() - t0, 3),
    }


def _bar(progress, total: int, ep):
    if progress is True:
        from tqdm import tqdm

        return tqdm(total=total, desc=f"candidates {ep}", unit="tile")
    return progress if progress else None


def tile_order_pixel_deg() -> float:
    """Typical tile width (deg), for reports."""
    return math.degrees(math.sqrt(4 * math.pi / (12 * 4**JOIN_TILE_ORDER)))
