"""The CNN path of the epoch pipeline: one code path chooses; the gpu tile task
scores with ml.host.engine.HostEngine from the stored cutouts."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from django.test import override_settings

from catalog.models import Cutout, Epoch, HostPrediction, RadioComponent

pytestmark = pytest.mark.django_db

TINY = {
    "comment": "test-sized host identifier (radio + x, y, D): 4 SIMULATED fields, 1 epoch",
    "model": {"use_optical": False, "use_class_probs": False, "radio_size": 48, "optical_size": 32},
    "train": {"epochs": 1, "lr": 0.002, "fields_per_batch": 2, "neg_per_pos": 3, "folds": 2,
              "seed": 0, "threads": 1},
    "data": {"n_fields": 4, "first_seed": 70000, "radio_size": 48, "optical_crop": 128,
             "optical_binning": 4},
}  # fmt: skip


def test_cnn_checkpoint_with_cutouts_goes_to_the_gpu_queue_and_scores_with_hostengine(tmp_path):
    from catalog.methods.registry import register_checkpoint
    from catalog.pipeline.route import choose
    from catalog.simulated.sky import ingest_sim_sky
    from ml.evaluation.norris71.model import train_checkpoint
    from ml.sim.formats import write_sky
    from radiohost_site.celery import app
    from workers import tasks

    media = tmp_path / "media"
    (media / "models").mkdir(parents=True)
    cfg = tmp_path / "tiny.json"
    cfg.write_text(json.dumps(TINY))
    write_sky(3, tmp_path / "sky", 5)
    with override_settings(MEDIA_ROOT=str(media), RADIOHOST_MEDIA_ROOT=str(media)):
        ingest_sim_sky(tmp_path / "sky")
        epoch = Epoch.objects.get(name="sim")
        assert choose(epoch).path == "catalogue"  # no CNN active
        train_checkpoint(str(cfg), str(media / "models" / "tiny.pt"))
        mv, _ = register_checkpoint(media / "models" / "tiny.pt", name="tiny", activate=True)
        route = choose(epoch)
        assert (route.path, route.queue) == ("catalogue", "cpu") and "no stored" in route.reason
        # store a 240 x 240, 1"/px radio field as each component's VLASS cutout: the field of
        # its simulation (the nearest labelled target's); what matters here is that the tile
        # scores exactly what is stored
        targets = RadioComponent.objects.filter(epoch=epoch, candidates__isnull=False).distinct()
        fits = sorted((tmp_path / "sky" / "radio").glob("*.fits"))
        labels = (tmp_path / "sky" / "labels.csv").read_text().splitlines()[1:]
        field_of = {line.split(",")[2]: int(line.split(",")[0]) for line in labels}
        centres = {
            field_of[c.name]: (c.ra, c.dec)
            for c in RadioComponent.objects.filter(epoch=epoch, name__in=list(field_of))
        }

        def field(comp):
            return min(centres, key=lambda k: (centres[k][0] - comp.ra) ** 2
                       + (centres[k][1] - comp.dec) ** 2)  # fmt: skip

        (media / "cutouts").mkdir()
        for comp in targets:
            rel = f"cutouts/{comp.pk}.fits"
            shutil.copy(fits[field(comp)], media / rel)
            Cutout.objects.create(component=comp, survey="VLASS", path=rel, width_px=240,
                                  height_px=240, pixel_scale_arcsec=1.0, sha256="x" * 64)  # fmt: skip
        route = choose(epoch)
        assert (route.path, route.queue, route.model_version) == ("cnn", "gpu", mv)
        old, app.conf.task_always_eager = app.conf.task_always_eager, True
        try:
            out = tasks.process_epoch.apply(args=(epoch.pk,)).get()
        finally:
            app.conf.task_always_eager = old
        assert out["route"] == "cnn" and out["queue"] == "gpu"
        epoch.refresh_from_db()
        assert epoch.state == Epoch.State.PROCESSED and epoch.model_version == mv
        preds = HostPrediction.objects.filter(model_version=mv)
        assert preds.count() == epoch.n_predictions > 0
        # the same likelihoods as scoring the fields directly with the engine
        from catalog.pipeline.cnn import _engine
        from catalog.providers.fits_image import read_fits_image
        from ml.host.data import radio_input
        from ml.host.field import HostField

        engine = _engine(mv.pk, mv.sha256)
        for comp in targets:
            cands = list(comp.candidates.order_by("id"))
            img = read_fits_image(media / f"cutouts/{comp.pk}.fits").data
            f = HostField(str(comp.pk), radio_input(np.nan_to_num(img), 48),
                          [c.optical_source_id for c in cands],
                          np.array([[c.dx_px, c.dy_px] for c in cands]) * 48 / 240)  # fmt: skip
            want = engine.score([f])[0]
            got = [preds.get(candidate=c).likelihood for c in cands]
            assert np.allclose(got, want, atol=1e-6)
