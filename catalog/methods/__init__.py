"""Host-identification methods as catalog rows: the model registry (:mod:`.registry`) and the
choice of which version answers the API and the pages (:mod:`.versions`)."""
