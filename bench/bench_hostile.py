"""What a hostile client costs the served mock (issue 9, items 6, 8 and 11). Prints figures; asserts nothing.

- A big JSON body (default 15 MB, a top-level array of short strings, sent to `POST .../inboxes`),
  declared (Content-Length) and chunked, and the biggest JSON body the mock reads (1 MiB): the
  answer, its wall time, the server's CPU time for it, its peak memory (VmHWM) and its resident
  memory after (VmRSS), and the slowest answer another client got meanwhile (a GET list every 0.1 s).
- Avatar uploads (default 30 creates of 14 MB each, one inbox each): how many were accepted, and
  the server's resident memory after the last one and at its peak.
- Slow clients: 8 that send a body one byte a second and 100 idle ones, which give up after
  `--slow-seconds` (default 20); meanwhile ten ordinary GETs: how long they waited, whether
  the slow clients were cut (408), and whether the idle ones were closed by the server.

Each part starts a fresh `chatwoot-mock serve --port 0` (the demo state) on 127.0.0.1, and always
stops it; every request has a timeout, so a run ends by itself.

`--before REV` measures a checkout of an older commit too, in the same run, for before/after figures:
`git archive REV` is installed once into a venv under ~/.cache/chatwoot-inbox-mock/rev-<sha> (its
own dependencies, e.g. gunicorn before granian), and served the same way. `aaf1002` is the last
commit before the JSON limit (issue 9.6), and so before the avatar cap (9.11) too.

    .venv/bin/python bench/bench_hostile.py [--json-mb 15] [--uploads 30] [--upload-mb 14] [--slow-seconds 20]
                                            [--before REV]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from mockserver.testing.served import ServedMock

TOKEN = "demo-admin-token"
INBOXES = "/api/v1/accounts/1/inboxes"
MB = 1_000_000
MIB = 1024 * 1024
TICKS = os.sysconf("SC_CLK_TCK")
CACHE = Path.home() / ".cache" / "chatwoot-inbox-mock"
REPOSITORY = Path(__file__).resolve().parents[1]


# --- the served process tree (granian's supervisor and worker, or gunicorn's arbiter and worker) -----

def tree(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += tree(int(child))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the whole tree, in seconds."""
    total = 0
    for member in tree(pid):
        fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / TICKS


def memory_mb(pid: int, key: str) -> float:
    """The largest `key` (VmRSS, VmHWM) of one process of the tree: the worker holding the store."""
    largest = 0
    for member in tree(pid):
        for line in Path(f"/proc/{member}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                largest = max(largest, int(line.split()[1]))
    return largest * 1024 / MB


# --- which code serves ------------------------------------------------------------------------------

@dataclass
class Target:
    label: str
    python: str  # the interpreter whose environment holds the mock to serve

    def serve(self) -> ServedMock:
        mock = ServedMock("--journal-size", "0", keep_lines=50)
        mock.command[0] = self.python
        return mock


def install_revision(revision: str) -> Target:
    """`revision` of this repository installed into a venv of its own (once; reused after)."""
    sha = subprocess.run(["git", "-C", str(REPOSITORY), "rev-parse", "--short=12", revision], check=True,
                         capture_output=True, text=True).stdout.strip()
    home = CACHE / f"rev-{sha}"
    python = home / "venv" / "bin" / "python"
    if not (home / "installed").exists():
        print(f"installing {revision} ({sha}) into {home} (once)...", file=sys.stderr)
        source = home / "src"
        source.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(REPOSITORY), "archive", sha], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True)
        subprocess.run([sys.executable, "-m", "venv", str(home / "venv")], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(source)], check=True)
        (home / "installed").touch()
    return Target(f"{revision} (before)", str(python))


# --- item 6: a big JSON body -------------------------------------------------------------------------

