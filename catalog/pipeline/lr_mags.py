"""Which optical magnitude the likelihood ratio's q(m)/n(m) read (S&S 1992 eq. 5).

The tile's optical read loads PS1 r, PS1 i and AllWISE W1 of every candidate (columns of
:data:`MAG_FIELDS`, in that order); an epoch's fit (:mod:`.lr_epoch`) picks ONE band for all
its tiles (:func:`choose_band`): PS1 r where the epoch's candidates have it, else PS1 i, else
W1 (a sky with AllWISE only). Magnitudes of different bands never share a bin: a candidate
without a magnitude in the chosen band falls in the model's "no magnitude" bin.
"""

from __future__ import annotations

import numpy as np

from ml.host.likelihood_ratio import BANDS

#: OpticalSource columns per band, in :data:`ml.host.likelihood_ratio.BANDS` order
MAG_FIELDS = {"r_mag": "r", "i_mag": "i", "w1_mag": "w1"}
assert tuple(MAG_FIELDS.values()) == BANDS
#: a band is chosen when at least this fraction of the epoch's fitted candidates has it: the
#: no-magnitude bin would otherwise hold most candidates and q(m) rest on a few
MIN_BAND_COVERAGE = 0.5


def band_mag(mags: np.ndarray, band: str | None) -> np.ndarray | None:
    """The column of ``mags`` (M, 3) in ``band``; None for no band (q/n flat)."""
    if band is None:
        return None
    return np.asarray(mags, float).reshape(-1, len(BANDS))[:, BANDS.index(band)]


def choose_band(mags: np.ndarray) -> str | None:
    """The first of r, i, W1 measured for at least :data:`MIN_BAND_COVERAGE` of the
    candidates ``mags`` (M, 3); None when none is (the fit is then flat in magnitude)."""
    m = np.asarray(mags, float).reshape(-1, len(BANDS))
    if m.shape[0] == 0:
        return None
    cover = np.isfinite(m).mean(axis=0)
    for band, c in zip(BANDS, cover, strict=True):
        if c >= MIN_BAND_COVERAGE:
            return band
    return None
