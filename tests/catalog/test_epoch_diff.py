"""The epoch diff: its classes, the overlap it compares, and tiles equal to one whole-sky match."""

from __future__ import annotations

import numpy as np
import pytest
from django.test import override_settings

from catalog.diff import epochs as diff_mod
from catalog.diff.epochs import diff_epochs, previous_epoch
from catalog.diff.match import classify, coverage, match
from catalog.models import Epoch, EpochDiffEntry, ModelVersion, RadioComponent, Survey
from ml.sky import unit_vectors

Kind = EpochDiffEntry.Kind


@pytest.mark.parametrize(
    ("a", "b", "want"),
    [
        ((7, 0.9), (8, 0.9), Kind.HOST_CHANGED),
        ((7, 0.9), (None, None), Kind.HOST_LOST),
        ((None, None), (7, 0.8), Kind.HOST_FOUND),
        ((7, 0.9), (7, 0.5), Kind.RELIABILITY_CHANGED),
        ((7, 0.9), (7, 0.75), None),  # within the threshold
        ((None, None), (None, None), None),
    ],
)
def test_each_class_means_what_it_says(a, b, want):
    assert classify(*a, *b, 0.2) == want


def _epoch(survey, name, positions, state=Epoch.State.PROCESSED):
    from catalog.sky.spatial import hpx_index

    e = Epoch.objects.create(survey=survey, name=name, state=state)
    ra, dec = np.array(positions, dtype=float).T
    RadioComponent.objects.bulk_create(  # bulk_create skips save(): the index is given here
        [
            RadioComponent(epoch=e, name=f"{name}-{i}", ra=r, dec=d, hpx=int(h))
            for i, (r, d, h) in enumerate(zip(ra, dec, hpx_index(ra, dec), strict=True))
        ]
    )
    return e


def _grid(ra0, dec0, n, step_deg):
    return [(ra0 + i * step_deg, dec0 + j * step_deg) for i in range(n) for j in range(n)]


@pytest.fixture
def survey(db):
    return Survey.objects.create(name="VLASS")


def test_epochs_of_other_sky_are_not_compared(survey):
    a = _epoch(survey, "1", _grid(10.0, 0.0, 4, 0.1))
    far = _epoch(survey, "1b", _grid(200.0, 40.0, 4, 0.1))  # processed later, elsewhere
    b = _epoch(survey, "2", _grid(10.0, 0.0, 4, 0.1), state=Epoch.State.IDENTIFYING)
    assert not coverage(far) & coverage(b)
    assert previous_epoch(b) == a  # the latest one that overlaps, not the latest one
    d = diff_epochs(far, b)
    assert d.overlap_pixels == 0 and d.n_matched == 0 and d.n_new == 0 and d.n_gone == 0
    assert d.n_b_outside == 16 and d.n_a_outside == 16


def test_only_the_common_sky_is_compared_and_the_rest_is_reported(survey):
    # A covers 10..12° in RA, B 11..13°: half of each lies outside the other
    a = _epoch(survey, "1", [(10.0 + 0.05 * i, 0.3) for i in range(40)])
    b = _epoch(survey, "2", [(11.0 + 0.05 * i, 0.3) for i in range(40)])
    with override_settings(RADIOHOST_DIFF_COVERAGE_ORDER=7):  # 0.46° pixels
        d = diff_epochs(a, b)
        common = coverage(a, 7) & coverage(b, 7)
    assert d.overlap_pixels == len(common) > 0
    assert d.overlap_deg2 == pytest.approx(len(common) * 41252.96 / (12 * 4**7), rel=1e-4)
    assert d.n_a + d.n_a_outside == 40 and d.n_b + d.n_b_outside == 40
    assert 0 < d.n_a < 40 and 0 < d.n_b < 40
    # the 20 shared positions all match; the overlap is whole pixels, so at most the
    # components in its edge pixels are compared without a counterpart
    assert d.n_matched == 20
    assert d.n_a == d.n_matched + d.n_gone and d.n_b == d.n_matched + d.n_new
    assert d.n_gone + d.n_new <= 2 * 10  # one 0.46° pixel of 0.05°-spaced rows per side


def _brute_force(a: Epoch, b: Epoch, radius: float, order: int):
    """One whole-sky mutual-nearest match of the components inside the common coverage."""
    common = coverage(a, order) & coverage(b, order)
    shift = 2 * (29 - order)

    def inside(e):
        rows = RadioComponent.objects.filter(epoch=e).order_by("pk")
        return [
            r[:3] for r in rows.values_list("pk", "ra", "dec", "hpx") if r[3] >> shift in common
        ]

    ra, rb = inside(a), inside(b)
    xa = unit_vectors(np.array([r[1] for r in ra]), np.array([r[2] for r in ra]))
    xb = unit_vectors(np.array([r[1] for r in rb]), np.array([r[2] for r in rb]))
    ia, jb, _ = match(xa, xb, radius)
    pairs = {(ra[i][0], rb[j][0]) for i, j in zip(ia, jb, strict=True)}
    gone = {ra[i][0] for i in set(range(len(ra))) - set(ia.tolist())}
    new = {rb[j][0] for j in set(range(len(rb))) - set(jb.tolist())}
    return pairs, gone, new


def test_tiles_give_the_whole_sky_match(survey, monkeypatch):
    rng = np.random.default_rng(4)
    # a patch across several epoch tiles (order 3, ~7°) and coverage pixels, with pairs
    # straddling pixel edges: B is A jittered by up to a few arcsec, some dropped and added
    n = 3000
    ra = rng.uniform(40.0, 58.0, n)
    dec = rng.uniform(-6.0, 6.0, n)
    a = _epoch(survey, "1", list(zip(ra, dec, strict=True)))
    keep = rng.random(n) > 0.05
    jr = ra[keep] + rng.normal(0, 1.5 / 3600, keep.sum())
    jd = dec[keep] + rng.normal(0, 1.5 / 3600, keep.sum())
    extra = list(zip(rng.uniform(40.0, 58.0, 100), rng.uniform(-6.0, 6.0, 100), strict=True))
    b = _epoch(survey, "2", list(zip(jr, jd, strict=True)) + extra)
    mv = ModelVersion.objects.create(name="m", kind="host")
    Epoch.objects.filter(pk__in=[a.pk, b.pk]).update(model_version=mv)
    calls = []
    original = diff_mod.diff_tile
    monkeypatch.setattr(diff_mod, "diff_tile", lambda *x: calls.append(1) or original(*x))
    with override_settings(RADIOHOST_DIFF_COVERAGE_ORDER=6):
        d = diff_epochs(a, b, radius_arcsec=4.2)
    assert len(calls) > 3  # it really ran in tiles
    pairs, gone, new = _brute_force(a, b, 4.2, 6)
    assert d.n_matched == len(pairs) and len(new) > 50
    assert d.n_a_outside + d.n_b_outside > 0  # some edge pixels hold one epoch only
    assert set(d.entries.filter(kind="gone").values_list("component_a_id", flat=True)) == gone
    assert set(d.entries.filter(kind="new").values_list("component_b_id", flat=True)) == new
    assert d.n_a + d.n_a_outside == n and d.n_b + d.n_b_outside == keep.sum() + 100
