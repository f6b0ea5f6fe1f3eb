"""Held-out evaluation of component association on real expert groupings
(``python -m ml.evaluation.association``; driver in :mod:`.run`)."""
