"""The likelihood-ratio model of one epoch, fitted on the epoch's own data, once.

q(m), n(m) and Q0 depend on the optical depth and the radio sky of the epoch (S&S 1992 §2;
Fleuren et al. 2012 §4: both are estimated from the catalogues being matched, never carried
over from another sky), and on the method's cores and σ. So the fit is stored per epoch and
method version, in ``Epoch.lr_fit[str(model_version_id)]`` (the fitted
:meth:`ml.host.likelihood_ratio.LRModel.to_dict`), made by :func:`epoch_lr` before the epoch's
tiles run (:func:`catalog.pipeline.epoch.start`) or, for a tile run without it, by the first
tile; every tile of the epoch reads the same stored fit.

Reproducible: the fit reads a fixed sample of the epoch's planned tiles (:func:`fit_tiles`,
evenly spaced in HEALPix index, at most :data:`FIT_TILES`) through the tile's own reads and
core location (:func:`catalog.pipeline.tile_fields.tile_fields`), and
:func:`ml.host.lr_fit.fit_lr` is pure; a re-run on the same data gives the same numbers.
"""

from __future__ import annotations

import numpy as np
from django.db import transaction

from catalog.models import Epoch, EpochTile
from catalog.pipeline.locks import LR_FIT, advisory_lock
from catalog.pipeline.lr_mags import band_mag, choose_band
from catalog.pipeline.score import lr_fields
from catalog.pipeline.tile_fields import tile_fields
from ml.association.refit import Method
from ml.host.likelihood_ratio import LRModel
from ml.host.lr_fit import fit_lr

#: tiles read for the fit: at a VLASS epoch's order-6 tiles (~3,000 components each at 1 %)
#: 16 give ~10^4-10^5 fields, ~10^2 counterparts per 1-mag bin (Ciliegi et al. 2003 §4)
FIT_TILES = 16


def fit_tiles(epoch_id: int) -> list[tuple[int, int]]:
    """(order, index) of the planned tiles the fit reads: all, or FIT_TILES evenly spaced."""
    tiles = list(
        EpochTile.objects.filter(epoch_id=epoch_id).order_by("order", "index")
        .values_list("order", "index")
    )  # fmt: skip
    if len(tiles) <= FIT_TILES:
        return tiles
    pick = np.unique(np.linspace(0, len(tiles) - 1, FIT_TILES).round().astype(int))
    return [tiles[i] for i in pick]


def fit_epoch(epoch_id: int, mv) -> LRModel:
    """Fit the epoch's model (no write): the fields of :func:`fit_tiles` as the tiles see them."""
    method = Method.from_config(mv.config)
    in_tiles = Epoch.objects.filter(pk=epoch_id).values_list("candidates_in_tiles", flat=True)
    seps, starts, sigmas, mags = [], [], [], []
    at = 0
    for order, index in fit_tiles(epoch_id):
        f = tile_fields(epoch_id, order, index, method, make_candidates=in_tiles.get())
        if f.cand_t.size == 0:
            continue
        sep, st, sig = lr_fields(f.cand_t, f.cand_ra, f.cand_dec, f.cores, method)
        seps.append(sep)
        starts.append(st + at)
        sigmas.append(sig)
        mags.append(f.cand_mag)
        at += sep.size
    if not seps:
        return LRModel()  # no candidate anywhere: the default model (nothing is scored)
    mag_all = np.concatenate(mags)
    band = choose_band(mag_all)
    return fit_lr(
        np.concatenate(seps), np.concatenate(starts), np.concatenate(sigmas),
        band_mag(mag_all, band), band=band,
    )  # fmt: skip


def epoch_lr(epoch_id: int, mv, *, refit: bool = False) -> LRModel:
    """The epoch's stored fit for ``mv``; fitted and stored first when missing (or ``refit``).

    Idempotent under concurrency: the fit runs under an advisory lock per epoch, and a caller
    that finds a stored fit once it holds the lock uses that one.
    """
    key = str(mv.pk)
    if not refit:
        stored = Epoch.objects.filter(pk=epoch_id).values_list("lr_fit", flat=True).get()
        if key in (stored or {}):
            return LRModel.from_dict(stored[key])
    with advisory_lock(LR_FIT, epoch_id, wait=True):
        with transaction.atomic():
            epoch = Epoch.objects.select_for_update().get(pk=epoch_id)
            fits = dict(epoch.lr_fit or {})
            if key in fits and not refit:
                return LRModel.from_dict(fits[key])
        model = fit_epoch(epoch_id, mv)
        with transaction.atomic():
            epoch = Epoch.objects.select_for_update().get(pk=epoch_id)
            fits = dict(epoch.lr_fit or {})
            fits[key] = model.to_dict()
            Epoch.objects.filter(pk=epoch_id).update(lr_fit=fits)
    return model
