"""catalog.read.host_catalogue.reliability_expression: the SQL reliability equals host_rows', on
PostgreSQL and SQLite, for random fields (likelihoods of exactly 0 and 1 included)."""

from __future__ import annotations

import numpy as np
import pytest

from catalog.models import (
    Candidate,
    Epoch,
    HostPrediction,
    ModelVersion,
    OpticalSource,
    RadioComponent,
    Survey,
)
from catalog.read.host_catalogue import host_rows, reliability_expression
from ml.host.decision import field_posterior
from tests.factories import RadioComponentFactory

DATABASES = ["default", "sqlite"]


def _random_fields(alias: str, seed: int, n_components: int = 40):
    rng = np.random.default_rng(seed)
    db = alias
    survey = Survey.objects.using(db).create(name="VLASS")
    epoch = Epoch.objects.using(db).create(survey=survey, name="2.1")
    mv = ModelVersion.objects.using(db).create(name="m", kind="host")
    expected = {}
    for i in range(n_components):
        comp = RadioComponent.objects.using(db).create(
            epoch=epoch, name=f"C{i}", ra=10.0 + i / 100, dec=5.0
        )
        n = int(rng.integers(0, 5))  # 0: no candidates, no host
        kind = rng.integers(0, 4)
        if kind == 0:
            liks = np.zeros(n)  # every odds 0: reliability 1/n
        elif kind == 1:
            liks = np.where(rng.random(n) < 0.5, 1.0, rng.random(n))  # certain hosts
        else:
            liks = rng.random(n)
        order = np.argsort(-liks, kind="stable")
        for rank, j in enumerate(order, start=1):
            opt = OpticalSource.objects.using(db).create(
                catalogue="ps1dr2", source_id=f"{i}-{j}", ra=comp.ra, dec=5.0 + j / 3600
            )
            cand = Candidate.objects.using(db).create(
                component=comp, optical_source=opt, dx_px=0, dy_px=j, distance_px=j
            )
            HostPrediction.objects.using(db).create(
                candidate=cand,
                model_version=mv,
                likelihood=float(liks[j]),
                rank=rank,
                is_positive=bool(liks[j] > 0.5),
                is_prime=False,
            )
        expected[comp.pk] = None if n == 0 else float(field_posterior(list(liks))[order[0]])
    return mv, expected


@pytest.mark.django_db(databases=DATABASES)
@pytest.mark.parametrize("alias", DATABASES)
@pytest.mark.parametrize("seed", [1, 2])
def test_sql_reliability_equals_host_rows_and_the_field_posterior(alias, seed):
    mv, expected = _random_fields(alias, seed)
    qs = RadioComponent.objects.using(alias).order_by("id")
    sql = dict(qs.annotate(rel=reliability_expression(mv)).values_list("id", "rel"))
    assert sql.keys() == expected.keys()
    for cid, want in expected.items():
        if want is None:
            assert sql[cid] is None, cid
        else:
            assert sql[cid] == pytest.approx(want, rel=1e-9, abs=1e-12), cid
    if alias == "default":  # host_rows reads the default database
        rows = {r.component_id: r.reliability for r in host_rows(list(qs), mv)}
        for cid, rel in sql.items():
            assert (rel is None) == (rows[cid] is None)
            if rel is not None:
                assert rel == pytest.approx(rows[cid], rel=1e-12, abs=1e-15)
    # a bound selects exactly the components whose reliability is within it
    for lo in (0.0, 0.3, 0.5, 0.9, 1.0):
        got = set(
            qs.alias(rel=reliability_expression(mv))
            .filter(rel__gte=lo)
            .values_list("id", flat=True)
        )
        assert got == {c for c, r in sql.items() if r is not None and r >= lo}


@pytest.mark.django_db
def test_no_model_version_means_no_reliability():
    RadioComponentFactory(epoch__name="2.1", name="C", ra=1.0, dec=1.0)
    rels = RadioComponent.objects.annotate(rel=reliability_expression(None))
    assert [r.rel for r in rels] == [None]
