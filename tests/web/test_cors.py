"""CORS behind its switch (`mockserver.web.cors`), as Chatwoot's rack-cors answers when it runs as an
API-only server; and preflights answered (never 405, never journaled) either way."""

from __future__ import annotations

import pytest
from conftest import ADMIN, PREFIX

from mockserver import create_app
from mockserver.web.cors import origins_of

ORIGIN = "http://localhost:5173"


def preflight(client, path: str = PREFIX + "/inboxes", method: str = "POST", origin: str = ORIGIN):
    return client.options(path, headers={"Origin": origin, "Access-Control-Request-Method": method,
                                         "Access-Control-Request-Headers": "api_access_token, content-type"})


@pytest.mark.parametrize(("switch", "origins"), [
    (None, ()), (False, ()), ("", ()), ("0", ()), ("false", ()), (True, ("*",)), ("1", ("*",)), ("*", ("*",)),
    ("http://a.test, http://b.test/", ("http://a.test", "http://b.test")), (["http://a.test", "*"], ("*",)),
])
def test_the_switch(switch, origins):
    assert origins_of(switch) == origins


def test_on_any_origin_as_chatwoot_api_only():
    app = create_app(cors=True, validate_responses=True)
    client = app.test_client()
    answer = preflight(client)
    assert answer.status_code == 200 and answer.data == b""
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert answer.headers["Access-Control-Allow-Headers"] == "api_access_token, content-type"
    assert set(answer.headers["Access-Control-Allow-Methods"].split(", ")) >= {"GET", "POST", "PATCH", "PUT", "DELETE"}
    assert answer.headers["Access-Control-Max-Age"] == "7200"
    listed = client.get(PREFIX + "/inboxes", headers={"Origin": ORIGIN, "api_access_token": ADMIN})
    assert listed.status_code == 200 and listed.headers["Access-Control-Allow-Origin"] == "*"
    assert listed.headers["Access-Control-Expose-Headers"] == "access-token, client, expiry, uid"
    refused = client.get(PREFIX + "/inboxes/999", headers={"Origin": ORIGIN, "api_access_token": ADMIN})
    assert refused.status_code == 404 and refused.headers["Access-Control-Allow-Origin"] == "*"  # errors readable
    # Without an Origin, nothing is added: a server-side client sees the answers it always saw.
    server_side = client.get(PREFIX + "/inboxes", headers={"api_access_token": ADMIN})
    assert "Access-Control-Allow-Origin" not in server_side.headers
    journal = app.extensions["chatwoot_mock"].journal
    assert [e.method for e in journal.entries()] == ["GET", "GET", "GET"]  # the preflight is no API call


def test_on_for_listed_origins_echoes_the_one_allowed():
    client = create_app(cors="http://localhost:5173,http://app.test").test_client()
    answer = preflight(client)
    assert answer.headers["Access-Control-Allow-Origin"] == ORIGIN and "Origin" in answer.headers["Vary"]
    other = preflight(client, origin="http://evil.test")
    assert other.status_code == 200 and "Access-Control-Allow-Origin" not in other.headers


def test_the_control_api_stays_same_origin():
    client = create_app(cors=True).test_client()
    answer = preflight(client, "/_mock/reset")
    assert answer.status_code == 200 and "Access-Control-Allow-Origin" not in answer.headers
    state = client.get("/_mock/settings", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in state.headers
    assert state.get_json()["cors"] == {"enabled": True, "origins": ["*"]}


def test_off_a_preflight_is_answered_without_headers_as_chatwoot_does():
    app = create_app(validate_responses=True)
    client = app.test_client()
    for path in (PREFIX + "/inboxes", PREFIX + "/inboxes/1", "/nowhere"):
        answer = preflight(client, path)
        assert answer.status_code == 200, path  # rack-cors answers every preflight, never a 405
        assert not [name for name, _ in answer.headers.items() if name.startswith("Access-Control-")]
    assert len(app.extensions["chatwoot_mock"].journal) == 0
    # A plain OPTIONS (no preflight) is the unserved method it always was.
    assert client.options(PREFIX + "/inboxes").status_code == 405
    assert app.test_client().get("/_mock/settings").get_json()["cors"] == {"enabled": False, "origins": []}
