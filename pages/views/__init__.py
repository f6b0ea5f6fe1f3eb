"""Page views, one module per page family (no HTML lives in the API views)."""
