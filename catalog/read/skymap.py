"""The home page's sky-coverage plot: component counts per HEALPix pixel as inline SVG.

Counts are grouped in SQL on the stored order-29 nested index shifted down to order
``ORDER`` (nested indices nest: the parent of a pixel is its index // 4**Δorder), so the
query returns at most 12·4**ORDER rows whatever the table size; the result is cached.
The plot is plain SVG (no JavaScript, no external library): RA increasing to the left, as
on the sky, in a Hammer–Aitoff projection.
"""

from __future__ import annotations

import math

import astropy.units as u
import numpy as np
from astropy_healpix import HEALPix
from django.core.cache import cache
from django.db.models import Count, F
from django.utils.safestring import mark_safe

from catalog.models import RadioComponent

ORDER = 5  # nside 32, pixels of ~1.8 deg
SHIFT = 4 ** (29 - ORDER)
TTL_S = 600
W, H = 720, 360


def pixel_counts() -> list[tuple[int, int]]:
    def compute():
        rows = (
            RadioComponent.objects.order_by()
            .annotate(pix=F("hpx") / SHIFT)
            .values_list("pix")
            .annotate(n=Count("id"))
            .values_list("pix", "n")
        )
        return [(int(p), int(n)) for p, n in rows]

    return cache.get_or_set("pages:sky_counts", compute, TTL_S)


def _aitoff(ra_deg: np.ndarray, dec_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon = np.radians(-(((ra_deg + 180.0) % 360.0) - 180.0))  # RA grows to the left
    lat = np.radians(dec_deg)
    z = np.sqrt(1 + np.cos(lat) * np.cos(lon / 2))
    x = 2 * math.sqrt(2) * np.cos(lat) * np.sin(lon / 2) / z
    y = math.sqrt(2) * np.sin(lat) / z
    # x in [-2√2, 2√2], y in [-√2, √2]
    return W / 2 + x * (W / 2 - 4) / (2 * math.sqrt(2)), H / 2 - y * (H / 2 - 4) / math.sqrt(2)


def coverage_svg() -> str:
    counts = pixel_counts()
    hp = HEALPix(nside=2**ORDER, order="nested")
    parts = []
    # graticule: Dec lines every 30 deg, the 0h meridian and the outline at 12h; each line is
    # drawn in plot order (sorted by x) so that none jumps across the RA = 12h seam
    lon = np.linspace(-179.9, 179.9, 181)
    ra_line = np.mod(-lon, 360.0)
    for dec in (-60, -30, 0, 30, 60):
        x, y = _aitoff(ra_line, np.full_like(ra_line, dec))
        order = np.argsort(x)
        pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x[order], y[order], strict=True))
        parts.append(f'<polyline class="grid" points="{pts}"/>')
    dec_line = np.linspace(-90, 90, 91)
    for r0, cls in ((0.0, "grid"), (179.9, "edge"), (180.1, "edge")):
        x, y = _aitoff(np.full_like(dec_line, r0), dec_line)
        pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y, strict=True))
        parts.append(f'<polyline class="{cls}" points="{pts}"/>')
    if counts:
        pix = np.array([p for p, _ in counts])
        n = np.array([c for _, c in counts], dtype=float)
        lon, lat = hp.healpix_to_lonlat(pix)
        x, y = _aitoff(lon.to_value(u.deg), lat.to_value(u.deg))
        alpha = 0.35 + 0.65 * np.log1p(n) / np.log1p(n.max())
        # numbers only: nothing here needs escaping
        parts.extend(
            f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3.2" fill-opacity="{o:.2f}">'
            f"<title>{int(c)} components</title></circle>"
            for a, b, o, c in zip(x, y, alpha, n, strict=True)
        )
    caption = (
        f"{sum(c for _, c in counts):,} components in {len(counts)} HEALPix pixels (order {ORDER})"
    )
    return mark_safe(
        f'<svg class="sky" viewBox="0 0 {W} {H}" role="img" aria-label="{caption}">'
        f"<title>{caption}</title>{''.join(parts)}"
        f'<text x="{W / 2 + 3}" y="{H / 2 - 4}" class="tick">0h</text>'
        f'<text x="8" y="{H / 2 - 4}" class="tick">12h</text>'
        f'<text x="{W / 2 - 30}" y="{H - 6}" class="tick">RA ← east</text></svg>'
    )
