"""The mock served for real: `chatwoot-mock serve` in a subprocess, spoken to over a socket with
`requests` (tooling notes §3: the underscore header, one process, the port).

Loopback only; every wait is bounded by a timeout.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
import requests
from conftest import ADMIN

from mockserver.testing.served import ServedMock, child_env, serve_command
from mockserver.web import server

HTTP_TIMEOUT = 10


class Served(ServedMock):
    def api(self, path: str) -> str:
        return f"{self.url}/api/v1/accounts/1{path}"


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with Served("--validate-responses", "--access-log") as server:
        yield server


def test_serving_line_names_a_real_port(served):
    assert served.port > 0
    assert served.process.poll() is None


def test_list_with_underscore_header(served):
    # tooling notes §3: most servers drop `api_access_token` (underscores); the mock must keep it.
    response = requests.get(served.api("/inboxes"), headers={"api_access_token": ADMIN}, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200
    assert [i["id"] for i in response.json()["payload"]] == [1, 2, 3, 4, 5, 6]  # fixtures/demo.json


def test_list_with_dash_header(served):
    response = requests.get(served.api("/inboxes"), headers={"api-access-token": ADMIN}, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200
    assert len(response.json()["payload"]) == 6


def test_no_header_is_401(served):
    response = requests.get(served.api("/inboxes"), timeout=HTTP_TIMEOUT)
    assert response.status_code == 401
    # digest §0: devise's body.
    assert response.json() == {"errors": ["You need to sign in or sign up before continuing."]}


def test_create_then_get_over_the_socket(served):
    headers = {"api_access_token": ADMIN}
    created = requests.post(served.api("/inboxes"), headers=headers, timeout=HTTP_TIMEOUT,
                            json={"name": "Served API inbox", "channel": {"type": "api",
                                                                           "webhook_url": "https://example.test/hook"}})
    # digest §0: 200, not 201.
    assert created.status_code == 200, created.text
    inbox = created.json()
    assert inbox["name"] == "Served API inbox"
    assert inbox["channel_type"] == "Channel::Api"
    try:
        fetched = requests.get(served.api(f"/inboxes/{inbox['id']}"), headers=headers, timeout=HTTP_TIMEOUT)
        assert fetched.status_code == 200
        assert fetched.json() == inbox
    finally:
        # Leave the shared server as it was (the listing test counts six inboxes).
        deleted = requests.delete(served.api(f"/inboxes/{inbox['id']}"), headers=headers, timeout=HTTP_TIMEOUT)
        assert deleted.status_code == 200


def test_second_serve_on_the_same_port_fails_naming_it(served):
    second = subprocess.run(serve_command("--port", str(served.port)), env=child_env(), capture_output=True,
                            text=True, timeout=60)
    assert second.returncode != 0
    assert str(served.port) in second.stderr + second.stdout
    # The first server is unharmed.
    assert served.process.poll() is None
    response = requests.get(served.api("/inboxes"), headers={"api_access_token": ADMIN}, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200


def test_one_access_log_line_per_request(served):
    headers = {"api_access_token": ADMIN}
    # Paths no other test here requests, so their lines can be counted exactly.
    counted = {"/inboxes/5/assignable_agents": 3, "/inbox_members/6": 2, "/inboxes/6/campaigns": 1}
    for path, times in counted.items():
        for _ in range(times):
            assert requests.get(served.api(path), headers=headers, timeout=HTTP_TIMEOUT).status_code == 200
    missing = requests.get(served.api("/inboxes/6/nowhere"), headers=headers, timeout=HTTP_TIMEOUT)
    assert missing.status_code == 404

    def count(lines: list[str], path: str) -> int:
        needle = f"/api/v1/accounts/1{path} "
        return sum(1 for line in lines if needle in line)

    expected = {**counted, "/inboxes/6/nowhere": 1}
    lines = served.wait_for(lambda ls: all(count(ls, p) >= n for p, n in expected.items()), 15)
    assert {p: count(lines, p) for p in expected} == expected, "\n".join(lines[-30:])
    line = next(line for line in lines if "/inboxes/6/nowhere " in line)
    assert "GET" in line
    assert " 404 " in line


def test_the_loop_is_uvloop_where_installed_else_asyncio(monkeypatch):
    from granian.constants import Loops

    assert server.event_loop() is Loops.uvloop
    monkeypatch.setattr("importlib.util.find_spec", lambda name: None)  # as if not installed
    assert server.event_loop() is Loops.asyncio


def test_serve_hands_granian_the_named_loop(monkeypatch):
    from granian.constants import Loops
    from granian.server import mp

    built: dict = {}

    class Recorded:
        def __init__(self, *args, **kwargs) -> None:
            built.update(kwargs)

        def serve(self, **kwargs) -> None:
            pass

    monkeypatch.setattr(mp, "MPServer", Recorded)
    monkeypatch.setattr(server.gc, "freeze", lambda: None)  # this test process stays unfrozen
    server.serve(object(), "127.0.0.1", 0, body_limit=lambda path, kind: 0)
    assert built["loop"] is Loops.uvloop
