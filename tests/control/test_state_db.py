"""The state database: a write commits the records it touched and nothing else; the document a
restart reads is the export; the id sequences go on after a restart; files it did not write, or of
another format, are refused with a message."""

from __future__ import annotations

import json
import sqlite3

import pytest

from mockserver import Profile, build_store, create_app, demo_document
from mockserver.control import state_db, state_file
from mockserver.state import document as document_module
from mockserver.state.document import StateDocumentError, export_document
from mockserver.web.app import RUNTIME_KEY

ADMIN = {"api_access_token": "demo-admin-token"}
INBOXES = "/api/v1/accounts/1/inboxes"


def served(path):
    app = create_app(build_store(demo_document(), Profile.DOCS), state_file=path)
    return app.test_client(), app.extensions[RUNTIME_KEY]


def rows(path) -> dict[tuple[str, int], str]:
    with sqlite3.connect(path) as connection:
        return {(table, key): entries for table, key, entries in connection.execute("SELECT * FROM records")}


@pytest.mark.parametrize(("method", "url", "body", "touched"), [
    ("PATCH", f"{INBOXES}/1", {"name": "One row"}, {("inboxes", 1)}),
    ("POST", "/api/v1/accounts/1/inbox_members", {"inbox_id": 2, "user_ids": [1]}, {("members", 2)}),
    ("DELETE", f"{INBOXES}/1", None, {("inboxes", 1), ("members", 1), ("bot_links", 1),
                                   ("campaigns", 1), ("campaigns", 2)}),
])
def test_a_write_commits_exactly_the_records_it_changed(tmp_path, method, url, body, touched):
    path = tmp_path / "state.db"
    client, runtime = served(path)
    before = rows(path)
    writer = runtime._database.connection()
    written_before = writer.total_changes
    answer = client.open(url, method=method, headers=ADMIN, **({} if body is None else {"json": body}))
    assert answer.status_code == 200, answer.get_json()
    after = rows(path)
    changed = {place for place in before.keys() | after.keys() if before.get(place) != after.get(place)}
    assert changed == touched
    # Rows the change did not touch were not rewritten either (SQLite counts every row written; the one
    # more is the checksum's, state_db.py).
    assert writer.total_changes - written_before == len(touched) + 1
    assert state_file.read(path)[0] == runtime.export()


def test_a_restart_serves_the_export_and_ids_are_not_given_twice(tmp_path):
    path = tmp_path / "state.db"
    client, runtime = served(path)
    created = client.post(INBOXES, headers=ADMIN, json={"name": "Short-lived", "channel": {"type": "api"}})
    assert client.delete(f"{INBOXES}/{created.get_json()['id']}", headers=ADMIN).status_code == 200
    assert client.patch("/_mock/accounts/1", json={"inbox_limit": 40}).status_code == 200
    exported = runtime.export()

    restarted = create_app(state_file.load(path, Profile.DOCS), state_file=path)
    assert restarted.extensions[RUNTIME_KEY].export() == exported
    again = restarted.test_client().post(INBOXES, headers=ADMIN, json={"name": "Next", "channel": {"type": "api"}})
    assert again.get_json()["id"] == created.get_json()["id"] + 1  # as a database sequence, not reused


def test_reset_and_load_replace_the_whole_content_in_one_transaction(tmp_path):
    path = tmp_path / "state.db"
    client, runtime = served(path)
    start = rows(path)
    client.delete(f"{INBOXES}/1", headers=ADMIN)
    client.post("/_mock/reset")
    assert rows(path) == start
    smaller = demo_document()
    del smaller["campaigns"][:], smaller["agent_bot_inboxes"][:]
    assert client.put("/_mock/state", json=smaller).status_code == 200
    assert state_file.read(path)[0] == runtime.export()
    assert runtime.export()["campaigns"] == runtime.export()["agent_bot_inboxes"] == []
    assert not any(table in ("campaigns", "bot_links") for table, _ in rows(path))


@pytest.mark.parametrize(("tampering", "refusal"), [
    ("INSERT INTO records VALUES ('conversations', 1, '[{}]')",
     "tables this chatwoot-mock does not know: conversations"),
    ("UPDATE records SET entries = '[{\"id\": 1,' WHERE tbl = 'accounts' AND key = 1",
     "holds a record that is not JSON"),
    ("UPDATE records SET entries = replace(entries, '\"bot_config\":{}', '\"bot_config\":{\"x\":NaN}') "
     "WHERE tbl = 'agent_bots'", "NaN is not a JSON value"),
], ids=["unknown table", "record not JSON", "NaN written in"])
def test_a_database_this_version_cannot_read_is_refused_with_a_message(tmp_path, tampering, refusal):
    path = tmp_path / "state.db"
    served(path)
    with sqlite3.connect(path) as connection:
        connection.execute(tampering)
    with pytest.raises(StateDocumentError, match=refusal):
        state_file.read(path)


