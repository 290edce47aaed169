"""Benchmark the served mock and the in-process app on the two hot calls: list and create inboxes.

Served: `python -m mockserver serve --port 0` (granian, one worker process; the POST's body is
checked against the spec, a GET has none to check), started fresh from the demo state for every
load run, on loopback only, and always stopped. Load comes from wrk (a Lua script counts non-2xx
and prints percentiles) or, without wrk, from a thread pool of keep-alive `http.client`
connections. In-process, no socket: the app called as WSGI with a prebuilt environ, and through
Flask's test client, beside a bare one-route Flask app (the peer) in the same rounds.

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
    driver: str = "WSGI"
    #: The median of the calls' CPU time (this thread's): less swayed by the machine's load than the wall time.
    cpu_median_us: float = float("nan")


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


#
# Two drivers, interleaved in rounds so that load changes hit both alike:
# - "test client": Flask's test client, as a user's test drives the mock (it builds a WSGI environ with
#   Werkzeug's EnvironBuilder and wraps the answer in a test Response for every call);
# - "WSGI": the app called directly with a prebuilt environ (copied, with a fresh input stream): the
#   mock's own cost, what the in-process targets are about.
# The peer, in the same rounds: a bare Flask app with one route answering fixed bytes, called like the
# WSGI driver; `mock / Flask` is how many times a bare Flask request the mock's request costs.

SHOW_PATH = LIST_PATH + "/1"
PATCH_BODY = json.dumps({"name": "Renamed", "enable_auto_assignment": False})
IN_PROCESS_CALLS = (("GET", SHOW_PATH, None), ("GET", LIST_PATH, None), ("POST", LIST_PATH, CREATE_BODY),
                    ("PATCH", SHOW_PATH, PATCH_BODY))
POST_BLOCK = 1_000  # a fresh app every 1,000 creates, so the state stays small
IN_PROCESS_ORDER = [(m, p) for m, p, _ in IN_PROCESS_CALLS]


def wsgi_environ(method: str, path: str, body: str | None, token: str = TOKEN) -> dict[str, Any]:
    environ = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "",
        "SERVER_NAME": HOST, "SERVER_PORT": "3000", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": f"{HOST}:3000",
        "REMOTE_ADDR": HOST, "REMOTE_PORT": "50000", "HTTP_API_ACCESS_TOKEN": token,
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.multithread": False,
        "wsgi.multiprocess": False, "wsgi.run_once": False, "wsgi.input_terminated": True,
    }
    if body is not None:
        environ["CONTENT_TYPE"] = "application/json"
        environ["CONTENT_LENGTH"] = str(len(body.encode()))
    return environ


def wsgi_caller(app: Any, method: str, path: str, body: str | None, token: str = TOKEN) -> Any:
    """A call of the app as a WSGI server makes it (the environ prebuilt, the stream ended, the
    answer joined): the app's own cost, without the test client's."""
    import io

    prebuilt = wsgi_environ(method, path, body, token)
    raw = body.encode() if body is not None else b""
    status: list[str] = []

    def start_response(line: str, headers: list, exc_info: Any = None) -> None:
        status.append(line)

    def call() -> int:
        environ = dict(prebuilt)
        environ["wsgi.input"] = io.BytesIO(raw)
        status.clear()
        result = app(environ, start_response)
        try:
            b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        return int(status[0][:3])

    return call


def client_caller(app: Any, method: str, path: str, body: str | None) -> Any:
    client = app.test_client()
    headers = {"api_access_token": TOKEN}

    def call() -> int:
        if body is None:
            return client.open(path, method=method, headers=headers).status_code
        return client.open(path, method=method, headers=headers, data=body,
                           content_type="application/json").status_code

    return call


def bare_flask_app() -> Any:
    from flask import Flask, Response

    app = Flask("bare")
    answer = b'{"id":1,"name":"Bench"}\n'

    @app.route("/api/v1/accounts/<account_id>/inboxes/<id>", methods=["GET", "PATCH"])
    @app.route("/api/v1/accounts/<account_id>/inboxes", methods=["GET", "POST"])
    def inbox(**path: str) -> Response:
        return Response(answer, content_type="application/json")

    return app


def in_process_runs(calls: int, warmup: int, rounds: int = 5) -> list[InProcessResult]:
    from mockserver import create_app  # openapi-core takes about a second to import

    timings: dict[tuple[str, str, str], list[float]] = {}
    cpu: dict[tuple[str, str, str], list[float]] = {}
    bad: dict[tuple[str, str, str], int] = {}
    per_round = max(1, calls // rounds)
    bare = bare_flask_app()
    for _ in range(rounds):
        for method, path, body in IN_PROCESS_CALLS:
            drivers = (("WSGI", wsgi_caller), ("test client", client_caller), ("bare Flask", wsgi_caller))
            for driver, make in drivers:
                key = (driver, method, path)
                done = 0
                while done < per_round:
                    count = min(per_round - done, POST_BLOCK) if method == "POST" else per_round
                    call = make(bare if driver == "bare Flask" else create_app(), method, path, body)
                    for _ in range(max(1, warmup // rounds)):
                        call()
                    for _ in range(count):
                        began, began_cpu = time.perf_counter_ns(), time.thread_time_ns()
                        status = call()
                        cpu.setdefault(key, []).append((time.thread_time_ns() - began_cpu) / 1000)
                        timings.setdefault(key, []).append((time.perf_counter_ns() - began) / 1000)
                        bad[key] = bad.get(key, 0) + (not 200 <= status < 300)
                    done += count
    results = []
    for (driver, method, path), values in timings.items():
        values.sort()
        results.append(InProcessResult(method, path, len(values), max(1, warmup // rounds) * rounds,
                                       statistics.median(values), percentile(values, 99), bad[(driver, method, path)],
                                       driver, statistics.median(cpu[(driver, method, path)])))
    return results


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
        print(f"In-process, no socket (a POST's or PATCH's body validated, a GET has none): {inproc[0].calls} timed "
              f"calls per row in rounds, after {inproc[0].warmup} warm-up; \"WSGI\": the app called with a prebuilt "
              f"environ (the mock's own cost); \"test client\": Flask's test client; \"bare Flask\": a one-route "
              f"Flask app answering fixed bytes, called as WSGI (the peer, same rounds)")
        print("median: wall time; CPU: the median of the calls' CPU time (less swayed by other processes); "
              "x bare Flask: CPU against the bare Flask app's CPU")
        header = (f"{'call':<42} {'driver':<12} {'median µs':>10} {'p99 µs':>10} {'CPU µs':>8} {'non-2xx':>8} "
                  f"{'x bare Flask':>13}")
        print(header)
        print("-" * len(header))
        floor = {(r.method, r.path): r.cpu_median_us for r in inproc if r.driver == "bare Flask"}
        for r in sorted(inproc, key=lambda r: (IN_PROCESS_ORDER.index((r.method, r.path)), r.driver)):
            if r.driver == "bare Flask":
                continue
            ratio = r.cpu_median_us / floor[(r.method, r.path)] if (r.method, r.path) in floor else float("nan")
            print(f"{r.method + ' ' + r.path:<42} {r.driver:<12} {r.median_us:>10.0f} {r.p99_us:>10.0f} "
                  f"{r.cpu_median_us:>8.0f} {r.non_2xx:>8} {ratio:>12.1f}x")
        for r in inproc:
            if r.driver == "bare Flask":
                print(f"{r.method + ' ' + r.path:<42} {r.driver:<12} {r.median_us:>10.0f} {r.p99_us:>10.0f} "
                      f"{r.cpu_median_us:>8.0f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5,
                        help=f"duration of each served load run, 1..{MAX_SECONDS} (default %(default)s)")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto",
                        help="load client: wrk if installed (auto), or the Python thread pool")
    parser.add_argument("--calls", type=int, default=2_000, help="timed in-process calls per request")
    parser.add_argument("--warmup", type=int, default=300, help="untimed in-process warm-up calls per request")
    parser.add_argument("--rounds", type=int, default=5,
                        help="in-process rounds the calls are split into (default %(default)s)")
    parser.add_argument("--skip-served", action="store_true", help="only the in-process figures")
    parser.add_argument("--skip-in-process", action="store_true", help="only the served figures")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE as JSON")
    args = parser.parse_args(argv)
    if not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be between 1 and {MAX_SECONDS}: a POST run must stay below the "
                     f"{INBOX_LIMIT:,}-inbox limit even at {PESSIMISTIC_POST_RATE:,} req/s")
    if args.calls < 1 or args.warmup < 0 or args.rounds < 1:
        parser.error("--calls and --rounds must be at least 1 and --warmup at least 0")

    began = time.monotonic()
    served = [] if args.skip_served else served_runs(args.client, args.seconds)
    inproc = [] if args.skip_in_process else in_process_runs(args.calls, args.warmup, args.rounds)
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
