"""The epoch pipeline: an epoch's host identification fanned out over HEALPix tiles.

* :mod:`.tiles` -- tile geometry: ranges, association sub-tiles, the margin of radio sky;
* :mod:`.score` -- association + core + scoring over a tile in numpy (no Django);
* :mod:`.tile` -- one tile: one query for its sky, one for its candidates, one write;
* :mod:`.writer` -- predictions by binary COPY + one upsert (PostgreSQL) / bulk upsert;
* :mod:`.locks` -- advisory locks: a tile (or an inbox file) never runs twice at once;
* :mod:`.epoch` -- the epoch state machine: plan tiles, count, finish, fail;
* :mod:`.diff` -- what changed between two epochs;
* :mod:`.inbox` -- new CIRADA catalogues found in the inbox directory;
* :mod:`.route` -- the one place that chooses the CNN (gpu) or catalogue (cpu) path.

Celery tasks (:mod:`workers.tasks`) stay thin: ids in, these functions, counts out.
"""
