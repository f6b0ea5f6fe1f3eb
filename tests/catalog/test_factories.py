"""tests/factories.py builds rows the way production code does: positions indexed, the
label and prediction rules kept, users able to sign in and (curators) to write labels."""

import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord

from catalog.labels.writer import can_write_labels
from catalog.models import HostPrediction, Label, RadioComponent
from catalog.sky.spatial import hpx_index
from tests.factories import (
    PASSWORD,
    CandidateFactory,
    CuratorFactory,
    HostPredictionFactory,
    LabelFactory,
    LabellerFactory,
    RadioComponentFactory,
    UserFactory,
    answer_field,
)

pytestmark = pytest.mark.django_db


def test_positions_get_their_healpix_index_and_a_cone_search_finds_them():
    comp = RadioComponentFactory(ra=150.0, dec=2.2)
    assert comp.hpx == int(hpx_index(150.0, 2.2)[0])
    found = RadioComponent.objects.cone_search(SkyCoord(150.0, 2.2, unit="deg"), 1 * u.arcsec)
    assert list(found) == [comp]


def test_candidate_distance_and_prediction_flags_follow_their_inputs():
    cand = CandidateFactory(dx_px=3.0, dy_px=4.0)
    assert cand.distance_px == 5.0
    low = HostPredictionFactory(candidate=cand, likelihood=0.3)
    assert HostPrediction.objects.get(pk=low.pk).is_positive is False
    assert HostPredictionFactory(likelihood=0.8).is_positive is True


def test_a_label_is_a_current_head_with_a_host():
    label = LabelFactory()
    assert list(Label.objects.current()) == [label] and label.host is not None


def test_users_sign_in_and_only_labellers_and_curators_write_labels(client):
    plain, labeller, curator = UserFactory(), LabellerFactory(), CuratorFactory()
    assert client.login(username=plain.username, password=PASSWORD)
    assert not can_write_labels(plain)
    assert can_write_labels(type(labeller).objects.get(pk=labeller.pk))
    assert can_write_labels(type(curator).objects.get(pk=curator.pk))
    assert curator.groups.filter(name="curators").exists()


def test_answer_field_is_the_scene_its_docstring_describes():
    comp, old, opt, mv, ext = answer_field()
    assert (comp.epoch.name, old.epoch.name) == ("2.1", "1.1")
    assert comp.source.components.count() == 2
    assert [c.distance_px for c in comp.candidates.order_by("distance_px")] == [1.0, 3.0, 8.0]
    got = {
        (p.candidate.optical_source_id, p.model_version_id): p.likelihood
        for p in HostPrediction.objects.filter(candidate__component=comp)
    }
    assert [got[o.pk, mv.pk] for o in opt] == [0.9, 0.7, 0.2]
    assert [got[o.pk, ext.pk] for o in opt] == pytest.approx([0.1, 0.3, 0.8])
