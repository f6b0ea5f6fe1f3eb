"""The real Norris-71 benchmark, seed §4.2 / Table 3 (``python -m ml.evaluation.norris71``;
driver in :mod:`.run`, the host CNN's row in :mod:`.model`)."""
