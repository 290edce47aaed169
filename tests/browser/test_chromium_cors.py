"""A page on another origin calls the API from the browser: allowed with CORS on (`--cors`, as
`make run` serves), refused with it off (the default of `chatwoot-mock serve`, as Chatwoot's)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
import requests
from conftest import ADMIN

from mockserver.testing.served import ServedMock

HTTP_TIMEOUT = 10
#: The other origin's page: a list call with the token header, so the browser sends a preflight.
PAGE = b"""<!DOCTYPE html><html><body><p id="result">waiting</p><script>
const mock = new URLSearchParams(location.search).get("mock");
fetch(mock + "/api/v1/accounts/1/inboxes", {headers: {"api_access_token": "%s"}})
  .then(r => r.json().then(body => "status " + r.status + ", " + body.payload.length + " inboxes"))
  .catch(error => "refused: " + error.name)
  .then(text => { document.getElementById("result").textContent = text; });
</script></body></html>""" % ADMIN.encode()


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def other_origin() -> Iterator[str]:
    """A page server on another loopback port: another origin than the mock's."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def mock_without_cors(browser) -> Iterator[ServedMock]:
    with ServedMock() as server:
        yield server


def call_from(browser, wait, page: str, mock_url: str) -> str:
    from selenium.webdriver.common.by import By

    browser.get(f"{page}/?mock={mock_url}")
    return wait.until(lambda _: (text := browser.find_element(By.ID, "result").text) != "waiting" and text)


def test_another_origin_calls_the_api_with_cors_on(browser, browser_mock, wait, other_origin):
    requests.delete(f"{browser_mock.url}/_mock/journal", timeout=HTTP_TIMEOUT)
    assert call_from(browser, wait, other_origin, browser_mock.url) == "status 200, 6 inboxes"
    # The preflight was answered but is no API call: the journal holds the list call alone.
    entries = requests.get(f"{browser_mock.url}/_mock/journal", timeout=HTTP_TIMEOUT).json()["entries"]
    assert [(e["method"], e["status"]) for e in entries] == [("GET", 200)]


def test_another_origin_is_refused_with_cors_off(browser, mock_without_cors, wait, other_origin):
    assert call_from(browser, wait, other_origin, mock_without_cors.url) == "refused: TypeError"
    entries = requests.get(f"{mock_without_cors.url}/_mock/journal", timeout=HTTP_TIMEOUT).json()["entries"]
    assert entries == []  # refused at the preflight: the list call was never sent
