"""The epoch pipeline in-process: tiles vs an untiled run, states, re-runs, diff.

The broker paths (real workers on Redis and RabbitMQ, SIGKILL) are in tests/workers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.test import override_settings

from catalog.models import Epoch, EpochDiff, EpochTile, HostPrediction, RadioComponent
from catalog.pipeline import tile as tile_mod
from ml.association.refit import Method
from ml.sim.epoch import repeat, simulate_epoch

pytestmark = pytest.mark.django_db


def untiled_reference(epoch: Epoch, method: Method) -> dict[int, tuple]:
    """Every science component associated in ONE ComponentSky of the whole epoch."""
    p = tile_mod.untiled_predictions(epoch.pk, method)
    return {
        int(c): (lk, int(r), bool(pos), bool(pr))
        for c, lk, r, pos, pr in zip(
            p.candidate_id, p.likelihood, p.rank, p.is_positive, p.is_prime, strict=True
        )
    }


def stored(epoch: Epoch) -> dict[int, tuple]:
    return {
        c: (lk, r, pos, pr)
        for c, lk, r, pos, pr in HostPrediction.objects.filter(
            model_version=epoch.model_version
        ).values_list("candidate_id", "likelihood", "rank", "is_positive", "is_prime")
    }


@pytest.fixture
def sim_epoch(tmp_path):
    from catalog.simulated.epoch import ingest_sim_epoch

    # ~1,200 components on ~12 deg²: at tile order 6 (0.84 deg²) ~20 tiles, and with
    # association sub-tiles at order 9 (~6.9′) many doubles and triples straddle an edge
    ep = simulate_epoch(1200, seed=7, ra0=359.0, dec0=10.0)  # across RA = 0/360 too
    return ingest_sim_epoch(ep, "2", tmp_path), ep


@override_settings(RADIOHOST_TILE_ORDER=6)
def test_tiles_change_no_prediction_compared_with_an_untiled_run(sim_epoch, eager, monkeypatch):
    from workers import tasks

    epoch, _ = sim_epoch
    monkeypatch.setattr(tile_mod.T, "SKY_ORDER", 9)
    out = tasks.process_epoch.apply(args=(epoch.pk,)).get()
    assert out["action"] == "identify" and out["tiles"] > 8 and out["route"] == "catalogue"
    epoch.refresh_from_db()
    assert epoch.state == Epoch.State.PROCESSED and epoch.processed_at is not None
    assert epoch.tiles_done == epoch.tiles_total == out["tiles"]
    got = stored(epoch)
    ref = untiled_reference(epoch, Method.from_config(epoch.model_version.config))
    assert set(got) == set(ref) and len(got) == epoch.n_predictions > 1000
    for c, (lk, r, pos, pr) in ref.items():
        g = got[c]
        assert g[1:] == (r, pos, pr) and g[0] == pytest.approx(lk, abs=1e-12), c
    multi = sum(1 for v in ref.values() if v[1] == 1)  # one best per identified component
    assert multi == epoch.n_components
    n_sci = RadioComponent.objects.filter(epoch=epoch, is_science=True).count()
    assert epoch.n_components + epoch.n_without_candidates == n_sci


def test_a_narrow_margin_is_widened_where_a_source_reaches_past_it(sim_epoch):
    """Exactness does not rest on the margin: with a 20″ margin, groups that reach past the
    disc are detected and re-read wider, and the predictions still equal the untiled run."""
    from catalog.pipeline.component import association_model_version

    epoch, _ = sim_epoch
    method = Method.from_config(association_model_version().config)
    ref = untiled_reference(epoch, method)
    tiles = RadioComponent.objects.filter(epoch=epoch, is_science=True).values_list(
        "hpx", flat=True
    )
    pixels = sorted({h >> (2 * (29 - 6)) for h in tiles})
    widened = 0
    for p in pixels:
        out = tile_mod.compute_tile(epoch.pk, 6, p, method, sky_order=9, margin_arcsec=20.0)
        widened += out.widened
        pr = out.predictions
        for c, lk, r, pos, prime in zip(pr.candidate_id, pr.likelihood, pr.rank,
                                        pr.is_positive, pr.is_prime, strict=True):  # fmt: skip
            assert (int(r), bool(pos), bool(prime)) == ref[int(c)][1:]
            assert lk == pytest.approx(ref[int(c)][0], abs=1e-12)
    assert widened > 0


def _give_shapes(epoch: Epoch, seed: int = 3) -> None:
    """Deterministic CIRADA-like shapes (the simulated epoch has none), so the edge model's
    shape features take part and a path that dropped them would score differently."""
    rng = np.random.default_rng(seed)
    comps = list(RadioComponent.objects.filter(epoch=epoch).order_by("id"))
    for c in comps:
        c.dc_major_arcsec = float(rng.uniform(0.0, 20.0))
        c.dc_minor_arcsec = float(c.dc_major_arcsec * rng.uniform(0.2, 1.0))
        c.pa_deg = float(rng.uniform(0.0, 180.0))
        c.isl_rms_mjy = float(rng.uniform(0.1, 0.2))
    RadioComponent.objects.bulk_update(
        comps, ["dc_major_arcsec", "dc_minor_arcsec", "pa_deg", "isl_rms_mjy"]
    )


def _edges_method() -> Method:
    return Method.from_config({**Method().to_config(), "associator": "edges"})


def _tile_predictions(epoch: Epoch, method: Method, margin_arcsec: float) -> tuple[dict, int]:
    tiles = RadioComponent.objects.filter(epoch=epoch, is_science=True).values_list(
        "hpx", flat=True
    )
    got, widened = {}, 0
    for p in sorted({h >> (2 * (29 - 6)) for h in tiles}):
        out = tile_mod.compute_tile(
            epoch.pk, 6, p, method, sky_order=9, margin_arcsec=margin_arcsec
        )
        widened += out.widened
        pr = out.predictions
        for c, lk, r, pos, prime in zip(pr.candidate_id, pr.likelihood, pr.rank,
                                        pr.is_positive, pr.is_prime, strict=True):  # fmt: skip
            got[int(c)] = (float(lk), int(r), bool(pos), bool(prime))
    return got, widened


@pytest.mark.parametrize("margin_arcsec", [tile_mod.T.MARGIN_ARCSEC, 20.0])
def test_edge_associator_tiles_equal_the_untiled_run(sim_epoch, margin_arcsec):
    """``associator: edges`` runs the edge model in the tiles (not the rules), with the shapes,
    and its reach bound keeps the tiles exact, also where a narrow margin forces widening."""
    epoch, _ = sim_epoch
    _give_shapes(epoch)
    method = _edges_method()
    ref = untiled_reference(epoch, method)
    rules = untiled_reference(epoch, Method())
    assert sum(ref[c][1:] != rules[c][1:] for c in ref) > 10  # the two associators differ here
    got, widened = _tile_predictions(epoch, method, margin_arcsec)
    assert set(got) == set(ref)
    for c, (lk, r, pos, pr) in ref.items():
        assert got[c][1:] == (r, pos, pr) and got[c][0] == pytest.approx(lk, abs=1e-12), c
    assert (widened > 0) == (margin_arcsec < 100)


def test_edge_associator_tiles_agree_with_per_component_identification(sim_epoch):
    """The tile path and catalog.pipeline.component (one cone-search sky per component, the shapes via
    identify.sky_arrays) give the same predictions for an edges ModelVersion."""
    from catalog.models import ModelVersion
    from catalog.pipeline.component import identify_components

    epoch, _ = sim_epoch
    _give_shapes(epoch)
    method = _edges_method()
    mv = ModelVersion.objects.create(
        name="edges-test", kind=ModelVersion.Kind.HOST, config=method.to_config()
    )
    got, _ = _tile_predictions(epoch, Method.from_config(mv.config), tile_mod.T.MARGIN_ARCSEC)
    comps = sorted(
        RadioComponent.objects.filter(epoch=epoch, is_science=True, candidates__isnull=False)
        .values_list("id", flat=True)
        .distinct()
    )[::4]  # a quarter: identify.py reads one sky per component (SkyCoord), slow in bulk
    assert identify_components(comps, mv) > 200
    stored = HostPrediction.objects.filter(model_version=mv).values_list(
        "candidate_id", "likelihood", "rank", "is_positive", "is_prime"
    )
    assert len(stored) > 200
    for c, lk, r, pos, pr in stored:
        # identify.py measures separations with SkyCoord, the tiles in numpy
        assert got[c][1:] == (r, pos, pr) and got[c][0] == pytest.approx(lk, abs=1e-9), c


@override_settings(RADIOHOST_TILE_ORDER=6)
def test_rerun_skips_done_tiles_and_rewrites_nothing(sim_epoch, eager):
    from workers import tasks

    epoch, _ = sim_epoch
    tasks.process_epoch.apply(args=(epoch.pk,)).get()
    stamps = dict(HostPrediction.objects.values_list("pk", "updated_at"))
    # a processed epoch re-sent: every tile is done, nothing is recomputed or rewritten
    again = tasks.process_epoch.apply(args=(epoch.pk,)).get()
    assert again["action"] == "finish" and again["tiles"] == 0
    assert dict(HostPrediction.objects.values_list("pk", "updated_at")) == stamps
    # forced: the tiles run again and the upsert changes no row
    forced = tasks.process_epoch.apply(args=(epoch.pk,), kwargs={"force": True}).get()
    assert forced["tiles"] > 0
    assert dict(HostPrediction.objects.values_list("pk", "updated_at")) == stamps
    assert EpochTile.objects.filter(epoch=epoch, attempts=1).count() == forced["tiles"]


def test_a_failing_tile_fails_the_epoch_with_its_error(sim_epoch, eager):
    from catalog.models import ModelVersion
    from workers import tasks

    epoch, _ = sim_epoch
    bad = {**Method().to_config(), "sigma_single_arcsec": -1.0}  # positional_likelihood refuses
    ModelVersion.objects.create(name="bad-refit", kind="host", status="active", config=bad)
    tasks.process_epoch.apply(args=(epoch.pk,)).get()
    epoch.refresh_from_db()
    assert epoch.state == Epoch.State.FAILED and epoch.processed_at is None
    assert "sigma_arcsec must be > 0" in epoch.error
    assert EpochTile.objects.filter(epoch=epoch, state="failed").exists()


@pytest.mark.real_data("vlass_cirada_ql_sample/CIRADA_VLASS1QL_table1_components_v1_head100.csv")
def test_real_cirada_sample_without_candidates_needs_candidates(eager):
    from django.conf import settings

    from catalog.ingest.vlass_cirada import ingest_vlass_cirada
    from workers import tasks

    path = (Path(settings.RADIOHOST_DATA_DIR) / "vlass_cirada_ql_sample"
            / "CIRADA_VLASS1QL_table1_components_v1_head100.csv")  # fmt: skip
    ingest_vlass_cirada(path)
    epoch = Epoch.objects.get()
    assert tasks.process_new_epochs.apply().get() == [epoch.pk]
    epoch.refresh_from_db()
    n_sci = RadioComponent.objects.filter(epoch=epoch, is_science=True).count()
    assert epoch.state == Epoch.State.NEEDS_CANDIDATES and epoch.processed_at is None
    assert epoch.n_without_candidates == n_sci > 0 and epoch.n_components == 0
    assert (
        RadioComponent.objects.filter(epoch=epoch, is_science=True, no_candidates=True).count()
        == n_sci
    )
    # beat does not send it again while it has no candidates
    assert tasks.process_new_epochs.apply().get() == []


@override_settings(RADIOHOST_TILE_ORDER=6)
def test_second_epoch_is_diffed_against_the_first(sim_epoch, eager, tmp_path):
    from catalog.simulated.epoch import ingest_sim_epoch
    from workers import tasks

    first, ep = sim_epoch
    tasks.process_epoch.apply(args=(first.pk,)).get()
    ep2 = repeat(ep, seed=3, drop=0.02, add=0.02)
    second = ingest_sim_epoch(ep2, "3", tmp_path / "e3")
    out = tasks.process_epoch.apply(args=(second.pk,)).get()
    assert out["action"] == "identify"
    d = EpochDiff.objects.get(epoch_a=first, epoch_b=second)
    n_a = RadioComponent.objects.filter(epoch=first, is_science=True).count()
    n_b = RadioComponent.objects.filter(epoch=second, is_science=True).count()
    assert (d.n_a, d.n_b) == (n_a, n_b)
    assert d.n_matched + d.n_gone == n_a and d.n_matched + d.n_new == n_b
    # ~2 % dropped and ~2 % added (new ones land up to 5′ away, a few on an old position)
    assert 0.01 * n_a < d.n_gone < 0.04 * n_a and 0.01 * n_b < d.n_new < 0.04 * n_b
    # the same sky: the overlap is all of it, every class counted as stored
    assert d.n_a_outside == 0 and d.n_b_outside == 0 and d.overlap_deg2 > 5
    for kind in ("host_changed", "host_lost", "host_found", "reliability_changed"):
        assert d.entries.filter(kind=kind).count() == d.summary[kind]
    # a 0.5″ re-fit of every position changes few answers (the likelihood moves for many more)
    flagged = d.n_host_changed + d.n_host_lost + d.n_host_found + d.n_reliability_changed
    assert flagged < 0.1 * d.n_matched, d.summary
    call_command("epoch_diff", "VLASS 2", "VLASS 3")  # recomputes the same figures
    d2 = EpochDiff.objects.get(epoch_a=first, epoch_b=second)
    assert d2.summary == d.summary


def test_cpu_identification_path_imports_no_torch():
    """A cpu worker's identification path (tasks, tile code, ml science) never loads torch."""
    import subprocess
    import sys

    code = (
        "import sys, django; django.setup();"
        "import workers.tasks, workers.pipeline, catalog.pipeline.tile, catalog.pipeline.epoch,"
        " catalog.pipeline.route, catalog.diff.epochs, catalog.pipeline.inbox, catalog.curation.refit;"
        "print('torch' in sys.modules)"
    )
    env = {**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "radiohost_site.settings"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=Path(__file__).resolve().parents[2], timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"


@override_settings(RADIOHOST_TILE_ORDER=6)
def test_a_finished_epoch_refreshes_the_search_summaries(sim_epoch, eager):
    # the search table and review queue read pages' ComponentSummary rows: finish_epoch
    # rewrites them for the epoch, so they never lag behind its predictions
    from catalog.models import ComponentSummary
    from workers import tasks

    epoch, _ = sim_epoch
    tasks.process_epoch.apply(args=(epoch.pk,)).get()
    epoch.refresh_from_db()
    with_preds = set(
        RadioComponent.objects.filter(
            epoch=epoch, candidates__predictions__model_version=epoch.model_version
        ).values_list("pk", flat=True)
    )
    assert with_preds
    assert set(ComponentSummary.objects.values_list("component_id", flat=True)) == with_preds


def test_finishing_twice_does_the_work_once(sim_epoch, eager):
    # a second delivery of the finishing callback must not redo the diff or the summary
    # refresh, nor move processed_at: the conditional state update lets only one through
    from catalog.models import ComponentSummary, Epoch
    from workers import tasks

    epoch, _ = sim_epoch
    tasks.process_epoch.apply(args=(epoch.pk,)).get()
    epoch.refresh_from_db()
    assert epoch.state == Epoch.State.PROCESSED
    stamps = dict(ComponentSummary.objects.values_list("component_id", "updated_at"))
    assert stamps
    again = tasks.finish_epoch.apply(args=(epoch.pk,)).get()
    assert again["already_finished"] is True
    assert "diff" not in again
    after = Epoch.objects.get(pk=epoch.pk)
    assert after.processed_at == epoch.processed_at
    assert after.state_changed_at == epoch.state_changed_at
    assert dict(ComponentSummary.objects.values_list("component_id", "updated_at")) == stamps
