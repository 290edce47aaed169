"""`/`: the API's docs page (Swagger UI from the flask-swagger-ui package) performs a real "try it
out" call against the running mock, with the demo token pre-filled on loopback."""

from __future__ import annotations

import json

import requests
from conftest import ADMIN

HTTP_TIMEOUT = 10


def journal(browser_mock, **query) -> list[dict]:
    response = requests.get(f"{browser_mock.url}/_mock/journal", params=query, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    return response.json()["entries"]


def test_try_it_out_lists_the_demo_inboxes(browser, browser_mock, wait, screenshot):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen

    requests.delete(f"{browser_mock.url}/_mock/journal", timeout=HTTP_TIMEOUT)
    browser.get(browser_mock.url + "/")
    assert browser.find_element(By.ID, "prefilled-token").text.endswith(f"{ADMIN} (loopback)")
    operation = wait.until(seen.element_to_be_clickable((By.ID, "operations-Inboxes-listInboxes")))
    operation.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
    wait.until(seen.element_to_be_clickable((By.CSS_SELECTOR, "#operations-Inboxes-listInboxes .try-out__btn"))).click()
    browser.find_element(By.ID, "operations-Inboxes-listInboxes").find_element(By.CSS_SELECTOR, ".execute").click()

    status = wait.until(seen.visibility_of_element_located(
        (By.CSS_SELECTOR, "#operations-Inboxes-listInboxes .live-responses-table tbody .response-col_status")))
    assert status.text.strip() == "200"
    shown = browser.find_element(By.CSS_SELECTOR, "#operations-Inboxes-listInboxes .live-responses-table "
                                                  "tbody .response-col_description pre").text
    assert [inbox["id"] for inbox in json.loads(shown)["payload"]] == [1, 2, 3, 4, 5, 6]
    curl = browser.find_element(By.CSS_SELECTOR, "#operations-Inboxes-listInboxes .curl-command").text
    assert f"api_access_token: {ADMIN}" in curl
    browser.execute_script("document.getElementById('operations-tag-Inboxes').scrollIntoView()")
    screenshot("docs-page")

    # A real call reached the mock, and only that one: the page's own loads are not API calls.
    entries = journal(browser_mock)
    assert [(e["method"], e["operation_id"], e["status"]) for e in entries] == [("GET", "listInboxes", 200)]


def test_nothing_the_docs_page_loads_leaves_the_machine(browser, browser_mock, wait):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen

    browser.get(browser_mock.url + "/")
    wait.until(seen.presence_of_element_located((By.ID, "operations-Inboxes-listInboxes")))
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded and all(url.startswith(browser_mock.url + "/") for url in loaded), loaded


def test_control_api_docs_page_renders_its_own_spec(browser, browser_mock, wait):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as seen

    browser.get(browser_mock.url + "/_mock")
    wait.until(seen.presence_of_element_located((By.CSS_SELECTOR, "[id$='-resetState']")))
    assert browser.find_elements(By.ID, "prefilled-token") == []  # no public-API token on the control page
