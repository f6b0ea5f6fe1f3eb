"""Calibration of the host reliability: ``python -m ml.evaluation.host_reliability``."""
