"""catalog.read.answers: the component answer and host rows (PostgreSQL), and catalog.labels.writer's rules."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import connection

from catalog.labels import writer as labelling
from catalog.models import (
    Label,
    ModelVersion,
    RadioComponent,
)
from catalog.pipeline.component import METHOD_NAME
from catalog.read import answers
from ml.host.decision import field_posterior
from tests.factories import (
    LIKS,
    LabelFactory,
    LabellerFactory,
    OpticalSourceFactory,
    UserFactory,
    answer_field,
)


@pytest.fixture
def curator(db):
    # a fresh instance: the permission cache of the created one predates the grant
    return User.objects.get(pk=LabellerFactory(username="curator", password="pw").pk)


def test_answer_ranks_candidates_with_photometry_and_reliability(db, django_assert_max_num_queries):
    comp, old, opt, mv, _ = answer_field()
    comp = RadioComponent.objects.select_related("epoch__survey", "source").get(pk=comp.pk)
    with django_assert_max_num_queries(9):
        a = answers.component_answer(comp)
    assert a.model_version == mv
    assert [c.optical_id for c in a.candidates] == [o.pk for o in opt]
    assert a.host.optical_id == opt[0].pk
    np.testing.assert_allclose([c.reliability for c in a.candidates], field_posterior(LIKS))
    assert a.host.p_galaxy == 0.8 and a.host.photometry["r_mag"] == 20
    assert a.host.separation_arcsec == pytest.approx(1.0, abs=1e-6)
    assert [c["name"] for c in a.source_components][0] == comp.name
    assert [(e.epoch, e.component_id) for e in a.epochs] == [("1.1", old.pk), ("2.1", comp.pk)]
    assert a.epochs[0].host.optical_id == opt[0].pk


def test_host_rows_reliability_equals_the_field_posterior(db):
    comp, old, opt, mv, ext = answer_field()
    rows = answers.host_rows([comp, old], mv)
    assert [r.optical_id for r in rows] == [opt[0].pk, opt[0].pk]
    assert rows[0].reliability == pytest.approx(field_posterior(LIKS)[0], rel=1e-9)
    assert rows[0].n_candidates == 3
    ext_row = answers.host_rows([comp], ext)[0]
    assert ext_row.optical_id == opt[2].pk  # the external model ranks the far one first
    assert ext_row.reliability == pytest.approx(field_posterior([1 - x for x in LIKS])[2], rel=1e-9)


def test_default_model_version_is_never_external(db):
    comp, *_ = answer_field()
    ModelVersion.objects.filter(name=METHOD_NAME).delete()
    assert answers.default_model_version() is None
    assert answers.component_answer(comp.pk).host is None
    with pytest.raises(answers.UnknownModelVersion, match="'nope'"):
        answers.resolve_model_version("nope")


@pytest.mark.parametrize(
    "spelling",
    [
        "VLASS2QLCIR J033200.00-274800.0",
        "J033200.00-274800.0",
        "J33200.00-274800.0",
        " j33200.00-274800.0 ",
    ],
)
def test_find_by_name_accepts_the_spellings_people_use(db, spelling):
    comp, *_ = answer_field()
    # names are looked up in any letter case (one lookup for the API and the search page)
    assert answers.find_by_name(spelling) == [comp]


def test_labels_history_and_current(db, curator):
    comp, _, opt, *_ = answer_field()
    norris = LabelFactory(
        component=comp, host=opt[1], origin="norris2006", author_name="Norris 2006"
    )
    first = labelling.relabel(comp, author=curator, host=opt[0], supersedes=norris)
    second = labelling.relabel(
        comp.pk, author=curator, no_host=True, reason="confused field", supersedes=first.pk
    )
    a = answers.component_answer(comp.pk)
    assert [lab.id for lab in a.labels] == [norris.pk, first.pk, second.pk]
    assert a.label.id == second.pk and a.label.no_host and a.label.author == "curator"
    assert [lab.is_current for lab in a.labels] == [False, False, True]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"host_ra": 53.0}, "host_dec", "together"),
        ({"host_ra": 1000, "host_dec": -95}, "host_ra", "must be in [0, 360)"),
        ({"host_ra": 53.0, "host_dec": 10.0}, "host_ra", "a host lies within 180 arcsec"),
        ({"no_host": True}, "reason", "needs a reason"),
        ({"no_host": True, "reason": "a\x00b"}, "reason", "NUL"),
        ({"no_host": True, "reason": "x", "consensus_level": 5}, "consensus_level", "[0, 1]"),
        ({}, "host", "exactly one of"),
        ({"host": 999999}, "host", "not a candidate"),
        ({"no_host": True, "reason": "x", "supersedes": 999999}, "supersedes", "no label"),
    ],
)
def test_bad_label_bodies_are_named_and_write_nothing(db, curator, body, field, message):
    comp, *_ = answer_field()
    with pytest.raises(labelling.LabelInputError) as exc:
        labelling.relabel(comp, author=curator, **body)
    assert message in exc.value.errors[field]
    assert Label.objects.count() == 0


def test_host_must_be_a_candidate_and_position_in_range(db, curator):
    comp, _, opt, *_ = answer_field()
    stranger = OpticalSourceFactory(source_id="9", ra=53.0, dec=-27.8)
    with pytest.raises(labelling.LabelInputError, match="not a candidate"):
        labelling.relabel(comp, author=curator, host=stranger)
    lab = labelling.relabel(comp, author=curator, host_ra=53.001, host_dec=-27.8)
    assert lab.origin == "expert" and lab.host_id is None


def test_supersedes_must_be_current_label_of_same_component(db, curator):
    comp, old, opt, *_ = answer_field()
    first = labelling.relabel(comp, author=curator, host=opt[0])
    other = labelling.relabel(old, author=curator, host=opt[0])
    with pytest.raises(labelling.LabelConflict, match="pass supersedes"):
        labelling.relabel(comp, author=curator, host=opt[1])
    with pytest.raises(labelling.LabelConflict, match=f"belongs to component {old.pk}"):
        labelling.relabel(comp, author=curator, host=opt[1], supersedes=other)
    labelling.relabel(comp, author=curator, host=opt[1], supersedes=first)
    with pytest.raises(labelling.LabelConflict, match="no longer current") as exc:
        labelling.relabel(comp, author=curator, host=opt[2], supersedes=first)
    assert exc.value.current_ids and first.pk not in exc.value.current_ids
    assert Label.objects.current().filter(component=old).count() == 1


def test_writers_need_the_permission(db):
    comp, _, opt, *_ = answer_field()
    with pytest.raises(PermissionDenied):
        labelling.relabel(comp, author=UserFactory(username="reader"), host=opt[0])


@pytest.mark.django_db(transaction=True)
def test_concurrent_relabels_one_wins_one_conflicts(curator):
    comp, _, opt, *_ = answer_field()
    base = labelling.relabel(comp, author=curator, host=opt[0])
    barrier = threading.Barrier(2)
    outcomes = []

    def worker(host):
        try:
            barrier.wait()
            labelling.relabel(comp.pk, author=curator, host=host, supersedes=base.pk)
            outcomes.append("created")
        except labelling.LabelConflict:
            outcomes.append("conflict")
        except Exception as exc:  # a database error would be a bug
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(o,)) for o in opt[1:]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "created"]
    assert Label.objects.current().filter(component=comp).count() == 1


def test_one_current_expert_label_even_beside_catalogue_labels(db, curator):
    # two catalogue labels are current; an expert label supersedes one of them, and a later
    # expert label must replace the expert one, not the other catalogue label
    comp, _, opt, *_ = answer_field()
    rgz = LabelFactory(component=comp, host=opt[0], origin="rgz", author_name="RGZ")
    norris = LabelFactory(
        component=comp, host=opt[1], origin="norris2006", author_name="Norris 2006"
    )
    expert = labelling.relabel(comp, author=curator, host=opt[2], supersedes=rgz)
    with pytest.raises(
        labelling.LabelConflict, match=f"current expert label\\(s\\) \\[{expert.pk}\\]"
    ):
        labelling.relabel(comp, author=curator, host=opt[1], supersedes=norris)
    labelling.relabel(comp, author=curator, no_host=True, reason="lobes only", supersedes=expert)
    assert Label.objects.current().filter(component=comp, origin="expert").count() == 1
