"""Real-data evaluations; each module runs as ``python -m ml.evaluation.<name>``."""
