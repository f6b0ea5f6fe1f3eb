"""Deterministic sky simulator (issue 5): VLASS-like radio fields, PS1/AllWISE-like candidates.

Everything produced here is *simulated* and marked so in every file written
(:mod:`ml.sim.formats`).  Public entry points:

* :func:`ml.sim.radio.render_components`, :func:`ml.sim.radio.vlass_wcs`
* :func:`ml.sim.field.simulate_field` -> :class:`ml.sim.field.SimField`
* :func:`ml.sim.formats.write_sky`
* ``python -m ml.sim.validate`` (comparison with the real data, ``results/sim_validation.json``)

Submodules are imported lazily so ``import ml.sim.radio`` stays light.
"""
