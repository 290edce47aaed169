"""Benchmark the served mock and the in-process app on the two hot calls: list and create inboxes.

Served: `python -m mockserver serve --port 0` (granian, one worker process; the POST's body is
checked against the spec, a GET has none to check), started fresh from the demo state for every
load run, on loopback only, and always stopped. Load comes from wrk (a Lua script counts non-2xx
and prints percentiles) or, without wrk, from a thread pool of keep-alive `http.client`
connections. In-process: Flask's test client, no socket.

    .venv/bin/python bench/bench_inboxes.py [--seconds 5] [--client auto|wrk|python] [--json FILE]
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mockserver.testing.served import ServedMock

HOST = "127.0.0.1"
TOKEN = "demo-admin-token"
LIST_PATH = "/api/v1/accounts/1/inboxes"
CREATE_BODY = json.dumps({"name": "Bench", "channel": {"type": "api", "webhook_url": "https://bench.example/hook"}})
CALLS = (("GET", LIST_PATH, None), ("POST", LIST_PATH, CREATE_BODY))
CONNECTIONS = (1, 10)

# The POST runs grow the state. Every run starts a fresh server (6 demo inboxes in account 1), so a
# run stays below the mock's inbox limit (100,000) as long as seconds x rate does. POST measures
# about 300 req/s here; PESSIMISTIC_POST_RATE is several times that, and --seconds is capped to fit it.
INBOX_LIMIT = 100_000
DEMO_INBOXES = 6
WARMUP_REQUESTS = 20
PESSIMISTIC_POST_RATE = 2_000
MAX_SECONDS = (INBOX_LIMIT - DEMO_INBOXES - WARMUP_REQUESTS) // PESSIMISTIC_POST_RATE  # 48

LUA_TEMPLATE = """
wrk.method = "{method}"
wrk.headers["api_access_token"] = "{token}"
{body_lines}
local threads = {{}}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  non2xx = 0
  last_bad = 0
end
function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    last_bad = status
  end
end
function done(summary, latency, requests)
  local bad, bad_status = 0, 0
  for _, t in ipairs(threads) do
    bad = bad + t:get("non2xx")
    if t:get("last_bad") ~= 0 then bad_status = t:get("last_bad") end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d bad_status=%d errors=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), bad, bad_status,
    e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class LoadResult:
    method: str
    path: str
    connections: int
    client: str
    seconds: float
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int
    bad_status: int | None = None


@dataclass
class InProcessResult:
    method: str
    path: str
    calls: int
    warmup: int
    median_us: float
    p99_us: float
    non_2xx: int


# --- the served mock: mockserver.testing.served.ServedMock (one process, own session, output drained) ---

def one_request(conn: http.client.HTTPConnection, method: str, path: str, body: str | None) -> int:
    headers = {"api_access_token": TOKEN}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status


def warm_up(port: int, method: str, path: str, body: str | None) -> None:
    """First requests build the validator lazily; also proves the token and body are accepted."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        for _ in range(WARMUP_REQUESTS):
            status = one_request(conn, method, path, body)
            if not 200 <= status < 300:
                raise RuntimeError(f"warm-up {method} {path} answered {status}; the benchmark would measure errors")
    finally:
        conn.close()


def run_wrk(wrk: str, port: int, method: str, path: str, body: str | None, connections: int,
            seconds: int, workdir: Path) -> LoadResult:
    body_lines = ""
    if body is not None:
        body_lines = f'wrk.headers["Content-Type"] = "application/json"\nwrk.body = [==[{body}]==]'
    script = workdir / f"{method.lower()}.lua"
    script.write_text(LUA_TEMPLATE.format(method=method, token=TOKEN, body_lines=body_lines))
    duration = seconds
    command = [wrk, "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "-s", str(script),
               f"http://{HOST}:{port}{path}"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=duration + 20, check=False)
    match = re.search(r"BENCH requests=(\d+) duration_us=(\d+) p50_us=(\d+) p99_us=(\d+) non2xx=(\d+) "
                      r"bad_status=(\d+) errors=(\d+)", completed.stdout)
    if completed.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    requests, duration_us, p50, p99, non2xx, bad_status, errors = (int(x) for x in match.groups())
    return LoadResult(method, path, connections, "wrk", duration_us / 1e6, requests,
                      requests / (duration_us / 1e6), p50 / 1000, p99 / 1000, non2xx, errors, bad_status or None)


def run_python(port: int, method: str, path: str, body: str | None, connections: int,
               seconds: float) -> LoadResult:
    """The fallback: one thread and one keep-alive connection per concurrent client. The client shares
    the GIL and the cores with nothing but itself, but it does share the machine with the server."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    non2xx = [0] * connections
    errors = [0] * connections
    bad_status: list[int] = [0]
    start_gate = threading.Barrier(connections + 1)
    deadline = 0.0

    def client(index: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=5)
        start_gate.wait()
        try:
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                try:
                    status = one_request(conn, method, path, body)
                except (OSError, http.client.HTTPException):
                    errors[index] += 1
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=5)
                    continue
                latencies[index].append(time.perf_counter() - began)
                if not 200 <= status < 300:
                    non2xx[index] += 1
                    bad_status[0] = status
        finally:
            conn.close()

    workers = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(connections)]
    for worker in workers:
        worker.start()
    deadline = time.perf_counter() + seconds
    began = time.perf_counter()
    start_gate.wait()
    for worker in workers:
        worker.join(timeout=seconds + 15)
    elapsed = time.perf_counter() - began
    merged = sorted(x for per in latencies for x in per)
    return LoadResult(method, path, connections, "python", elapsed, len(merged), len(merged) / elapsed,
                      percentile(merged, 50) * 1000, percentile(merged, 99) * 1000,
                      sum(non2xx), sum(errors), bad_status[0] or None)


