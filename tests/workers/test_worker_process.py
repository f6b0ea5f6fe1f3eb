"""Tasks through a real broker and a real ``celery worker`` process on the test database."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from catalog.models import Epoch, RadioComponent
from ml.data.lou2023 import LOU2023_TESTSET
from radiohost_site.celery import app
from workers import tasks

ROOT = Path(__file__).resolve().parents[2]
VLASS_SAMPLE = (
    Path(settings.RADIOHOST_DATA_DIR)
    / "vlass_cirada_ql_sample"
    / "CIRADA_VLASS1QL_table1_components_v1_head100.csv"
)


@pytest.fixture
def worker(broker, transactional_db, tmp_path):
    """Start a worker on a private queue of the given broker; yields ``send(task, *args)``."""
    _, url = broker
    from django.db import connection

    db = connection.settings_dict
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "radiohost_site.settings",
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": url,
        "RADIOHOST_MEDIA_ROOT": str(tmp_path / "media"),
    }
    log_path = tmp_path / "worker.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed in the finally below
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "radiohost_site", "worker", "--pool", "solo",
         "--queues", queue, "--hostname", f"{queue}@%h", "--loglevel", "INFO"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    conn = app.connection_for_write(url)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"celery worker exited with {proc.returncode}")
            # the worker logs "<hostname> ready." once it consumes from its queue
            if f"{queue}@" in log_path.read_text() and " ready." in log_path.read_text():
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"celery worker not ready within 60 s:\n{log_path.read_text()[-2000:]}")
        yield lambda task, *args: task.apply_async(args, queue=queue, connection=conn)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        conn.release()
        log.close()


@pytest.mark.real_data("vlass_cirada_ql_sample/CIRADA_VLASS1QL_table1_components_v1_head100.csv")
def test_ingest_task_runs_in_worker_and_is_idempotent(worker):
    send = worker
    first = send(tasks.ingest_vlass_catalogue, str(VLASS_SAMPLE)).get(timeout=120)
    assert first["counts"]["RadioComponent"]["inserted"] == 99
    assert RadioComponent.objects.count() == 99
    # Duplicate_flag < 2 and Quality_flag == 0 (PROVENANCE: 54 rows have Quality_flag 0)
    assert 0 < RadioComponent.objects.filter(is_science=True).count() <= 54
    again = send(tasks.ingest_vlass_catalogue, str(VLASS_SAMPLE)).get(timeout=120)
    assert again["counts"]["RadioComponent"].get("inserted", 0) == 0
    assert again["counts"]["RadioComponent"]["unchanged"] == 99
    assert RadioComponent.objects.count() == 99


def test_bad_input_error_reaches_the_caller(worker, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Component_name,RA\nX,1\n")
    result = worker(tasks.ingest_vlass_catalogue, str(bad))
    with pytest.raises(Exception, match="bad.csv"):
        result.get(timeout=120)
    assert RadioComponent.objects.count() == 0


@pytest.mark.real_data("vlass_cirada_ql_sample/CIRADA_VLASS1QL_table1_components_v1_head100.csv")
def test_real_cirada_sample_without_candidates_needs_candidates(worker):
    """The real CIRADA sample as a new epoch has no optical candidates: beat finds it, and it
    ends in "needs candidates" -- never "processed"."""
    send = worker
    send(tasks.ingest_vlass_catalogue, str(VLASS_SAMPLE)).get(timeout=120)
    epoch = Epoch.objects.get()
    assert epoch.state == Epoch.State.INGESTED and epoch.processed_at is None
    # (beat's process_new_epochs would send this to the cpu queue: tests/catalog covers it)
    done = send(tasks.process_epoch, epoch.id).get(timeout=60)
    assert done["action"] == "needs_candidates"
    epoch.refresh_from_db()
    n_sci = RadioComponent.objects.filter(epoch=epoch, is_science=True).count()
    assert epoch.state == Epoch.State.NEEDS_CANDIDATES and epoch.processed_at is None
    assert epoch.n_without_candidates == n_sci > 0
    assert RadioComponent.objects.filter(epoch=epoch, no_candidates=True).count() == n_sci


TINY_HOST_CONFIG = {
    "comment": "test-sized host identifier (radio + x, y, D): 4 SIMULATED fields, 1 epoch",
    "model": {"use_optical": False, "use_class_probs": False, "radio_size": 48, "optical_size": 32},
    "train": {"epochs": 1, "lr": 0.002, "fields_per_batch": 2, "neg_per_pos": 3, "folds": 2,
              "seed": 0, "threads": 1},
    "data": {"n_fields": 4, "first_seed": 70000, "radio_size": 48, "optical_crop": 128,
             "optical_binning": 4},
}  # fmt: skip


@pytest.mark.real_data("images/vlass_ql_headers", LOU2023_TESTSET)
def test_train_and_evaluate_host_model_in_worker(worker, tmp_path):
    """The gpu-queue tasks: train on simulated fields, register, score on real Norris-71."""
    import json

    from catalog.models import ModelVersion

    send = worker
    cfg = tmp_path / "host_tiny.json"
    cfg.write_text(json.dumps(TINY_HOST_CONFIG))
    mv_id = send(tasks.train_host_model, str(cfg), "tiny-host").get(timeout=300)
    mv = ModelVersion.objects.get(pk=mv_id)
    assert mv.name == "tiny-host" and mv.is_simulated_training
    assert (
        mv.checkpoint_path.startswith("models/tiny-host-") and mv.sha256[:12] in mv.checkpoint_path
    )
    assert (tmp_path / "media" / mv.checkpoint_path).is_file()
    # idempotent by name: a repeated task returns the registered model, trains nothing
    files = sorted((tmp_path / "media" / "models").iterdir())
    assert send(tasks.train_host_model, str(cfg), "tiny-host").get(timeout=300) == mv_id
    assert ModelVersion.objects.filter(name="tiny-host").count() == 1
    assert sorted((tmp_path / "media" / "models").iterdir()) == files
    summary = send(tasks.evaluate_host_model, mv_id).get(timeout=300)
    assert summary["rows"]["likelihood"]["n_fields"] == 71
    # The worker's figures are the in-process evaluation of the same checkpoint (a tiny
    # network's count is not known in advance; that it equals an independent run is).
    from ml.evaluation.norris71.run import checkpoint_summary

    local = checkpoint_summary(
        str(tmp_path / "media" / mv.checkpoint_path), Path(settings.RADIOHOST_DATA_DIR)
    )
    assert summary["rows"] == local["rows"]
    assert summary["bf16_check"]["same_best_candidate_fields"].endswith("/71")
    mv.refresh_from_db()
    assert mv.metrics["norris71"] == summary
