"""Optical GALAXY/QSO/STAR classifier (seed §3.2, model A)."""
