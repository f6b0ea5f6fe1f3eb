import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask


@pytest.mark.django_db
def test_schedule_install_is_idempotent():
    call_command("setup_schedule")
    call_command("setup_schedule")
    task = PeriodicTask.objects.get(name="process-new-vlass-epochs")
    assert task.task == "workers.tasks.process_new_epochs"
    assert task.interval.every == 60
    assert PeriodicTask.objects.filter(name="process-new-vlass-epochs").count() == 1


@pytest.mark.django_db
def test_process_epoch_stores_predictions_for_a_simulated_sky(tmp_path):
    """The epoch chord run eagerly in-process (the broker path: tests/workers/test_epoch_worker)."""
    from catalog.models import Epoch, HostPrediction, RadioComponent
    from catalog.simulated.sky import ingest_sim_sky
    from ml.sim.formats import write_sky
    from radiohost_site.celery import app
    from workers import tasks

    write_sky(3, tmp_path / "sky", 5)
    ingest_sim_sky(tmp_path / "sky")
    epoch = Epoch.objects.get(name="sim")
    old, app.conf.task_always_eager = app.conf.task_always_eager, True
    try:
        result = tasks.process_epoch.apply(args=(epoch.id,)).get()
    finally:
        app.conf.task_always_eager = old
    assert result["action"] == "identify" and result["route"] == "catalogue"
    epoch.refresh_from_db()
    with_cands = RadioComponent.objects.filter(epoch=epoch, candidates__isnull=False).distinct()
    assert epoch.state == Epoch.State.PROCESSED and epoch.processed_at is not None
    assert epoch.n_components == with_cands.count() > 0
    assert epoch.n_predictions == HostPrediction.objects.count() > 0
    # the per-component path (identify_hosts, for ad-hoc ids) agrees row for row: the same
    # likelihood for every (candidate, model version), and no new row
    fields = ("candidate_id", "model_version_id", "likelihood", "is_positive", "is_prime")
    tiled = {r[:2]: r[2:] for r in HostPrediction.objects.values_list(*fields)}
    again = tasks.identify_hosts.apply(args=(list(with_cands.values_list("id", flat=True)),)).get()
    assert again == epoch.n_predictions and HostPrediction.objects.count() == again
    per_component = {r[:2]: r[2:] for r in HostPrediction.objects.values_list(*fields)}
    assert per_component.keys() == tiled.keys()
    for key, (lik, pos, prime) in tiled.items():
        lik2, pos2, prime2 = per_component[key]
        assert lik2 == pytest.approx(lik, rel=1e-12, abs=1e-300) and (pos2, prime2) == (pos, prime)


def test_training_and_evaluation_are_routed_to_the_gpu_queue():
    from radiohost_site.celery import app

    def queue(name):
        return app.amqp.router.route({}, name)["queue"].name

    assert queue("workers.tasks.train_host_model") == "gpu"
    assert queue("workers.tasks.evaluate_host_model") == "gpu"
    assert queue("workers.tasks.identify_hosts") == "cpu"
    assert queue("workers.tasks.identify_tile") == "cpu"
    assert queue("workers.tasks.identify_tile_cnn") == "gpu"
    assert queue("workers.tasks.ingest_vlass_catalogue") == "cpu"
