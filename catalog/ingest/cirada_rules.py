"""What a physically valid CIRADA VLASS component row is, beyond "a finite number".

One table of rules, read by both ingest paths (the row-by-row reference in
:mod:`catalog.ingest.vlass_cirada` and the vectorised checks of
:mod:`catalog.ingest.vlass_copy`), so that they refuse the same rows.

* ``S_Code`` is PyBDSF's source structure code, one of S (single Gaussian), M (several
  Gaussians), C (single Gaussian in an island with others) or E (empty: the fit was
  subtracted); Gordon et al. 2021 Table 2 and the PyBDSF documentation. Anything else is
  not a CIRADA file.
* Sizes (FWHM axes, deconvolved axes, the restoring beam), every ``E_*`` uncertainty and
  the island rms are widths or standard deviations: never negative (PyBDSF writes 0 for
  an unresolved deconvolved size). The cross-match distances are not in this list:
  CIRADA writes -99 for "no neighbour" (``NN_dist`` of the real sample).
"""

from __future__ import annotations

from catalog.models import cirada_columns as cirada

S_CODES = frozenset({"S", "M", "C", "E"})

_SIZE = (
    "Maj",
    "Min",
    "Maj_img_plane",
    "Min_img_plane",
    "DC_Maj",
    "DC_Min",
    "DC_Maj_img_plane",
    "DC_Min_img_plane",
    "BMAJ",
    "BMIN",
)
_SPREAD = ("Isl_rms",)
#: Columns that must be >= 0 when given (``Total_flux`` has its own rule and message).
NON_NEGATIVE = tuple(
    c.name
    for c in cirada.COLUMNS
    if c.kind == "float" and (c.name in _SIZE or c.name in _SPREAD or c.name.startswith("E_"))
)
assert set(_SIZE) | set(_SPREAD) <= set(cirada.BY_NAME)
