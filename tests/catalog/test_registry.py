"""Model registry: checkpoints become ModelVersions with sha256; idempotent; clear errors."""

import pytest
import torch
from django.core.management import CommandError, call_command

from catalog.models import ModelVersion
from ml.checkpoints import checkpoint_metadata, file_sha256


def _ckpt(path, **extra):
    torch.save(
        {"model": {"w": torch.ones(2)}, "config": {"lr": 0.1}, "metrics": {"acc": 0.9}, **extra},
        path,
    )
    return path


@pytest.mark.django_db
def test_register_is_idempotent_and_activation_retires(tmp_path, settings):
    settings.RADIOHOST_MEDIA_ROOT = tmp_path
    a = _ckpt(tmp_path / "a.pt", kind="classifier")
    b = _ckpt(tmp_path / "b.pt", kind="classifier", git_sha="abc")
    call_command("register_model", str(a), "--name", "cls-a", "--activate")
    call_command("register_model", str(a), "--name", "cls-a-again")
    assert ModelVersion.objects.count() == 1
    mv = ModelVersion.objects.get()
    assert mv.sha256 == file_sha256(a) and mv.checkpoint_path == "a.pt" and mv.status == "active"
    call_command("register_model", str(b), "--name", "cls-b", "--activate")
    assert dict(ModelVersion.objects.values_list("name", "status")) == {
        "cls-a": "retired",
        "cls-b": "active",
    }


@pytest.mark.django_db
def test_register_errors_name_the_file(tmp_path):
    with pytest.raises(CommandError, match=r"nope.pt: checkpoint file does not exist"):
        call_command("register_model", str(tmp_path / "nope.pt"), "--name", "x", "--kind", "host")
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CommandError, match=r"bad.pt: not a readable torch checkpoint"):
        call_command("register_model", str(bad), "--name", "x", "--kind", "host")
    torch.save({"model": {}}, tmp_path / "partial.pt")
    with pytest.raises(
        CommandError, match=r"partial.pt: checkpoint lacks key\(s\) config, metrics"
    ):
        call_command(
            "register_model", str(tmp_path / "partial.pt"), "--name", "x", "--kind", "host"
        )
    nokind = _ckpt(tmp_path / "nokind.pt")
    with pytest.raises(CommandError, match="model kind None is not one of classifier, host"):
        call_command("register_model", str(nokind), "--name", "x")
    assert ModelVersion.objects.count() == 0


def test_checkpoint_metadata_reports_sha_and_config(tmp_path):
    p = _ckpt(tmp_path / "c.pt", kind="host", simulated=True)
    meta = checkpoint_metadata(p)
    assert meta["kind"] == "host" and meta["simulated"] is True
    assert meta["config"] == {"lr": 0.1} and len(meta["sha256"]) == 64
