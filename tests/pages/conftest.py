"""Fixtures for the pages: a small simulated sky (``tests.factories.simulated_sky``), a
curator and an astronomer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.factories import CuratorFactory, UserFactory, simulated_sky


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def sky(db, tmp_path, media, eager):
    from django.core.cache import cache

    cache.clear()
    return simulated_sky(tmp_path)


@pytest.fixture
def curator(db):
    return CuratorFactory(username="cora", password="cora-pass-123")


@pytest.fixture
def astronomer(db):
    return UserFactory(username="ann", password="ann-pass-123")


# The browser tests' Chromium (Debian's headless chromium through chromium-driver) and their
# screenshots (to $RADIOHOST_SCREENSHOTS_DIR; the committed ones are results/pages/).
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
)


@pytest.fixture
def browser():
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        pytest.fail(
            f"{CHROMIUM} and {CHROMEDRIVER} are needed: run scripts/ensure_chromium.sh "
            "(make test does) to install Debian's chromium and chromium-driver"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for f in FLAGS:
        opts.add_argument(f)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture
def shots(tmp_path):
    out = Path(os.environ.get("RADIOHOST_SCREENSHOTS_DIR") or tmp_path / "shots")
    out.mkdir(parents=True, exist_ok=True)

    def save(driver, name: str) -> Path:
        # the whole page, not only the window: resize to the document's height first
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1400, min(max(1000, int(height)), 4000))
        path = out / f"{name}.png"
        driver.save_screenshot(str(path))
        driver.set_window_size(1400, 1000)
        return path

    return save
