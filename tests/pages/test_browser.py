"""The pages in a real browser: Debian's headless chromium driven through chromium-driver.

``make test`` installs both when missing (scripts/ensure_chromium.sh). Screenshots of each
page go to ``$RADIOHOST_SCREENSHOTS_DIR`` (the committed ones: ``results/pages/``, made with
``RADIOHOST_SCREENSHOTS_DIR=results/pages pytest tests/pages/test_browser.py``), else to a
temporary folder.
"""

from __future__ import annotations

import pytest

from tests.factories import simulated_sky

WAIT_S = 30


@pytest.fixture
def live_sky(transactional_db, tmp_path, settings, eager):
    from django.core.cache import cache

    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    return simulated_sky(tmp_path, n_fields=8)


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


def test_anonymous_search_by_sexagesimal_position_to_a_component(
    live_server, live_sky, browser, shots
):
    from selenium.webdriver.common.by import By

    from catalog.models import RadioComponent
    from pages.forms import format_sexagesimal

    comp = RadioComponent.objects.get(pk=live_sky["component_ids"][0])
    browser.get(live_server.url + "/")
    assert "Optical hosts of radio components" in browser.page_source
    shots(browser, "home")
    browser.find_element(By.NAME, "position").send_keys(format_sexagesimal(comp.ra, comp.dec))
    browser.find_element(By.NAME, "radius_arcsec").send_keys("30")
    browser.find_element(By.ID, "search-submit").click()
    link = _wait(
        browser,
        lambda d: d.find_element(By.LINK_TEXT, comp.name),
        "the component in the search results",
    )
    assert (
        browser.find_element(By.ID, "export-votable")
        .get_attribute("href")
        .endswith("format=votable")
    )
    shots(browser, "search")
    link.click()
    _wait(browser, lambda d: d.find_element(By.ID, "component-name").text == comp.name, "the page")
    img = browser.find_element(By.ID, "overlay")
    _wait(
        browser,
        lambda d: d.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth", img
        ),
        "the overlay image",
    )
    assert browser.execute_script("return arguments[0].naturalWidth", img) > 0
    cells = browser.find_elements(By.CSS_SELECTOR, "#candidates tr.cand")
    liks = [float(c.get_attribute("data-likelihood")) for c in cells]
    assert len(liks) >= 2 and liks == sorted(liks, reverse=True)
    assert browser.find_elements(By.ID, "catalogue-rendered")  # labelled: no pixels
    assert not browser.find_elements(By.ID, "relabel-form")
    shots(browser, "component")
    browser.get(live_server.url + "/models/")
    shots(browser, "models")


def test_curator_relabels_from_the_component_page(live_server, live_sky, browser, shots):
    from selenium.webdriver.common.by import By

    from catalog.curation.curators import create_curator
    from catalog.models import HostPrediction
    from catalog.read.summaries import refresh_summaries

    # one component with no candidate above 0.5 (seed §4.2: no prime host) is flagged
    flagged = live_sky["component_ids"][2]
    HostPrediction.objects.filter(candidate__component_id=flagged).update(
        likelihood=0.3, is_positive=False, is_prime=False
    )
    refresh_summaries()
    create_curator("cora", "cora-pass-123")
    _login(browser, live_server.url, "cora", "cora-pass-123")
    browser.get(live_server.url + "/review/")
    row = browser.find_element(By.CSS_SELECTOR, f'#queue tr[data-component="{flagged}"]')
    shots(browser, "review")
    row.find_element(By.TAG_NAME, "a").click()
    _wait(browser, lambda d: d.find_elements(By.ID, "relabel-form"), "the relabel control")
    old_label = browser.find_element(By.ID, "current-label").text
    browser.find_element(By.ID, "id_reason").send_keys("the host lies between the lobes")
    buttons = browser.find_elements(By.CSS_SELECTOR, "button.mark-host")
    buttons[-1].click()  # one click: the lowest-ranked candidate is the host
    _wait(browser, lambda d: "saved" in d.find_element(By.CLASS_NAME, "messages").text, "saved")
    history = browser.find_element(By.ID, "label-history").text
    assert "the host lies between the lobes" in history and "superseded" in history
    assert "expert" in browser.find_element(By.ID, "current-label").text
    assert old_label != browser.find_element(By.ID, "current-label").text
    shots(browser, "component_relabelled")
    browser.get(live_server.url + "/review/")
    assert not browser.find_elements(By.CSS_SELECTOR, f'#queue tr[data-component="{flagged}"]')
    assert browser.find_element(By.ID, "relabel-counter").text == "1"


def test_logged_in_non_curator_sees_no_control_and_a_forged_post_is_refused(
    live_server, live_sky, browser
):
    from django.contrib.auth import get_user_model
    from selenium.webdriver.common.by import By

    from catalog.models import Label

    get_user_model().objects.create_user("ann", password="ann-pass-123")
    comp = live_sky["component_ids"][0]
    n = Label.objects.count()
    _login(browser, live_server.url, "ann", "ann-pass-123")
    browser.get(f"{live_server.url}/components/{comp}/")
    _wait(browser, lambda d: d.find_elements(By.ID, "candidates"), "the candidates")
    assert not browser.find_elements(By.ID, "relabel-form")
    assert not browser.find_elements(By.CSS_SELECTOR, "button.mark-host")
    # forge the POST the control would send, with the session's own CSRF token
    status = browser.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const token = document.querySelector('input[name=csrfmiddlewaretoken]').value;
        const body = new URLSearchParams({choice: 'none', reason: 'forged',
                                          csrfmiddlewaretoken: token});
        fetch(arguments[0], {method: 'POST', body: body, credentials: 'same-origin'})
          .then(r => done(r.status)).catch(e => done(String(e)));
        """,
        f"{live_server.url}/components/{comp}/relabel/",
    )
    assert status == 403
    assert Label.objects.count() == n


def test_the_content_security_policy_lets_the_pages_and_the_api_docs_run(
    live_server, live_sky, browser
):
    # The policy allows scripts from this origin only: the component page's script (its
    # candidate highlighting) and the Swagger UI (its start-up script is a file, not inline)
    # must still run, and the browser must report no violation.
    from selenium.webdriver.common.by import By

    browser.get(live_server.url + "/api/docs/")
    _wait(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, "#swagger-ui .opblock"),
        "the Swagger UI to list the operations",
    )
    comp = live_sky["component_ids"][0]
    browser.get(f"{live_server.url}/components/{comp}/")
    _wait(browser, lambda d: d.find_element(By.ID, "overlay"), "the component page")
    violations = [
        e["message"]
        for e in browser.get_log("browser")
        if "Content Security Policy" in e.get("message", "")
    ]
    assert violations == []
