"""Every acknowledged write survives a power cut, not only a kill: a model of the disk built from the
system calls the mock makes (strace). After a power cut a file holds only the bytes written before its
last fsync/fdatasync, and a new file's name exists only once its directory was synced. The writes
are replayed so, up to the moment each answer was given, and the database that would be left is
opened and read: it must hold that answer's change. The same model run with SQLite's
`synchronous=NORMAL` (no sync at commit) finds acknowledged changes lost, so the model can fail.

SQLite syncs in C, where a Python test cannot watch; strace sees the syscalls of the child process.
Without strace (`apt-get install strace`) the test is skipped, saying so; `.ci/run` installs it and
sets MOCK_STRACE_TESTS=required, which makes a missing strace a failure."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mockserver import Profile, build_store, create_app, demo_document
from mockserver.control import state_file
from mockserver.testing.served import child_env

WRITES = 40  # past state_db.CHECKPOINT_PAGES: the log is folded into the file on the way
CHILD = '''
import sys
from mockserver import Profile, create_app
from mockserver.control import state_db, state_file

path, synchronous = sys.argv[1], sys.argv[2]
connect = state_db.connect
def connect_with(*args, **kwargs):
    connection = connect(*args, **kwargs)
    connection.execute(f"PRAGMA synchronous = {synchronous}")
    return connection
if synchronous != "AS_SERVED":
    state_db.connect = connect_with
client = create_app(state_file.load(path, Profile.DOCS), state_file=path).test_client()
headers = {"api_access_token": "demo-admin-token"}
for number in range(int(sys.argv[3])):
    if number % 2:
        answer = client.post("/api/v1/accounts/1/inboxes", headers=headers,
                             json={"name": f"Durable {number}", "channel": {"type": "api"}})
    else:
        answer = client.patch("/api/v1/accounts/1/inboxes/1", headers=headers, json={"name": f"Durable {number}"})
    assert answer.status_code == 200, answer.get_json()
    sys.stderr.write(f"ACKNOWLEDGED {number}\\n")
    sys.stderr.flush()
'''
CALL = re.compile(r"^\d+\s+(?P<name>\w+)\((?P<args>.*)\)\s+=\s+(?P<result>-?\d+)")
STRING = re.compile(r'"((?:\\x[0-9a-f]{2})*)"')


def decoded(hex_escaped: str) -> bytes:
    return bytes.fromhex(hex_escaped.replace("\\x", ""))


class Disk:
    """The state directory as a power cut would leave it, fed the traced system calls in order:
    a file's writes and truncations last once it is synced; a new file's name once its directory is."""

    def __init__(self, database: Path, database_bytes: bytes) -> None:
        self.database, self.log = str(database), f"{database}-wal"
        self.synced = {self.database: bytearray(database_bytes), self.log: bytearray()}
        self.pending: dict[str, list[tuple[int, bytes | None]]] = {self.database: [], self.log: []}
        self.log_state = "absent"  # "created" by the child, "named" once its directory is synced
        self.files: dict[int, str] = {}  # descriptor -> path
        self.syncs = 0
        self.checkpoints = 0  # syncs of the database file itself: the log folded into it

    def call(self, name: str, args: str, result: int) -> None:
        if result < 0:
            return
        descriptor = args.split(",")[0]
        path = self.files.get(int(descriptor)) if descriptor.isdigit() else None
        if name == "openat":
            self.files[result] = decoded(STRING.search(args).group(1)).decode()
            if self.files[result] == self.log and self.log_state == "absent":
                self.log_state = "created"
        elif name == "close":
            self.files.pop(int(args), None)
        elif name in ("unlink", "unlinkat") and decoded(STRING.search(args).group(1)).decode() == self.log:
            self.synced[self.log], self.pending[self.log], self.log_state = bytearray(), [], "absent"
        elif name == "pwrite64" and path in self.pending:
            self.pending[path].append((int(args.rsplit(",", 1)[1]), decoded(STRING.search(args).group(1))))
        elif name == "ftruncate" and path in self.pending:
            self.pending[path].append((int(args.rsplit(",", 1)[1]), None))
        elif name in ("fsync", "fdatasync") and path in self.pending:
            self._sync(path)
        elif name in ("fsync", "fdatasync") and path == os.path.dirname(self.database) and self.log_state == "created":
            self.log_state = "named"

    def _sync(self, path: str) -> None:
        target = self.synced[path]
        for offset, data in self.pending[path]:
            if data is None:
                del target[offset:]
                continue
            target.extend(bytes(max(0, offset + len(data) - len(target))))
            target[offset:offset + len(data)] = data
        self.pending[path].clear()
        self.syncs += 1
        self.checkpoints += path == self.database

    def after_power_cut(self, folder: Path) -> Path:
        folder.mkdir()
        left = folder / "state.db"
        left.write_bytes(self.synced[self.database])
        if self.log_state == "named":
            Path(f"{left}-wal").write_bytes(self.synced[self.log])
        return left


def traced_writes(tmp_path: Path, synchronous: str) -> list[tuple[int, dict]]:
    """The child's writes under strace (its database's `synchronous` set to this, unless AS_SERVED);
    for each acknowledged write, the state a power cut then leaves."""
    database = tmp_path / "state.db"
    create_app(build_store(demo_document(), Profile.DOCS), state_file=database)  # made, synced, closed
    database_bytes = database.read_bytes()
    (tmp_path / "child.py").write_text(CHILD)
    trace = tmp_path / "trace.txt"
    subprocess.run(["strace", "-f", "-qq", "-s", "1000000", "-xx", "-o", str(trace),
                    "-e", "trace=openat,close,unlink,unlinkat,pwrite64,ftruncate,write,fsync,fdatasync",
                    sys.executable, str(tmp_path / "child.py"), str(database), synchronous, str(WRITES)],
                   env=child_env(), check=True, timeout=120, capture_output=True)
    disk, states = Disk(database, database_bytes), []
    for line in trace.read_text().splitlines():
        call = CALL.match(line)
        if call is None:
            continue
        name, args, result = call["name"], call["args"], int(call["result"])
        if name == "write" and args.startswith("2,") and b"ACKNOWLEDGED" in decoded(STRING.search(args).group(1)):
            number = int(decoded(STRING.search(args).group(1)).split()[1])
            states.append((number, state_file.read(disk.after_power_cut(tmp_path / f"cut-{number}"))[0]))
        else:
            disk.call(name, args, result)
    assert len(states) == WRITES and disk.checkpoints > 1, (len(states), disk.checkpoints)
    return states


def kept(number: int, document: dict) -> bool:
    names = [inbox["name"] for inbox in document["inboxes"]]
    return f"Durable {number}" in names


@pytest.fixture
def strace() -> None:
    if shutil.which("strace") is None:
        if os.environ.get("MOCK_STRACE_TESTS") == "required":
            pytest.fail("strace is required (MOCK_STRACE_TESTS=required) but not installed")
        pytest.skip("power-cut test skipped: strace is not installed (apt-get install strace)")


def test_every_acknowledged_write_survives_a_power_cut(tmp_path, strace):
    states = traced_writes(tmp_path, "AS_SERVED")  # the state database as the mock opens it
    assert [number for number, document in states if not kept(number, document)] == []


def test_the_model_finds_writes_lost_when_commits_are_not_synced(tmp_path, strace):
    states = traced_writes(tmp_path, "NORMAL")
    assert [number for number, document in states if not kept(number, document)] != []
