"""The stored likelihood-ratio reliability in the epoch pipeline: tiles equal the untiled run
and the per-component path, field by field, and each field's reliabilities and p_no_host sum
to 1 (computed over all of its candidates before anything is cut)."""

from __future__ import annotations

import numpy as np
import pytest

from catalog.models import HostPrediction, RadioComponent
from catalog.pipeline import tile as tile_mod
from catalog.pipeline.component import association_model_version, identify_components
from ml.association.refit import Method
from ml.host.likelihood_ratio import LRModel
from ml.sim.epoch import simulate_epoch

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_epoch(tmp_path):
    from catalog.simulated.epoch import ingest_sim_epoch

    ep = simulate_epoch(300, seed=17, ra0=40.0, dec0=5.0)
    return ingest_sim_epoch(ep, "2", tmp_path)


def test_tiles_untiled_and_per_component_store_the_same_reliability(small_epoch):
    epoch = small_epoch
    mv = association_model_version()
    method = Method.from_config(mv.config)
    lr = LRModel(q0=0.8)
    ref = tile_mod.untiled_predictions(epoch.pk, method, lr)
    ref_rel = dict(zip(ref.candidate_id.tolist(), ref.reliability.tolist(), strict=True))
    ref_none = dict(zip(ref.candidate_id.tolist(), ref.p_no_host.tolist(), strict=True))
    pixels = sorted(
        {h >> (2 * (29 - 6)) for h in RadioComponent.objects.filter(epoch=epoch, is_science=True)
         .values_list("hpx", flat=True)}
    )  # fmt: skip
    seen = 0
    for p in pixels:
        pr = tile_mod.compute_tile(epoch.pk, 6, p, method, sky_order=9, lr=lr).predictions
        for c, rel, pn in zip(pr.candidate_id.tolist(), pr.reliability, pr.p_no_host, strict=True):
            assert rel == pytest.approx(ref_rel[c], abs=1e-12)
            assert pn == pytest.approx(ref_none[c], abs=1e-12)
            seen += 1
    assert seen == len(ref) > 100
    # the per-component path (SkyCoord separations) with Q0 stored in the version's config
    mv.config = {**mv.config, "lr": lr.to_dict()}
    mv.save(update_fields=["config"])
    comps = sorted(
        RadioComponent.objects.filter(epoch=epoch, is_science=True, candidates__isnull=False)
        .values_list("id", flat=True)
        .distinct()
    )[::5]
    assert identify_components(comps, mv) > 20
    rows = HostPrediction.objects.filter(model_version=mv).values_list(
        "candidate_id", "candidate__component_id", "reliability", "p_no_host"
    )
    per_field: dict[int, list] = {}
    for c, comp, rel, pn in rows:
        assert rel == pytest.approx(ref_rel[c], abs=1e-9)
        assert pn == pytest.approx(ref_none[c], abs=1e-9)
        per_field.setdefault(comp, []).append((rel, pn))
    for vals in per_field.values():
        rel = np.array([v[0] for v in vals])
        assert len({v[1] for v in vals}) == 1
        assert rel.sum() + vals[0][1] == pytest.approx(1.0, abs=1e-9)


def test_the_writer_stores_and_updates_reliability_by_copy_and_by_upsert(small_epoch):
    from dataclasses import replace

    from django.db import transaction

    from catalog.pipeline.writer import write_predictions

    epoch = small_epoch
    mv = association_model_version()
    method = Method.from_config(mv.config)
    p = tile_mod.untiled_predictions(epoch.pk, method)
    with transaction.atomic():
        assert write_predictions(p, mv.id, fresh=True) == len(p)

    def stored():
        return dict(
            HostPrediction.objects.filter(model_version=mv).values_list(
                "candidate_id", "reliability"
            )
        )

    got = stored()
    np.testing.assert_allclose([got[c] for c in p.candidate_id.tolist()], p.reliability)
    # a re-run that changes only the reliability rewrites exactly those rows; NaN -> NULL
    rel = p.reliability.copy()
    rel[:5] = np.nan
    with transaction.atomic():
        assert write_predictions(replace(p, reliability=rel), mv.id, fresh=False) == 5
    got = stored()
    assert [got[c] for c in p.candidate_id[:5].tolist()] == [None] * 5
    assert got[int(p.candidate_id[5])] == pytest.approx(p.reliability[5])
