"""``harvest_optical_region``: PS1 DR2 and AllWISE for a region, one query per HEALPix tile.

For users with network: the region is an epoch's footprint (the tiles of its science
components and their neighbours, so a component near a tile edge still gets its whole
box) or a list of tiles. Each tile is one cone query per catalogue through the existing
astroquery providers (:mod:`catalog.providers.catalogs`: VizieR II/389 or MAST for PS1 DR2,
VizieR II/328 for AllWISE) -- not one per component (2 M components x 2 queries
at 1-3 s is 46-139 days; an epoch's footprint is ~10^5 tiles of order 8). The answer is
written as a FITS table under the cache directory and loaded by the bulk ingest
(:func:`.optical_catalogue.ingest_optical_catalogue`: same validation, idempotent upsert,
PS1<->AllWISE match); the tile is then recorded (:class:`catalog.models.HarvestedTile`) in
the same transaction, so a re-run skips it and an interrupted harvest resumes. A failing
query is retried with exponential backoff before the harvest stops, naming the tile.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord
from astropy_healpix import HEALPix
from django.db import transaction

from catalog.ingest.contract import IngestReport
from catalog.ingest.optical_catalogue import ingest_optical_catalogue
from catalog.models import HarvestedTile, RadioComponent
from catalog.sky.spatial import HPX_ORDER

HARVEST_ORDER = 8  # ~0.23 deg tiles: a ~10' cone each, ~10^3-10^4 PS1 rows at full depth


def tile_cone(pixel: int, order: int = HARVEST_ORDER) -> tuple[SkyCoord, u.Quantity]:
    """Centre and a radius that covers the whole tile (its farthest boundary point + 1%)."""
    hp = HEALPix(nside=2**order, order="nested")
    lon, lat = hp.healpix_to_lonlat([pixel])
    centre = SkyCoord(lon[0], lat[0], frame="icrs")
    blon, blat = hp.boundaries_lonlat([pixel], step=8)
    edge = SkyCoord(blon.ravel(), blat.ravel(), frame="icrs")
    return centre, edge.separation(centre).max() * 1.01


def epoch_tiles(epoch, order: int = HARVEST_ORDER) -> list[int]:
    """Tiles of an epoch's science components and their neighbours (the box margin)."""
    hpx = np.fromiter(
        RadioComponent.objects.filter(epoch=epoch, is_science=True).values_list("hpx", flat=True),
        np.int64,
    )
    tiles = np.unique(hpx >> (2 * (HPX_ORDER - order)))
    hp = HEALPix(nside=2**order, order="nested")
    nb = hp.neighbours(tiles).ravel() if len(tiles) else np.zeros(0, np.int64)
    return sorted({int(t) for t in tiles} | {int(t) for t in nb if t >= 0})


def with_retries(
    fn: Callable, *, what: str, attempts: int = 4, base_delay_s: float = 2.0, sleep=time.sleep
):
    """``fn()``, retried after base_delay·2^k seconds on any error; the last error names ``what``."""
    for k in range(attempts):
        try:
            return fn()
        except Exception as exc:  # network, HTTP 5xx, a service's parse error
            if k == attempts - 1:
                # one line (a requests/astroquery error can span several): the command prints it
                # as its whole answer, without a traceback
                detail = " ".join(str(exc).split()) or type(exc).__name__
                raise RuntimeError(f"{what}: failed after {attempts} attempts ({detail})") from exc
            sleep(base_delay_s * 2**k)
    raise AssertionError("unreachable")


def harvest_region(
    tiles: Iterable[int],
    providers: dict,
    cache_dir: str | Path,
    *,
    order: int = HARVEST_ORDER,
    attempts: int = 4,
    base_delay_s: float = 2.0,
    sleep=time.sleep,
    progress=None,
) -> IngestReport:
    """Fetch and ingest ``providers`` (``{"ps1dr2": p, "allwise": q}``) tile by tile.

    A provider has ``fetch(coord, radius) -> astropy Table`` with the service's columns.
    """
    tiles = list(tiles)
    cache = Path(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    report = IngestReport(source=f"harvest of {len(tiles)} tile(s) at order {order}")
    for pixel in tiles:
        for cat, provider in providers.items():
            if HarvestedTile.objects.filter(catalogue=cat, order=order, pixel=pixel).exists():
                report.reject(f"{cat} tile already harvested (skipped)")
                continue
            centre, radius = tile_cone(pixel, order)
            table = with_retries(
                lambda p=provider, c=centre, r=radius: p.fetch(c, r),
                what=f"{getattr(provider, 'name', type(provider).__name__)}: "
                f"{cat} tile {pixel} (order {order})",
                attempts=attempts,
                base_delay_s=base_delay_s,
                sleep=sleep,
            )
            with transaction.atomic():
                if len(table):
                    path = cache / f"{cat}_o{order}_{pixel}.fits"
                    table.write(path, format="fits", overwrite=True)
                    report.merge(ingest_optical_catalogue(path, catalogue=cat))
                HarvestedTile.objects.create(
                    catalogue=cat,
                    order=order,
                    pixel=pixel,
                    n_rows=len(table),
                    service=getattr(provider, "name", type(provider).__name__),
                )
        if progress is not None:
            progress.update(1)
    return report


class VizierTiles:
    """A VizieR catalogue (II/389 PS1 DR2, II/328 AllWISE) queried by tile cone."""

    def __init__(self, catalog: str, base_url: str | None = None):
        from catalog.providers.catalogs import VizierCatalog

        self.name = f"VizieR {catalog}"
        self.vizier = VizierCatalog(catalog, base_url=base_url)

    def fetch(self, coord: SkyCoord, radius: u.Quantity):
        # the square circumscribing the cone; VizieR answers in its own column names
        return self.vizier.query(coord, 2 * radius.to_value(u.arcmin), cache=False)


class MastTiles:
    """PS1 DR2 mean objects from MAST by tile cone (MAST column names)."""

    name = "MAST PS1 DR2"

    def __init__(self, base_url: str | None = None):
        from catalog.providers.catalogs import MastPS1

        self.mast = MastPS1(base_url)

    def fetch(self, coord: SkyCoord, radius: u.Quantity):
        return self.mast.query_raw(coord, radius)
