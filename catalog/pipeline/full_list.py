"""One component's full candidate list, recomputed on request from the optical table.

An epoch whose tiles made its candidates stores each component's top-K only
(:mod:`.tile_candidates`). The rest is recomputed here by the very code a tile runs
(:func:`catalog.pipeline.tile.compute_tile`), with the component's own order-29 HEALPix
pixel as the "tile": one sky read around it (widened while a source reaches past it, as in
a tile, so the association is the whole sky's), one optical read (its 3.6′ box, seed §2.2.2),
every candidate scored and the field decided (seed §4.2) over all of them -- the same
likelihoods, ranks and flags the tile computed before its top-K cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from catalog.models import Candidate, ModelVersion, RadioComponent
from catalog.pipeline.score import Predictions
from catalog.pipeline.tile import compute_tile
from catalog.pipeline.tile_candidates import TilePairs, take
from catalog.sky.spatial import HPX_ORDER
from ml.association.refit import Method
from ml.host.likelihood_ratio import LRModel


@dataclass
class FullList:
    """Every candidate of one component, in stored order (optical pk); ``stored_id`` is the
    ``Candidate`` id where the pair is stored, else 0."""

    pairs: TilePairs
    predictions: Predictions
    stored_id: np.ndarray


def full_candidates(component: RadioComponent | int, mv: ModelVersion) -> FullList:
    """Recompute ``component``'s whole candidate field as model version ``mv`` scores it."""
    comp = (
        component
        if isinstance(component, RadioComponent)
        else RadioComponent.objects.get(pk=component)
    )
    out = compute_tile(
        comp.epoch_id,
        HPX_ORDER,
        comp.hpx,
        Method.from_config(mv.config),
        make_candidates=True,
        cut_top_k=False,
        lr=LRModel.from_dict(mv.config.get("lr")),
    )
    mine = out.pairs.component_id == comp.pk  # another component in the same 0.4 mas pixel: no
    pairs = out.pairs.take(mine)
    preds = take(out.predictions, mine)
    stored = dict(
        Candidate.objects.filter(component_id=comp.pk).values_list("optical_source_id", "pk")
    )
    ids = np.array([stored.get(o, 0) for o in pairs.optical_id.tolist()], np.int64)
    return FullList(pairs, preds, ids)
