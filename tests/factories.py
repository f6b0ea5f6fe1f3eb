"""Model factories (factory_boy) for the catalog tables the tests build, and the small scenes
built from them that several test layers share (as TOM Toolkit keeps ``tests/factories.py``).

Every factory saves through the model's ``save`` (so ``hpx`` is computed as in production);
a test states the values it asserts on and leaves the rest to the defaults here.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import factory
import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from catalog.models import (
    Candidate,
    ClassPrediction,
    Epoch,
    HostPrediction,
    Label,
    ModelVersion,
    OpticalSource,
    RadioComponent,
    RadioSource,
    Survey,
)

PASSWORD = "factory-pass-123"


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Survey
        django_get_or_create = ("name",)

    name = "VLASS"


class EpochFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Epoch
        django_get_or_create = ("survey", "name")

    survey = factory.SubFactory(SurveyFactory)
    name = factory.Sequence(lambda n: f"{n + 1}.1")


class RadioSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RadioSource

    name = factory.Sequence(lambda n: f"S{n + 1}")
    origin = "expert"
    ra = 53.0
    dec = -27.8


class RadioComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RadioComponent

    epoch = factory.SubFactory(EpochFactory)
    name = factory.Sequence(lambda n: f"J{n:06d}")
    ra = 53.0
    dec = -27.8


class OpticalSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpticalSource

    catalogue = "ps1dr2"
    source_id = factory.Sequence(lambda n: str(100 + n))
    ra = 53.0
    dec = -27.8


class CandidateFactory(factory.django.DjangoModelFactory):
    """A candidate ``dy_px`` north of its component (1″/px, seed §2.2.2 frame)."""

    class Meta:
        model = Candidate

    component = factory.SubFactory(RadioComponentFactory)
    optical_source = factory.SubFactory(OpticalSourceFactory)
    dx_px = 0.0
    dy_px = 1.0
    distance_px = factory.LazyAttribute(lambda o: (o.dx_px**2 + o.dy_px**2) ** 0.5)


class ModelVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModelVersion
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"model-{n}")
    kind = ModelVersion.Kind.HOST


class HostPredictionFactory(factory.django.DjangoModelFactory):
    """Positive and prime follow the seed §4.2 rule from the likelihood unless given."""

    class Meta:
        model = HostPrediction

    candidate = factory.SubFactory(CandidateFactory)
    model_version = factory.SubFactory(ModelVersionFactory)
    likelihood = 0.9
    rank = 1
    is_positive = factory.LazyAttribute(lambda o: o.likelihood > 0.5)
    is_prime = False


class ClassPredictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClassPrediction

    optical_source = factory.SubFactory(OpticalSourceFactory)
    model_version = factory.SubFactory(
        ModelVersionFactory, kind=ModelVersion.Kind.CLASSIFIER, status="active"
    )
    p_galaxy = 0.8
    p_qso = 0.1
    p_star = 0.1


class LabelFactory(factory.django.DjangoModelFactory):
    """A first (unsuperseded) label; relabels go through ``catalog.labels.writer``."""

    class Meta:
        model = Label

    component = factory.SubFactory(RadioComponentFactory)
    host = factory.SubFactory(OpticalSourceFactory)
    origin = Label.Origin.EXPERT


class UserFactory(factory.django.DjangoModelFactory):
    """A signed-up astronomer (no permissions); the password is ``PASSWORD`` unless given."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


