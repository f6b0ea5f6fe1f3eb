"""The one Figure-8 overlay renderer: markers land where astropy's WCS puts the positions, the
contour levels are the documented multiples of sigma, both the pages' two-panel layout and
the Norris-71 radio-only layout draw."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from astropy.wcs import WCS

from ml.plots.overlay import (
    OverlayCandidate,
    OverlayInputs,
    contour_levels,
    draw_overlay,
    render_overlay,
)


def _wcs(ra=150.0, dec=2.0, n=64, scale_arcsec=1.0) -> WCS:
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---SIN", "DEC--SIN"]
    w.wcs.crval = [ra, dec]
    w.wcs.crpix = [n / 2 + 0.5, n / 2 + 0.5]
    w.wcs.cdelt = [-scale_arcsec / 3600, scale_arcsec / 3600]
    return w


def _inputs(**kw) -> OverlayInputs:
    y, x = np.mgrid[:64, :64]
    img = 100e-4 * np.exp(-((x - 31.5) ** 2 + (y - 31.5) ** 2) / 20.0)  # peak 100 sigma
    cands = [
        OverlayCandidate(150.0 + 10 / 3600, 2.0 + 5 / 3600, 0.8, 1, is_prime=True),
        OverlayCandidate(150.0 - 8 / 3600, 2.0 - 12 / 3600, 0.3, 2),
        OverlayCandidate(150.0, 2.0 + 20 / 3600, None, None),
    ]
    base = dict(
        title="J1",
        ra=150.0,
        dec=2.0,
        radio=img,
        radio_wcs=_wcs(),
        radio_caption="radio",
        radio_sigma=1e-4,
        candidates=cands,
        label_host=(150.0 - 8 / 3600, 2.0 - 12 / 3600),
        label_caption="expert host",
        predicted_host=(150.0 + 3 / 3600, 2.0),
    )
    return OverlayInputs(**(base | kw))


def test_contour_levels_are_the_sigma_multiples_below_the_peak():
    inputs = _inputs()
    levels, sigma = contour_levels(inputs.radio, 1e-4)
    assert sigma == 1e-4
    assert levels == pytest.approx([3e-4, 6e-4, 12e-4, 24e-4, 48e-4, 96e-4])
    steps = tuple(2.0 ** np.arange(-1, 12))
    levels, _ = contour_levels(inputs.radio, 1e-4, steps)
    assert levels == pytest.approx([1e-4 * s for s in steps if s < 100])


@pytest.mark.parametrize("optical_panel", [True, False])
def test_markers_land_on_the_wcs_pixels_of_their_positions(optical_panel):
    inputs = _inputs(optical_panel=optical_panel)
    fig = draw_overlay(inputs)
    try:
        ax = fig.axes[0]
        want = {
            "prime p=0.80": [(c.ra, c.dec) for c in inputs.candidates[:1]],
            "rank 2 p=0.30": [(c.ra, c.dec) for c in inputs.candidates[1:2]],
            "expert host": [inputs.label_host],
            "predicted host position": [inputs.predicted_host],
            "component": [(150.0, 2.0)],
            "candidate": [(c.ra, c.dec) for c in inputs.candidates],
        }
        seen = {}
        for coll in ax.collections:
            if coll.get_label() in want:
                display = coll.get_offset_transform().transform(coll.get_offsets())
                seen[coll.get_label()] = display
        assert set(seen) == set(want)
        for label, radec in want.items():
            x, y = inputs.radio_wcs.world_to_pixel_values(*np.array(radec).T)
            expected = ax.transData.transform(np.column_stack([x, y]))
            np.testing.assert_allclose(seen[label], expected, atol=1e-6)
        assert len(fig.axes) >= (2 if optical_panel else 1)
        titles = [a.get_title() for a in fig.axes]
        assert ("optical catalogue map (no optical pixels)" in titles) is optical_panel
    finally:
        plt.close(fig)


def test_render_overlay_writes_a_png():
    png = render_overlay(_inputs(), dpi=50)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
