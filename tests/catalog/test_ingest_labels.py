"""Real label catalogues: Norris-71 completeness, Norris/RGZ/Zhu/expert labels, disagreements."""

from __future__ import annotations

import csv
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from catalog.ingest.labels_expert import ingest_expert
from catalog.ingest.labels_norris import ingest_norris
from catalog.ingest.labels_rgz import CLASSIFICATIONS, HOSTS, ingest_rgz
from catalog.ingest.labels_zhu2023 import TABLE3, ingest_zhu2023
from catalog.ingest.lou2023_testset import (
    MODEL_A,
    MODEL_B,
    canonical_vlass_name,
    ingest_lou2023_testset,
)
from catalog.models import (
    Candidate,
    ClassPrediction,
    HostPrediction,
    Label,
    ModelVersion,
    OpticalSource,
    RadioComponent,
    RadioSource,
)
from ml.data.lou2023 import LOU2023_TESTSET
from ml.data.norris2006 import NORRIS_TABLE4, NORRIS_TABLE6
from ml.paths import data_dir

ROOT = data_dir()
# every label catalogue these tests read (the RGZ tables, Zhu Table 3, Norris Tables 4 and 6,
# the seed's Norris-71 log)
needs_labels = pytest.mark.real_data(
    CLASSIFICATIONS, HOSTS, TABLE3, NORRIS_TABLE4, NORRIS_TABLE6, LOU2023_TESTSET
)


def test_canonical_vlass_name_restores_the_leading_zero():
    assert canonical_vlass_name("VLASS1QLCIR J32626.9-275611.2") == "VLASS1QLCIR J032626.9-275611.2"
    assert (
        canonical_vlass_name("VLASS1QLCIR J33323.71-281146.4") == "VLASS1QLCIR J033323.71-281146.4"
    )
    assert (
        canonical_vlass_name("VLASS1QLCIR J123456.78+012345.6") == "VLASS1QLCIR J123456.78+012345.6"
    )


@needs_labels
@pytest.mark.slow
@pytest.mark.django_db
def test_norris71_complete_and_idempotent():
    rep = ingest_lou2023_testset(ROOT)
    vlass = RadioComponent.objects.filter(epoch__survey__name="VLASS")
    assert vlass.count() == 71
    # 1,343 rows = 1,177 distinct (component, PS1) pairs + 166 exact repeats.
    assert Candidate.objects.count() == 1177
    assert OpticalSource.objects.filter(catalogue="ps1dr2").count() == 1089
    assert Candidate.objects.values("optical_source").distinct().count() == 1089
    a, b = ModelVersion.objects.get(name=MODEL_A), ModelVersion.objects.get(name=MODEL_B)
    assert a.status == b.status == "external"
    assert ClassPrediction.objects.filter(model_version=a).count() == 1089
    assert HostPrediction.objects.filter(model_version=b).count() == 1177
    labels = Label.objects.current().filter(origin="lou2023")
    assert labels.count() == 71
    for lab in labels.select_related("source", "host", "component"):
        assert lab.source.origin == "norris2006" and lab.host.catalogue == "ps1dr2"
        assert lab.source.components.filter(epoch__survey__name="ATLAS").exists()
        assert lab.component.candidates.filter(optical_source=lab.host).exists()
    # the host of J33323.71-281146.4 as logged by the authors (Groud_Truth = 1)
    with open(ROOT / LOU2023_TESTSET) as fh:
        r = csv.reader(fh, skipinitialspace=True)
        next(r)
        truth = {(row[0], row[1]) for row in r if row[9] == "1"}
    for lab in labels.select_related("component", "host"):
        assert (lab.component.extra["lou2023_name"], lab.host.source_id) in truth
    # one field: ranks 1..n, at most one prime; geometry within the 3.6' box (±108 px)
    c = vlass.get(name="VLASS1QLCIR J033323.71-281146.4")
    preds = HostPrediction.objects.filter(candidate__component=c, model_version=b)
    assert sorted(p.rank for p in preds) == list(range(1, preds.count() + 1))
    assert preds.filter(is_prime=True).count() <= 1
    for cand in c.candidates.all():
        assert abs(cand.dx_px) <= 108.5 and abs(cand.dy_px) <= 108.5
        assert cand.distance_px == pytest.approx((cand.dx_px**2 + cand.dy_px**2) ** 0.5)
    assert rep.total("inserted") > 0
    again = ingest_lou2023_testset(ROOT)
    assert again.total("inserted") == again.total("updated") == 0


