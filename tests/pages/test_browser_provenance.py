"""In a real browser (Debian's headless chromium): every page says what its rows are, a refusal
is a page that says what to do, and a curator's /admin/ holds the labels.

Screenshots go to ``$RADIOHOST_SCREENSHOTS_DIR`` (the committed ones: ``results/pages/``).
"""

from __future__ import annotations

import pytest

WAIT_S = 30


@pytest.fixture
def live_sim(transactional_db, tmp_path, settings, eager):
    from django.core.cache import cache

    from catalog.models import Label
    from catalog.pipeline.component import association_model_version, identify_components
    from catalog.read.summaries import refresh_summaries
    from catalog.simulated.sky import ingest_sim_sky
    from ml.sim.formats import write_sky

    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    write_sky(3, tmp_path / "sky", 2023)
    ingest_sim_sky(tmp_path / "sky")
    ids = list(
        Label.objects.current()
        .filter(origin="sim", component__isnull=False)
        .values_list("component_id", flat=True)
    )
    identify_components(ids, association_model_version())
    refresh_summaries()
    return ids


def _wait(driver, condition, what: str):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_S).until(condition, message=f"timed out waiting for {what}")


def _login(driver, base: str, username: str, password: str):
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/accounts/login/")
    driver.find_element(By.ID, "id_username").send_keys(username)
    driver.find_element(By.ID, "id_password").send_keys(password)
    driver.find_element(By.ID, "login-submit").click()
    _wait(driver, lambda d: d.find_elements(By.ID, "whoami"), "the signed-in header")


def test_every_page_says_its_rows_are_simulated(live_server, live_sim, browser):
    from selenium.webdriver.common.by import By

    from catalog.pipeline.component import METHOD_NAME
    from catalog.read.provenance import software_version

    pages = {
        "home": "/",
        "search": "/search/?name=J085100.06-353646.6",
        "review": "/review/",
        "models": "/models/",
        "component": f"/components/{live_sim[0]}/",
    }  # (test_browser.py takes these pages' screenshots)
    for path in pages.values():
        browser.get(live_server.url + path)
        band = browser.find_element(By.ID, "provenance")
        text = band.text
        assert text.startswith("SIMULATED data"), (path, text)
        assert "VLASS sim (simulated)" in text and METHOD_NAME in text, (path, text)
        assert "Norris-71 real ATLAS-CDFS test" in text and software_version() in text, path
        # the band is drawn as a warning, not as small print
        colour = browser.execute_script(
            "return getComputedStyle(arguments[0]).backgroundColor", band
        )
        assert colour == "rgb(255, 244, 214)", (path, colour)


def test_a_refused_relabel_in_the_browser_says_what_to_do(live_server, live_sim, browser, shots):
    from django.contrib.auth import get_user_model
    from selenium.webdriver.common.by import By

    get_user_model().objects.create_user("ann", password="ann-pass-123")
    _login(browser, live_server.url, "ann", "ann-pass-123")
    browser.get(f"{live_server.url}/components/{live_sim[0]}/")
    # the POST the relabel control would send, as a real form submission (a navigation)
    browser.execute_script(
        """
        const f = document.createElement('form');
        f.method = 'post'; f.action = arguments[0];
        for (const [k, v] of Object.entries({choice: 'none', reason: 'forged',
             csrfmiddlewaretoken: document.querySelector('input[name=csrfmiddlewaretoken]').value})) {
          const i = document.createElement('input'); i.name = k; i.value = v; f.appendChild(i);
        }
        document.body.appendChild(f); f.submit();
        """,
        f"{live_server.url}/components/{live_sim[0]}/relabel/",
    )
    heading = _wait(browser, lambda d: d.find_elements(By.ID, "forbidden"), "the 403 page")
    assert heading[0].text == "You may not do this here"
    steps = browser.find_element(By.ID, "forbidden-next").text
    assert "signed in as ann" in steps and "manage.py create_curator ann" in steps
    assert browser.find_element(By.ID, "provenance")  # the site's own page, with its header
    shots(browser, "forbidden")


def test_a_curator_opens_the_admin_on_the_labels(live_server, live_sim, browser, shots):
    from selenium.webdriver.common.by import By

    from catalog.curation.curators import create_curator

    create_curator("cora", "cora-pass-123")
    _login(browser, live_server.url, "cora", "cora-pass-123")
    browser.get(live_server.url + "/")
    browser.find_element(By.LINK_TEXT, "Admin").click()
    _wait(browser, lambda d: d.find_elements(By.LINK_TEXT, "Labels"), "the admin's Labels")
    assert not browser.find_elements(By.LINK_TEXT, "Radio components")
    browser.find_element(By.LINK_TEXT, "Labels").click()
    _wait(browser, lambda d: d.find_elements(By.NAME, "action"), "the label list's actions")
    options = [
        o.get_attribute("value")
        for o in browser.find_elements(By.CSS_SELECTOR, "select[name=action] option")
    ]
    assert "mark_no_host" in options
    shots(browser, "admin_curator_labels")
