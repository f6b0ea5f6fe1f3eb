"""Candidates made inside the tiles: equal to the untiled join and the untiled run, top-K stored,
the full list recomputed on request.

The reference is independent of the tiles: ``build_candidates`` (the set-based join over the
whole epoch) run AFTER the tiles finds every pair already stored with identical geometry
(nothing inserted or updated), and ``untiled_predictions`` (one ComponentSky for the whole
epoch) gives the likelihoods, ranks and hosts the tiles must have stored.
"""

from __future__ import annotations

import numpy as np
import pytest
from django.test import override_settings

from catalog.models import Candidate, Epoch, EpochTile, HostPrediction
from catalog.pipeline import tile as tile_mod
from catalog.pipeline.candidates import build_candidates
from catalog.pipeline.full_list import full_candidates
from ml.association.refit import Method
from ml.sim.epoch import simulate_epoch

pytestmark = pytest.mark.django_db

FULL_DEPTH = 260 / 3.6**2  # PS1 DR2 objects per arcmin² (~260 per 3.6′ box)


def _ingest(tmp_path, n, *, seed, optical_per_arcmin2=None):
    from catalog.simulated.epoch import ingest_sim_epoch

    kw = {} if optical_per_arcmin2 is None else {"optical_per_arcmin2": optical_per_arcmin2}
    ep = simulate_epoch(n, seed=seed, ra0=359.0, dec0=10.0, **kw)  # across RA = 0/360
    return ingest_sim_epoch(ep, "2", tmp_path, candidates=False)


def _run(epoch: Epoch) -> Epoch:
    from workers import tasks

    out = tasks.process_epoch.apply(args=(epoch.pk,)).get()
    assert out["action"] == "identify" and out["route"] == "catalogue", out
    epoch.refresh_from_db()
    assert epoch.state == Epoch.State.PROCESSED and epoch.candidates_in_tiles
    return epoch


def _stored_by_pair(epoch: Epoch) -> dict[tuple[int, int], tuple]:
    return {
        (c, o): (lk, r, pos, pr)
        for c, o, lk, r, pos, pr in HostPrediction.objects.filter(
            model_version=epoch.model_version
        ).values_list(
            "candidate__component_id", "candidate__optical_source_id",
            "likelihood", "rank", "is_positive", "is_prime",
        )
    }  # fmt: skip


def _reference_by_pair(epoch: Epoch) -> dict[tuple[int, int], tuple]:
    built = build_candidates(epoch)  # the untiled join, over the whole epoch
    assert built["updated"] == 0, built  # every stored pair's geometry is bit-identical
    p = tile_mod.untiled_predictions(epoch.pk, Method.from_config(epoch.model_version.config))
    pair = dict(
        (pk, (c, o))
        for pk, c, o in Candidate.objects.filter(component__epoch=epoch).values_list(
            "pk", "component_id", "optical_source_id"
        )
    )
    return {
        pair[int(c)]: (lk, int(r), bool(pos), bool(pr))
        for c, lk, r, pos, pr in zip(
            p.candidate_id, p.likelihood, p.rank, p.is_positive, p.is_prime, strict=True
        )
    }


def _assert_equal(got: dict, ref: dict, *, k: int | None) -> None:
    want = {key: v for key, v in ref.items() if k is None or v[1] <= k}
    assert set(got) == set(want)
    for key, (lk, r, pos, pr) in want.items():
        assert got[key][1:] == (r, pos, pr), key
        assert got[key][0] == pytest.approx(lk, abs=1e-12), key
    hosts = {c for (c, _), v in got.items() if v[1] == 1}
    assert hosts == {c for (c, _), v in ref.items() if v[1] == 1}


