"""The Table 4 components around a Norris-71 position (shared by the benchmark rows of
:mod:`ml.evaluation.norris71` and the rendered model inputs of
:mod:`ml.evaluation.norris71_model`; kept apart so neither imports the other)."""

from __future__ import annotations

import numpy as np

from ml.norris import Norris71


def field_components(data: Norris71, ra: float, dec: float, half_arcsec: float):
    """Table-4 components within a square of half-side ``half_arcsec`` (plus 30" margin so that
    the wings of bright neighbours appear) around a position."""
    a = data.component_arrays()
    dx = (a["ra"] - ra) * np.cos(np.radians(dec)) * 3600.0
    dy = (a["dec"] - dec) * 3600.0
    keep = (np.abs(dx) < half_arcsec + 30) & (np.abs(dy) < half_arcsec + 30)
    return [data.components[i] for i in np.flatnonzero(keep)]
