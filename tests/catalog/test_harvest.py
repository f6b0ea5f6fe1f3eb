"""harvest_optical_region: the astroquery VizieR client against answers served on 127.0.0.1.

The answers are VOTables in VizieR's II/389 / II/328 column names written here (the
recorded astroquery answers in ``recorded/`` are of other catalogues); the client code,
HTTP, parsing, the bulk ingest and the bookkeeping are the real ones.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from astropy.io.votable import from_table
from astropy.table import Table

from catalog.ingest.optical_harvest import VizierTiles, harvest_region, tile_cone, with_retries
from catalog.models import HarvestedTile, OpticalSource

TILES = [300000, 300001]


def _votable(tile: int, n: int, catalogue: str) -> bytes:
    c, r = tile_cone(tile)
    rng = np.random.default_rng(tile)
    ra = c.ra.deg + rng.uniform(-0.05, 0.05, n)
    dec = c.dec.deg + rng.uniform(-0.05, 0.05, n)
    if catalogue == "ps1dr2":
        t = Table({"objID": np.arange(n, dtype=np.int64) + 10**17 + tile * 1000})
        t["RAJ2000"], t["DEJ2000"] = ra, dec
        t["rmag"], t["e_rmag"], t["Nd"] = rng.uniform(18, 22, n), np.full(n, 0.05), np.arange(n)
    else:
        t = Table({"AllWISE": [f"J{tile}{i:04d}" for i in range(n)]})
        t["RAJ2000"], t["DEJ2000"], t["W1mag"] = ra, dec, rng.uniform(14, 17, n)
    buf = io.BytesIO()
    from_table(t).to_xml(buf)
    return buf.getvalue()


@pytest.mark.django_db
def test_one_query_per_tile_resumable_with_backoff(replay_server, tmp_path):
    sleeps = []
    prov = {"ps1dr2": VizierTiles("II/389", replay_server.base_url)}
    route = replay_server.add(
        "/viz-bin/votable", _votable(TILES[0], 30, "ps1dr2"), content_type="text/xml", fail_first=2
    )
    rep = harvest_region(TILES[:1], prov, tmp_path, sleep=sleeps.append, base_delay_s=1.0)
    assert sleeps == [1.0, 2.0]  # two 503s, exponential backoff, then success
    assert route.hits == 3 and OpticalSource.objects.filter(catalogue="ps1dr2").count() == 30
    assert rep.counts["OpticalSource"]["inserted"] == 30
    # second tile: the service keeps failing -> the harvest stops naming the tile...
    replay_server.add("/viz-bin/votable", b"", status=503)
    with pytest.raises(RuntimeError, match=rf"ps1dr2 tile {TILES[1]} \(order 8\): failed after"):
        harvest_region(TILES, prov, tmp_path, sleep=sleeps.append, attempts=2)
    assert set(HarvestedTile.objects.values_list("pixel", flat=True)) == {TILES[0]}
    # ...and a re-run resumes: the first tile is skipped (no request), the second fetched
    replay_server.add("/viz-bin/votable", _votable(TILES[1], 20, "ps1dr2"), content_type="text/xml")
    n_req = len(replay_server.requests)
    harvest_region(TILES, prov, tmp_path, sleep=sleeps.append)
    assert len(replay_server.requests) == n_req + 1
    assert OpticalSource.objects.filter(catalogue="ps1dr2").count() == 50
    # AllWISE through the same path: PS1 rows get their W1 where within 2"
    replay_server.add(
        "/viz-bin/votable", _votable(TILES[0], 30, "allwise"), content_type="text/xml"
    )
    harvest_region(TILES[:1], {"allwise": VizierTiles("II/328", replay_server.base_url)}, tmp_path)
    assert OpticalSource.objects.filter(catalogue="ps1dr2").exclude(allwise_id="").count() == 30


def test_with_retries_gives_up_naming_what():
    calls = []

    def boom():
        calls.append(1)
        raise OSError("connection refused")

    with pytest.raises(RuntimeError, match="tile 7: failed after 3 attempts"):
        with_retries(boom, what="tile 7", attempts=3, sleep=lambda s: None)
    assert len(calls) == 3


@pytest.mark.django_db
def test_offline_harvest_is_one_line_naming_the_service(tmp_path):
    """No service answering (a closed port on 127.0.0.1): the command's whole answer is one
    line naming the service and the network error, no traceback, nothing recorded."""
    import os
    import socket
    import subprocess
    import sys

    from django.conf import settings
    from django.db import connection

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: connection refused
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env["DEBUG"] = "1"
    r = subprocess.run(
        [sys.executable, "manage.py", "harvest_optical_region", "--tiles", str(TILES[0]),
         "--catalogues", "ps1dr2", "--vizier-url", f"http://127.0.0.1:{port}",
         "--attempts", "1", "--cache-dir", str(tmp_path), "-v", "0"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr
    assert lines[0].startswith(f"CommandError: VizieR II/389: ps1dr2 tile {TILES[0]} (order 8)")
    assert "failed after 1 attempts" in lines[0]
    assert "refused" in lines[0].lower(), lines[0]
    assert not HarvestedTile.objects.exists()
