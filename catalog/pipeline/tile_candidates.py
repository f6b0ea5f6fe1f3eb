"""The candidate stage inside a tile: a tile makes its own candidates from the optical table.

Seed §2.2.2: a component's candidates are the optical objects in the 3.6′ box centred on it.
At PS1 full depth that is ~260 objects per component (~880 M pairs for a VLASS epoch), too
many to store and read back; so an epoch whose candidates were never built
(``Epoch.candidates_in_tiles``) has each identification tile read the optical sources near
its science components once (one range query, :func:`catalog.pipeline.candidates.optical_near`),
pair them in numpy (the same :func:`catalog.pipeline.candidates.pair_indices` the untiled
``build_candidates`` uses, so the pairs and their geometry are bit-identical), score every
pair, decide every field over ALL its candidates (seed §4.2), and only then keep each
component's top-K (:func:`top_k`) for storage. A component's full list is recomputed on
request (:mod:`catalog.api.full_candidates`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection

from catalog.pipeline.candidates import CandidateCut, optical_near, pair_indices
from catalog.pipeline.score import Predictions
from catalog.sky.geometry import CANDIDATE_BOX_ARCMIN, search_radius_arcsec

#: Candidates stored per component when the tiles make them (``RADIOHOST_CANDIDATES_TOP_K``).
#: 64 keeps every candidate at the seed's density (18 per 3.6′ box on average; the most in
#: a simulated 1 % epoch is under 50) and cuts PS1 full depth (~260 per box) four-fold.
DEFAULT_TOP_K = 64


def top_k() -> int | None:
    """Candidates kept per component: an int, or None for all (``"all"``; SQLite default)."""
    default = DEFAULT_TOP_K if connection.vendor == "postgresql" else "all"
    k = getattr(settings, "RADIOHOST_CANDIDATES_TOP_K", None) or default
    if str(k).lower() == "all":
        return None
    k = int(k)
    if k < 1:
        raise ValueError(f"RADIOHOST_CANDIDATES_TOP_K: {k} is not a positive count (or 'all')")
    return k


@dataclass
class TilePairs:
    """Candidate pairs of a tile's science components, grouped by component, optical pk within."""

    component_id: np.ndarray
    optical_id: np.ndarray
    dx: np.ndarray
    dy: np.ndarray
    distance: np.ndarray
    ra: np.ndarray  # the optical source's position (deg), for scoring
    dec: np.ndarray

    def __len__(self) -> int:
        return int(self.component_id.size)

    def take(self, keep: np.ndarray) -> TilePairs:
        return TilePairs(*(getattr(self, f)[keep] for f in self.__dataclass_fields__))


def make_pairs(
    ids: np.ndarray,
    ra: np.ndarray,
    dec: np.ndarray,
    *,
    box_arcmin: float = CANDIDATE_BOX_ARCMIN,
    cut: CandidateCut | None = None,
) -> TilePairs:
    """The candidates of components (ids, ra, dec): one optical read, pairs in numpy."""
    cut = cut if cut is not None else CandidateCut.from_settings()
    comp = np.column_stack([np.asarray(ids, float), ra, dec]).reshape(-1, 3)
    if len(comp) == 0:
        opt = np.zeros((0, 3))
    else:
        opt = optical_near(comp, search_radius_arcsec(box_arcmin, None), cut)
    i, j, dx, dy, d = pair_indices(comp, opt, box_arcmin=box_arcmin, radius_arcsec=None)
    return TilePairs(
        np.asarray(ids, np.int64)[i], opt[j, 0].astype(np.int64), dx, dy, d, opt[j, 1], opt[j, 2]
    )


def keep_top_k(p: Predictions, k: int | None) -> np.ndarray:
    """Which rows to store: every component's ``k`` best (by the §4.2 rank, decided over all
    of its candidates beforehand, so a stored rank, positive and prime flag are those of the
    full field). ``None``: all."""
    if k is None:
        return np.ones(len(p), bool)
    return p.rank <= k


def take(p: Predictions, keep: np.ndarray) -> Predictions:
    """The rows ``keep`` of ``p`` (every per-candidate column, reliability included)."""
    cols = {f: getattr(p, f) for f in p.__dataclass_fields__}
    return Predictions(**{f: None if v is None else v[keep] for f, v in cols.items()})
