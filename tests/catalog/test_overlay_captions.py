"""What an overlay says it draws: stored pixels, a catalogue model, or nothing; never the
simulator for a real component, never empty contour levels."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from catalog.images.overlay import overlay_inputs
from catalog.models import Epoch, RadioComponent, Survey
from catalog.read.answers import component_answer
from catalog.sky.spatial import hpx_index
from ml.plots.overlay import draw_overlay


def _component(epoch_name: str, **fields) -> RadioComponent:
    survey, _ = Survey.objects.get_or_create(name="VLASS")
    epoch, _ = Epoch.objects.get_or_create(survey=survey, name=epoch_name)
    return RadioComponent.objects.create(
        epoch=epoch, name=f"VLASS2QLCIR J033200.00-274800.0 {epoch_name}", ra=53.0, dec=-27.8,
        hpx=int(hpx_index([53.0], [-27.8])[0]), **fields,
    )  # fmt: skip


def _drawn(comp) -> tuple[str, str]:
    inputs = overlay_inputs(component_answer(comp.pk, epochs=False))
    fig = draw_overlay(inputs)
    try:
        return inputs.radio_caption, fig._suptitle.get_text()
    finally:
        plt.close(fig)


@pytest.mark.django_db
def test_a_real_component_without_pixels_or_flux_says_so():
    comp = _component("2.1")
    caption, title = _drawn(comp)
    assert caption == "no radio pixels stored and no catalogue flux here: no radio drawn"
    assert "simul" not in (caption + title).lower()
    assert "no emission above" in title and "× σ" not in title  # no empty list of levels


@pytest.mark.django_db
@pytest.mark.parametrize(("epoch", "word"), [("2.1", ""), ("sim", "SIMULATED ")])
def test_a_component_with_a_catalogue_flux_is_drawn_as_a_model_and_says_which(epoch, word):
    comp = _component(epoch, total_flux_mjy=5.0, peak_flux_mjy=4.0)
    caption, title = _drawn(comp)
    assert caption == f"{word}catalogue model: Gaussian fits at the 2.5″ beam (no pixels stored)"
    assert "contours 3, 6, 12" in title and "survey noise of the model image" in title
    assert "inset" in title  # a point source in the 3.6′ frame gets the zoom
