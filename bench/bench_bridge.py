"""What serving costs a request beyond the app: granian's RSGI hand-offs, and the bridge against
granian's own WSGI interface (README "Performance": where a served create's time goes).

Two comparisons, each in alternating slices of wrk load (`-t1 -c10`, one server loaded at a time):
- *bare RSGI*: an RSGI app answering fixed bytes, served as `web.server` serves the mock (granian,
  one worker, HTTP/1), POSTing the create body, once awaiting the body (`await proto()`, as the
  bridge must) and once not reading it: the difference is what granian's body hand-off costs.
- *the mock*: `chatwoot-mock serve` (the bridge) against the same app served by granian's WSGI
  interface with one blocking thread (no event loop; the body read on that thread), POST create.

Each slice prints req/s and the server's CPU time per request (all its threads, from /proc), the
figure less swayed by the other processes on the machine. Every server listens on 127.0.0.1 and is
stopped at the end.

    .venv/bin/python bench/bench_bridge.py [--seconds 3] [--slices 5]
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench_inboxes import CREATE_BODY, LIST_PATH, LoadResult, run_wrk, warm_up
from bench_prism import Background, ensure_wrk, free_port

ROOT = Path(__file__).resolve().parents[1]
CONNECTIONS = 10
TICKS = os.sysconf("SC_CLK_TCK")

BARE = """
import multiprocessing, sys
from granian.constants import HTTPModes, Interfaces
from granian.server.mp import MPServer
AWAIT_BODY = sys.argv[2] == "await"
HEADERS = [("content-type", "application/json")]
async def app(scope, proto):
    if AWAIT_BODY and scope.method == "POST":
        await proto()
    proto.response_bytes(200, HEADERS, b'{"id":1}')
multiprocessing.set_start_method("fork", force=True)
MPServer("bare", address="127.0.0.1", port=int(sys.argv[1]), interface=Interfaces.RSGI, workers=1,
         http=HTTPModes.http1, log_level="warning").serve(target_loader=lambda *a, **k: app, wrap_loader=False)
"""

WSGI_PEER = """
import gc, multiprocessing, sys
from granian.constants import HTTPModes, Interfaces
from granian.server.mp import MPServer
from mockserver import create_app
app = create_app()
multiprocessing.set_start_method("fork", force=True)
gc.collect()
gc.freeze()
MPServer("wsgi-peer", address="127.0.0.1", port=int(sys.argv[1]), interface=Interfaces.WSGI, workers=1,
         blocking_threads=1, http=HTTPModes.http1, log_level="warning").serve(
    target_loader=lambda *a, **k: app, wrap_loader=False)
"""


class Server(Background):
    def __init__(self, name: str, command: list[str]) -> None:
        port = free_port()
        super().__init__(name, [part.replace("{port}", str(port)) for part in command], port, cwd=ROOT)
        self.name = name

    def cpu_seconds(self) -> float:
        """CPU time of the server's process tree (granian's supervisor and its worker), all threads."""
        total, todo = 0.0, [self.process.pid]
        while todo:
            pid = todo.pop()
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / TICKS
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except FileNotFoundError:
                continue
            todo += [int(child) for child in children]
        return total


def reset_state(port: int) -> None:
    """The mock back on its startup state (`POST /_mock/reset`): slices of creates on one server
    otherwise pile up to the account's inbox limit (100,000; 422) on a fast machine."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/_mock/reset")
        if conn.getresponse().status != 200:
            raise RuntimeError(f"POST /_mock/reset on port {port} failed")
    finally:
        conn.close()


def compare(wrk: str, servers: list[Server], seconds: int, slices: int, workdir: Path, *, mocks: bool) -> None:
    measured: dict[str, list[tuple[LoadResult, float]]] = {server.name: [] for server in servers}
    for server in servers:
        warm_up(server.port, "POST", LIST_PATH, CREATE_BODY)
        run_wrk(wrk, server.port, "POST", LIST_PATH, CREATE_BODY, CONNECTIONS, 1, workdir)
    for _ in range(slices):
        for server in servers:
            if mocks:
                reset_state(server.port)
            before = server.cpu_seconds()
            result = run_wrk(wrk, server.port, "POST", LIST_PATH, CREATE_BODY, CONNECTIONS, seconds, workdir)
            if result.non_2xx or result.errors:
                raise RuntimeError(f"{server.name}: {result.non_2xx} non-2xx, {result.errors} socket errors")
            cpu_us = (server.cpu_seconds() - before) * 1e6 / max(result.requests, 1)
            measured[server.name].append((result, cpu_us))
            print(f"  {server.name:34s} {result.rps:8,.0f} req/s  {cpu_us:6.0f} us server CPU a request  "
                  f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    for name, rows in measured.items():
        print(f"  median {name:27s} {statistics.median(r.rps for r, _ in rows):8,.0f} req/s  "
              f"{statistics.median(cpu for _, cpu in rows):6.0f} us server CPU a request")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=3, help="seconds of one slice of load (default 3)")
    parser.add_argument("--slices", type=int, default=5, help="alternating slices per server (default 5)")
    args = parser.parse_args()
    wrk, python = ensure_wrk(), sys.executable
    with tempfile.TemporaryDirectory(prefix="bench-bridge-") as workdir:
        print(f"bare RSGI app, fixed answer, POST {LIST_PATH} with the create body, wrk -t1 -c{CONNECTIONS}:")
        with Server("awaiting the body (await proto())", [python, "-c", BARE, "{port}", "await"]) as waits, \
                Server("not reading the body", [python, "-c", BARE, "{port}", "skip"]) as skips:
            compare(wrk, [waits, skips], args.seconds, args.slices, Path(workdir), mocks=False)
        print(f"the mock (demo state), POST create, wrk -t1 -c{CONNECTIONS}:")
        with Server("chatwoot-mock serve (the bridge)",
                    [python, "-m", "mockserver", "serve", "--port", "{port}"]) as bridge, \
                Server("granian WSGI, one blocking thread", [python, "-c", WSGI_PEER, "{port}"]) as peer:
            compare(wrk, [bridge, peer], args.seconds, args.slices, Path(workdir), mocks=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
