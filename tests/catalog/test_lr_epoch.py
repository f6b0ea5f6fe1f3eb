"""The epoch's likelihood-ratio fit and the q(m)-based reliability the tiles store.

* a tile's stored reliability with q(m)/n(m) in PS1 r equals the one ml computes from the
  same cores, σ and magnitudes (1e-12), and differs from the flat-q/n form;
* the fit is per epoch (two epochs, two fits), stored once, reproduced exactly by a refit,
  and every tile of an epoch scores with that one fit;
* the core σ reads the component's E_RA/E_DEC (a hand-computed case).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from catalog.models import Epoch, EpochTile, HostPrediction, RadioComponent
from catalog.pipeline import tile as tile_mod
from catalog.pipeline.component import association_model_version
from catalog.pipeline.epoch import plan
from catalog.pipeline.lr_epoch import epoch_lr
from catalog.pipeline.lr_mags import band_mag
from catalog.pipeline.lr_store import stored_lr
from ml.association.refit import Method
from ml.host.likelihood_ratio import SIGMA_PER_RESOLVED_FWHM, core_sigma_arcsec, field_reliability
from ml.sim.epoch import simulate_epoch

pytestmark = pytest.mark.django_db


def _epoch(tmp_path, name, seed, ra0):
    from catalog.simulated.epoch import ingest_sim_epoch

    return ingest_sim_epoch(simulate_epoch(300, seed=seed, ra0=ra0, dec0=5.0), name, tmp_path)


@pytest.fixture
def epoch(tmp_path):
    return _epoch(tmp_path, "2", 17, 40.0)


def _tiles(ep):
    return list(EpochTile.objects.filter(epoch=ep).order_by("index").values_list("order", "index"))


def test_a_tile_stores_the_q_m_reliability_ml_computes(epoch):
    mv = association_model_version()
    plan(epoch, mv, order=6)
    lr = epoch_lr(epoch.pk, mv)
    assert lr.band == "r" and lr.n is not None and len(lr.edges) > 2
    method = Method.from_config(mv.config)
    seen = differs = 0
    for order, index in _tiles(epoch):
        f = tile_mod.tile_fields(epoch.pk, order, index, method)
        if f.cand_t.size == 0:
            continue
        got = tile_mod.compute_tile(epoch.pk, order, index, method, lr=lr).predictions
        flat = tile_mod.compute_tile(epoch.pk, order, index, method).predictions
        c = f.cores
        sigma = core_sigma_arcsec(
            c.e_ra_arcsec, c.e_dec_arcsec, multi_component=c.is_multi,
            sigma_single_arcsec=method.sigma(False), sigma_multi_arcsec=method.sigma(True),
            extent_arcsec=c.extent_arcsec,
        )  # fmt: skip
        from ml.sky import angle_arcsec, unit_vectors

        sep = angle_arcsec(unit_vectors(f.cand_ra, f.cand_dec), unit_vectors(c.ra, c.dec)[f.cand_t])
        ratio = lr.likelihood_ratio(sep, sigma[f.cand_t], band_mag(f.cand_mag, "r"))
        starts = np.flatnonzero(np.r_[True, np.diff(f.cand_t) != 0])
        rel, p_none = field_reliability(ratio, starts, lr.q0)
        np.testing.assert_allclose(got.reliability, rel, rtol=0, atol=1e-12)
        sizes = np.diff(np.append(starts, rel.size))
        np.testing.assert_allclose(got.p_no_host, np.repeat(p_none, sizes), rtol=0, atol=1e-12)
        seen += rel.size
        differs += int(np.sum(np.abs(got.reliability - flat.reliability) > 1e-3))
    assert seen > 100
    assert differs > 10  # the magnitudes are read, not a flat q/n under another name


def test_the_fit_is_per_epoch_reproducible_and_one_for_all_tiles(tmp_path, epoch):
    from catalog.pipeline.tile import run_tile

    other = _epoch(tmp_path / "b", "3", 23, 120.0)
    mv = association_model_version()
    for ep in (epoch, other):
        plan(ep, mv, order=6)
    assert stored_lr(epoch.pk, mv) is None
    a = epoch_lr(epoch.pk, mv).to_dict()
    b = epoch_lr(other.pk, mv).to_dict()
    assert a != b  # each epoch's own data
    assert Epoch.objects.get(pk=epoch.pk).lr_fit == {str(mv.pk): a}
    assert epoch_lr(epoch.pk, mv, refit=True).to_dict() == a  # a re-run: the same fit
    method = Method.from_config(mv.config)
    for tid in EpochTile.objects.filter(epoch=epoch).values_list("pk", flat=True):
        run_tile(tid)
    assert Epoch.objects.get(pk=epoch.pk).lr_fit == {str(mv.pk): a}  # the tiles refit nothing
    lr = stored_lr(epoch.pk, mv)
    stored = dict(
        HostPrediction.objects.filter(model_version=mv, candidate__component__epoch=epoch)
        .values_list("candidate_id", "reliability")
    )  # fmt: skip
    n = 0
    for order, index in _tiles(epoch):
        p = tile_mod.compute_tile(epoch.pk, order, index, method, lr=lr).predictions
        for c, r in zip(p.candidate_id.tolist(), p.reliability.tolist(), strict=True):
            assert stored[c] == pytest.approx(r, abs=1e-12)
            n += 1
    assert n == len(stored) > 100


def test_the_core_sigma_reads_e_ra_and_e_dec(epoch):
    mv = association_model_version()
    method = Method.from_config(mv.config)
    plan(epoch, mv, order=6)
    order, index = _tiles(epoch)[0]
    f = tile_mod.tile_fields(epoch.pk, order, index, method)
    single = int(np.flatnonzero(~f.cores.is_multi)[0])
    cid = int(f.ident[single])
    RadioComponent.objects.filter(pk=cid).update(
        e_ra_arcsec=0.6, e_dec_arcsec=0.8, dc_major_arcsec=None
    )
    g = tile_mod.tile_fields(epoch.pk, order, index, method)
    k = int(np.flatnonzero(g.ident == cid)[0])
    assert not g.cores.is_multi[k]
    assert (g.cores.e_ra_arcsec[k], g.cores.e_dec_arcsec[k]) == (0.6, 0.8)
    from catalog.pipeline.score import core_sigma

    s1 = method.sigma(False)
    # σ² = σ_sys² + (0.6² + 0.8²)/2 = σ_sys² + 0.5
    assert core_sigma(g.cores, method)[k] == pytest.approx(math.sqrt(s1**2 + 0.5), abs=1e-12)
    # a resolved single: FWHM/4 of its deconvolved major axis in quadrature (8″ -> 2″)
    assert SIGMA_PER_RESOLVED_FWHM == 0.25
    RadioComponent.objects.filter(pk=cid).update(dc_major_arcsec=8.0)
    h = tile_mod.tile_fields(epoch.pk, order, index, method)
    k = int(np.flatnonzero(h.ident == cid)[0])
    assert core_sigma(h.cores, method)[k] == pytest.approx(math.sqrt(s1**2 + 0.5 + 4.0), abs=1e-12)
