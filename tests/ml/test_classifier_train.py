"""Training loop, checkpoints and CLI of the optical classifier (ml.classifier.train, ml.train)."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import torch

from ml.checkpoints import checkpoint_metadata, save_checkpoint
from ml.classifier import train as T
from ml.classifier.metrics import class_report, format_table, plot_confusion, summarise_folds


def test_class_report_and_fold_summary():
    r = class_report([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 2, 0])
    g = r["per_class"]["GALAXY"]
    assert g["precision"] == pytest.approx(0.5) and g["recall"] == pytest.approx(0.5)
    assert r["per_class"]["QSO"]["precision"] == pytest.approx(0.5)
    assert r["per_class"]["STAR"]["recall"] == pytest.approx(2 / 3)
    assert r["accuracy"] == pytest.approx(4 / 6)
    assert r["confusion"] == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    s = summarise_folds([r, class_report([0, 1, 2], [0, 1, 2])])
    assert s["accuracy"]["mean"] == pytest.approx((4 / 6 + 1) / 2)
    assert s["accuracy"]["std"] == pytest.approx((1 - 4 / 6) / 2)
    text = format_table(s, "Table 1")
    assert "±" in text and text.splitlines()[2].startswith("GALAXY")
    with pytest.raises(ValueError, match="must be non-empty and equal length"):
        class_report([0, 1], [0])
    with pytest.raises(ValueError, match="at least one fold"):
        summarise_folds([])


def test_confusion_png(tmp_path):
    p = tmp_path / "cm.png"
    plot_confusion([[5, 1, 0], [0, 3, 1], [0, 0, 9]], p, "test")
    assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_config_validation_messages(tmp_path):
    with pytest.raises(ValueError, match=r"seed ranges overlap"):
        T.ClassifierTrainConfig(train_seeds=(0, 10), val_seeds=(5, 12), test_seeds=(20, 22))
    with pytest.raises(
        ValueError, match=r"val_seeds must be a non-empty range \[start, stop\), got \(3, 3\)"
    ):
        T.ClassifierTrainConfig(train_seeds=(0, 2), val_seeds=(3, 3), test_seeds=(5, 6))
    with pytest.raises(ValueError, match=r"unknown classifier config key\(s\) \['epoch'\]"):
        T.ClassifierTrainConfig.from_dict({"epoch": 3})
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="cannot read a JSON config"):
        T.ClassifierTrainConfig.from_json(bad)
    cfg = T.ClassifierTrainConfig(epochs=3)
    assert T.ClassifierTrainConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg


def test_checkpoint_metadata_roundtrip_and_tamper(tmp_path):
    path = tmp_path / "m.pt"
    digest = save_checkpoint(
        path,
        kind="optical_classifier_image",
        model_state={"w": torch.ones(2)},
        config={"a": 1},
        metrics={"accuracy": 0.5},
        epoch=4,
    )
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    meta = checkpoint_metadata(path)
    assert meta["kind"] == "optical_classifier_image" and meta["sha256"] == digest
    assert (
        meta["config"] == {"a": 1} and meta["metrics"] == {"accuracy": 0.5} and meta["epoch"] == 4
    )
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(ValueError, match="does not match m.pt.sha256"):
        checkpoint_metadata(path)
    with pytest.raises(ValueError, match="none.pt: checkpoint file does not exist"):
        checkpoint_metadata(tmp_path / "none.pt")
    junk = tmp_path / "junk.pt"
    torch.save([1, 2], junk)
    with pytest.raises(ValueError, match="junk.pt: checkpoint is a list, expected a dict"):
        checkpoint_metadata(junk)


def test_class_weights_upweight_rare_class():
    w = T.class_weights(np.array([0] * 6 + [1] * 1 + [2] * 3))
    assert w[1] > w[2] > w[0]
    assert float((w * torch.tensor([6.0, 1.0, 3.0])).sum()) == pytest.approx(10.0)


@pytest.mark.slow
def test_cli_trains_checkpoints_and_registers(tmp_path):
    # tiny end-to-end run on simulated fields through the real CLI entry point
    from ml.train import main as cli

    cfg = {
        "name": "tiny",
        "train_seeds": [1, 3],
        "val_seeds": [3, 4],
        "test_seeds": [4, 5],
        "crop": 64,
        "binning": 4,
        "max_per_field": 4,
        "epochs": 2,
        "batch_size": 4,
        "num_threads": 1,
        "checkpoint_dir": str(tmp_path / "ckpt"),
        "results_json": str(tmp_path / "res" / "classifier_tiny.json"),
        "cache_dir": None,
    }
    cfg_path = tmp_path / "tiny.json"
    cfg_path.write_text(json.dumps(cfg))
    assert cli(["classifier", "--config", str(cfg_path)]) == 0
    res = json.loads((tmp_path / "res" / "classifier_tiny.json").read_text())
    assert res["metrics"]["data"].startswith("SIMULATED")
    assert len(res["metrics"]["history"]) == 2
    meta = checkpoint_metadata(tmp_path / "ckpt" / "tiny.pt")
    assert meta["kind"] == T.KIND_IMAGE and meta["sha256"] == res["checkpoint"]["sha256"]
    assert meta["config"]["epochs"] == 2
    ckpt = torch.load(tmp_path / "ckpt" / "tiny.pt", weights_only=True)
    assert {"model", "optimizer", "lr_scheduler", "epoch", "config", "metrics", "git_sha"} <= set(
        ckpt
    )
    model = T.load_image_classifier(tmp_path / "ckpt" / "tiny.pt", device="cpu")
    with torch.no_grad():
        out = model(torch.rand(1, 5, 16, 16), torch.zeros(1, 2), torch.ones(1, 2))
    assert out.shape == (1, 3)
    assert (tmp_path / "res" / "classifier_confusion_tiny_test.png").is_file()


def test_cli_unknown_command_and_missing_config(tmp_path):
    from ml.train import main as cli

    with pytest.raises(SystemExit):
        cli(["nosuchmodel", "--config", "x.json"])
    with pytest.raises(ValueError, match="cannot read a JSON config"):
        cli(["classifier", "--config", str(tmp_path / "missing.json")])
