"""At-scale state figures (issue 10, state part), in process: listing an account's inboxes of the
`large` set; a persisted write (--state-file, the SQLite database) at demo and large size, p50/p95,
against the old whole-file JSON rewrite measured in the same run (the peer: the same PATCH, then
the whole document encoded, written to a temporary file, fsynced and renamed, as the state file was
written before the database); a read while persisted writes go on; reset; loading 10,000 inboxes;
the served process's start (fixtures, and resuming from the database) and RSS; and, in process,
resuming from the database with its rows made to hold the state again (every record encoded and
compared, as every start did before `resumed`) against without (the start now), in the same run.
Prints figures; asserts nothing.

    .venv/bin/python bench/bench_state.py [--inboxes 10000] [--repeat 30] [--writes 200] [--no-served]
                                          [--only-start] [--runs 3] [--peer CHECKOUT]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import copy
import json
import os
import statistics
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from bench_inboxes import wsgi_caller

from mockserver import Profile, build_store, create_app, demo_document
from mockserver.control import state_file
from mockserver.control.runtime import MockRuntime
from mockserver.state.document import encode_document, read_document
from mockserver.state.fixture_sets import load
from mockserver.testing.served import ServedMock
from mockserver.web.app import RUNTIME_KEY


def p50_ms(samples: list[float]) -> str:
    return f"p50 {statistics.median(samples) * 1000:8.2f} ms  (min {min(samples) * 1000:.2f}, " \
           f"max {max(samples) * 1000:.2f}, n={len(samples)})"


def p50_p95_ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000


def whole_file_rewrite(path: Path, data: bytes) -> None:
    """The state file as it was written before the database (the peer): temporary file, fsync,
    rename, directory fsync."""
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def timed(call, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def admin_token(document: dict, account_id: int) -> str:
    for user in document["users"]:
        if any(m["account_id"] == account_id and m["role"] == "administrator" for m in user["memberships"]):
            return user["access_token"]
    raise LookupError(account_id)


def persisted_writes(name: str, document: dict, args: argparse.Namespace) -> None:
    """PATCH an inbox: in memory only, with the state database, and the old whole-file rewrite."""
    first_inbox = document["inboxes"][0]
    account = first_inbox["account_id"]
    headers = {"api_access_token": admin_token(document, account)}
    url = f"/api/v1/accounts/{account}/inboxes/{first_inbox['id']}"
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        database = create_app(build_store(copy.deepcopy(document), Profile.DOCS), state_file=Path(folder) / "state")
        print(f"{name}: state database made in {time.perf_counter() - start:.2f} s")
        plain = create_app(build_store(copy.deepcopy(document), Profile.DOCS))
        old_file, plain_client = Path(folder) / "old.json", plain.test_client()
        plain_store = plain.extensions[RUNTIME_KEY].store

        def old_write(number: int) -> None:
            plain_client.patch(url, headers=headers, json={"greeting_message": f"old {number}"})
            whole_file_rewrite(old_file, encode_document(plain_store))

        database_client = database.test_client()
        counter = iter(range(10**9))
        floor = Path(folder) / "floor"
        floor.write_bytes(bytes(8192))
        descriptor = os.open(floor, os.O_WRONLY)
        try:  # what the disk alone costs: 8 KiB written over and synced, as a commit's log is
            synced = timed(lambda: (os.pwrite(descriptor, bytes(8192), 0), os.fdatasync(descriptor)), args.writes)
        finally:
            os.close(descriptor)
        memory = timed(lambda: plain_client.patch(url, headers=headers, json={"greeting_message": "m"}), args.writes)
        new = timed(lambda: database_client.patch(url, headers=headers,
                                                  json={"greeting_message": f"new {next(counter)}"}), args.writes)
        # The same with SQLite's default checkpoint (1,000 pages): the peer of state_db.CHECKPOINT_PAGES.
        default = create_app(build_store(copy.deepcopy(document), Profile.DOCS), state_file=Path(folder) / "default")
        default.extensions[RUNTIME_KEY]._database.connection().execute("PRAGMA wal_autocheckpoint = 1000")
        default_client = default.test_client()
        default_checkpoint = timed(lambda: default_client.patch(
            url, headers=headers, json={"greeting_message": f"default {next(counter)}"}), args.writes)
        old = timed(lambda: old_write(next(counter)), args.old_writes)
        for label, samples in (("no state file", memory), ("database (new)", new),
                               ("db, checkpoint 1000", default_checkpoint), ("whole file (old)", old),
                               ("disk sync alone", synced)):
            p50, p95 = p50_p95_ms(samples)
            print(f"PATCH, {name:16} {label:19} p50 {p50:9.2f} ms  p95 {p95:9.2f} ms  (n={len(samples)})")
        print(f"PATCH, {name:16} old / new: p50 {p50_p95_ms(old)[0] / p50_p95_ms(new)[0]:.0f}x, "
              f"p95 {p50_p95_ms(old)[1] / p50_p95_ms(new)[1]:.0f}x")
        reads_during_writes(name, database_client, url, headers, args)


def reads_during_writes(name: str, client, url: str, headers: dict, args: argparse.Namespace) -> None:
    """GET show while another thread makes persisted writes, against GET show alone."""
    alone = timed(lambda: client.get(url, headers=headers), args.writes)
    stop = threading.Event()

    def write() -> None:
        writer = client.application.test_client()
        while not stop.is_set():
            writer.patch(url, headers=headers, json={"greeting_message": "busy"})

    writer = threading.Thread(target=write)
    writer.start()
    try:
        busy = timed(lambda: client.get(url, headers=headers), args.writes)
    finally:
        stop.set()
        writer.join()
    for label, samples in (("alone", alone), ("during writes", busy)):
        p50, p95 = p50_p95_ms(samples)
        print(f"GET show, {name:13} {label:17} p50 {p50:9.2f} ms  p95 {p95:9.2f} ms  (n={len(samples)})")


def load_figures(document: dict, runs: int) -> object:
    """In process, median of `runs`: the document's JSON file read and built into a store
    (`read_document`, `build_store`: the schema check and the store's seeding), as `--fixtures FILE`
    and `PUT /_mock/state` do (the document handed over: `owned`); and `build_store` alone. Returns
    the last store built."""
    wall: dict[str, list[float]] = collections.defaultdict(list)
    cpu: dict[str, list[float]] = collections.defaultdict(list)
    store = None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.json"
        path.write_text(json.dumps(document))
        for _ in range(runs):
            for label in ("JSON file read and built", "build_store alone"):
                fresh = None if label.startswith("JSON") else copy.deepcopy(document)
                began, began_cpu = time.perf_counter(), time.process_time()
                store = build_store(read_document(path) if fresh is None else fresh, Profile.DOCS, owned=True)
                wall[label].append(time.perf_counter() - began)
                cpu[label].append(time.process_time() - began_cpu)
    for label in wall:
        print(f"load in process, {len(document['inboxes'])} inboxes, {label:32} "
              f"wall {statistics.median(wall[label]):6.2f} s  CPU {statistics.median(cpu[label]):6.2f} s "
              f"(median of {runs})")
    return store


def resume_figures(document: dict, runs: int) -> None:
    """A restart's work in process (read the database, build the store, snapshot it, open the
    database), with and without making the database hold the state again, alternating."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.db"
        MockRuntime(build_store(copy.deepcopy(document), Profile.DOCS), state_path=path)
        wall: dict[bool, list[float]] = {False: [], True: []}
        cpu: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(runs):
            for resumed in (False, True):
                began, began_cpu = time.perf_counter(), time.process_time()
                MockRuntime(state_file.load(path, Profile.DOCS), state_path=path, resumed=resumed)
                wall[resumed].append(time.perf_counter() - began)
                cpu[resumed].append(time.process_time() - began_cpu)
        for resumed, label in ((False, "rows encoded and compared (old)"), (True, "resumed (new)")):
            print(f"resume from the database, {len(document['inboxes'])} inboxes, {label:32} "
                  f"wall {statistics.median(wall[resumed]):6.2f} s  CPU {statistics.median(cpu[resumed]):6.2f} s "
                  f"(median of {runs})")
        print(f"  old / new (CPU): {statistics.median(cpu[False]) / statistics.median(cpu[True]):.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inboxes", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--writes", type=int, default=200, help="persisted writes timed per size (new path)")
    parser.add_argument("--old-writes", type=int, default=10, help="whole-file rewrites timed per size (peer)")
    parser.add_argument("--no-served", action="store_true")
    parser.add_argument("--peer", type=Path, metavar="CHECKOUT",
                        help="also start another checkout's code (a git worktree) in the served figures, alternating")
    parser.add_argument("--runs", type=int, default=3, help="served starts per load path and checkout (the median)")
    parser.add_argument("--only-start", action="store_true",
                        help="only loading, resuming from the database and (unless --no-served) the served starts")
    args = parser.parse_args()

    start = time.perf_counter()
    large = load("large", seed=1, inboxes=args.inboxes)
    print(f"large set generated: {len(large['inboxes'])} inboxes in {time.perf_counter() - start:.2f} s")
    store = load_figures(large, 3)
    resume_figures(large, 3)
    if args.only_start:
        if not args.no_served:
            served_starts(large, runs=args.runs, peer=args.peer)
        return

    per_account = collections.Counter(i["account_id"] for i in large["inboxes"])
    account_id, count = per_account.most_common(1)[0]
    token = admin_token(large, account_id)
    app = create_app(store)
    client = app.test_client()
    url = f"/api/v1/accounts/{account_id}/inboxes"
    headers = {"api_access_token": token}
    first = timed(lambda: client.get(url, headers=headers), 1)
    assert len(client.get(url, headers=headers).get_json()["payload"]) == count
    print(f"GET list of account {account_id}'s {count} inboxes: first {first[0] * 1000:.1f} ms; "
          f"then {p50_ms(timed(lambda: client.get(url, headers=headers), args.repeat))} (test client)")
    as_served = wsgi_caller(app, "GET", url, None, token)
    print(f"  the same list called as WSGI (as a server calls it; the test client copies the 4 MB answer "
          f"twice more): {p50_ms(timed(as_served, args.repeat))}")

    for name, document in (("demo", demo_document()), (f"large ({args.inboxes})", large)):
        persisted_writes(name, document, args)

    demo_app = create_app(build_store(demo_document(), Profile.DOCS))
    runtime = demo_app.extensions[RUNTIME_KEY]
    print(f"reset (demo):                      {p50_ms(timed(runtime.reset, args.repeat * 10))}")

    if not args.no_served:
        served_starts(large, runs=args.runs, peer=args.peer)


def memory_mb(pid: int) -> str:
    """The resident memory of the serving process and of the worker granian forks from it: each one's
    RSS, and their PSS summed (shared pages counted once: the worker shares the parent's until written)."""
    pids = [pid] + [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    parts, pss = [], 0
    for each in pids:
        status = Path(f"/proc/{each}/status").read_text()
        rss = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS")))
        rollup = Path(f"/proc/{each}/smaps_rollup").read_text()
        pss += int(next(line.split()[1] for line in rollup.splitlines() if line.startswith("Pss:")))
        parts.append(f"{rss / 1024:.0f}")
    return f"RSS {' + '.join(parts)} MB (process + worker), PSS together {pss / 1024:.0f} MB"


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) the process and its children (granian's worker) have used."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [pid] + [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    total = 0
    for each in pids:
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


@contextlib.contextmanager
def served_start(*args: str) -> Iterator[tuple[float, float, ServedMock]]:
    """A `chatwoot-mock serve` started: wall seconds to its ready line, the CPU seconds its
    processes used by then, and the running mock (stopped when the block ends)."""
    served = ServedMock(*args)
    start = time.perf_counter()
    with served:
        yield time.perf_counter() - start, tree_cpu_s(served.process.pid), served


@contextlib.contextmanager
def checkout(path: Path | None) -> Iterator[None]:
    """Served mocks started inside the block run the code of the checkout at `path` (None: this one's):
    `python -m mockserver` finds the package in its working folder first."""
    if path is None:
        yield
        return
    folder, python_path = os.getcwd(), os.environ.get("PYTHONPATH")
    os.chdir(path)
    os.environ["PYTHONPATH"] = str(path)
    try:
        yield
    finally:
        os.chdir(folder)
        if python_path is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = python_path


def served_starts(large: dict, runs: int = 3, peer: Path | None = None) -> None:
    """Each served way of loading the state document, median of `runs`: a start with the demo (7 inboxes:
    the imports, the spec, the validators and the server, which every start pays), a start from the fixtures,
    a start that makes a new state database from them, a restart from that database, and
    `PUT /_mock/state` of the document on a served demo, its first (which also loads the control API's
    spec check) and a second (timed from the first byte sent to the answer; CPU: what the server's
    processes used meanwhile). With `peer` (another checkout), the same for its code, alternating."""
    per_account = collections.Counter(i["account_id"] for i in large["inboxes"])
    account_id, _ = per_account.most_common(1)[0]
    url = f"/api/v1/accounts/{account_id}/inboxes"
    headers = {"api_access_token": admin_token(large, account_id)}
    inboxes = len(large["inboxes"])
    variants = {"this checkout": None} if peer is None else {"this checkout": None, f"peer {peer}": peer}
    figures: dict[tuple[str, str], tuple[list[float], list[float]]] = collections.defaultdict(lambda: ([], []))
    memory: dict[str, str] = {}

    with tempfile.TemporaryDirectory() as folder:
        fixtures = Path(folder) / "large.json"
        body = json.dumps(large).encode()
        fixtures.write_bytes(body)
        for run in range(runs):
            for name, path in variants.items():
                def note(label: str, wall: float, cpu: float, name: str = name) -> None:
                    figures[(name, label)][0].append(wall)
                    figures[(name, label)][1].append(cpu)

                with checkout(path):
                    with served_start() as (wall, cpu, served):
                        note("start with the demo (what any start costs)", wall, cpu)
                        for label in ("PUT /_mock/state on it, the first", "PUT /_mock/state again"):
                            load = urllib.request.Request(f"{served.url}/_mock/state", data=body, method="PUT",
                                                          headers={"Content-Type": "application/json"})
                            before_cpu, start = tree_cpu_s(served.process.pid), time.perf_counter()
                            with urllib.request.urlopen(load, timeout=300) as response:
                                response.read()
                            note(label, time.perf_counter() - start, tree_cpu_s(served.process.pid) - before_cpu)
                    with served_start("--fixtures", str(fixtures)) as (wall, cpu, served):
                        note("start from the fixtures (--fixtures FILE)", wall, cpu)
                        if run == 0:
                            request = urllib.request.Request(f"{served.url}{url}", headers=headers)
                            for _ in range(3):
                                urllib.request.urlopen(request, timeout=60).read()
                            memory[name] = memory_mb(served.process.pid)
                    state = Path(folder) / f"state-{run}-{list(variants).index(name)}"
                    for label in ("start making a new --state-file from them",
                                  "restart from the --state-file database"):
                        with served_start("--fixtures", str(fixtures), "--state-file", str(state)) as (wall, cpu, _):
                            note(label, wall, cpu)
    print(f"served, {inboxes} inboxes, each load path (median of {runs}; a start is from the command to its "
          f"first ready line, imports and the spec included; load average {os.getloadavg()[0]:.1f}):")
    for name in variants:
        if peer is not None:
            print(f" {name}:")
        for (variant, label), (walls, cpus) in figures.items():
            if variant == name:
                print(f"  {label:45} wall {statistics.median(walls):6.2f} s  CPU {statistics.median(cpus):6.2f} s")
        print(f"  after 3 lists of the fixtures' start: {memory[name]}")

if __name__ == "__main__":
    main()
