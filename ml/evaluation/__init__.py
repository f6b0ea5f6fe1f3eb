"""Real-data evaluations; each package runs as ``python -m ml.evaluation.<name>``."""
