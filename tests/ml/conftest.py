"""Shared fixtures of the ml tests: the real SDSS DR14 sample, a small classifier config and
labelled doubles for the association refit."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ml.association.refit import LabelledField
from ml.classifier.catalogue import CatalogueConfig
from ml.classifier.data import SDSS_FILE, load_sdss_dr14

ARCSEC = 1 / 3600.0


def _offset(ra, dec, east_arcsec, north_arcsec):
    return ra + east_arcsec * ARCSEC / np.cos(np.radians(dec)), dec + north_arcsec * ARCSEC


def _double_fields(n: int, seed: int = 0) -> list[LabelledField]:
    """Doubles whose host sits at the *integrated*-flux centroid: a compact lobe (peak =
    flux) and an extended one (flux 60, peak 10). The default peak weighting puts the core
    near the compact lobe, where a decoy candidate waits."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        ra0, dec0 = 10.0 + 0.5 * i, -30.0 + 0.3 * i
        pa = rng.uniform(0, 2 * np.pi)
        sep = rng.uniform(30, 50)
        e, nn = np.sin(pa), np.cos(pa)
        ra1, dec1 = _offset(ra0, dec0, sep * e, sep * nn)
        f_int = 60.0 / 110.0  # host along the axis at the integrated-flux centroid
        f_peak = 10.0 / 60.0
        jitter = rng.normal(0, 0.7, 2)
        hra, hdec = _offset(ra0, dec0, sep * f_int * e + jitter[0], sep * f_int * nn + jitter[1])
        dra, ddec = _offset(ra0, dec0, sep * f_peak * e, sep * f_peak * nn)
        far = _offset(ra0, dec0, 70.0, -60.0)
        cands = [(dra, ddec), (hra, hdec), far]
        order = rng.permutation(3)
        out.append(
            LabelledField(
                np.array([ra0, ra1]),
                np.array([dec0, dec1]),
                np.array([50.0, 60.0]),
                np.array([50.0, 10.0]),
                ra0,
                dec0,
                np.array([cands[j][0] for j in order]),
                np.array([cands[j][1] for j in order]),
                int(np.flatnonzero(order == 1)[0]),
                key=f"f{i}",
            )
        )
    return out


@pytest.fixture
def double_fields():
    """``double_fields(n, seed=0)``: labelled doubles for the association refit tests."""
    return _double_fields


@pytest.fixture(scope="session")
def small():
    """Small enough for CI, big enough to learn the real classes (tests assert > chance)."""
    return CatalogueConfig(epochs=12, batch_size=256, hidden=(32, 32), seed=3)


@pytest.fixture(scope="session")
def sdss(require_real_data):
    require_real_data(SDSS_FILE)
    torch.set_num_threads(1)
    return load_sdss_dr14()