def served_runs(client: str, seconds: float) -> list[LoadResult]:
    wrk = shutil.which("wrk") if client in ("auto", "wrk") else None
    if client == "wrk" and wrk is None:
        raise SystemExit("--client wrk: wrk is not installed (apt-get install -y wrk)")
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-inboxes-") as tmp:
        for method, path, body in CALLS:
            for connections in CONNECTIONS:
                with ServedMock(keep_lines=30) as mock:  # a fresh demo state for every run
                    warm_up(mock.port, method, path, body)
                    if wrk is not None:
                        result = run_wrk(wrk, mock.port, method, path, body, connections, seconds, Path(tmp))
                    else:
                        result = run_python(mock.port, method, path, body, connections, seconds)
                results.append(result)
                print(f"  served {method:<4} {connections:>2} conn: {result.rps:8.1f} req/s", file=sys.stderr)
    return results


# --- in-process ---------------------------------------------------------------------------------

def in_process_runs(calls: int, warmup: int, block: int = 1_000) -> list[InProcessResult]:
    from mockserver import create_app  # openapi-core takes about a second to import

    headers = {"api_access_token": TOKEN}
    results = []
    for method, path, body in CALLS:
        blocks = max(1, math.ceil(calls / block)) if body is not None else 1  # only POST grows the state
        per_block_warmup = max(1, warmup // blocks)
        timings: list[float] = []
        bad = 0
        for b in range(blocks):
            client = create_app().test_client()  # a fresh demo state: the state stays small
            count = calls - b * (calls // blocks) if b == blocks - 1 else calls // blocks

            for _ in range(per_block_warmup):
                _call(client, path, body, headers)
            for _ in range(count):
                began = time.perf_counter()
                status = _call(client, path, body, headers)
                timings.append(time.perf_counter() - began)
                bad += not 200 <= status < 300
        timings.sort()
        results.append(InProcessResult(method, path, len(timings), per_block_warmup * blocks,
                                       statistics.median(timings) * 1e6, percentile(timings, 99) * 1e6, bad))
        print(f"  in-process {method:<4}: median {results[-1].median_us:8.0f} µs", file=sys.stderr)
    return results


def _call(client: Any, path: str, body: str | None, headers: dict[str, str]) -> int:
    if body is None:
        return client.get(path, headers=headers).status_code
    return client.post(path, headers=headers, data=body, content_type="application/json").status_code


def percentile(ordered: list[float], pct: float) -> float:
    """Nearest rank on an already sorted list."""
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


# --- output -------------------------------------------------------------------------------------

def print_tables(served: list[LoadResult], inproc: list[InProcessResult], seconds: float) -> None:
    client = served[0].client if served else "-"
    print()
    print(f"Served: chatwoot-mock serve (granian, 1 worker process; the POST's body validated, a GET has none), "
          f"127.0.0.1; client: {client}; {seconds:g} s per run; fresh demo state per run (6 inboxes)")
    header = f"{'call':<38} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'errors':>7}"
    print(header)
    print("-" * len(header))
    for r in served:
        note = f"  (last non-2xx: {r.bad_status})" if r.bad_status else ""
        print(f"{r.method + ' ' + r.path:<38} {r.connections:>5} {r.rps:>9.1f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} "
              f"{r.non_2xx:>8} {r.errors:>7}{note}")
    if inproc:
        print()
        print(f"In-process: Flask test client, no socket (the POST's body validated, a GET has none); "
              f"{inproc[0].calls} timed calls after {inproc[0].warmup} warm-up")
        header = f"{'call':<38} {'median µs':>10} {'p99 µs':>10} {'non-2xx':>8}"
        print(header)
        print("-" * len(header))
        for r in inproc:
            print(f"{r.method + ' ' + r.path:<38} {r.median_us:>10.0f} {r.p99_us:>10.0f} {r.non_2xx:>8}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5,
                        help=f"duration of each served load run, 1..{MAX_SECONDS} (default %(default)s)")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto",
                        help="load client: wrk if installed (auto), or the Python thread pool")
    parser.add_argument("--calls", type=int, default=2_000, help="timed in-process calls per request")
    parser.add_argument("--warmup", type=int, default=300, help="untimed in-process warm-up calls per request")
    parser.add_argument("--skip-served", action="store_true", help="only the in-process figures")
    parser.add_argument("--skip-in-process", action="store_true", help="only the served figures")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    args = parser.parse_args(argv)
    if not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be between 1 and {MAX_SECONDS}: a POST run must stay below the "
                     f"{INBOX_LIMIT:,}-inbox limit even at {PESSIMISTIC_POST_RATE:,} req/s")
    if args.calls < 1 or args.warmup < 0:
        parser.error("--calls must be at least 1 and --warmup at least 0")

    began = time.monotonic()
    served = [] if args.skip_served else served_runs(args.client, args.seconds)
    inproc = [] if args.skip_in_process else in_process_runs(args.calls, args.warmup)
    total = time.monotonic() - began
    print_tables(served, inproc, args.seconds)
    print(f"\nTotal runtime: {total:.1f} s  (python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}); one run of each row")
    if args.json:
        document = {
            "seconds_per_run": args.seconds, "total_runtime_s": round(total, 2),
            "python": platform.python_version(), "cpus": os.cpu_count(),
            "served": [asdict(r) for r in served], "in_process": [asdict(r) for r in inproc],
        }
        Path(args.json).write_text(json.dumps(document, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
