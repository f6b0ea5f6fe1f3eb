"""Summary refreshes are idempotent upserts: two at once, each on its own connection, both
succeed and leave exactly the rows one refresh alone writes (PostgreSQL; on SQLite writers
serialise and the race cannot happen)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from tests.factories import simulated_sky


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refreshes_both_succeed(tmp_path, settings, eager):
    if connection.vendor != "postgresql":
        pytest.skip("the primary-key race needs concurrent writers (PostgreSQL)")
    from catalog.models import ComponentSummary
    from catalog.read.summaries import refresh_summaries

    settings.MEDIA_ROOT = str(tmp_path / "media")
    simulated_sky(tmp_path, n_fields=3)
    # the reference: what one refresh alone writes
    ref = {
        s.component_id: (s.best_candidate_id, s.n_positive, s.review_priority)
        for s in ComponentSummary.objects.all()
    }
    assert ref
    # rows already present: delete + insert then races (the second writer's delete waits for
    # the first, finds nothing left to delete, and its insert hits the first writer's keys)
    errors, counts = [], []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            counts.append(refresh_summaries())
        except Exception as exc:  # noqa: BLE001 - the test reports any failure
            errors.append(exc)
        finally:
            connections.close_all()

    rounds = 5
    for _ in range(rounds):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert counts == [len(ref)] * (2 * rounds)
    got = {
        s.component_id: (s.best_candidate_id, s.n_positive, s.review_priority)
        for s in ComponentSummary.objects.all()
    }
    assert got == ref