def test_a_database_of_another_format_is_refused(tmp_path):
    path = tmp_path / "state.db"
    served(path)
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {state_db.FORMAT + 1}")
    with pytest.raises(StateDocumentError, match=f"has format {state_db.FORMAT + 1}"):
        state_file.read(path)
    with pytest.raises(Exception, match="format"):
        create_app(build_store(demo_document(), Profile.DOCS), state_file=path)  # not overwritten either


@pytest.fixture
def format_checks(monkeypatch) -> list[int]:
    """One entry per check of a document against fixtures/state.schema.json."""
    checks: list[int] = []
    original = document_module._schema_validator

    def noted():
        checks.append(1)
        return original()

    monkeypatch.setattr(document_module, "_schema_validator", noted)
    return checks


def account_row(path, change: dict) -> None:
    """The first account's row, edited by hand (as with the sqlite3 shell)."""
    with sqlite3.connect(path) as connection:
        (entries,) = connection.execute("SELECT entries FROM records WHERE tbl = 'accounts' AND key = 1").fetchone()
        [account] = json.loads(entries)
        connection.execute("UPDATE records SET entries = ? WHERE tbl = 'accounts' AND key = 1",
                           (json.dumps([{**account, **change}]),))


def test_a_restart_of_the_rows_this_mock_wrote_does_not_check_the_format_again(tmp_path, format_checks):
    path = tmp_path / "state.db"
    client, runtime = served(path)
    created = client.post(INBOXES, headers=ADMIN, json={"name": "Kept", "channel": {"type": "api"}})
    assert client.patch(f"{INBOXES}/1", headers=ADMIN, json={"name": "Renamed"}).status_code == 200
    assert client.delete(f"{INBOXES}/2", headers=ADMIN).status_code == 200
    assert client.post("/api/v1/accounts/1/inbox_members", headers=ADMIN,
                       json={"inbox_id": created.get_json()["id"], "user_ids": [1]}).status_code == 200
    assert client.patch("/_mock/accounts/1", json={"inbox_limit": 40}).status_code == 200
    exported = runtime.export()
    format_checks.clear()
    restarted = create_app(state_file.load(path, Profile.DOCS), state_file=path, resumed=True)
    assert format_checks == []
    assert restarted.extensions[RUNTIME_KEY].export() == exported


def test_rows_edited_by_hand_are_checked_and_a_bad_edit_stops_the_start(tmp_path, format_checks):
    path = tmp_path / "state.db"
    served(path)
    account_row(path, {"name": "Edited by hand"})
    format_checks.clear()
    store = state_file.load(path, Profile.DOCS)
    assert format_checks == [1]
    assert store.accounts[1].name == "Edited by hand"
    account_row(path, {"status": 5})
    with pytest.raises(StateDocumentError, match=r"does not follow fixtures/state\.schema\.json"):
        state_file.load(path, Profile.DOCS)


def test_rows_written_under_another_state_format_are_checked(tmp_path, format_checks):
    path = tmp_path / "state.db"
    served(path)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE checksum SET format = 'an older format'")
    format_checks.clear()
    state_file.load(path, Profile.DOCS)
    assert format_checks == [1]


def test_a_database_without_a_checksum_is_checked_until_it_is_written_whole(tmp_path, format_checks):
    path = tmp_path / "state.db"
    client, runtime = served(path)
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE checksum")  # as an older mock made it
    assert client.patch(f"{INBOXES}/1", headers=ADMIN, json={"name": "Still saved"}).status_code == 200
    format_checks.clear()
    store = state_file.load(path, Profile.DOCS)
    assert format_checks == [1] and store.inboxes[1].name == "Still saved"
    create_app(store, state_file=path)  # a start that is not a resume writes the whole state, checksum included
    format_checks.clear()
    assert export_document(state_file.load(path, Profile.DOCS)) == runtime.export()
    assert format_checks == []


def test_a_new_database_has_pages_that_hold_a_whole_record(tmp_path):
    """16 KiB (state_db.PAGE_SIZE says why): set before the write-ahead log, or SQLite keeps 4 KiB."""
    path = tmp_path / "state.db"
    served(path)
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA page_size").fetchone()[0] == 16384
