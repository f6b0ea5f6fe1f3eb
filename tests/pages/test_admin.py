"""Admin for staff: read-only science, the 'no host' action through catalog.labels.writer,
history that shows relabels, no Save buttons on a label."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Label


@pytest.fixture
def staff(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", password="root-pass-123")


def test_no_host_action_leaves_one_current_expert_label(client, sky, staff):
    comp_id = sky["component_ids"][0]
    lab = Label.objects.current().get(component_id=comp_id, origin="sim")
    client.force_login(staff)
    url = reverse("admin:catalog_label_changelist")
    for _ in range(2):  # twice: the second supersedes the first expert label
        r = client.post(url, {"action": "mark_no_host", "_selected_action": [lab.pk]})
        assert r.status_code == 302
    expert = Label.objects.current().filter(component_id=comp_id, origin="expert")
    assert expert.count() == 1 and expert[0].no_host
    assert expert[0].supersedes.origin == "expert"
    history = client.get(reverse("admin:catalog_radiocomponent_history", args=[comp_id]))
    assert "relabelled" in history.content.decode()


def test_a_label_is_shown_without_save_buttons(client, sky, staff):
    lab = Label.objects.first()
    client.force_login(staff)
    r = client.get(reverse("admin:catalog_label_change", args=[lab.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    # the page shows the label (its component), only without the buttons that would save it
    assert str(lab.component) in html or lab.component.name in html
    assert 'name="_save"' not in html and 'name="_continue"' not in html


def test_science_rows_are_read_only_and_predictions_have_an_admin(client, sky, staff):
    client.force_login(staff)
    comp_id = sky["component_ids"][0]
    html = client.get(
        reverse("admin:catalog_radiocomponent_change", args=[comp_id])
    ).content.decode()
    assert 'name="ra"' not in html and "open the component page" in html
    r = client.get(reverse("admin:catalog_hostprediction_changelist"))
    assert r.status_code == 200 and "likelihood" in r.content.decode().lower()
    r = client.get(reverse("admin:catalog_candidate_changelist"))
    assert r.status_code == 200