def json_array(size: int) -> bytes:
    """A top-level JSON array of short strings, exactly `size` bytes (not an object: a 4xx either way)."""
    items = max(1, (size - 2) // 4)
    body = b"[" + b",".join([b'"x"'] * items) + b"]"
    return body + b" " * (size - len(body))


def chunks(body: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start:start + size]


def slowest_other_answer(url: str, stop: threading.Event, result: list[float]) -> None:
    with httpx.Client(headers={"api_access_token": TOKEN}, timeout=120) as client:
        while not stop.is_set():
            began = time.perf_counter()
            client.get(url + INBOXES)
            result.append(time.perf_counter() - began)
            stop.wait(0.1)


def big_json(target: Target, label: str, body: bytes, chunked: bool) -> None:
    with target.serve() as mock:
        pid = mock.process.pid
        with httpx.Client(headers={"api_access_token": TOKEN}, timeout=300) as client:
            client.get(mock.url + INBOXES)  # warm: the first request builds what is built lazily
            rss_before, cpu_before = memory_mb(pid, "VmRSS"), cpu_seconds(pid)
            stop, others = threading.Event(), []
            watcher = threading.Thread(target=slowest_other_answer, args=(mock.url, stop, others), daemon=True)
            watcher.start()
            began = time.perf_counter()
            try:
                content = chunks(body) if chunked else body
                response = client.post(mock.url + INBOXES, content=content,
                                       headers={"Content-Type": "application/json"})
                answer = f"{response.status_code} {response.text[:60]!r}"
            except httpx.HTTPError as error:
                answer = f"no answer ({type(error).__name__})"
            wall = time.perf_counter() - began
            stop.set()
            watcher.join(timeout=130)
            cpu = cpu_seconds(pid) - cpu_before
            meanwhile = f"{len(others)} answered, slowest {max(others):5.2f} s" if others else "none made"
            print(f"  {label:<34} {wall:7.2f} s wall {cpu:7.2f} s CPU  RSS {rss_before:6.0f} -> "
                  f"{memory_mb(pid, 'VmRSS'):6.0f} MB, peak {memory_mb(pid, 'VmHWM'):6.0f} MB; "
                  f"another client's GETs meanwhile: {meanwhile}; answer {answer}")


def json_part(target: Target, json_mb: float) -> None:
    print(f"\n{target.label}: a big JSON body to POST {INBOXES} (server's figures)")
    big = json_array(int(json_mb * MB))
    big_json(target, f"{json_mb:g} MB, Content-Length", big, chunked=False)
    big_json(target, f"{json_mb:g} MB, chunked", big, chunked=True)
    big_json(target, "1 MiB (the largest read)", json_array(MIB), chunked=False)


# --- item 8: slow clients ----------------------------------------------------------------------------

SLOW_BODY = (b"POST /api/v1/accounts/1/inboxes HTTP/1.1\r\nHost: mock\r\napi_access_token: " + TOKEN.encode()
             + b"\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")


def slow_part(target: Target, slow: int, idle: int, seconds: float) -> None:
    """`slow` clients that send a body one byte a second and `idle` ones that send nothing, for
    `seconds` (then they give up: their sockets are closed); meanwhile ten ordinary GETs, one after
    the other, each allowed `seconds` + 30 s."""
    print(f"\n{target.label}: {slow} clients sending a body one byte a second and {idle} idle ones, "
          f"giving up after {seconds:g} s; ten ordinary GETs meanwhile")
    with target.serve() as mock:
        host, port = mock.url.rsplit("/", 1)[1].rsplit(":", 1)
        sockets = [socket.create_connection((host, int(port)), timeout=5) for _ in range(slow + idle)]
        refused: list[int] = []
        idle_closed: list[bool] = []

        def slow_clients() -> None:
            deadline = time.monotonic() + seconds
            for sock in sockets[:slow]:
                sock.sendall(SLOW_BODY)
            while time.monotonic() < deadline:
                time.sleep(1)
                for sock in sockets[:slow]:
                    with contextlib.suppress(OSError):  # the server closed it (408): what it should do
                        sock.sendall(b" ")
            for sock in sockets[:slow]:
                with contextlib.suppress(OSError):
                    sock.settimeout(0.5)
                    refused.append(sock.recv(200).startswith(b"HTTP/1.1 408"))
            for sock in sockets[slow:]:
                sock.setblocking(False)  # the server closed it: it reads as the end, at once
                with contextlib.suppress(BlockingIOError):
                    idle_closed.append(sock.recv(1) == b"")
            for sock in sockets:
                sock.close()

        giving_up = threading.Thread(target=slow_clients, daemon=True)
        giving_up.start()
        time.sleep(1)  # the slow clients are in their bodies by now
        waits, failures = [], 0
        with httpx.Client(headers={"api_access_token": TOKEN}, timeout=seconds + 30) as client:
            for _ in range(10):
                started = time.perf_counter()
                try:
                    client.get(mock.url + INBOXES).raise_for_status()
                    waits.append(time.perf_counter() - started)
                except httpx.HTTPError:
                    failures += 1
        giving_up.join(timeout=seconds + 10)
    first = f"{waits[0]:.2f} s" if waits else "-"
    print(f"  ordinary GETs: {len(waits)} answered, {failures} failed; the first after {first}, the slowest after "
          f"{max(waits, default=0):.2f} s; {sum(refused)} of the {slow} slow clients had been answered 408, "
          f"{sum(idle_closed)} of the {idle} idle ones closed by the server")


# --- item 11: avatar uploads -------------------------------------------------------------------------

def avatar_part(target: Target, uploads: int, upload_mb: float) -> None:
    print(f"\n{target.label}: {uploads} creates with an avatar of {upload_mb:g} MB each")
    picture = b"GIF89a" + os.urandom(int(upload_mb * MB) - 6)
    statuses: dict[int, int] = {}
    with target.serve() as mock:
        pid = mock.process.pid
        with httpx.Client(headers={"api_access_token": TOKEN}, timeout=120) as client:
            client.get(mock.url + INBOXES)
            rss_before = memory_mb(pid, "VmRSS")
            for number in range(uploads):
                response = client.post(
                    mock.url + INBOXES, data={"name": f"Logo {number}", "channel[type]": "api"},
                    files={"avatar": ("logo.gif", io.BytesIO(picture), "image/gif")})
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                refusal = response.text[:90] if response.status_code != 200 else ""
        answers = ", ".join(f"{count} x {status}" for status, count in sorted(statuses.items()))
        print(f"  answers: {answers}{f' ({refusal!r})' if refusal else ''}")
        print(f"  RSS {rss_before:.0f} MB before, {memory_mb(pid, 'VmRSS'):.0f} MB after, "
              f"peak {memory_mb(pid, 'VmHWM'):.0f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json-mb", type=float, default=15.0, help="size of the big JSON body (MB)")
    parser.add_argument("--uploads", type=int, default=30, help="avatar uploads (one new inbox each)")
    parser.add_argument("--upload-mb", type=float, default=14.0, help="size of each avatar (MB)")
    parser.add_argument("--slow-seconds", type=float, default=20.0, help="how long the slow clients keep on")
    parser.add_argument("--before", metavar="REV", help="also measure this older commit, in the same run")
    args = parser.parse_args(argv)
    if (not 0 < args.json_mb <= 100 or not 0 < args.uploads <= 100 or not 0 < args.upload_mb <= 15
            or not 0 < args.slow_seconds <= 120):
        parser.error("bounded: --json-mb 0..100, --uploads 1..100, --upload-mb 0..15, --slow-seconds 0..120")
    # The servers import the mock installed in their own environment, never this folder's copy
    # (`python -m` would put the working directory first on sys.path).
    os.environ["PYTHONSAFEPATH"] = "1"
    targets = [install_revision(args.before)] if args.before else []
    targets.append(Target("this checkout", sys.executable))
    began = time.monotonic()
    for target in targets:
        json_part(target, args.json_mb)
        avatar_part(target, args.uploads, args.upload_mb)
        slow_part(target, 8, 100, args.slow_seconds)
    print(f"\nTotal runtime: {time.monotonic() - began:.1f} s (load average {os.getloadavg()[0]:.1f}); "
          "MB are 10^6 bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
