"""ml.evaluation.host_reliability.metrics against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

from ml.evaluation.host_reliability.metrics import brier, decision_figures, ece, reliability_bins


def test_ece_and_brier_by_hand():
    # bin 0.9-1.0: confidences 0.95, 0.95 with 1 of 2 right -> |0.5 - 0.95| * 2/4
    # bin 0.2-0.3: confidences 0.25, 0.25 with 0 of 2 right -> |0 - 0.25| * 2/4
    conf = np.array([0.95, 0.95, 0.25, 0.25])
    ok = np.array([1, 0, 0, 0])
    assert ece(conf, ok) == pytest.approx(0.5 * 0.45 + 0.5 * 0.25)
    assert brier(conf, ok) == pytest.approx((0.05**2 + 0.95**2 + 2 * 0.25**2) / 4)
    bins = reliability_bins(conf, ok)
    assert [b["n"] for b in bins] == [0, 0, 2, 0, 0, 0, 0, 0, 0, 2]


def test_confidence_one_lands_in_the_top_bin_and_calibrated_is_zero():
    conf = np.array([1.0, 1.0, 0.0])
    ok = np.array([1, 1, 0])
    assert ece(conf, ok) == 0.0
    assert reliability_bins(conf, ok)[-1]["n"] == 2


def test_precision_recall_at_half():
    best = np.array([0, 1, 2, 0])
    host = np.array([0, 0, 2, 1])
    conf = np.array([0.9, 0.8, 0.4, 0.6])
    d = decision_figures(best, conf, host)
    # declared (> 0.5): fields 0, 1, 3; right among them: field 0 only
    assert d["precision_at_0.5"] == pytest.approx(1 / 3, abs=1e-4)
    assert d["recall_at_0.5"] == pytest.approx(1 / 4)
    assert d["top1"] == 0.5