@needs_labels
@pytest.mark.slow
@pytest.mark.django_db
def test_all_label_sets_present_with_origins_and_disagreements_reported():
    ingest_lou2023_testset(ROOT)
    norris = ingest_norris(ROOT)
    assert RadioComponent.objects.filter(epoch__survey__name="ATLAS").count() == 784
    assert RadioSource.objects.filter(origin="norris2006").count() == 726
    # every Table-4 component is linked to the Table-6 source listing it
    assert not RadioComponent.objects.filter(
        epoch__survey__name="ATLAS", source__isnull=True
    ).exists()
    assert norris.rejected["pre-release SWIRE ID without a host position"] > 0
    rgz = ingest_rgz(ROOT)
    assert RadioSource.objects.filter(origin="rgz").count() == 583
    cur = Label.objects.current()
    assert cur.filter(origin="norris2006").count() > 700
    assert cur.filter(origin="rgz").count() >= 583
    r = cur.filter(origin="rgz", component__isnull=False).first()
    assert 0.6 <= r.consensus_level <= 1 and r.match_separation_arcsec <= 3.0
    n = cur.filter(origin="norris2006", component__epoch__survey__name="VLASS").first()
    assert n.match_separation_arcsec <= 1.0 and n.source.origin == "norris2006"
    assert rgz.total("rejected") == 0
    out = StringIO()
    call_command("label_disagreements", stdout=out)
    text = out.getvalue()
    assert "components labelled by both rgz and norris2006 disagree" in text
    n_dis, n_both = int(text.split()[0]), int(text.split()[2])
    assert 0 < n_dis < n_both
    # idempotent
    assert ingest_rgz(ROOT).total("inserted") == 0
    assert ingest_norris(ROOT).total("updated") == 0


@needs_labels
@pytest.mark.slow
@pytest.mark.django_db
def test_zhu2023_source_labels():
    rep = ingest_zhu2023(ROOT / TABLE3)
    assert RadioSource.objects.filter(origin="zhu2023").count() == 4851
    assert Label.objects.filter(origin="zhu2023", component__isnull=True).count() == 4851
    lab = Label.objects.get(origin="zhu2023", source__name="CI0001")
    assert lab.host_ra == pytest.approx(15 * (3 + 25 / 60 + 53.86 / 3600))
    assert ingest_zhu2023(ROOT / TABLE3).total("inserted") == 0
    assert rep.total("rejected") == 0


def _copy_rgz(tmp_path: Path) -> tuple[Path, Path]:
    c, h = tmp_path / "cls.csv", tmp_path / "hosts.csv"
    shutil.copy(ROOT / CLASSIFICATIONS, c)
    shutil.copy(ROOT / HOSTS, h)
    return c, h


def _edit_csv(path: Path, row: int, col: str, value: str) -> None:
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    rows[row][rows[0].index(col)] = value
    with open(path, "w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


@needs_labels
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("which", "col", "value", "msg"),
    [
        ("cls", "RA", "nan", "line 4, column 'RA': nan is not finite"),
        ("cls", "Dec", "95", "line 4, column 'Dec': 95.0 is not in [-90, 90] deg"),
        ("cls", "CL", "1.5", "line 4, column 'CL': 1.5 is above 1.0"),
        ("cls", "TF", "bright", "line 4, column 'TF': not a number: 'bright'"),
        ("cls", "RGZID", "RGZ_J033133.0-283131", "line 4, column 'RGZID': duplicate name"),
        ("hosts", "RGZ_ID", "RGZ_X", "line 4, column 'RGZ_ID': 'RGZ_X' does not match"),
    ],
)
def test_rgz_bad_inputs_leave_db_unchanged(tmp_path, which, col, value, msg):
    c, h = _copy_rgz(tmp_path)
    ingest_rgz(classifications=c, hosts=h)
    before = (Label.objects.count(), RadioSource.objects.count())
    target = c if which == "cls" else h
    _edit_csv(target, 3, col, value)
    if col == "RGZID":  # keep the two tables consistent so the duplicate is what fails
        _edit_csv(h, 3, "RGZ_ID", value)
    with pytest.raises(ValueError) as exc:
        ingest_rgz(classifications=c, hosts=h)
    assert str(exc.value).startswith(f"{target}: {msg}")
    assert (Label.objects.count(), RadioSource.objects.count()) == before


