"""Each drift switch does the one deviation it names, and nothing is drifted without one.
(That the contract harness catches each of them is proven in `contract_tests/test_drift.py`.)"""

from __future__ import annotations

import pytest
from conftest import ADMIN, AGENT, PREFIX

from mockserver import Profile, build_store, create_app, demo_document
from mockserver.web.drift import SWITCHES, UnknownDriftSwitch, parse

NEW_API_INBOX = {"name": "Drifted", "channel": {"type": "api"}}


def client(*switches: str):
    app = create_app(build_store(demo_document(), Profile.DOCS), drift=switches)
    return app.test_client()


def call(c, method: str, path: str, token: str | None = ADMIN, **kwargs):
    headers = {} if token is None else {"api_access_token": token}
    return c.open(PREFIX + path, method=method, headers=headers, **kwargs)


def test_parse_reads_lists_and_comma_separated_strings():
    assert parse(None) == frozenset()
    assert parse("") == frozenset()
    assert parse(" auth_ignored, list_not_wrapped ,") == {"auth_ignored", "list_not_wrapped"}
    assert parse(["create_answers_201"]) == {"create_answers_201"}


def test_unknown_switch_is_refused_with_the_known_names():
    with pytest.raises(UnknownDriftSwitch, match=r"no_such_switch.*create_answers_201"):
        create_app(drift=["no_such_switch"])


def test_no_switch_answers_as_the_contract_says():
    c = client()
    assert call(c, "POST", "/inboxes", json=NEW_API_INBOX).status_code == 200
    assert call(c, "GET", "/inboxes", token=None).status_code == 401
    assert call(c, "POST", "/inboxes", data=b"{", content_type="application/json").status_code == 400


def test_create_answers_201():
    assert call(client("create_answers_201"), "POST", "/inboxes", json=NEW_API_INBOX).status_code == 201


def test_inbox_field_missing_drops_timezone_from_every_inbox_body():
    c = client("inbox_field_missing")
    assert "timezone" not in call(c, "GET", "/inboxes/1").get_json()
    assert all("timezone" not in i for i in call(c, "GET", "/inboxes").get_json()["payload"])
    assert "timezone" in client().get(PREFIX + "/inboxes/1", headers={"api_access_token": ADMIN}).get_json()


def test_malformed_json_500():
    response = call(client("malformed_json_500"), "POST", "/inboxes", data=b"{", content_type="application/json")
    assert response.status_code == 500


@pytest.mark.parametrize("token", [None, "no-such-token", "demo-bot-token-1"])
def test_auth_ignored_lets_anyone_in_as_an_administrator(token):
    c = client("auth_ignored")
    response = call(c, "GET", "/inboxes", token=token)
    assert response.status_code == 200
    assert len(response.get_json()["payload"]) == 6


def test_admin_fields_to_agents():
    assert "hmac_token" in call(client("admin_fields_to_agents"), "GET", "/inboxes/1", token=AGENT).get_json()
    assert "hmac_token" not in call(client(), "GET", "/inboxes/1", token=AGENT).get_json()


def test_delete_keeps_inbox_answers_as_a_deletion_but_keeps_it():
    c = client("delete_keeps_inbox")
    deleted = call(c, "DELETE", "/inboxes/2")
    assert deleted.status_code == 200
    assert "deletion request" in deleted.get_json()["message"]
    assert call(c, "GET", "/inboxes/2").status_code == 200
    # The checks before the handler still run: an agent is still refused.
    assert call(c, "DELETE", "/inboxes/2", token=AGENT).status_code == 401


def test_list_not_wrapped():
    body = call(client("list_not_wrapped"), "GET", "/inboxes").get_json()
    assert isinstance(body, list)
    assert [i["id"] for i in body] == [1, 2, 3, 4, 5, 6]


def test_agents_see_all_inboxes_in_the_list_only():
    c = client("agents_see_all_inboxes")
    listed = call(c, "GET", "/inboxes", token=AGENT).get_json()["payload"]
    assert [i["id"] for i in listed] == [1, 2, 3, 4, 5, 6]
    assert all("hmac_token" not in i for i in listed)  # still rendered as an agent sees them
    assert call(c, "GET", "/inboxes/3", token=AGENT).status_code == 401


def test_not_found_as_401():
    assert call(client("not_found_as_401"), "GET", "/inboxes/999").status_code == 401
    assert call(client(), "GET", "/inboxes/999").status_code == 404


def test_text_content_type():
    response = call(client("text_content_type"), "GET", "/inboxes")
    assert response.content_type.startswith("text/plain")


def test_every_switch_is_tested_here():
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    assert all(any(t.startswith(switch) for t in tested) for switch in SWITCHES)


def test_serve_refuses_an_unknown_switch(capsys, monkeypatch):
    from mockserver.cli import main

    monkeypatch.setenv("MOCK_DRIFT", "auth_ignored,bogus")
    assert main(["serve", "--port", "0"]) == 2
    assert "unknown drift switch bogus" in capsys.readouterr().err


def test_drift_leaves_the_control_api_as_its_spec_says():
    c = client("not_found_as_401", "text_content_type")
    response = c.get("/_mock/accounts/99")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert c.get("/_mock/faults").mimetype == "application/json"
