"""Figures for the control API and the state file (issue 3, part 5). Prints figures; asserts nothing.

- Reset time with the demo set (aim: under 1 ms) and with 10,000 inboxes: `MockRuntime.reset()`
  (a pickled startup snapshot restored), next to what building the store again from the document
  would cost, and what building a whole new app (`create_app`) costs.
- Journal memory after 100,000 requests (tracemalloc): the default journal (1,000 entries) and
  a journal as large as the traffic, so the cost of one entry shows; then the same with long
  paths and long spec complaints, which are capped.
- Resident memory (VmRSS) of `chatwoot-mock serve` holding 10,000 inboxes (the `large` set),
  started on a free loopback port and stopped; then, on a served demo, loading the 10,000-inbox
  document through `PUT /_mock/state`, and one 2 s fault latency while ten other calls are made.
- The request pipeline in-process: GET one inbox and POST an inbox, median µs, without and with
  a state file (each POST is then written and fsynced before it is answered), with the demo set
  and with 10,000 inboxes.

    .venv/bin/python bench/bench_control.py [--inboxes 10000] [--skip-served] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import threading
import time
import tracemalloc
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mockserver import build_store, create_app, demo_document
from mockserver.control.journal import Journal
from mockserver.state.fixture_sets import generate
from mockserver.testing.served import ServedMock
from mockserver.web.app import RUNTIME_KEY

CREATE = json.dumps({"name": "Bench", "channel": {"type": "api", "webhook_url": "https://bench.example/hook"}})


def median_us(function: Callable[[], Any], calls: int, warmup: int = 20) -> float:
    return wall_and_cpu_us(function, calls, warmup)[0]


def wall_and_cpu_us(function: Callable[[], Any], calls: int, warmup: int = 20) -> tuple[float, float]:
    """Median wall and CPU µs of `calls` calls after `warmup`. On a busy shared machine the wall
    time includes the wait for a core; the CPU time is the better guess at the wall time on an idle one."""
    for _ in range(warmup):
        function()
    wall, cpu = [], []
    for _ in range(calls):
        started, started_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(wall) * 1e6, statistics.median(cpu) * 1e6


def reset_figures(document: dict[str, Any], resets: int, builds: int) -> dict[str, float]:
    app = create_app(build_store(document))
    runtime = app.extensions[RUNTIME_KEY]
    figures: dict[str, float] = {}
    for name, function, calls, warmup in (("reset", runtime.reset, resets, 20 if resets >= 20 else 1),
                                          ("build_from_document", lambda: build_store(document), builds, 1),
                                          ("create_app", lambda: create_app(build_store(document)), builds, 1)):
        wall, cpu = wall_and_cpu_us(function, calls, warmup)
        figures[f"{name}_ms"], figures[f"{name}_cpu_ms"] = wall / 1000, cpu / 1000
    return {
        **figures,
        "snapshot_bytes": len(runtime.store.snapshot()),
    }


def journal_bytes(size: int, requests: int, path: Callable[[int], str], errors: tuple[str, ...],
                  body: str = "") -> int:
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    journal = Journal(size)
    for number in range(requests):
        journal.record("GET", path(number), 200 if not errors else 422, query="page=1", operation_id="getInbox",
                       duration_ms=1.5, validation_errors=errors, body=body)
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del journal
    return used


def journal_figures(requests: int = 100_000) -> dict[str, int]:
    def plain(n: int) -> str:
        return f"/api/v1/accounts/1/inboxes/{n}"

    def huge(n: int) -> str:
        return f"/api/v1/accounts/1/inboxes/{n}/" + "x" * 100_000

    complaints = ("channel.website_url: " + "y" * 5_000,) * 50
    return {
        "default_1000_bytes": journal_bytes(1000, requests, plain, ()),
        "size_100000_bytes": journal_bytes(requests, requests, plain, ()),
        "default_1000_long_paths_and_errors_bytes": journal_bytes(1000, requests // 10, huge, complaints),
        "default_1000_with_100kb_bodies_bytes": journal_bytes(1000, requests // 10, plain, (), "z" * 100_000),
    }


def vm_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(child) for child in text)
    return found


def admin_of(document: dict[str, Any]) -> tuple[int, str]:
    for user in document["users"]:
        for membership in user["memberships"]:
            if membership["role"] == "administrator":
                return membership["account_id"], user["access_token"]
    raise LookupError("no administrator in the document")


def served_rss(document: dict[str, Any], document_path: Path, inboxes: int) -> dict[str, Any]:
    account_id, token = admin_of(document)
    with ServedMock("--fixtures", str(document_path), "--journal-size", "1000") as served:
        # Touch the state once (the first request builds the validator's caches).
        request = urllib.request.Request(f"{served.url}/api/v1/accounts/{account_id}/inboxes",
                                         headers={"api_access_token": token})
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
        pid = served.process.pid  # granian's supervisor; the worker holding the store is its child
        workers = children(pid)
        return {"inboxes": inboxes, "arbiter_rss_mib": round(vm_rss_kib(pid) / 1024, 1),
                "worker_rss_mib": round(sum(vm_rss_kib(w) for w in workers) / 1024, 1)}


def served_load_and_latency(document_path: Path) -> dict[str, Any]:
    """On a served demo: `PUT /_mock/state` with the large document (timed from the first byte sent
    to the answer), then one 2 s latency fault on getInbox while ten listInboxes calls are made."""
    body = document_path.read_bytes()
    with ServedMock("--journal-size", "0") as served:
        load = urllib.request.Request(f"{served.url}/_mock/state", data=body, method="PUT",
                                      headers={"Content-Type": "application/json"})
        started = time.perf_counter()
        with urllib.request.urlopen(load, timeout=300) as response:
            response.read()
        figures: dict[str, Any] = {"put_state_s": time.perf_counter() - started, "put_state_mb": len(body) / 1e6}
    with ServedMock("--journal-size", "0") as served:
        fault = json.dumps({"operation_id": "getInbox", "latency_ms": 2000, "times": 1}).encode()
        urllib.request.urlopen(urllib.request.Request(f"{served.url}/_mock/faults", data=fault, method="POST",
                                                      headers={"Content-Type": "application/json"}), timeout=30)

        def call(path: str) -> None:
            request = urllib.request.Request(f"{served.url}/api/v1/accounts/1{path}",
                                             headers={"api_access_token": "demo-admin-token"})
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()

        done: list[float] = []
        delayed = threading.Thread(target=lambda: (call("/inboxes/1"), done.append(time.perf_counter())))
        started = time.perf_counter()
        delayed.start()
        time.sleep(0.2)  # the delayed call is waiting by now
        others_began = time.perf_counter()
        for _ in range(10):
            call("/inboxes")
        figures["ten_others_s"] = time.perf_counter() - others_began
        delayed.join(timeout=30)
        figures["delayed_s"] = done[0] - started if done else None
    return figures


def pipeline_figures(document: dict[str, Any], label: str, post_calls: int) -> dict[str, float]:
    account_id, token = admin_of(document)
    headers = {"api_access_token": token}
    inbox_id = next(i["id"] for i in document["inboxes"] if i["account_id"] == account_id)
    one, many = f"/api/v1/accounts/{account_id}/inboxes/{inbox_id}", f"/api/v1/accounts/{account_id}/inboxes"
    figures = {}
    for with_file in (False, True):
        with tempfile.TemporaryDirectory() as directory:
            state_file = Path(directory) / "state.json" if with_file else None
            client = create_app(build_store(document), state_file=state_file).test_client()

            def get(c: Any = client) -> None:
                assert c.get(one, headers=headers).status_code == 200

            def post(c: Any = client) -> None:
                assert c.post(many, headers=headers, data=CREATE, content_type="application/json").status_code == 200

            suffix = "with_state_file" if with_file else "without_state_file"
            figures[f"{label}_get_us_{suffix}"] = median_us(get, 1000)
            figures[f"{label}_post_us_{suffix}"] = median_us(post, post_calls, warmup=3)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inboxes", type=int, default=10_000)
    parser.add_argument("--skip-served", action="store_true")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()
    started = time.perf_counter()
    results: dict[str, Any] = {"python": platform.python_version()}

    large = generate("large", inboxes=args.inboxes)
    for name, document, resets, builds in (("demo", demo_document(), 2000, 50), ("large", large, 3, 2)):
        results[f"reset_{name}"] = reset = reset_figures(document, resets, builds)
        print(f"Reset ({name} set, {len(document['inboxes']):,} inboxes): {reset['reset_ms']:.3f} ms wall, "
              f"{reset['reset_cpu_ms']:.3f} ms CPU, median of {resets:,}; building the store from the document "
              f"instead: {reset['build_from_document_ms']:.2f} ms wall, {reset['build_from_document_cpu_ms']:.2f} ms "
              f"CPU; a new app: {reset['create_app_ms']:.2f} ms wall, {reset['create_app_cpu_ms']:.2f} ms CPU; "
              f"median of {builds}; snapshot {reset['snapshot_bytes']:,} bytes")

    results["journal"] = journal = journal_figures()
    print(f"Journal after 100,000 requests: {journal['default_1000_bytes'] / 1024:.0f} KiB with the default size "
          f"(1,000 entries); {journal['size_100000_bytes'] / 1048576:.1f} MiB with room for all 100,000 "
          f"({journal['size_100000_bytes'] / 100_000:.0f} bytes an entry); "
          f"{journal['default_1000_long_paths_and_errors_bytes'] / 1024:.0f} KiB for 1,000 entries with 100 kB "
          f"paths and 50 complaints of 5 kB each (capped); "
          f"{journal['default_1000_with_100kb_bodies_bytes'] / 1024:.0f} KiB for 1,000 entries with 100 kB bodies "
          f"(cut at 4,096 characters)")

    results["pipeline"] = pipeline = {**pipeline_figures(demo_document(), "demo", 300),
                                      **pipeline_figures(large, "large", 20)}
    print("In-process pipeline (median µs): "
          + ", ".join(f"{name} {value:,.0f}" for name, value in pipeline.items()))

    if not args.skip_served:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "large.json"
            path.write_text(json.dumps(large))
            results["served"] = served = served_rss(large, path, args.inboxes)
            print(f"Served mock holding {served['inboxes']:,} inboxes: worker RSS {served['worker_rss_mib']} MiB "
                  f"(granian supervisor {served['arbiter_rss_mib']} MiB)")
            results["served_control"] = control = served_load_and_latency(path)
        print(f"Served demo: PUT /_mock/state with the {args.inboxes:,}-inbox document "
              f"({control['put_state_mb']:.1f} MB) answered in {control['put_state_s']:.2f} s; "
              f"with a 2 s fault on getInbox waiting, ten listInboxes calls took {control['ten_others_s']:.3f} s "
              f"in all (the delayed call: {control['delayed_s']:.2f} s)")

    print(f"Total runtime: {time.perf_counter() - started:.1f} s (python {results['python']}, load average "
          f"{os.getloadavg()[0]:.1f}); figures from a shared machine are noisy")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
