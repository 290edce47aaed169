"""A write is saved before its answer leaves, or undone (issue 9.2, 9.12): a request answered 5xx
leaves no change behind, in memory or on disk; any state, even one holding a lone surrogate, saves."""

from __future__ import annotations

import json

import pytest

from mockserver import Profile, build_store, create_app, demo_document
from mockserver.control import state_file
from mockserver.state.document import export_document
from mockserver.web.app import RUNTIME_KEY

ADMIN = {"api_access_token": "demo-admin-token"}
INBOXES = "/api/v1/accounts/1/inboxes"


def served(tmp_path, **options):
    app = create_app(build_store(demo_document(), Profile.DOCS), state_file=tmp_path / "state", **options)
    return app.test_client(), app.extensions[RUNTIME_KEY]


def on_disk(tmp_path) -> dict:
    return export_document(state_file.load(tmp_path / "state", Profile.DOCS))


def refuse_writes(runtime, refused: bool = True) -> None:
    """The database turns writes away (SQLite: "attempt to write a readonly database"), as a disk
    gone read-only would: a real failure of the real commit."""
    runtime._database.connection().execute(f"PRAGMA query_only = {'ON' if refused else 'OFF'}")


def test_a_write_that_cannot_be_saved_is_503_and_undone(tmp_path):
    client, runtime = served(tmp_path)
    before = runtime.export()
    refuse_writes(runtime)
    writes = [("POST", INBOXES, {"name": "Lost", "channel": {"type": "api"}}),
              ("PATCH", f"{INBOXES}/1", {"name": "Lost", "channel": {"website_url": "https://lost.example"}}),
              ("DELETE", f"{INBOXES}/2", None),
              ("POST", f"{INBOXES}/1/set_agent_bot", {"agent_bot": None}),
              ("POST", "/api/v1/accounts/1/inbox_members", {"inbox_id": 1, "user_ids": [3]}),
              ("DELETE", "/api/v1/accounts/1/inbox_members", {"inbox_id": 1, "user_ids": [2]})]
    for method, url, body in writes:
        answer = client.open(url, method=method, headers=ADMIN, **({} if body is None else {"json": body}))
        assert answer.status_code == 503, (method, url, answer.get_json())
        assert "readonly database" in answer.get_json()["error"]
        assert runtime.export() == before, (method, url)
        assert on_disk(tmp_path) == before, (method, url)
    assert client.patch("/_mock/accounts/2", json={"status": "suspended"}).status_code == 503
    assert client.post("/_mock/reset").status_code == 503
    assert client.put("/_mock/state", json=demo_document()).status_code == 503
    assert runtime.export() == before
    refuse_writes(runtime, False)
    assert on_disk(tmp_path) == before
    created = client.post(INBOXES, headers=ADMIN, json={"name": "Kept", "channel": {"type": "api"}})
    assert created.status_code == 200
    assert on_disk(tmp_path) == runtime.export() != before


def test_any_failure_to_encode_is_503_and_undone(tmp_path, monkeypatch):
    client, runtime = served(tmp_path)
    before = runtime.export()

    def broken(*args):
        raise ValueError("cannot encode")

    monkeypatch.setattr("mockserver.control.state_db.encode_record", broken)
    assert client.patch(f"{INBOXES}/1", headers=ADMIN, json={"name": "Lost"}).status_code == 503
    monkeypatch.undo()
    assert runtime.export() == before == on_disk(tmp_path)


def test_a_lone_surrogate_in_the_state_saves_and_reloads_as_it_was(tmp_path):
    # The edge refuses one at parse time; the store and the state file must still be total.
    client, runtime = served(tmp_path)
    with runtime.writing() as store:
        store.add_inbox(1, "odd \ud800 name", {"type": "api"}, greeting_message="\udfff")
    exported = runtime.export()
    assert [i["name"] for i in exported["inboxes"]].count("odd \ud800 name") == 1
    assert on_disk(tmp_path) == exported
    assert json.loads(client.get("/_mock/state").data) == exported


def test_an_answer_that_breaks_the_spec_is_500_and_its_write_undone(tmp_path):
    # With validate_responses a drifted answer (an inbox without `timezone`) is the mock's bug: 500.
    client, runtime = served(tmp_path, validate_responses=True, drift=["inbox_field_missing"])
    before = runtime.export()
    answer = client.post(INBOXES, headers=ADMIN, json={"name": "Broken", "channel": {"type": "api"}})
    assert answer.status_code == 500
    assert answer.get_json()["error"] == "mock response breaks the OpenAPI spec"
    assert runtime.export() == before == on_disk(tmp_path)


@pytest.mark.parametrize(("method", "url", "body"), [
    ("POST", INBOXES, {"name": "Crash", "channel": {"type": "api"}}),
    ("PATCH", f"{INBOXES}/1", {"name": "Crash", "working_hours": [{"day_of_week": 1, "open_hour": 8}]}),
])
def test_a_write_whose_answer_crashes_is_undone(tmp_path, monkeypatch, method, url, body):
    client, runtime = served(tmp_path)
    before = runtime.export()

    def crash(*args, **kwargs):
        raise RuntimeError("view crashed")

    monkeypatch.setattr("mockserver.web.api._response", crash)  # after the store changed, before the answer
    answer = client.open(url, method=method, headers=ADMIN, json=body)
    assert answer.status_code == 500
    assert runtime.export() == before == on_disk(tmp_path)
