"""The one Figure-8 overlay renderer: markers land where astropy's WCS puts the positions, the
contour levels are the documented multiples of sigma, both the pages' two-panel layout and
the Norris-71 radio-only layout draw."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from astropy.wcs import WCS

from ml.plots.contours import MAX_LEVELS
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


def test_given_multiples_are_the_sigma_multiples_below_the_peak_and_capped():
    inputs = _inputs()
    c = contour_levels(inputs.radio, 1e-4, (3, 6, 12, 24, 48, 96, 192))
    assert c.sigma == 1e-4
    assert c.levels == pytest.approx([3e-4, 6e-4, 12e-4, 24e-4, 48e-4, 96e-4])
    steps = tuple(2.0 ** np.arange(-1, 12))  # 13 multiples: at most MAX_LEVELS are drawn
    c = contour_levels(inputs.radio, 1e-4, steps)
    assert c.levels == pytest.approx([1e-4 * s for s in steps if s < 100][:MAX_LEVELS])


def _noise(n=240, seed=3, beam_px=1.5):
    from scipy.ndimage import gaussian_filter

    img = gaussian_filter(np.random.default_rng(seed).normal(size=(n, n)), beam_px)
    return img / img.std() * 1e-4  # correlated noise, rms 0.1 mJy/beam


def test_noise_alone_draws_no_contour_and_a_source_is_picked_out():
    noise = _noise()
    assert (
        contour_levels(noise).levels == [] or (noise >= contour_levels(noise).levels[0]).sum() < 5
    )
    y, x = np.mgrid[:240, :240]
    src = 2e-3 * np.exp(-((x - 120) ** 2 + (y - 120) ** 2) / (2 * 1.5**2))  # 20σ point source
    c = contour_levels(noise + src)
    assert c.noise == "MAD of the image"
    assert c.sigma == pytest.approx(1e-4, rel=0.1)  # the source does not move the robust noise
    above = (noise + src) >= c.levels[0]
    # every pixel inside the lowest contour is the source's, none is noise
    assert above.any() and np.hypot(x[above] - 120, y[above] - 120).max() < 6


@pytest.mark.parametrize("peak_sigma", [4.0, 30.0, 1e3, 1e6])
def test_levels_are_bounded_increasing_and_below_the_peak(peak_sigma):
    y, x = np.mgrid[:240, :240]
    img = _noise() + peak_sigma * 1e-4 * np.exp(-((x - 120) ** 2 + (y - 120) ** 2) / 8.0)
    c = contour_levels(img)
    assert len(c.levels) <= MAX_LEVELS
    assert all(b > a for a, b in zip(c.levels, c.levels[1:], strict=False))
    assert all(lev < img.max() for lev in c.levels)
    if peak_sigma >= 30:
        assert c.levels  # a source well above the first contour always has one
        assert c.levels[0] == pytest.approx(5 * c.sigma)
        assert c.levels[-1] > img.max() / 2 / c.factor  # the levels reach up towards the peak


def test_an_image_without_emission_has_no_levels_and_says_so():
    for img in (np.zeros((64, 64)), np.full((64, 64), np.nan)):
        c = contour_levels(img, 1.2e-4)
        assert c.levels == [] and "no emission" in c.caption()
    fig = draw_overlay(_inputs(radio=np.zeros((64, 64)), radio_sigma=1.2e-4))
    try:
        assert "no emission above 3σ" in fig._suptitle.get_text()
        assert "×  σ" not in fig._suptitle.get_text()
    finally:
        plt.close(fig)


def test_a_noise_free_model_gets_a_floor_not_rounding_level_contours():
    img = np.zeros((64, 64))
    img[32, 32] = 1.0
    img[10, 10] = 1e-12  # rounding-level structure
    c = contour_levels(img)
    assert c.levels and min(c.levels) >= 1e-4 * 5 - 1e-15


def test_a_compact_source_gets_a_zoomed_inset_and_an_extended_one_does_not():
    wcs = _wcs(n=240)
    y, x = np.mgrid[:240, :240]
    point = _noise() + 3e-3 * np.exp(-((x - 119.5) ** 2 + (y - 119.5) ** 2) / (2 * 1.5**2))
    lobes = _noise() + sum(
        3e-3 * np.exp(-((x - 119.5 - dx) ** 2 + (y - 119.5) ** 2) / (2 * 6.0**2))
        for dx in (-40, -20, 0, 20, 40)
    )
    for img, inset in ((point, True), (lobes, False)):
        fig = draw_overlay(_inputs(radio=img, radio_wcs=wcs, radio_sigma=None))
        try:
            assert any(a.get_label() == "inset" for a in fig.axes) is inset
            assert ("inset" in fig._suptitle.get_text()) is inset
        finally:
            plt.close(fig)


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