@needs_labels
@pytest.mark.django_db
def test_norris_missing_column_is_refused(tmp_path):
    d = tmp_path / "data"
    (d / NORRIS_TABLE4).parent.mkdir(parents=True)
    shutil.copy(ROOT / NORRIS_TABLE6, d / NORRIS_TABLE6)
    (d / NORRIS_TABLE4).write_text((ROOT / NORRIS_TABLE4).read_text().replace("PFlux", "PFlx "))
    with pytest.raises(
        ValueError, match=r"not Norris 2006 Table 4, missing column\(s\) \['PFlux'\]"
    ):
        ingest_norris(d)
    assert RadioComponent.objects.count() == 0


@needs_labels
@pytest.mark.django_db
def test_expert_labels_supersede_and_validate(tmp_path):
    ingest_norris(ROOT)
    comp = RadioComponent.objects.get(name="ATCDFS_J033323.71-281147.0")
    p = tmp_path / "expert.csv"
    p.write_text(
        "component,host_ra,host_dec,author,reason\n"
        f"{comp.name},53.3488,-28.1964,alice,host at the radio core\n"
    )
    assert ingest_expert(p).counts["Label"]["inserted"] == 1
    assert ingest_expert(p).counts["Label"]["unchanged"] == 1
    p2 = tmp_path / "expert2.csv"
    p2.write_text(
        "ra,dec,host_ra,host_dec,author,reason\n"
        f"{comp.ra},{comp.dec},none,,bob,only a lobe; no host visible\n"
    )
    assert ingest_expert(p2).counts["Label"]["updated"] == 1
    head = Label.objects.current().get(origin="expert", component=comp)
    assert head.no_host and head.author_name == "bob"
    assert head.supersedes.author_name == "alice" and head.supersedes.host_ra == 53.3488
    bad = tmp_path / "bad.csv"
    bad.write_text("component,host_ra,host_dec,author,reason\nNOPE,1,2,carol,x\n")
    with pytest.raises(
        ValueError, match=rf"^{bad}: line 2, column 'component': 'NOPE' matches no component"
    ):
        ingest_expert(bad)
    bad.write_text(f"component,host_ra,host_dec,author,reason\n{comp.name},400,2,carol,x\n")
    with pytest.raises(
        ValueError, match=r"line 2, column 'host_ra': 400.0 is not in \[0, 360\) deg"
    ):
        ingest_expert(bad)
    bad.write_text(f"component,host_dec,author,reason\n{comp.name},2,carol,x\n")
    with pytest.raises(ValueError, match=r"line 1: missing required column\(s\) \['host_ra'\]"):
        ingest_expert(bad)
    assert Label.objects.filter(origin="expert").count() == 2


@needs_labels
@pytest.mark.slow
@pytest.mark.django_db
def test_ingest_all_real_catalogues(capsys):
    call_command("ingest_all", verbosity=0)
    out = capsys.readouterr().out
    for src in ("vlass_cirada", "lou2023", "norris2006", "rgz", "zhu2023"):
        assert src in out
    assert "rejected 74: pre-release SWIRE ID without a host position" in out
    assert RadioComponent.objects.filter(epoch__survey__name="VLASS").count() == 99 + 71
    assert RadioComponent.objects.filter(epoch__survey__name="ATLAS").count() == 784
    assert Candidate.objects.count() == 1177
    assert Label.objects.current().filter(origin="lou2023").count() == 71
    origins = set(Label.objects.values_list("origin", flat=True))
    assert {"lou2023", "norris2006", "rgz", "zhu2023"} <= origins
    assert "components labelled by both rgz and norris2006 disagree" in out
