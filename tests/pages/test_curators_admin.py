"""Curators relabel in /admin/ too (labels only), keep their password across demo runs, and a
refusal is a page that says what to do."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse

from catalog.curation.curators import create_curator
from catalog.models import Label


def test_a_curator_opens_the_admin_for_labels_and_nothing_else(client, sky, curator):
    client.force_login(curator)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200
    html = index.content.decode()
    assert reverse("admin:catalog_label_changelist") in html
    assert reverse("admin:catalog_radiocomponent_changelist") not in html
    assert reverse("admin:auth_user_changelist") not in html
    for name in ("admin:catalog_radiocomponent_changelist", "admin:auth_user_changelist",
                 "admin:catalog_hostprediction_changelist"):  # fmt: skip
        assert client.get(reverse(name)).status_code == 403, name


def test_a_curator_relabels_from_the_admin_through_the_label_writer(client, sky, curator):
    comp_id = sky["component_ids"][0]
    lab = Label.objects.current().get(component_id=comp_id, origin="sim")
    client.force_login(curator)
    url = reverse("admin:catalog_label_changelist")
    assert "mark_no_host" in client.get(url).content.decode()
    r = client.post(url, {"action": "mark_no_host", "_selected_action": [lab.pk]})
    assert r.status_code == 302
    new = Label.objects.current().get(component_id=comp_id, origin="expert")
    assert new.no_host and new.author == curator and new.supersedes_id == lab.pk


def test_a_signed_in_non_curator_gets_no_admin_and_no_relabel_action(client, sky, astronomer):
    client.force_login(astronomer)
    r = client.get(reverse("admin:catalog_label_changelist"))
    assert r.status_code == 302 and "/admin/login/" in r["Location"]


@pytest.mark.django_db
def test_creating_an_existing_curator_again_keeps_the_password():
    user, first = create_curator("dora")
    assert first and user.is_staff
    again, password = create_curator("dora")
    assert password is None and again.pk == user.pk
    assert authenticate(username="dora", password=first) is not None


@pytest.mark.django_db
def test_the_demo_curator_keeps_its_password_and_the_demo_says_so(monkeypatch, tmp_path):
    import io

    from catalog.demo import finish

    user, password = create_curator(finish.DEMO_CURATOR)
    monkeypatch.setattr(finish, "is_demo_database", lambda: True)
    out = io.StringIO()

    class Out:
        def write(self, text):
            out.write(text + "\n")

    (tmp_path / "radio").mkdir()
    finish.finish(Out(), tmp_path)
    assert "already exists in this database: its password was kept" in out.getvalue()
    assert password not in out.getvalue()
    assert authenticate(username=finish.DEMO_CURATOR, password=password) is not None


def test_a_refused_relabel_is_a_page_that_says_what_to_do(client, sky, astronomer):
    comp = sky["component_ids"][0]
    post = {"choice": "none", "reason": "x"}
    r = client.post(reverse("pages:relabel", args=[comp]), post)
    assert r.status_code == 403
    anon = r.content.decode()
    assert 'id="forbidden-login"' in anon and "curators" in anon
    assert "site.css" in anon  # the site's own page, not a bare "403 Forbidden"
    client.force_login(astronomer)
    r = client.post(reverse("pages:relabel", args=[comp]), post)
    html = r.content.decode()
    assert r.status_code == 403 and "signed in as <strong>ann</strong>" in html
    assert "manage.py create_curator ann" in html
    assert "relabelling needs the curators" in html  # the reason given by the view
