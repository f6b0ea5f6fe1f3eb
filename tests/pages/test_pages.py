"""Server-side behaviour of the pages (Django test client on PostgreSQL)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Label, RadioComponent
from pages.forms import format_sexagesimal


def test_bad_positions_give_the_parsers_message_on_the_page(client, db, bad_position):
    """The search page refuses RA 400 (astropy would wrap it to 40) with the API's words."""
    text, expected = bad_position
    r = client.get(reverse("pages:search"), {"position": text})
    assert r.status_code == 200
    assert r.context["form"].errors["position"] == [expected[1]]


def _component(sky) -> RadioComponent:
    return RadioComponent.objects.get(pk=sky["component_ids"][0])


def test_search_by_sexagesimal_position_finds_the_component_with_export_links(client, sky):
    comp = _component(sky)
    r = client.get(
        reverse("pages:search"),
        {"position": format_sexagesimal(comp.ra, comp.dec), "radius_arcsec": 5},
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert comp.name in html
    row = [c for c, _ in r.context["rows"]]
    assert row[0].pk == comp.pk and row[0].separation_arcsec < 1.0
    # the same query from the API, in decimal degrees
    from urllib.parse import parse_qs, urlparse

    q = parse_qs(urlparse(r.context["api_csv"]).query)
    assert float(q["ra"][0]) == pytest.approx(comp.ra, abs=1e-4) and q["format"] == ["csv"]
    assert "format=votable" in r.context["api_votable"]


def test_search_by_name_spellings_and_flags(client, sky):
    comp = _component(sky)
    jname = comp.name.split()[-1]
    for spelling in (comp.name, comp.name.lower(), jname, comp.name.replace(" ", "_")):
        r = client.get(reverse("pages:search"), {"name": spelling})
        assert [c.pk for c, _ in r.context["rows"]] == [comp.pk], spelling
    r = client.get(reverse("pages:search"), {"prime": "on", "sort": "-reliability"})
    rows = r.context["rows"]
    assert rows and all(h.is_prime for _, h in rows)
    rel = [h.reliability for _, h in rows]
    assert rel == sorted(rel, reverse=True)


def test_search_pages_by_limit_not_by_loading_the_table(client, sky):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pages.views import search as search_view

    n = RadioComponent.objects.count()
    assert n > 3
    search_view.PAGE_SIZE, old = 2, search_view.PAGE_SIZE
    try:
        with CaptureQueriesContext(connection) as first:
            r = client.get(reverse("pages:search"), {"flux_min": 0})
        assert len(r.context["rows"]) == 2 and r.context["more"]
        with CaptureQueriesContext(connection) as last:
            r = client.get(reverse("pages:search"), {"flux_min": 0, "page": (n + 1) // 2})
        assert not r.context["more"]
    finally:
        search_view.PAGE_SIZE = old
    # Every read of the component table is a LIMITed page (no count, no whole-table load),
    # and the last page costs the same number of queries as the first.
    for q in (first, last):
        reads = [x["sql"] for x in q.captured_queries if '"catalog_radiocomponent"' in x["sql"]]
        assert reads and all("LIMIT" in sql for sql in reads), reads
    assert len(first.captured_queries) == len(last.captured_queries)


def test_search_form_errors_are_shown(client, db):
    r = client.get(reverse("pages:search"), {"position": "nowhere"})
    assert r.status_code == 200 and "cannot read" in r.content.decode()
    r = client.get(reverse("pages:search"), {"flux_min": 5, "flux_max": 1})
    assert "must be ≥ the lower flux limit" in r.content.decode()


def test_component_page_ranks_candidates_and_renders_a_catalogue_field(client, sky, media):
    comp = _component(sky)
    r = client.get(reverse("pages:component", args=[comp.pk]))
    assert r.status_code == 200
    answer = r.context["a"]
    liks = [c.likelihood for c in answer.candidates]
    assert liks == sorted(liks, reverse=True)
    html = r.content.decode()
    assert 'id="catalogue-rendered"' in html  # no pixels stored for this component
    assert r.context["overlay_ready"]
    png = client.get(r.context["overlay_url"])
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert b"".join(png.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
    assert "relabel-form" not in html  # anonymous: no control


def test_overlay_is_redrawn_when_predictions_change(client, sky, media):
    from catalog.images.overlay import current_name
    from catalog.models import HostPrediction
    from catalog.read.answers import component_answer

    comp = _component(sky)
    client.get(reverse("pages:component", args=[comp.pk]))
    before = current_name(component_answer(comp.pk))
    HostPrediction.objects.filter(candidate__component=comp, rank=1).update(likelihood=0.123)
    after = current_name(component_answer(comp.pk))
    assert after != before
    r = client.get(reverse("pages:component", args=[comp.pk]))
    assert r.context["overlay_ready"] and (media / after).is_file()


def test_curator_relabels_in_one_post_and_the_component_leaves_the_queue(client, sky, curator):
    from django.contrib.admin.models import LogEntry

    from catalog.models import HostPrediction
    from catalog.read.summaries import refresh_summaries, review_queryset

    # make one component ambiguous: no candidate above 0.5 (a seed §4.2 no-prime case)
    HostPrediction.objects.filter(candidate__component_id=sky["component_ids"][1]).update(
        likelihood=0.3, is_positive=False, is_prime=False
    )
    refresh_summaries()
    queued = list(review_queryset().values_list("component_id", flat=True))
    assert queued, "the simulated sky flags no component"
    cid = queued[0]
    comp = RadioComponent.objects.get(pk=cid)
    client.force_login(curator)
    page = client.get(reverse("pages:component", args=[cid]) + "?from=review")
    assert 'id="relabel-form"' in page.content.decode()
    old = page.context["a"].label
    target = page.context["a"].candidates[-1]
    r = client.post(
        reverse("pages:relabel", args=[cid]),
        {
            "choice": f"host:{target.optical_id}",
            "reason": "host between the lobes",
            "supersedes": old.id if old else "",
        },
    )
    assert r.status_code == 302
    current = Label.objects.current().filter(component=comp)
    expert = current.filter(origin="expert")
    assert expert.count() == 1 and expert[0].host_id == target.optical_id
    if old is not None:
        assert expert[0].supersedes_id == old.id
    assert cid not in set(review_queryset().values_list("component_id", flat=True))
    assert LogEntry.objects.filter(
        object_id=str(cid), change_message__startswith="relabelled"
    ).exists()
    # the history shows the old and the new label
    page = client.get(reverse("pages:component", args=[cid]))
    ids = [row["label"].id for row in page.context["labels"]]
    assert expert[0].pk in ids and (old is None or old.id in ids)
    # a stale second relabel against the old label is a conflict, not a second current label
    if old is not None:
        client.post(
            reverse("pages:relabel", args=[cid]),
            {"choice": "none", "reason": "stale", "supersedes": old.id},
        )
        assert Label.objects.current().filter(component=comp, origin="expert").count() == 1


def test_non_curators_see_no_control_and_forged_posts_are_refused(client, sky, astronomer):
    comp = _component(sky)
    n = Label.objects.count()
    post = {"choice": "none", "reason": "forged"}
    assert client.post(reverse("pages:relabel", args=[comp.pk]), post).status_code == 403
    client.force_login(astronomer)
    html = client.get(reverse("pages:component", args=[comp.pk])).content.decode()
    assert "relabel-form" not in html and "mark-host" not in html
    assert client.post(reverse("pages:relabel", args=[comp.pk]), post).status_code == 403
    assert Label.objects.count() == n


def test_labellers_usernames_are_shown_to_curators_only(client, sky, curator, astronomer):
    from catalog.labels import writer as labelling

    comp = _component(sky)
    head = Label.objects.current().filter(component=comp).first()
    labelling.relabel(
        comp.pk, author=curator, no_host=True, reason="no host", supersedes=head and head.pk
    )
    url = reverse("pages:component", args=[comp.pk])

    def by_column(html):
        rows = html.split('id="label-history"', 1)[1].split("</table>", 1)[0]
        return rows

    # the page showed author_name to everyone, and an expert label's author_name is the username
    for user in (None, astronomer):
        if user is not None:
            client.force_login(user)
        assert "cora" not in by_column(client.get(url).content.decode())
    client.force_login(curator)
    assert "cora" in by_column(client.get(url).content.decode())


def test_comments_need_a_login(client, sky, astronomer):
    comp = _component(sky)
    url = reverse("pages:comment", args=[comp.pk])
    assert client.post(url, {"text": "hi"}).status_code == 302  # to the login page
    client.force_login(astronomer)
    client.post(url, {"text": "the western lobe is brighter"})
    html = client.get(reverse("pages:component", args=[comp.pk])).content.decode()
    assert "the western lobe is brighter" in html


def test_review_queue_is_ordered_and_counts_relabels_since_the_refit(client, sky):
    from catalog.models import ComponentSummary

    # Flag four components with distinct priorities (ties included) and give one of them a
    # current expert label, which takes it out of the queue.
    flagged = list(ComponentSummary.objects.order_by("component_id")[:4])
    assert len(flagged) == 4
    for prio, x in zip((0.3, 0.9, 0.3, 0.6), flagged, strict=True):
        ComponentSummary.objects.filter(pk=x.pk).update(
            needs_review=True, review_priority=prio, no_positive=True
        )
    comp = flagged[1].component
    Label.objects.create(component=comp, origin=Label.Origin.EXPERT, no_host=True, reason="test")
    r = client.get(reverse("pages:review"))
    assert r.status_code == 200
    rows = list(r.context["rows"])
    # The queue, rebuilt by hand: flagged summaries without a current expert label, highest
    # priority first (component id breaks ties), as many as fit on the page.
    expert = set(
        Label.objects.current()
        .filter(origin=Label.Origin.EXPERT)
        .values_list("component_id", flat=True)
    )
    want = sorted(
        (
            x
            for x in ComponentSummary.objects.all()
            if x.needs_review and x.component_id not in expert
        ),
        key=lambda x: (-x.review_priority, x.component_id),
    )
    assert len(want) == 3
    assert [x.component_id for x in rows] == [x.component_id for x in want]
    assert [x.review_priority for x in rows] == [0.6, 0.3, 0.3]
    assert all(x.reasons for x in rows)
    assert r.context["relabels_since_refit"] == 1  # the expert label made above


def test_home_and_models_pages(client, sky):
    r = client.get(reverse("pages:home"))
    html = r.content.decode()
    assert r.status_code == 200 and "<svg" in html and "Norris-71" in html
    assert r.context["counts"]["components"] == RadioComponent.objects.count()
    r = client.get(reverse("pages:models"))
    assert r.status_code == 200 and "association-positional-v2" in r.content.decode()


def test_create_curator_command(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("create_curator", "vera", stdout=out)
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="vera")
    assert user.has_perm("catalog.add_label") and "password:" in out.getvalue()
