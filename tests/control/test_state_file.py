"""--state-file: a SQLite database, each change committed before its answer; a JSON state file is
taken over (kept as a backup); survives a SIGKILL mid-traffic; a bad file stops the start with a
clear message."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import signal
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest
import requests

from mockserver import Profile, build_store, create_app, demo_document
from mockserver.control import state_db, state_file
from mockserver.control.state_db import HEADER
from mockserver.state.document import export_document
from mockserver.testing.served import ServedMock, child_env, serve_command
from mockserver.web.app import RUNTIME_KEY

ADMIN = {"api_access_token": "demo-admin-token"}


def read(path: Path) -> dict:
    """The state document the file holds, read as a restart reads it."""
    return state_file.read(path)[0]


# ================================================================= which file, which mode
def test_a_missing_file_becomes_a_private_database_holding_the_startup_state(tmp_path):
    target = tmp_path / "state.json"
    app = create_app(build_store(demo_document(), Profile.DOCS), state_file=target)
    assert target.read_bytes().startswith(HEADER)
    assert target.stat().st_mode & 0o777 == 0o600
    assert read(target) == app.extensions[RUNTIME_KEY].export() == export_document(build_store(demo_document()))
    assert app.extensions[RUNTIME_KEY].state_backup is None
    assert sorted(os.listdir(tmp_path)) == ["state.json"]  # made without a journal, closed without a log
    with contextlib.closing(sqlite3.connect(target)) as connection:  # then written through the synced log
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert os.listdir(tmp_path) == ["state.json"]  # no log left while nothing is written


def test_a_json_state_file_is_kept_beside_it_and_the_file_becomes_a_database(tmp_path):
    target = tmp_path / "state.json"
    document = demo_document()
    document["inboxes"][0]["name"] = "From the JSON file"
    original = json.dumps(document, indent=2).encode()
    target.write_bytes(original)
    target.chmod(0o640)
    app = create_app(state_file.load(target, Profile.DOCS), state_file=target)
    runtime = app.extensions[RUNTIME_KEY]
    assert runtime.state_backup == tmp_path / "state.json.bak"
    assert runtime.state_backup.read_bytes() == original  # the user's file, byte for byte
    assert target.read_bytes().startswith(HEADER)
    assert target.stat().st_mode & 0o777 == 0o640  # the owner's choice kept
    assert read(target) == runtime.export() == export_document(build_store(document))

    target.write_bytes(original)  # a JSON file put there again: the first backup is not overwritten
    again = create_app(state_file.load(target, Profile.DOCS), state_file=target).extensions[RUNTIME_KEY]
    assert again.state_backup == tmp_path / "state.json.1.bak"
    assert sorted(os.listdir(tmp_path)) == ["state.json", "state.json.1.bak", "state.json.bak"]


@pytest.mark.parametrize("found", ["nothing", "a JSON state file"])
def test_a_new_database_is_synced_then_named_then_its_name_synced_into_the_directory(tmp_path, monkeypatch, found):
    # A power cut right after the start must leave either the old file or the whole new database: the
    # new file's bytes reach the disk before the rename, and the rename (and a JSON file's backup link)
    # only once the directory holding them is synced after it.
    target = tmp_path / "state.json"
    if found != "nothing":
        target.write_text(json.dumps(demo_document()))
    events: list[tuple[str, object]] = []
    fsync, replace = os.fsync, os.replace

    def recording_fsync(descriptor: int) -> None:
        status = os.fstat(descriptor)
        events.append(("fsync", "directory" if os.path.samestat(status, os.stat(tmp_path)) else status.st_ino))
        fsync(descriptor)

    def recording_replace(source, destination) -> None:
        events.append(("rename", Path(destination).name))
        replace(source, destination)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    monkeypatch.setattr(os, "replace", recording_replace)
    create_app(state_file.load(target, Profile.DOCS) if found != "nothing" else build_store(demo_document()),
               state_file=target)
    assert events == [("fsync", target.stat().st_ino), ("rename", "state.json"), ("fsync", "directory")]


def test_an_existing_database_is_made_to_hold_the_state_the_app_starts_with(tmp_path):
    target = tmp_path / "state.json"
    create_app(build_store(demo_document(), Profile.DOCS), state_file=target)
    other = demo_document()
    del other["campaigns"][1:]
    other["accounts"][0]["name"] = "Other start"
    app = create_app(build_store(other, Profile.DOCS), state_file=target)
    assert read(target) == app.extensions[RUNTIME_KEY].export() == export_document(build_store(other))



def test_a_restart_from_the_database_does_not_write_it_again_and_goes_on_writing(tmp_path, monkeypatch):
    target = tmp_path / "state.db"
    first = create_app(build_store(demo_document(), Profile.DOCS), state_file=target).test_client()
    assert first.patch("/api/v1/accounts/1/inboxes/1", headers=ADMIN, json={"name": "Before"}).status_code == 200
    replaced = []
    monkeypatch.setattr(state_file.StateDatabase, "replace", lambda self, store: replaced.append(store))
    app = create_app(state_file.load(target, Profile.DOCS), state_file=target, resumed=True)
    assert replaced == []  # the rows the store was built from are not encoded and compared again
    client = app.test_client()
    assert client.get("/api/v1/accounts/1/inboxes/1", headers=ADMIN).get_json()["name"] == "Before"
    assert client.patch("/api/v1/accounts/1/inboxes/1", headers=ADMIN, json={"name": "After"}).status_code == 200
    assert read(target) == app.extensions[RUNTIME_KEY].export()
    create_app(state_file.load(target, Profile.DOCS), state_file=target)  # not said resumed: made to hold it
    assert len(replaced) == 1


# ================================================================= in-process: when it is written
@pytest.mark.parametrize("kind", ["database", "json"])
def test_a_state_file_is_read_and_built_in_one_collector_pause(tmp_path, monkeypatch, kind):
    target = tmp_path / "state"
    if kind == "database":
        create_app(build_store(demo_document(), Profile.DOCS), state_file=target)
    else:
        target.write_text(json.dumps(demo_document()))
    seen = []

    def noting(name, original):
        def call(*args, **kwargs):
            seen.append((name, gc.isenabled()))
            return original(*args, **kwargs)
        return call

    monkeypatch.setattr(state_db, "read", noting("read", state_db.read))
    monkeypatch.setattr(state_file, "read_document", noting("read", state_file.read_document))
    monkeypatch.setattr(state_file, "build_store", noting("build", state_file.build_store))
    store = state_file.load(target, Profile.DOCS)
    assert seen == [("read", False), ("build", False)] and gc.isenabled()
    assert export_document(store) == export_document(build_store(demo_document()))


def test_a_missing_file_is_created_from_the_startup_state(tmp_path):
    target = tmp_path / "state.json"
    app = create_app(build_store(demo_document(), Profile.DOCS), state_file=target)
    assert read(target) == app.extensions[RUNTIME_KEY].export()


def test_every_successful_change_is_on_disk_when_answered_and_refusals_write_nothing(tmp_path):
    target = tmp_path / "state.json"
    app = create_app(build_store(demo_document(), Profile.DOCS), state_file=target, validate_responses=True)
    client = app.test_client()
    created = client.post("/api/v1/accounts/1/inboxes", headers=ADMIN,
                          json={"name": "Kept", "channel": {"type": "api"}})
    assert created.status_code == 200
    assert created.get_json()["id"] in {i["id"] for i in read(target)["inboxes"]}
    written = read(target)
    refused = client.post("/api/v1/accounts/1/inboxes", headers=ADMIN, json={"name": "", "channel": {"type": "api"}})
    assert refused.status_code == 422
    assert client.get("/api/v1/accounts/1/inboxes", headers=ADMIN).status_code == 200
    assert read(target) == written
    assert client.delete("/api/v1/accounts/1/inboxes/1", headers=ADMIN).status_code == 200
    assert 1 not in {i["id"] for i in read(target)["inboxes"]}


def test_concurrent_writers_each_find_their_change_on_disk_when_answered(tmp_path):
    target = tmp_path / "state.json"
    app = create_app(build_store(demo_document(), Profile.DOCS), state_file=target)
    missing: list[int] = []

    def create(worker: int) -> None:
        client = app.test_client()
        for number in range(8):
            response = client.post("/api/v1/accounts/1/inboxes", headers=ADMIN,
                                   json={"name": f"w{worker}-{number}", "channel": {"type": "api"}})
            assert response.status_code == 200
            if response.get_json()["id"] not in {i["id"] for i in read(target)["inboxes"]}:
                missing.append(response.get_json()["id"])

    workers = [threading.Thread(target=create, args=(n,)) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert missing == []
    assert len(read(target)["inboxes"]) == len(demo_document()["inboxes"]) + 32


def test_control_calls_that_change_state_are_written(tmp_path):
    target = tmp_path / "state.json"
    app = create_app(build_store(demo_document(), Profile.DOCS), state_file=target, validate_responses=True)
    client = app.test_client()
    start = read(target)
    client.patch("/_mock/accounts/2", json={"status": "suspended"})
    assert read(target)["accounts"][1]["status"] == "suspended"
    client.post("/_mock/reset")
    assert read(target) == start
    document = read(target)
    document["inboxes"][0]["name"] = "Loaded"
    assert client.put("/_mock/state", json=document).status_code == 200
    assert read(target)["inboxes"][0]["name"] == "Loaded"
    assert read(target) == app.extensions[RUNTIME_KEY].export()


def test_a_change_that_cannot_be_written_is_a_clear_503(tmp_path):
    target = tmp_path / "state.json"
    app = create_app(build_store(demo_document(), Profile.DOCS), state_file=target)
    target.unlink()
    tmp_path.rmdir()  # the directory is gone: the next write must fail
    response = app.test_client().patch("/_mock/accounts/1", json={"inbox_limit": 3})
    assert response.status_code == 503
    assert "could not be written" in response.get_json()["error"]


def test_a_state_file_replaced_under_the_running_mock_takes_no_more_changes(tmp_path):
    target = tmp_path / "state.json"
    app = create_app(build_store(demo_document(), Profile.DOCS), state_file=target)
    client, runtime = app.test_client(), app.extensions[RUNTIME_KEY]
    assert client.patch("/_mock/accounts/1", json={"inbox_limit": 3}).status_code == 200
    before = runtime.export()
    (tmp_path / "restored.json").write_text(json.dumps(demo_document()))
    os.replace(tmp_path / "restored.json", target)  # someone put another file in its place
    response = client.patch("/_mock/accounts/1", json={"inbox_limit": 4})
    assert response.status_code == 503
    assert "removed or replaced" in response.get_json()["error"]
    assert runtime.export() == before
    assert json.loads(target.read_text()) == demo_document()  # the file put there is not written to


def test_every_acknowledged_change_is_committed_with_a_synced_log_before_its_answer(tmp_path):
    """What an answer acknowledged is in a committed transaction (another connection reads it) of a
    database in WAL mode with synchronous=FULL, where SQLite syncs the log before COMMIT returns: so
    it survives a power cut, not only a kill. (The syncs themselves are SQLite's, made in C:
    test_power_cut.py watches them through strace and replays them as a disk would keep them.)"""
    target = tmp_path / "state.json"
    app = create_app(build_store(demo_document(), Profile.DOCS), state_file=target)
    runtime, client = app.extensions[RUNTIME_KEY], app.test_client()
    for number in range(3):
        response = client.post("/api/v1/accounts/1/inboxes", headers=ADMIN,
                               json={"name": f"Durable {number}", "channel": {"type": "api"}})
        assert response.status_code == 200
        assert read(target) == runtime.export()
    assert client.patch("/_mock/accounts/2", json={"inbox_limit": 4}).status_code == 200
    assert read(target) == runtime.export()
    writer = runtime._database.connection()
    assert writer.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert writer.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    assert not writer.in_transaction


WAITING = "Waits for the disk"


def write_waiting_on_the_disk(target: Path, write, shown_name, reads) -> int:
    """Runs `write` (naming inbox 1 WAITING) on a thread while another connection holds the
    database's write lock, so the mock's commit waits; once `shown_name()` shows the change (made in
    memory, then committed: the write is at its commit), runs `reads` and checks that the write is
    still waiting. Returns the write's status, once the lock is let go."""
    blocker = sqlite3.connect(target, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    answers: list[int] = []
    writer = threading.Thread(target=lambda: answers.append(write()))
    writer.start()
    try:
        for _ in range(2000):
            if shown_name() == WAITING:
                break
        assert shown_name() == WAITING
        reads()
        assert answers == []  # still waiting on the disk, while every read was answered
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        writer.join(timeout=30)
    assert read(target)["inboxes"][0]["name"] == WAITING
    return answers[0]


def test_reads_do_not_wait_for_a_write_waiting_on_the_disk(tmp_path):
    target = tmp_path / "state.json"
    app = create_app(build_store(demo_document(), Profile.DOCS), state_file=target)
    reader, inbox = app.test_client(), "/api/v1/accounts/1/inboxes/1"

    def reads() -> None:
        for _ in range(20):
            assert reader.get("/api/v1/accounts/1/inboxes", headers=ADMIN).status_code == 200
        assert reader.get("/_mock/state").status_code == 200

    assert write_waiting_on_the_disk(
        target, lambda: app.test_client().patch(inbox, headers=ADMIN, json={"name": WAITING}).status_code,
        lambda: reader.get(inbox, headers=ADMIN).get_json()["name"], reads) == 200


# ================================================================= served: kill and restart
def test_nothing_acknowledged_is_lost_when_the_server_is_killed_mid_traffic(tmp_path):
    target = tmp_path / "state.json"
    acknowledged: list[tuple[int, str]] = []
    stop = threading.Event()

    served = ServedMock("--state-file", str(target), "--control-key", "k").start()
    try:
        assert read(target)["inboxes"]  # created at start, from the demo
        url = served.url + "/api/v1/accounts/1/inboxes"

        def create_until_stopped() -> None:
            session = requests.Session()
            number = 0
            while not stop.is_set():
                number += 1
                name = f"Survivor {number}"
                try:
                    response = session.post(url, headers=ADMIN, json={"name": name, "channel": {"type": "api"}},
                                            timeout=10)
                except requests.RequestException:
                    return  # the server is gone
                if response.status_code == 200:
                    acknowledged.append((response.json()["id"], name))

        client = threading.Thread(target=create_until_stopped)
        client.start()
        served.wait_for(lambda _: len(acknowledged) >= 15, timeout=60)
        os.killpg(served.process.pid, signal.SIGKILL)  # the whole server, mid-traffic
        served.process.wait(timeout=10)
        stop.set()
        client.join(timeout=30)
    finally:
        stop.set()
        served.stop()
    assert len(acknowledged) >= 15

    # The log the kill left (state.json-wal) is replayed: the database opens, whole, with every write.
    assert {p.name for p in tmp_path.iterdir()} <= {"state.json", "state.json-wal", "state.json-shm"}
    with sqlite3.connect(target) as check:
        assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    on_disk = {i["id"]: i["name"] for i in read(target)["inboxes"]}
    assert all(on_disk.get(inbox_id) == name for inbox_id, name in acknowledged)

    with ServedMock("--state-file", str(target), "--control-key", "k") as restarted:
        assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
        listed = requests.get(restarted.url + "/api/v1/accounts/1/inboxes", headers=ADMIN, timeout=10).json()
        served_names = {i["id"]: i["name"] for i in listed["payload"]}
        assert all(served_names.get(inbox_id) == name for inbox_id, name in acknowledged)
        # The control key guards the served control API too.
        assert requests.get(restarted.url + "/_mock/faults", timeout=10).status_code == 401
        assert requests.get(restarted.url + "/_mock/faults", headers={"X-Mock-Control-Key": "k"},
                            timeout=10).json() == {"faults": []}


def test_served_reads_are_answered_while_a_write_waits_on_the_disk(tmp_path):
    target = tmp_path / "state.json"
    with ServedMock("--state-file", str(target)) as served:
        inbox = served.url + "/api/v1/accounts/1/inboxes/1"

        def reads() -> None:
            for _ in range(10):
                assert requests.get(served.url + "/api/v1/accounts/1/inboxes", headers=ADMIN,
                                    timeout=10).status_code == 200

        assert write_waiting_on_the_disk(
            target, lambda: requests.patch(inbox, headers=ADMIN, json={"name": WAITING}, timeout=30).status_code,
            lambda: requests.get(inbox, headers=ADMIN, timeout=10).json()["name"], reads) == 200


# ================================================================= a bad file: clear start-up error
def run_serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(serve_command("--port", "0", *args), env=child_env(), capture_output=True, text=True,
                          timeout=60, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("content, words", [
    ("{not json", "is not JSON"),
    ('{"version": 1}', "does not follow fixtures/state.schema.json"),
])
def test_a_corrupt_state_file_stops_the_start_with_a_message(tmp_path, content, words):
    target = tmp_path / "state.json"
    target.write_text(content)
    result = run_serve("--state-file", str(target))
    assert result.returncode == 2
    assert words in result.stderr and str(target) in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert target.read_text() == content  # left for the user to inspect


def test_an_unreadable_state_file_stops_the_start_with_a_message(tmp_path):
    result = run_serve("--state-file", str(tmp_path))  # a directory cannot be read as a file
    assert result.returncode == 2
    assert "cannot read state file" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_sqlite_file_of_another_program_stops_the_start_and_is_left_alone(tmp_path):
    target = tmp_path / "state.json"
    with sqlite3.connect(target) as other:
        other.execute("CREATE TABLE notes (text TEXT)")
    content = target.read_bytes()
    result = run_serve("--state-file", str(target))
    assert result.returncode == 2
    assert "is a SQLite database, but not a chatwoot-mock state file" in result.stderr
    assert str(target) in result.stderr and "Traceback" not in result.stderr
    assert target.read_bytes() == content


def test_a_served_json_state_file_is_taken_over_and_kept_as_a_backup(tmp_path):
    target = tmp_path / "state.json"
    document = demo_document()
    document["inboxes"][0]["name"] = "Served from JSON"
    target.write_text(json.dumps(document))
    with ServedMock("--state-file", str(target)) as served:
        shown = requests.get(served.url + f"/api/v1/accounts/1/inboxes/{document['inboxes'][0]['id']}",
                             headers=ADMIN, timeout=10).json()
        assert shown["name"] == "Served from JSON"
        assert any("now a SQLite state database" in line and "state.json.bak" in line for line in served.output())
    assert json.loads((tmp_path / "state.json.bak").read_text()) == document
    assert read(target) == export_document(build_store(document))


def test_leftover_temporaries_are_removed_at_start(tmp_path):
    target = tmp_path / "state.json"
    (tmp_path / ".state.json.abc123.tmp").write_text("{half")
    (tmp_path / ".state.json.abc123.tmp-wal").write_text("log")
    (tmp_path / "other.tmp").write_text("not ours")
    create_app(build_store(demo_document(), Profile.DOCS), state_file=target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.tmp", "state.json"]
