"""--state-file: written atomically after every change, before the answer; survives a SIGKILL
mid-traffic; a bad file stops the start with a clear message."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from pathlib import Path

import pytest
import requests

from mockserver import Profile, build_store, create_app, demo_document
from mockserver.control.state_file import write_atomically
from mockserver.state.document import encode_document
from mockserver.testing.served import ServedMock, child_env, serve_command
from mockserver.web.app import RUNTIME_KEY

ADMIN = {"api_access_token": "demo-admin-token"}


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# ================================================================= atomic writing
def test_write_atomically_replaces_the_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "state.json"
    write_atomically(target, b"first")
    write_atomically(target, b"second")
    assert target.read_bytes() == b"second"
    assert os.listdir(tmp_path) == ["state.json"]


def test_a_new_file_is_private_and_an_existing_one_keeps_its_mode(tmp_path):
    fresh, shared = tmp_path / "fresh.json", tmp_path / "shared.json"
    write_atomically(fresh, b"{}")
    shared.write_bytes(b"{}")
    shared.chmod(0o644)
    write_atomically(shared, b"{}")
    assert (fresh.stat().st_mode & 0o777, shared.stat().st_mode & 0o777) == (0o600, 0o644)


def test_a_failed_write_keeps_the_old_file_whole(tmp_path, monkeypatch):
    target = tmp_path / "state.json"
    write_atomically(target, b"old")

    def broken_replace(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomically(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["state.json"]


# ================================================================= in-process: when it is written
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
    written = target.read_bytes()
    refused = client.post("/api/v1/accounts/1/inboxes", headers=ADMIN, json={"name": "", "channel": {"type": "api"}})
    assert refused.status_code == 422
    assert client.get("/api/v1/accounts/1/inboxes", headers=ADMIN).status_code == 200
    assert target.read_bytes() == written
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
    start = target.read_bytes()
    client.patch("/_mock/accounts/2", json={"status": "suspended"})
    assert read(target)["accounts"][1]["status"] == "suspended"
    client.post("/_mock/reset")
    assert target.read_bytes() == start
    document = read(target)
    document["inboxes"][0]["name"] = "Loaded"
    assert client.put("/_mock/state", json=document).status_code == 200
    assert read(target)["inboxes"][0]["name"] == "Loaded"
    assert target.read_bytes() == encode_document(app.extensions[RUNTIME_KEY].store)


def test_a_change_that_cannot_be_written_is_a_clear_503(tmp_path):
    target = tmp_path / "state.json"
    app = create_app(build_store(demo_document(), Profile.DOCS), state_file=target)
    target.unlink()
    tmp_path.rmdir()  # the directory is gone: the next write must fail
    response = app.test_client().patch("/_mock/accounts/1", json={"inbox_limit": 3})
    assert response.status_code == 503
    assert "could not be written" in response.get_json()["error"]



class PowerCutDisk:
    """What a directory would hold after a power cut: a file's bytes survive only as of its last
    fsync, and a name (a rename, a new file) only as of the directory's last fsync. Everything on
    disk when the model starts counts as durable. It watches `os.fsync` and `os.fdatasync`, the
    calls through which a Python program asks for stable storage; if the state moves to a store
    that syncs in C (SQLite), this model must learn to see those syncs, not the test to go."""

    def __init__(self, directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.directory = directory
        self.contents: dict[int, bytes] = {}  # inode -> bytes as of its last sync
        self.names: dict[str, int] = {}  # name -> inode as of the directory's last sync
        self._sync_directory()
        for entry in directory.iterdir():
            self.contents[entry.stat().st_ino] = entry.read_bytes()
        for name in ("fsync", "fdatasync"):
            real = getattr(os, name)
            monkeypatch.setattr(os, name, self._watching(real))

    def _watching(self, real):
        def sync(descriptor: int) -> None:
            real(descriptor)
            status = os.fstat(descriptor)
            if status.st_ino == self.directory.stat().st_ino:
                self._sync_directory()
                return
            for entry in self.directory.iterdir():
                if entry.stat().st_ino == status.st_ino:
                    self.contents[status.st_ino] = entry.read_bytes()
        return sync

    def _sync_directory(self) -> None:
        self.names = {entry.name: entry.stat().st_ino for entry in self.directory.iterdir()}

    def after_power_cut(self, name: str) -> bytes | None:
        inode = self.names.get(name)
        return None if inode is None else self.contents.get(inode)


def test_every_acknowledged_change_survives_a_power_cut(tmp_path, monkeypatch):
    """An answered write is on stable storage, not only in the page cache: a kill (the served test
    below) cannot tell the two apart, a power cut can."""
    disk = PowerCutDisk(tmp_path, monkeypatch)
    target = tmp_path / "state.json"
    app = create_app(build_store(demo_document(), Profile.DOCS), state_file=target)
    runtime, client = app.extensions[RUNTIME_KEY], app.test_client()
    assert json.loads(disk.after_power_cut("state.json") or b"null") == runtime.export()  # the startup state
    for number in range(3):
        response = client.post("/api/v1/accounts/1/inboxes", headers=ADMIN,
                               json={"name": f"Durable {number}", "channel": {"type": "api"}})
        assert response.status_code == 200
        assert json.loads(disk.after_power_cut("state.json") or b"null") == runtime.export()
    assert client.patch("/_mock/accounts/2", json={"inbox_limit": 4}).status_code == 200
    assert json.loads(disk.after_power_cut("state.json") or b"null") == runtime.export()

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

    on_disk = {i["id"]: i["name"] for i in read(target)["inboxes"]}  # parses, whole
    assert all(on_disk.get(inbox_id) == name for inbox_id, name in acknowledged)
    # At most a temporary file left by the kill beside it, never a broken state.json; the restart removes it.
    assert all(p.name == "state.json" or p.name.endswith(".tmp") for p in tmp_path.iterdir())

    with ServedMock("--state-file", str(target), "--control-key", "k") as restarted:
        assert [p.name for p in tmp_path.iterdir()] == ["state.json"]
        listed = requests.get(restarted.url + "/api/v1/accounts/1/inboxes", headers=ADMIN, timeout=10).json()
        served_names = {i["id"]: i["name"] for i in listed["payload"]}
        assert all(served_names.get(inbox_id) == name for inbox_id, name in acknowledged)
        # The control key guards the served control API too.
        assert requests.get(restarted.url + "/_mock/faults", timeout=10).status_code == 401
        assert requests.get(restarted.url + "/_mock/faults", headers={"X-Mock-Control-Key": "k"},
                            timeout=10).json() == {"faults": []}


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


def test_leftover_temporaries_are_removed_at_start(tmp_path):
    target = tmp_path / "state.json"
    (tmp_path / ".state.json.abc123.tmp").write_text("{half")
    (tmp_path / "other.tmp").write_text("not ours")
    create_app(build_store(demo_document(), Profile.DOCS), state_file=target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.tmp", "state.json"]
