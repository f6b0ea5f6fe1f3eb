"""Optical-code cache of the host engine: one encoding per optical source (seed §3.3).

An optical source that lies in several overlapping fields is encoded once; entries are keyed by
source id and valid only for the engine that made them (:meth:`OpticalCache.bind`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

import torch


class OpticalCache:
    """Optical codes keyed by source id, valid for one prepared model (LRU, optional size cap).

    Parameters
    ----------
    max_items : int, optional
        Evict least-recently-used entries beyond this many (None: unbounded).
    """

    def __init__(self, max_items: int | None = None) -> None:
        if max_items is not None and max_items < 1:
            raise ValueError(f"OpticalCache.max_items must be >= 1 or None, got {max_items}")
        self.max_items = max_items
        self._data: OrderedDict[Hashable, torch.Tensor] = OrderedDict()
        self._owner: object | None = None
        self.hits = 0
        self.misses = 0

    def bind(self, owner: object) -> None:
        """Entries are only valid for the engine that made them; switching engines clears them."""
        if owner is not self._owner:
            self._data.clear()
            self._owner = owner

    def __contains__(self, key: Hashable) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: Hashable) -> torch.Tensor:
        self._data.move_to_end(key)
        return self._data[key]

    def put(self, key: Hashable, value: torch.Tensor) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        if self.max_items is not None:
            while len(self._data) > self.max_items:
                self._data.popitem(last=False)

    def clear(self) -> None:
        self._data.clear()
        self.hits = self.misses = 0
