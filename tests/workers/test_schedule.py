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
def test_identify_task_stores_predictions_for_a_simulated_sky(tmp_path):
    """The task body (run in-process here; the broker path is covered by test_worker_process)."""
    from catalog.ingest.sim_sky import ingest_sim_sky
    from catalog.models import Epoch, HostPrediction, RadioComponent
    from ml.sim.formats import write_sky
    from workers import tasks

    write_sky(3, tmp_path / "sky", 5)
    ingest_sim_sky(tmp_path / "sky")
    epoch = Epoch.objects.get(name="sim")
    result = tasks.process_epoch.apply(args=(epoch.id,)).get()
    with_cands = RadioComponent.objects.filter(epoch=epoch, candidates__isnull=False).distinct()
    assert result["components"] == with_cands.count() > 0
    assert result["predictions"] == HostPrediction.objects.count() > 0
    again = tasks.identify_hosts.apply(args=(list(with_cands.values_list("id", flat=True)),)).get()
    assert again == result["predictions"] and HostPrediction.objects.count() == again
    epoch.refresh_from_db()
    assert epoch.processed_at is not None


def test_training_and_evaluation_are_routed_to_the_gpu_queue():
    from radiohost_site.celery import app

    def queue(name):
        return app.amqp.router.route({}, name)["queue"].name

    assert queue("workers.tasks.train_host_model") == "gpu"
    assert queue("workers.tasks.evaluate_host_model") == "gpu"
    assert queue("workers.tasks.identify_hosts") == "cpu"
    assert queue("workers.tasks.ingest_vlass_catalogue") == "cpu"
