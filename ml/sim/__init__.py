"""Deterministic sky simulator: VLASS-like radio fields, PS1/AllWISE-like candidates.

Everything produced here is *simulated* and marked so in every file written
(:mod:`ml.sim.formats`).  Public entry points:

* :func:`ml.sim.radio.render_components`, :func:`ml.sim.vlass.vlass_wcs`
* :func:`ml.sim.field.simulate_field` -> :class:`ml.sim.field.SimField`
* :func:`ml.sim.formats.write_sky`
* ``python -m ml.sim.validate`` (comparison with the real data, ``results/sim_validation.json``)

Submodules are imported lazily so ``import ml.sim.radio`` stays light.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "render_components": "ml.sim.radio",
    "vlass_wcs": "ml.sim.vlass",
    "vlass_beams": "ml.sim.vlass",
    "Beam": "ml.sim.vlass",
    "simulate_field": "ml.sim.field",
    "SimField": "ml.sim.field",
    "write_sky": "ml.sim.formats",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    # lazy: ``import ml.sim`` must not pull in skimage / astropy tables for radio-only users
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'ml.sim' has no attribute {name!r}")
