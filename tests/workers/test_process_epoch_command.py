"""``manage.py process_epoch``: no dead ends — what to do next, and a run without a worker."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from catalog.models import Epoch, HostPrediction, RadioComponent

pytestmark = pytest.mark.django_db


@pytest.mark.real_data("vlass_cirada_ql_sample/CIRADA_VLASS1QL_table1_components_v1_head100.csv")
def test_epoch_without_candidates_fails_naming_the_next_steps():
    """The real CIRADA sample as a new epoch has no optical rows under it: exit non-zero with
    the commands that load them, build the candidates and re-run."""
    from django.conf import settings

    from catalog.ingest.vlass_cirada import ingest_vlass_cirada

    path = (Path(settings.RADIOHOST_DATA_DIR) / "vlass_cirada_ql_sample"
            / "CIRADA_VLASS1QL_table1_components_v1_head100.csv")  # fmt: skip
    ingest_vlass_cirada(path)
    epoch = Epoch.objects.select_related("survey").get()
    name = f"{epoch.survey.name} {epoch.name}"
    n_sci = RadioComponent.objects.filter(epoch=epoch, is_science=True).count()
    with pytest.raises(CommandError) as err:
        call_command("process_epoch", name, "--in-process", verbosity=0)
    msg = str(err.value)
    assert f"nothing identified — {n_sci} components have no optical candidate" in msg
    assert "manage.py ingest_optical_catalogue FILE --catalogue ps1dr2|allwise" in msg
    assert f"manage.py harvest_optical_region --epoch '{name}'" in msg
    assert f"manage.py build_candidates --epoch '{name}'" in msg
    assert f"re-run `manage.py process_epoch '{name}'`" in msg
    epoch.refresh_from_db()
    assert epoch.state == Epoch.State.NEEDS_CANDIDATES and not HostPrediction.objects.exists()


def test_in_process_identifies_without_a_worker(tmp_path):
    """``--in-process`` with the app not eager (no worker listens here): the epoch is
    processed in this process and stores one best candidate per identified component."""
    from catalog.simulated.epoch import ingest_sim_epoch
    from ml.sim.epoch import simulate_epoch
    from radiohost_site.celery import app

    assert not app.conf.task_always_eager
    epoch = ingest_sim_epoch(simulate_epoch(150, seed=3), "9", tmp_path)
    call_command("process_epoch", f"{epoch.survey.name} {epoch.name}", "--in-process", verbosity=0)
    assert not app.conf.task_always_eager  # restored for whatever runs next
    epoch.refresh_from_db()
    assert epoch.state == Epoch.State.PROCESSED
    assert epoch.tiles_done == epoch.tiles_total > 0
    best = HostPrediction.objects.filter(model_version=epoch.model_version, rank=1)
    assert best.count() == epoch.n_components > 0
    n_sci = RadioComponent.objects.filter(epoch=epoch, is_science=True).count()
    assert epoch.n_components + epoch.n_without_candidates == n_sci


def test_simulate_epoch_makes_a_marked_simulated_epoch_idempotently():
    from io import StringIO

    from catalog.models import OpticalSource
    from ml.sim.epoch import simulate_epoch

    ref = simulate_epoch(300, seed=5, ra0=40.0, dec0=-5.0, density_deg2=50.0)
    args = ("simulate_epoch", "--components", "300", "--seed", "5", "--ra", "40", "--dec", "-5",
            "--density", "50")  # fmt: skip
    for _ in range(2):  # a re-run adds nothing
        out = StringIO()
        call_command(*args, stdout=out)
        epoch = Epoch.objects.get(name="sim-5")
        assert RadioComponent.objects.filter(epoch=epoch).count() == len(ref)
        sim_opt = OpticalSource.objects.filter(source_id__startswith="SIM-sim-5-")
        assert sim_opt.count() == ref.opt_ra.size
        assert not sim_opt.exclude(is_simulated=True, catalogue="sim").exists()
    assert epoch.state == Epoch.State.CANDIDATES_READY
    assert out.getvalue().startswith("VLASS sim-5: SIMULATED epoch (ml.sim.epoch, seed 5")
    assert f"{len(ref)} components" in out.getvalue()
    with pytest.raises(CommandError, match="--name 'epoch3': a simulated epoch's name starts"):
        call_command("simulate_epoch", "--name", "epoch3", "--components", "10")
    assert not Epoch.objects.filter(name="epoch3").exists()
