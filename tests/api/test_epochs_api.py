"""Epoch endpoints: state and progress, the diff against the previous epoch, epoch history."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from catalog.diff.epochs import diff_epochs
from catalog.models import Epoch, HostPrediction
from tests.factories import answer_field


@pytest.fixture
def two_epochs(db):
    comp, old, opt, mv, ext = answer_field()
    Epoch.objects.update(state=Epoch.State.PROCESSED, model_version=mv, tiles_total=4, tiles_done=4)
    # in the new epoch the model prefers the second candidate: the host changed
    for p in HostPrediction.objects.filter(model_version=mv, candidate__component=comp):
        p.rank = {opt[0].pk: 2, opt[1].pk: 1}.get(p.candidate.optical_source_id, 3)
        p.likelihood = 0.95 if p.rank == 1 else p.likelihood
        p.save()
    diff = diff_epochs(old.epoch, comp.epoch)
    return comp, old, opt, diff


def test_epochs_list_state_and_progress(two_epochs):
    rows = APIClient().get("/api/epochs/").json()["results"]
    assert [r["state"] for r in rows] == ["processed", "processed"]
    assert rows[0]["progress"]["fraction"] == 1.0 and rows[0]["progress"]["tiles_total"] == 4
    assert APIClient().get("/api/epochs/", {"state": "failed"}).json()["results"] == []


def test_epoch_diff_lists_what_changed(two_epochs):
    comp, old, opt, diff = two_epochs
    client = APIClient()
    body = client.get(f"/api/epochs/{comp.epoch_id}/diff/").json()
    assert body["diff"]["summary"]["host_changed"] == 1 and body["diff"]["summary"]["new"] == 1
    kinds = {(e["kind"], e["component_b"]) for e in body["results"]}
    assert ("host_changed", comp.pk) in kinds
    changed = client.get(f"/api/epochs/{comp.epoch_id}/diff/", {"kind": "host_changed"}).json()
    assert [(e["host_a"], e["host_b"]) for e in changed["results"]] == [(opt[0].pk, opt[1].pk)]
    assert client.get(f"/api/epochs/{comp.epoch_id}/diff/", {"kind": "odd"}).status_code == 400
    assert body["provenance"]["epochs"] and body["provenance"]["rows"]
    first = client.get(f"/api/epochs/{old.epoch_id}/diff/").json()
    assert first["diff"] is None and first["results"] == []


def test_component_epoch_history_carries_the_diff(two_epochs):
    comp, old, opt, _ = two_epochs
    epochs = APIClient().get(f"/api/components/{comp.pk}/").json()["epochs"]
    assert [(e["epoch"], e["host_optical_id"]) for e in epochs] == [
        ("1.1", opt[0].pk),
        ("2.1", opt[1].pk),
    ]
    assert epochs[1]["change"] == "host_changed"
    assert epochs[0]["change"] is None and epochs[1]["epoch_state"] == "processed"


def test_component_page_says_what_changed_since_the_previous_epoch(two_epochs, client):
    comp, old, opt, _ = two_epochs
    html = client.get(f"/components/{comp.pk}/").content.decode()
    assert '<td class="epoch-change">Another host</td>' in html
    assert '<td class="epoch-change">—</td>' in html  # the first epoch: nothing to compare
