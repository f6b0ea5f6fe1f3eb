"""The demo job (``make demo``): a simulated sky end to end; :mod:`.finish` prepares the pages."""