class LabellerFactory(UserFactory):
    """A user holding ``catalog.add_label`` directly (not through the curators group)."""

    @factory.post_generation
    def add_label(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy passes the object
        if create:
            obj.user_permissions.add(Permission.objects.get(codename="add_label"))


class CuratorFactory(UserFactory):
    """A curator as ``catalog.curation.curators.create_curator`` makes one: staff (the admin's
    door, labels only) and in the ``curators`` group, which grants ``catalog.add_label``."""

    is_staff = True

    @factory.post_generation
    def curators(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy passes the object
        if create:
            from catalog.curation.curators import curators_group

            obj.groups.add(curators_group())


# ---------------------------------------------------------------- shared scenes

#: the current method's likelihoods of the three candidates of ``answer_field``, nearest first
LIKS = [0.9, 0.7, 0.2]


class AnswerField(NamedTuple):
    comp: RadioComponent
    old: RadioComponent
    opt: list[OpticalSource]
    mv: ModelVersion
    ext: ModelVersion


def answer_field(*, with_predictions: bool = True) -> AnswerField:
    """One VLASS field seen in two epochs: a component of epoch 2.1 (with a sibling 15″ east in
    its source) and its epoch-1.1 counterpart 0.3″ away, both with the same three PS1
    candidates 1″, 3″ and 8″ north. The current method (``METHOD_NAME``) scores them ``LIKS``;
    the authors' external model scores them ``1 - LIKS`` (so it ranks the far one first).
    Unpacks as ``comp, old, opt, mv, ext``."""
    from catalog.pipeline.component import METHOD_NAME

    e1 = EpochFactory(name="1.1")
    e2 = EpochFactory(name="2.1")
    src = RadioSourceFactory(name="S1", origin="expert", ra=53.0, dec=-27.8)
    comp = RadioComponentFactory(
        epoch=e2, name="VLASS2QLCIR J033200.00-274800.0", ra=53.0, dec=-27.8, source=src
    )
    RadioComponentFactory(
        epoch=e2, name="VLASS2QLCIR J033201.00-274800.0", ra=53.0 + 15 / 3600, dec=-27.8, source=src
    )
    old = RadioComponentFactory(
        epoch=e1, name="VLASS1QLCIR J033200.01-274800.1", ra=53.0 + 0.3 / 3600, dec=-27.8
    )
    mv = ModelVersionFactory(name=METHOD_NAME, kind="host")
    ext = ModelVersionFactory(name="lou2023-authors-model-B", kind="host", status="external")
    clf = ModelVersionFactory(name="clf", kind="classifier", status="active")
    opt = []
    for i, (lik, off) in enumerate(zip(LIKS, [1.0, 3.0, 8.0], strict=True)):
        o = OpticalSourceFactory(
            catalogue="ps1dr2",
            source_id=str(100 + i),
            ra=53.0,
            dec=-27.8 + off / 3600,
            r_mag=20 + i,
            w1_mag=15.0,
        )
        opt.append(o)
        for c in (comp, old):
            cand = CandidateFactory(
                component=c, optical_source=o, dx_px=0, dy_px=off, distance_px=off
            )
            if with_predictions:
                HostPredictionFactory(candidate=cand, model_version=mv, likelihood=lik, rank=i + 1)
                HostPredictionFactory(
                    candidate=cand,
                    model_version=ext,
                    likelihood=1 - lik,
                    rank=3 - i,
                    is_positive=False,
                )
        ClassPredictionFactory(optical_source=o, model_version=clf)
    return AnswerField(comp, old, opt, mv, ext)


def simulated_sky(tmp_path, n_fields: int = 6, seed: int = 17) -> dict:
    """A small simulated sky written, ingested, identified and summarised through the
    project's own code (ml.sim -> catalog ingest -> catalog.pipeline.component ->
    catalog.read.summaries). Returns the sky folder, the model version and the ids of the
    labelled components."""
    from catalog.pipeline.component import association_model_version, identify_components
    from catalog.read.summaries import refresh_summaries
    from catalog.simulated.sky import ingest_sim_sky
    from ml.sim.formats import write_sky

    sky = tmp_path / "sky"
    write_sky(n_fields, sky, seed)
    ingest_sim_sky(sky)
    mv = association_model_version()
    labelled = Label.objects.current().filter(origin="sim", component__isnull=False)
    ids = list(labelled.values_list("component_id", flat=True))
    identify_components(ids, mv)
    refresh_summaries()
    return {"sky": sky, "model_version": mv, "component_ids": ids}


# ---------------------------------------------------------------- catalogue files
# Small PS1 DR2 / AllWISE catalogue files, one per sky cell (CSV, MAST / VizieR names).


def write_cell(path: Path, *, cell: int, n: int, seed: int = 0, allwise: bool = False) -> Path:
    """``n`` sources of sky cell ``cell`` (0.05 deg wide cells along RA at dec 2): unique
    ids per cell, magnitudes random; an AllWISE cell puts a source 1" from some PS1 ones."""
    rng = np.random.default_rng(seed + 1000 * cell)
    pos = rng.uniform(0, 0.05, (n, 2))  # row i from draws 2i, 2i+1: cells of any n agree
    ra, dec = 150.0 + 0.05 * cell + pos[:, 0], 2.0 + pos[:, 1]
    if allwise:
        head = "AllWISE,RAJ2000,DEJ2000,W1mag,e_W1mag,W2mag,e_W2mag,ccf,ex"
        rows = [
            f"J{cell:03d}w{i:06d},{ra[i] + 1 / 3600:.8f},{dec[i]:.8f},"
            f"{rng.uniform(13, 17):.3f},0.02,{rng.uniform(13, 17):.3f},0.03,0000,0"
            for i in range(n)
        ]
    else:
        head = "objID,raMean,decMean,nDetections,qualityFlag," + ",".join(
            f"{b}MeanPSFMag,{b}MeanPSFMagErr,{b}MeanKronMag" for b in "grizy"
        )
        rows = [
            f"{100000000000000000 + cell * 10_000_000 + i},{ra[i]:.8f},{dec[i]:.8f},{i % 9 + 1},52,"
            + ",".join(f"{rng.uniform(18, 22):.4f},0.05,{rng.uniform(18, 22):.4f}" for _ in "grizy")
            for i in range(n)
        ]
    path.write_text(head + "\n" + "\n".join(rows) + "\n")
    return path


def snapshot():
    """Every OpticalSource row's stored values, sorted (a row-for-row comparison)."""
    from catalog.models import OpticalSource

    fields = [f.attname for f in OpticalSource._meta.concrete_fields if f.attname != "id"]
    return sorted(OpticalSource.objects.values_list(*fields))
