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
