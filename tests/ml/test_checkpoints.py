"""The one checkpoint module: what every model writes, and the errors a bad file gives."""

from __future__ import annotations

import hashlib

import pytest
import torch

from ml.checkpoints import checkpoint_metadata, read_checkpoint, save_checkpoint


def _tiny(tmp_path, **kw):
    torch.manual_seed(0)
    net = torch.nn.Linear(3, 2)
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    net(torch.ones(1, 3)).sum().backward()
    opt.step()  # momentum buffers: an optimizer state worth round-tripping
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2)
    sched.step()
    path = tmp_path / "net.pt"
    digest = save_checkpoint(
        path,
        kind="host",
        model_state=net.state_dict(),
        config={"width": 3},
        metrics={"acc": 0.25},
        optimizer_state=opt.state_dict(),
        lr_scheduler_state=sched.state_dict(),
        epoch=7,
        **kw,
    )
    return path, digest, net, opt, sched


def test_round_trip_keeps_every_key_and_the_sidecar_digest(tmp_path):
    path, digest, net, opt, sched = _tiny(tmp_path, extra={"simulated": True})
    assert digest == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (tmp_path / "net.pt.sha256").read_text() == f"{digest}  net.pt\n"
    ckpt = read_checkpoint(path, kind="host")
    assert {"model", "optimizer", "lr_scheduler", "epoch", "config", "metrics", "git_sha"} <= set(
        ckpt
    )
    for k, v in net.state_dict().items():
        assert torch.equal(ckpt["model"][k], v)
    buf = opt.state_dict()["state"][0]["momentum_buffer"]
    assert torch.equal(ckpt["optimizer"]["state"][0]["momentum_buffer"], buf)
    assert ckpt["lr_scheduler"]["last_epoch"] == 1 and ckpt["epoch"] == 7
    meta = checkpoint_metadata(path)
    assert meta["sha256"] == digest and meta["simulated"] is True and meta["epoch"] == 7
    assert meta["config"] == {"width": 3} and meta["metrics"] == {"acc": 0.25}


def test_a_file_changed_after_saving_or_of_another_kind_is_refused(tmp_path):
    path, *_ = _tiny(tmp_path)
    with pytest.raises(ValueError, match="net.pt: checkpoint kind is 'host', expected 'x'"):
        read_checkpoint(path, kind="x")
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(ValueError, match="net.pt: sha256 .* does not match net.pt.sha256"):
        read_checkpoint(path)


def test_missing_keys_are_named(tmp_path):
    torch.save({"model": {}, "metrics": {}}, tmp_path / "part.pt")
    with pytest.raises(ValueError, match=r"part.pt: checkpoint lacks key\(s\) config"):
        read_checkpoint(tmp_path / "part.pt")
