"""Ingesters: one module per input format (see :mod:`catalog.ingest.contract` for the shared rules)."""
