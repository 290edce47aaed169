"""MockRuntime without HTTP: reset, load, export, account settings, persistence."""

from __future__ import annotations

import pytest

from mockserver import Profile, build_store, demo_document
from mockserver.chatwoot.errors import StateDocumentRejected
from mockserver.control import state_file
from mockserver.control.runtime import MockRuntime
from mockserver.state.document import encode_document


def runtime(**options) -> MockRuntime:
    return MockRuntime(build_store(demo_document(), Profile.DOCS), **options)


def test_reset_serves_a_new_store_equal_to_the_start():
    mock = runtime()
    start = encode_document(mock.store)
    first = mock.store
    first.configure_account(1, status="suspended")
    mock.reset()
    assert mock.store is not first
    assert encode_document(mock.store) == start
    mock.reset()  # each reset starts again from the same snapshot
    assert encode_document(mock.store) == start


def test_load_keeps_the_profile_and_a_bad_document_keeps_the_store():
    mock = MockRuntime(build_store(demo_document(), Profile.CHATWOOT))
    kept = mock.store
    with pytest.raises(StateDocumentRejected):
        mock.load({**demo_document(), "inboxes": [{"id": 1}]})
    assert mock.store is kept
    mock.load(demo_document())
    assert mock.store is not kept and mock.store.profile is Profile.CHATWOOT


def test_export_is_a_copy():
    mock = runtime()
    exported = mock.export()
    exported["inboxes"][0]["name"] = "Changed in the copy"
    assert mock.export()["inboxes"][0]["name"] != "Changed in the copy"


def test_without_a_state_file_persist_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    mock = runtime()
    mock.configure_account(1, inbox_limit=3)
    mock.persist()
    assert list(tmp_path.iterdir()) == []


def test_with_a_state_file_account_settings_are_written(tmp_path):
    target = tmp_path / "state.json"
    mock = runtime(state_path=target)
    mock.configure_account(1, inbox_limit=3)
    assert state_file.read(target)[0]["accounts"][0]["inbox_limit"] == 3


def test_summary_counts_the_records():
    document = demo_document()
    assert runtime().summary() == {table: len(document[table]) for table in (
        "accounts", "users", "agent_bots", "inboxes", "campaigns")}
