"""SIMULATED skies and epochs into the catalog, through the real ingest paths and then the
candidate join: :mod:`.sky` (files written by :func:`ml.sim.formats.write_sky`) and :mod:`.epoch`
(:mod:`ml.sim.epoch`, catalogue level). Every row is marked simulated."""
