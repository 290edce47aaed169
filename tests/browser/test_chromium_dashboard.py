"""`/_mock/ui`: the dashboard shows the demo's inboxes, an inbox created through the API appears with
its journal entry, a fault added in the page makes a request fail, and reset brings the demo back."""

from __future__ import annotations

import json

import requests
from conftest import ADMIN, DEMO_INBOXES

HTTP_TIMEOUT = 10


def api(mock, method: str, path: str, **kwargs) -> requests.Response:
    return requests.request(method, f"{mock.url}/api/v1/accounts/1{path}", headers={"api_access_token": ADMIN},
                            timeout=HTTP_TIMEOUT, **kwargs)


def texts(browser, selector: str) -> list[str]:
    """The text of every element `selector` finds, read at one moment (the page redraws)."""
    return browser.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText.trim())", selector)


def inbox_names(browser, account_id: int) -> list[str]:
    return texts(browser, f"[data-account='{account_id}'] .inboxes tbody td:nth-child(2)")


def journal_rows(browser) -> list[list[str]]:
    return [row.split("\t") for row in texts(browser, "#journal tbody tr.entry")]


def click(wait, selector: str) -> None:
    """Clicks `selector`, finding it again if the page redrew it in between."""
    from selenium.webdriver.common.by import By

    wait.until(lambda browser: browser.find_element(By.CSS_SELECTOR, selector).click() or True)


def test_the_dashboard_follows_the_api(browser, browser_mock, wait, screenshot):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    requests.post(f"{browser_mock.url}/_mock/reset", timeout=HTTP_TIMEOUT)
    requests.delete(f"{browser_mock.url}/_mock/journal", timeout=HTTP_TIMEOUT)
    requests.delete(f"{browser_mock.url}/_mock/faults", timeout=HTTP_TIMEOUT)
    browser.get(browser_mock.url + "/_mock/ui")
    account_1 = [DEMO_INBOXES[i]["name"] for i in sorted(DEMO_INBOXES) if DEMO_INBOXES[i]["account_id"] == 1]
    wait.until(lambda _: inbox_names(browser, 1) == account_1)
    assert browser.find_element(By.ID, "profile").text == "profile: docs"
    assert browser.find_element(By.ID, "drift").text == "drift: none"
    assert ADMIN in texts(browser, "[data-account='1'] .users code")

    # An inbox created through the API appears, with its journal entry and the body it was sent.
    created = api(browser_mock, "POST", "/inboxes", json={"name": "Browser Inbox", "channel": {"type": "api"}})
    assert created.status_code == 200, created.text
    wait.until(lambda _: inbox_names(browser, 1) == [*account_1, "Browser Inbox"])
    wait.until(lambda _: journal_rows(browser)[:1] and journal_rows(browser)[0][1:5] == [
        "POST", "/api/v1/accounts/1/inboxes", "200", "createInbox"])
    click(wait, "#journal tbody tr.entry")
    body = wait.until(lambda _: browser.find_element(By.CSS_SELECTOR, "#journal tr.detail pre"))
    assert json.loads(body.text) == {"name": "Browser Inbox", "channel": {"type": "api"}}
    screenshot("dashboard", height=1500)

    # The inbox opens as the JSON the API gives an administrator.
    browser.find_element(By.CSS_SELECTOR, f"[data-inbox='{created.json()['id']}'] a.open-inbox").click()
    shown = wait.until(lambda _: browser.find_element(By.ID, "inbox-json").text)
    assert json.loads(shown) == api(browser_mock, "GET", f"/inboxes/{created.json()['id']}").json()

    # A fault added in the page: the next list answers 503, and the journal says so.
    form = browser.find_element(By.ID, "fault-form")
    Select(form.find_element(By.NAME, "operation_id")).select_by_visible_text("listInboxes")
    form.find_element(By.NAME, "status").send_keys("503")
    form.find_element(By.NAME, "times").send_keys("1")
    browser.find_element(By.ID, "add-fault").click()
    wait.until(lambda _: texts(browser, "#faults tbody td")[1:3] == ["listInboxes", "503"])
    assert api(browser_mock, "GET", "/inboxes").status_code == 503
    wait.until(lambda _: journal_rows(browser)[0][1:5] == ["GET", "/api/v1/accounts/1/inboxes", "503", "listInboxes"])
    wait.until(lambda _: texts(browser, "#faults tbody tr") == [])  # used up
    assert api(browser_mock, "GET", "/inboxes").status_code == 200

    # Reset: the created inbox is gone; the journal is cleared with its button.
    browser.find_element(By.ID, "reset").click()
    wait.until(lambda _: inbox_names(browser, 1) == account_1)
    browser.find_element(By.ID, "clear-journal").click()
    wait.until(lambda _: journal_rows(browser) == [])


def test_the_journal_filters_by_status(browser, browser_mock, wait):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    requests.delete(f"{browser_mock.url}/_mock/journal", timeout=HTTP_TIMEOUT)
    api(browser_mock, "GET", "/inboxes")
    api(browser_mock, "GET", "/inboxes/999")
    browser.get(browser_mock.url + "/_mock/ui")
    wait.until(lambda _: len(journal_rows(browser)) == 2)
    Select(browser.find_element(By.CSS_SELECTOR, "#journal-filter [name=status]")).select_by_visible_text("4xx")
    wait.until(lambda _: [row[3] for row in journal_rows(browser)] == ["404"])


def test_export_downloads_the_state_and_load_uploads_one(browser, browser_mock, wait, tmp_path):
    from selenium.webdriver.common.by import By

    requests.post(f"{browser_mock.url}/_mock/reset", timeout=HTTP_TIMEOUT)
    browser.get(browser_mock.url + "/_mock/ui")
    wait.until(lambda _: inbox_names(browser, 1))
    # Export: the page hands the browser a JSON file to save; read what it would save.
    browser.execute_script("""
        window.saved = null;
        HTMLAnchorElement.prototype.click = function () {
          const name = this.download;
          fetch(this.href).then(r => r.text()).then(text => { window.saved = {name, text}; });
        };""")
    browser.find_element(By.ID, "export").click()
    saved = wait.until(lambda _: browser.execute_script("return window.saved"))
    exported = requests.get(f"{browser_mock.url}/_mock/state", timeout=HTTP_TIMEOUT)
    assert saved["name"] == "chatwoot-mock-state.json" and json.loads(saved["text"]) == exported.json()

    # Load: a document with a renamed inbox, uploaded through the page, is the state.
    document = exported.json()
    document["inboxes"][0]["name"] = "Uploaded Name"
    upload = tmp_path / "state.json"
    upload.write_text(json.dumps(document))
    browser.find_element(By.ID, "load").send_keys(str(upload))
    wait.until(lambda _: inbox_names(browser, 1)[:1] == ["Uploaded Name"])
    assert api(browser_mock, "GET", "/inboxes/1").json()["name"] == "Uploaded Name"
    requests.post(f"{browser_mock.url}/_mock/reset", timeout=HTTP_TIMEOUT)
