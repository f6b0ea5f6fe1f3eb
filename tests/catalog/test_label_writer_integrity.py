"""Every label write goes through the one label writer, under one set of rules.

* a re-ingest of a published label set never makes a label a curator superseded current
  again, nor adds a rival current label (Norris 2006; the simulated sky's truth);
* the command-line expert import obeys the API's rules (host within reach, a reason for
  "no host", errors naming the component) and a refused file stores nothing;
* an expert label has no consensus level (the API answers 400).

Run on PostgreSQL by ``make test``; with ``DATABASE_URL=sqlite:///…`` on SQLite.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from rest_framework.test import APIClient

from catalog.ingest.labels_expert import ingest_expert
from catalog.ingest.labels_norris import ingest_norris
from catalog.labels import writer as labelling
from catalog.labels.published import HELD_SUPERSEDED
from catalog.models import Label, RadioComponent
from ml.paths import data_dir

ROOT = data_dir()
NAME = "ATCDFS_J033323.71-281147.0"


@pytest.fixture
def curator(db):
    user = User.objects.create_user("carol", password="pw-carol-123")
    user.user_permissions.add(Permission.objects.get(codename="add_label"))
    return User.objects.get(pk=user.pk)  # fresh permission cache


def _labels():
    return sorted(
        Label.objects.values_list(
            "pk", "component_id", "origin", "host_ra", "no_host", "reason", "supersedes_id"
        )
    )


def _current(comp) -> list[tuple[str, bool]]:
    return sorted(Label.objects.current().filter(component=comp).values_list("origin", "no_host"))


@pytest.mark.django_db
def test_norris_reingest_keeps_the_curators_label_current(curator):
    ingest_norris(ROOT)
    comp = RadioComponent.objects.get(name=NAME)
    published = Label.objects.current().get(component=comp, origin="norris2006")
    mine = labelling.relabel(
        comp, author=curator, no_host=True, reason="a lobe", supersedes=published.pk
    )
    assert _current(comp) == [("expert", True)]
    again = ingest_norris(ROOT)
    assert again.counts["Label"]["inserted"] == 0 and again.counts["Label"]["updated"] == 0
    assert again.rejected[HELD_SUPERSEDED] == 1
    assert _current(comp) == [("expert", True)]
    # the published label stays in the history, superseded by the curator's
    assert Label.objects.get(pk=published.pk).superseded_by == mine
    assert Label.objects.filter(component=comp, origin="norris2006").count() == 1


@pytest.mark.django_db
def test_second_sim_ingest_keeps_the_curators_label_current(tmp_path, curator):
    """What a second ``make demo`` does to the simulated-truth labels."""
    from catalog.simulated.sky import ingest_sim_sky
    from ml.sim.formats import write_sky

    write_sky(3, tmp_path / "sky", 11)
    ingest_sim_sky(tmp_path / "sky")
    truth = Label.objects.current().filter(origin="sim").order_by("pk").first()
    comp = truth.component
    labelling.relabel(comp, author=curator, no_host=True, reason="artefact", supersedes=truth.pk)
    n_sim = Label.objects.filter(origin="sim").count()
    rep = ingest_sim_sky(tmp_path / "sky")
    assert rep.counts["Label"]["inserted"] == 0 and rep.rejected[HELD_SUPERSEDED] == 1
    assert _current(comp) == [("expert", True)]
    assert Label.objects.filter(origin="sim").count() == n_sim


def _expert_file(tmp_path, body: str):
    p = tmp_path / "expert.csv"
    p.write_text("component,host_ra,host_dec,author,reason\n" + body)
    return p


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "msg"),
    [
        (  # a host 10 degrees away
            f"{NAME},63.3488,-28.1964,carol,far away\n",
            "line 2, column 'host_ra': the position is 317",
        ),
        (f"{NAME},none,,carol,\n", "line 2, column 'reason': a no-host label needs a reason"),
        (f"{NAME},none,,carol,   \n", "line 2, column 'reason': a no-host label needs a reason"),
        (
            f"{NAME},none,,carol,x\n{NAME},none,,carol,y\n",
            f"line 3, column 'component': duplicate name '{NAME}' (first on line 2)",
        ),
    ],
    ids=["host_10_deg", "no_reason", "blank_reason", "duplicate"],
)
def test_expert_file_obeys_the_label_rules(tmp_path, row, msg):
    ingest_norris(ROOT)
    before = _labels()
    p = _expert_file(tmp_path, row)
    with pytest.raises(ValueError) as exc:
        ingest_expert(p)
    assert str(exc.value).startswith(f"{p}: {msg}"), str(exc.value)
    assert _labels() == before


@pytest.mark.django_db
def test_expert_file_by_position_names_the_component_in_a_duplicate(tmp_path):
    ingest_norris(ROOT)
    comp = RadioComponent.objects.get(name=NAME)
    before = _labels()
    p = tmp_path / "expert.csv"
    p.write_text(
        "ra,dec,host_ra,host_dec,author,reason\n"
        f"{comp.ra},{comp.dec},none,,bob,a lobe\n"
        f"{comp.ra + 1e-5},{comp.dec},none,,bob,a lobe again\n"
    )
    with pytest.raises(ValueError) as exc:
        ingest_expert(p)
    assert str(exc.value).startswith(
        f"{p}: line 3, column 'component': duplicate name '{NAME}' (first on line 2)"
    )
    assert _labels() == before


@pytest.mark.django_db
def test_expert_file_supersedes_the_published_label_once(tmp_path):
    """The import replaces the label that speaks for the component (here Norris's), like the
    API; one current label afterwards, and an identical re-run changes nothing."""
    ingest_norris(ROOT)
    comp = RadioComponent.objects.get(name=NAME)
    p = _expert_file(tmp_path, f"{NAME},53.3488,-28.1964,alice,host at the radio core\n")
    assert dict(ingest_expert(p).counts["Label"]) == {"inserted": 1, "updated": 0, "unchanged": 0}
    assert _current(comp) == [("expert", False)]
    assert dict(ingest_expert(p).counts["Label"]) == {"inserted": 0, "updated": 0, "unchanged": 1}
    head = Label.objects.current().get(component=comp)
    assert head.supersedes.origin == "norris2006" and head.author_name == "alice"


@pytest.mark.django_db
@pytest.mark.parametrize("level", [1.0, 0.0, 0.5])
def test_expert_label_has_no_consensus_level(curator, level):
    ingest_norris(ROOT)
    comp = RadioComponent.objects.get(name=NAME)
    head = Label.objects.current().get(component=comp)
    before = _labels()
    with pytest.raises(labelling.LabelInputError) as exc:
        labelling.relabel(
            comp,
            author=curator,
            no_host=True,
            reason="x",
            supersedes=head.pk,
            consensus_level=level,
        )
    assert "an expert label has no consensus level" in exc.value.errors["consensus_level"]
    client = APIClient()
    client.force_authenticate(curator)
    r = client.post(
        "/api/labels/",
        {
            "component": comp.pk,
            "no_host": True,
            "reason": "x",
            "supersedes": head.pk,
            "consensus_level": level,
        },
        format="json",
    )
    assert r.status_code == 400, r.content
    assert "no consensus level" in str(r.json()["consensus_level"])
    assert _labels() == before


def test_labels_are_inserted_by_the_label_writer_only():
    """No service code outside ``catalog/labels/`` creates Label rows (the ORM's create,
    bulk_create, get_or_create, update_or_create, or ``Label(...)`` then save)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(
        r"\bLabel\.objects\.(create|bulk_create|get_or_create|update_or_create)\b|\bLabel\("
    )
    offenders = []
    for pkg in ("catalog", "pages", "workers", "radiohost_site"):
        for p in (root / pkg).rglob("*.py"):
            rel = p.relative_to(root).as_posix()
            if rel.startswith("catalog/labels/") or "/migrations/" in rel:
                continue
            for n, line in enumerate(p.read_text().splitlines(), start=1):
                if pattern.search(line) and not line.lstrip().startswith(("#", "class ")):
                    offenders.append(f"{rel}:{n}: {line.strip()}")
    assert offenders == []
