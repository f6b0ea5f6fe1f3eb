"""How every file of a simulated sky says it is simulated (see :mod:`ml.sim.formats`).

The generator name goes into every FITS header (:func:`sim_cards`), VOTable ``INFO`` element,
Parquet schema metadata and the sky manifest (which also records the format version), so a
simulated file can never be mistaken for an observation once it is copied out of its folder.
"""

from __future__ import annotations

from astropy.io import fits

GENERATOR = "radiohost ml.sim"
FORMAT_VERSION = 1


def sim_cards(hdr: fits.Header, seed: int) -> None:
    """Mark ``hdr`` simulated in place (``SIMULATE``, ``SIMSEED``, ``ORIGIN``, ``OBJECT``)."""
    hdr["SIMULATE"] = (True, "simulated data, not an observation")
    hdr["SIMSEED"] = (int(seed), "ml.sim.simulate_field seed")
    hdr["ORIGIN"] = (GENERATOR, "generator")
    hdr["OBJECT"] = "SIMULATED"
    hdr["COMMENT"] = "SIMULATED by radiohost ml.sim; not a real observation."
