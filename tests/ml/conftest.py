"""Shared fixtures of the ml tests: the real SDSS DR14 sample and a small classifier config."""

from __future__ import annotations

import pytest
import torch

from ml.classifier.catalogue import CatalogueConfig
from ml.classifier.data import SDSS_FILE, load_sdss_dr14
from ml.paths import data_dir

needs_data = pytest.mark.skipif(
    not (data_dir() / SDSS_FILE).exists(), reason="real data folder ../shared/data not present"
)
# Small enough for CI, big enough to learn the real classes (tests assert > chance).
SMALL = CatalogueConfig(epochs=12, batch_size=256, hidden=(32, 32), seed=3)


@pytest.fixture(scope="session")
def sdss():
    torch.set_num_threads(1)
    return load_sdss_dr14()
