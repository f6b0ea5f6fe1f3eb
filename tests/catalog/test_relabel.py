"""Retraining fed by expert relabels: labels -> refit -> registered, activated version."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from catalog.curation.refit import (
    MIN_FIELDS,
    REFIT_PREFIX,
    refit_due,
    refit_from_labels,
    training_labels,
)
from catalog.models import HostPrediction, Label, ModelVersion
from catalog.pipeline.component import (
    association_model_version,
    current_method_version,
    identify_components,
)
from ml.association.refit import Method
from tests.factories import (
    CandidateFactory,
    LabelFactory,
    ModelVersionFactory,
    OpticalSourceFactory,
)
from workers import tasks


def _sky(tmp_path, fields: int, seed: int = 5) -> None:
    from catalog.simulated.sky import ingest_sim_sky
    from ml.sim.formats import write_sky

    write_sky(fields, tmp_path / "sky", seed)
    ingest_sim_sky(tmp_path / "sky")


def _n_trainable() -> int:
    """Components whose current label names one of their candidates as host, counted here
    from the tables themselves (not through the refit's own label selection)."""
    return (
        Label.objects.current()
        .filter(component__candidates__optical_source=F("host"))
        .values("component")
        .distinct()
        .count()
    )


def _relabel(label: Label) -> Label:
    """An expert says the host is another of the component's candidates (the nearest other)."""
    cands = list(label.component.candidates.order_by("distance_px"))
    other = next(c for c in cands if c.optical_source_id != label.host_id)
    return LabelFactory(
        component=label.component,
        host=other.optical_source,
        origin=Label.Origin.EXPERT,
        author_name="test expert",
        reason="host is the other galaxy",
        supersedes=label,
    )


@pytest.mark.django_db
def test_refit_registers_once_per_label_set_and_expert_labels_take_precedence(tmp_path):
    _sky(tmp_path, 14)
    mv, created = refit_from_labels()
    assert created and mv.name.startswith(REFIT_PREFIX) and mv.kind == "host"
    n = _n_trainable()
    assert Label.objects.current().exclude(origin="sim").count() == 0
    assert n >= MIN_FIELDS and mv.is_simulated_training
    assert mv.label_snapshot["n"] == n and mv.label_snapshot["by_origin"] == {"sim": n}
    cv = mv.metrics["labels_cv"]
    assert cv["refit"]["n"] == cv["baseline"]["n"] == n
    assert set(mv.config) >= {"association", "sigma_single_arcsec", "sigma_multi_arcsec"}
    assert mv.config["associator"] == "rules"  # the deployed default
    assert refit_from_labels() == (mv, False)  # same labels: nothing new is trained

    sim = [lab for lab in training_labels() if lab.component.candidates.count() > 1][:3]
    experts = [_relabel(lab) for lab in sim]
    used = {lab.component_id: lab for lab in training_labels()}
    for e in experts:
        assert used[e.component_id].pk == e.pk  # the relabel, not the superseded label
    mv2, created2 = refit_from_labels()
    assert created2 and mv2.name != mv.name
    assert mv2.label_snapshot["by_origin"]["expert"] == 3
    assert not mv2.is_simulated_training
    assert set(e.pk for e in experts) <= set(mv2.label_snapshot["ids"])


@pytest.mark.django_db
def test_activation_follows_the_held_out_figures_and_drives_identification(tmp_path):
    _sky(tmp_path, 14)
    mv, _ = refit_from_labels()
    cv = mv.metrics["labels_cv"]
    good = (cv["refit"]["top1"], cv["refit"]["prime_correct"]) >= (
        cv["baseline"]["top1"],
        cv["baseline"]["prime_correct"],
    )
    assert (mv.status == "active") == good
    assert mv.metrics["decision"].startswith("activated" if good else "kept")
    assert current_method_version() == (mv if good else association_model_version())

    # identification reads its scales from the version's config
    wide = ModelVersionFactory(
        name="wide-scales",
        kind="host",
        config={"association": {}, "sigma_single_arcsec": 20.0, "sigma_multi_arcsec": 20.0},
    )
    ids = [lab.component_id for lab in training_labels()]
    base = association_model_version()
    identify_components(ids, base)
    identify_components(ids, wide)
    lik = {
        m: dict(
            HostPrediction.objects.filter(model_version=m).values_list("candidate", "likelihood")
        )
        for m in (base, wide)
    }
    assert lik[base].keys() == lik[wide].keys()
    assert all(lik[wide][c] >= lik[base][c] for c in lik[base])
    assert any(lik[wide][c] > lik[base][c] + 1e-6 for c in lik[base])


@pytest.mark.django_db
def test_a_checkpoint_model_is_never_displaced(tmp_path):
    _sky(tmp_path, 12)
    cnn = ModelVersionFactory(name="cnn", kind="host", status="active", config={})
    mv, _ = refit_from_labels()
    cnn.refresh_from_db()
    assert cnn.status == "active" and mv.status == "candidate"
    assert "not a catalogue-level method" in mv.metrics["decision"]


@pytest.mark.django_db
def test_too_few_labels_is_a_clear_error_and_stores_nothing(tmp_path):
    _sky(tmp_path, 4)
    with pytest.raises(ValueError, match=rf"at least {MIN_FIELDS} labelled components .* found \d"):
        refit_from_labels()
    with pytest.raises(CommandError, match="at least 10 labelled components"):
        call_command("refit_from_labels")
    assert not ModelVersion.objects.filter(name__startswith=REFIT_PREFIX).exists()


@pytest.mark.django_db
def test_beat_task_refits_only_when_enough_relabels_arrived(tmp_path):
    _sky(tmp_path, 14)
    assert tasks.retrain_from_relabels.apply(args=(2,)).get() == {
        "due": False,
        "new_expert_labels": 0,
        "model_version": None,
        "created": False,
        "status": None,
    }
    for lab in [lab for lab in training_labels() if lab.component.candidates.count() > 1][:2]:
        _relabel(lab)
    out = tasks.retrain_from_relabels.apply(args=(2,)).get()
    assert out["due"] and out["created"] and out["new_expert_labels"] == 2
    mv = ModelVersion.objects.get(pk=out["model_version"])
    assert mv.label_snapshot["by_origin"]["expert"] == 2
    # the refit just consumed them: nothing new since
    assert refit_due(2) == (False, 0)
    text = io.StringIO()
    call_command("refit_from_labels", stdout=text)
    assert f"already registered: {mv.name}" in text.getvalue()
    assert "held-out (5-fold over" in text.getvalue()


@pytest.mark.django_db
def test_retrain_task_is_on_the_cpu_queue_and_scheduled_daily():
    # what beat will run once the schedule is installed, and where the router sends it: a
    # misspelt task name, a lost interval or a gpu route all fail here
    from django_celery_beat.models import PeriodicTask

    from radiohost_site.celery import app

    call_command("setup_schedule")
    row = PeriodicTask.objects.get(name="retrain-from-relabels")
    assert row.enabled and (row.interval.every, row.interval.period) == (1440, "minutes")
    assert row.task == tasks.retrain_from_relabels.name and row.task in app.tasks
    assert app.amqp.router.route({}, row.task)["queue"].name == "cpu"


@pytest.mark.django_db
def test_refit_of_an_active_edge_method_refits_the_edge_model(tmp_path):
    """A ModelVersion whose config chooses the learned edge associator is refitted as one:
    its threshold and weighting come back in the config and rebuild the same method."""
    _sky(tmp_path, 12)
    edges = Method(associator="edges")
    active = ModelVersionFactory(
        name="edges-v1",
        kind="host",
        status="active",
        config={"method": "ml.association (edges)", **edges.to_config()},
    )
    assert current_method_version() == active
    mv, created = refit_from_labels(activate=False)
    assert created and mv.config["refit_from"] == "edges-v1"
    assert mv.config["associator"] == "edges" and "threshold" in mv.config["edges"]
    rebuilt = Method.from_config(mv.config)
    assert rebuilt.associator == "edges"
    assert rebuilt.to_config() == {k: mv.config[k] for k in rebuilt.to_config()}


@pytest.mark.django_db
def test_sky_arrays_carry_the_shape_columns_to_identification_and_refit(tmp_path):
    """The refit loop and identification give ComponentSky the deconvolved axes, PA and rms
    of every component in the cone (NULL = NaN, not measured), as the held-out evaluation did."""
    from catalog.curation.refit import labelled_fields
    from catalog.models import RadioComponent
    from catalog.pipeline.component import SHAPE_FIELDS, sky_arrays

    _sky(tmp_path, 12)
    comp = RadioComponent.objects.filter(candidates__isnull=False).order_by("id").first()
    RadioComponent.objects.filter(pk=comp.pk).update(
        dc_major_arcsec=7.5, dc_minor_arcsec=None, pa_deg=33.0, isl_rms_mjy=0.12
    )
    comp.refresh_from_db()
    (ra, dec, flux, peak), shapes = sky_arrays(comp)
    assert set(shapes) == set(SHAPE_FIELDS) == {"major_arcsec", "minor_arcsec", "pa_deg", "rms_mjy"}
    assert all(v.shape == ra.shape for v in shapes.values())
    me = int(np.argmin((ra - comp.ra) ** 2 + (dec - comp.dec) ** 2))
    assert shapes["major_arcsec"][me] == 7.5 and np.isnan(shapes["minor_arcsec"][me])
    assert shapes["pa_deg"][me] == 33.0 and shapes["rms_mjy"][me] == 0.12
    # the same columns reach the refit loop's labelled fields
    fields, used, _ = labelled_fields(training_labels())
    f = next(f for f, lab in zip(fields, used, strict=True) if lab.component_id == comp.pk)
    assert set(f.sky_shape) == set(SHAPE_FIELDS)
    np.testing.assert_array_equal(f.sky_shape["pa_deg"], shapes["pa_deg"])


@pytest.mark.django_db
def test_refit_of_the_default_carries_the_extended_rules_and_v1_stays_published(tmp_path):
    """The published-defaults version is v2 (the extended rules); a refit of it keeps
    both extension settings in its config, on the refit grid, and rebuilds the same method;
    an active v1-style config (written before the extensions) is refitted from the
    published rules it stored."""
    from ml.association.params import (
        SHIPPED_ALIGNED_THETA_FACTOR,
        SHIPPED_BRIGHT_CORE_FRACTION,
        AssociationParams,
    )
    from ml.association.refit import DEFAULT_GRID

    _sky(tmp_path, 12)
    base = association_model_version()
    assert base.name == "association-positional-v2"
    assert base.config["association"]["bright_core_fraction"] == SHIPPED_BRIGHT_CORE_FRACTION
    assert base.config["association"]["aligned_theta_factor"] == SHIPPED_ALIGNED_THETA_FACTOR
    mv, created = refit_from_labels(activate=False)
    assert created and mv.config["refit_from"] == base.name
    rebuilt = Method.from_config(mv.config)
    assert rebuilt.associator == "rules"
    assert rebuilt.association.bright_core_fraction in DEFAULT_GRID["bright_core_fraction"]
    assert rebuilt.association.aligned_theta_factor in DEFAULT_GRID["aligned_theta_factor"]
    assert rebuilt.to_config() == {k: mv.config[k] for k in rebuilt.to_config()}

    v1 = base.config | {"association": dict(base.config["association"])}
    v1["association"].pop("bright_core_fraction")
    v1["association"].pop("aligned_theta_factor")
    old = ModelVersionFactory(
        name="association-positional-v1", kind="host", status="active", config=v1
    )
    assert current_method_version() == old
    assert Method.from_config(old.config).association == AssociationParams()
    sim = next(lab for lab in training_labels() if lab.component.candidates.count() > 1)
    _relabel(sim)  # a new label set, so the refit runs again, now from v1
    mv1, created1 = refit_from_labels(activate=False)
    assert created1 and mv1.config["refit_from"] == "association-positional-v1"
    got = Method.from_config(mv1.config).association
    assert got.bright_core_fraction in DEFAULT_GRID["bright_core_fraction"]
    assert mv1.metrics["labels_cv"]["baseline"]["n"] == mv1.label_snapshot["n"] == _n_trainable()


def test_refit_fields_hold_a_source_that_reaches_past_the_first_sky_read(wide_double):
    """Two 200 mJy lobes 190″ apart: the first 180″ read around one holds only itself, but
    the refit's labelled field is read as identification reads it (wider while the group of
    the widest grid point reaches past the disc), so every grid point sees the whole pair."""
    from catalog.curation.refit import labelled_fields
    from catalog.pipeline.component import sky_arrays
    from ml.association.refit import DEFAULT_GRID, widest

    a, _, sep_deg = wide_double
    host = OpticalSourceFactory(source_id="1", ra=150.0, dec=20.0 + sep_deg / 2)
    other = OpticalSourceFactory(source_id="2", ra=150.0, dec=20.0)
    for o in (host, other):
        CandidateFactory(component=a, optical_source=o, dy_px=0)
    label = LabelFactory(component=a, host=host, origin=Label.Origin.NORRIS)
    assert sky_arrays(a)[0][0].size == 1  # the fixed disc cuts the pair
    fields, used, _ = labelled_fields([label])
    assert used == [label] and fields[0].sky_ra.size == 2
    wide = widest(Method())
    assert wide.association.theta_100mjy_arcsec == max(DEFAULT_GRID["theta_100mjy_arcsec"])
    assert wide.association.max_flux_ratio == max(DEFAULT_GRID["max_flux_ratio"])
    assert wide.association.weighting == Method().association.weighting
    assert widest(Method(associator="edges")) == Method(associator="edges")
