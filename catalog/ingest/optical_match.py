"""PS1 DR2 ↔ AllWISE, set-wise per HEALPix tile: a PS1 object carries its W1/W2.

The rule is the per-component one (:func:`catalog.providers.catalogs.match_allwise`):
each PS1 object takes the nearest AllWISE object within
:data:`~catalog.providers.catalogs.PS1_ALLWISE_RADIUS_ARCSEC` (2″, justified there), or
none. It runs per tile of :data:`catalog.sky.spatial.JOIN_TILE_ORDER` (PS1 rows of the tile
by one ``hpx`` range, AllWISE rows of the cone around them plus 2″), after every bulk
ingest, on the tiles that file touched and their neighbours, so ingest order does not
matter and a re-run changes nothing.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord
from astropy_healpix import HEALPix

from catalog.ingest.contract import IngestReport
from catalog.models import OpticalSource
from catalog.providers.catalogs import PS1_ALLWISE_RADIUS_ARCSEC
from catalog.sky.spatial import HPX_ORDER, JOIN_TILE_ORDER, cone_ranges

_SHIFT = 2 * (HPX_ORDER - JOIN_TILE_ORDER)
# (PS1-like, AllWISE-like) catalogue pairs: simulated rows (ml.sim) match simulated ones only
PAIRS = (
    (OpticalSource.Catalogue.PS1_DR2, OpticalSource.Catalogue.ALLWISE),
    (OpticalSource.Catalogue.SIMULATED, OpticalSource.Catalogue.SIM_ALLWISE),
)
WISE_FIELDS = ("w1_mag", "e_w1_mag", "w2_mag", "e_w2_mag")


def tiles_of(hpx: np.ndarray) -> set[int]:
    return {int(t) for t in np.unique(np.asarray(hpx, np.int64) >> _SHIFT)}


def _with_neighbours(tiles: set[int]) -> list[int]:
    hp = HEALPix(nside=2**JOIN_TILE_ORDER, order="nested")
    t = np.fromiter(tiles, np.int64, len(tiles))
    nb = hp.neighbours(t).ravel() if len(t) else np.zeros(0, np.int64)
    return sorted(set(t.tolist()) | {int(x) for x in nb if x >= 0})


def _in_ranges(ranges):
    from django.db.models import Q

    q = Q()
    for lo, hi in ranges:
        q |= Q(hpx__gte=lo, hpx__lt=hi)
    return q


def match_tiles(
    tiles: set[int], report: IngestReport, *, radius_arcsec: float = PS1_ALLWISE_RADIUS_ARCSEC
) -> int:
    """Redo the PS1↔AllWISE match on ``tiles`` (and neighbours); return PS1 rows changed."""
    changed_total = 0
    for ps1_cat, wise_cat in PAIRS:
        if not OpticalSource.objects.filter(catalogue=wise_cat).exists():
            continue
        for tile in _with_neighbours(tiles):
            changed_total += _match_tile(tile, ps1_cat, wise_cat, radius_arcsec)
    report.add("OpticalSource (AllWISE match)", updated=changed_total)
    return changed_total


def _match_tile(tile: int, ps1_cat: str, wise_cat: str, radius_arcsec: float) -> int:
    ps1 = list(
        OpticalSource.objects.filter(
            catalogue=ps1_cat, hpx__gte=tile << _SHIFT, hpx__lt=(tile + 1) << _SHIFT
        ).only("pk", "ra", "dec", "allwise_id", "allwise_sep_arcsec", *WISE_FIELDS)
    )
    if not ps1:
        return 0
    pos = SkyCoord([p.ra for p in ps1] * u.deg, [p.dec for p in ps1] * u.deg)
    xyz = pos.cartesian.xyz.value.mean(axis=1)
    c = SkyCoord(*xyz, representation_type="cartesian", frame="icrs")
    centre = SkyCoord(c.spherical.lon, c.spherical.lat, frame="icrs")
    reach = pos.separation(centre).max() + radius_arcsec * u.arcsec * (1 + 1e-6)
    wise = list(
        OpticalSource.objects.filter(
            _in_ranges(cone_ranges(centre, reach)), catalogue=wise_cat
        ).values_list("source_id", "ra", "dec", *WISE_FIELDS)
    )
    new = {p.pk: ("", None, *(None,) * 4) for p in ps1}
    if wise:
        w = np.asarray([r[1:3] for r in wise], float)
        idx, sep, _ = pos.match_to_catalog_sky(SkyCoord(w[:, 0] * u.deg, w[:, 1] * u.deg))
        sep = sep.to_value(u.arcsec)
        for k in np.flatnonzero(sep <= radius_arcsec):
            r = wise[idx[k]]
            new[ps1[k].pk] = (r[0], float(sep[k]), *r[3:])
    changed = []
    for p in ps1:
        v = new[p.pk]
        old = (p.allwise_id, p.allwise_sep_arcsec, *(getattr(p, f) for f in WISE_FIELDS))
        if old != v:
            p.allwise_id, p.allwise_sep_arcsec = v[0], v[1]
            for f, x in zip(WISE_FIELDS, v[2:], strict=True):
                setattr(p, f, x)
            changed.append(p)
    if changed:
        OpticalSource.objects.bulk_update(
            changed, ["allwise_id", "allwise_sep_arcsec", *WISE_FIELDS], batch_size=2000
        )
    return len(changed)