@override_settings(RADIOHOST_TILE_ORDER=6)
def test_seed_density_tiles_make_the_untiled_candidates_and_predictions(tmp_path, eager):
    epoch = _run(_ingest(tmp_path, 1200, seed=7))
    assert EpochTile.objects.filter(epoch=epoch).count() > 8
    got = _stored_by_pair(epoch)
    n_cand = Candidate.objects.filter(component__epoch=epoch).count()
    assert len(got) == n_cand == epoch.n_predictions > 10_000
    ref = _reference_by_pair(epoch)
    # the default top-K (64) stores every candidate at the seed's density: nothing changes
    assert max(v[1] for v in ref.values()) < 64
    _assert_equal(got, ref, k=None)


@override_settings(RADIOHOST_TILE_ORDER=7, RADIOHOST_CANDIDATES_TOP_K=10)
def test_full_depth_tiles_store_the_top_k_of_the_untiled_run(tmp_path, eager):
    epoch = _run(_ingest(tmp_path, 80, seed=11, optical_per_arcmin2=FULL_DEPTH))
    got = _stored_by_pair(epoch)
    ref = _reference_by_pair(epoch)
    per_comp = np.bincount([c for c, _ in ref])
    assert np.median(per_comp[per_comp > 0]) > 150  # full depth: ~260 in the seed's box
    _assert_equal(got, ref, k=10)
    assert len(got) == 10 * len({c for c, _ in got})


@override_settings(RADIOHOST_TILE_ORDER=7)
def test_top_k_stored_and_full_list_recomputed_equal_the_full_stored_list(tmp_path, eager):
    epoch = _ingest(tmp_path, 60, seed=5, optical_per_arcmin2=FULL_DEPTH)
    with override_settings(RADIOHOST_CANDIDATES_TOP_K="all"):
        epoch = _run(epoch)
    full = _stored_by_pair(epoch)
    comps = sorted({c for c, _ in full})
    # the same epoch again, top-5 stored: drop its rows, re-plan and re-run
    Candidate.objects.filter(component__epoch=epoch).delete()
    with override_settings(RADIOHOST_CANDIDATES_TOP_K=5):
        from workers import tasks

        tasks.process_epoch.apply(args=(epoch.pk,), kwargs={"force": True}).get()
    top = _stored_by_pair(epoch)
    assert set(top) == {key for key, v in full.items() if v[1] <= 5}
    mv = Epoch.objects.get(pk=epoch.pk).model_version
    for c in comps[:: max(1, len(comps) // 8)]:
        fl = full_candidates(c, mv)
        rec = {
            (c, int(o)): (lk, int(r), bool(pos), bool(pr))
            for o, lk, r, pos, pr in zip(
                fl.pairs.optical_id, fl.predictions.likelihood, fl.predictions.rank,
                fl.predictions.is_positive, fl.predictions.is_prime, strict=True,
            )
        }  # fmt: skip
        want = {key: v for key, v in full.items() if key[0] == c}
        assert set(rec) == set(want) and len(rec) > 100
        for key, v in want.items():
            assert rec[key][1:] == v[1:] and rec[key][0] == pytest.approx(v[0], abs=1e-12)
        # the stored top-5 carry their ids; the rest are recomputed only
        assert (fl.stored_id > 0).sum() == 5
        assert set(fl.pairs.optical_id[fl.stored_id > 0].tolist()) == {
            o for (cc, o), v in top.items() if cc == c
        }
    # the API: the stored top-5 by default, the recomputed full list with ?full=1
    from rest_framework.test import APIClient

    c = comps[0]
    api = APIClient()
    short = api.get(f"/api/components/{c}/candidates/").json()
    assert [r["rank"] for r in short] == [1, 2, 3, 4, 5]
    long = api.get(f"/api/components/{c}/candidates/?full=1").json()
    want = sorted((v[1], o, v[0]) for (cc, o), v in full.items() if cc == c)
    assert [(r["rank"], r["optical_id"]) for r in long] == [(r, o) for r, o, _ in want]
    assert [r["likelihood"] for r in long] == pytest.approx([lk for *_, lk in want], abs=1e-12)
    assert [r["candidate_id"] is not None for r in long] == [r <= 5 for r, _, _ in want]
