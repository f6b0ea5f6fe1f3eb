"""Ingesters: one module per input format (see :mod:`catalog.ingest.common` for the shared rules)."""
