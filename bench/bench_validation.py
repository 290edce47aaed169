"""What request validation costs: the compiled validators (jsonschema-rs) against openapi-core.

In the same run, interleaved in blocks so that a busy machine slows both alike:
- the validator alone, per body (the create and update bodies of the four hot calls);
- a whole in-process request (Flask's test client, no socket) with each engine: POST create and
  PATCH, p50 and p99 in µs, and the ratio between the engines; GET show and GET list of the demo,
  which no engine checks (no body), once;
- what openapi-core's check of a GET would cost if it were made (it was, before bodies alone were
  checked): its p50 on GET show, and its share of the whole request.
The issue's in-process targets are printed next to them (they need the edge's and the store's
parts too; validation is only one step of a request).

    .venv/bin/python bench/bench_validation.py [--calls 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from mockserver import create_app, resources
from mockserver.web.validation import IncomingRequest, OpenAPICoreValidator, compiled_request_validator

TOKEN = "demo-admin-token"
BASE = "/api/v1/accounts/1/inboxes"
CREATE = {"name": "Bench", "channel": {"type": "api", "webhook_url": "https://bench.example/hook"}}
WIDGET = {"name": "Bench widget", "greeting_message": "Hi", "timezone": "Europe/Berlin",
          "channel": {"type": "web_widget", "website_url": "https://bench.example", "widget_color": "#1f93ff"}}
UPDATE = {"name": "Renamed", "greeting_enabled": True, "working_hours": [{"day_of_week": 1, "open_hour": 9}]}
#: (label, method, path, body, target p50 in µs from issue 10)
CALLS = (
    ("GET show", "GET", BASE + "/1", None, 80),
    ("GET list (demo)", "GET", BASE, None, 120),
    ("POST create (api)", "POST", BASE, CREATE, 200),
    ("PATCH", "PATCH", BASE + "/1", UPDATE, 200),
)


def timed(call: Callable[[], Any], count: int) -> list[float]:
    out = []
    for _ in range(count):
        began = time.perf_counter()
        call()
        out.append((time.perf_counter() - began) * 1e6)
    return out


def validator_only(calls: int, rounds: int) -> None:
    spec = resources.load_spec()
    engines = {"compiled": compiled_request_validator(spec), "openapi-core": OpenAPICoreValidator(spec)}
    print("\nThe validator alone, per body (µs, p50):")
    print(f"{'body':<22} {'compiled':>10} {'openapi-core':>13} {'ratio':>7}")
    for label, method, path_pattern, body in (("create (api)", "POST", BASE, CREATE),
                                              ("create (web widget)", "POST", BASE, WIDGET),
                                              ("update", "PATCH", BASE + "/{id}", UPDATE)):
        request = IncomingRequest(
            method=method, path=BASE, path_pattern=path_pattern.replace(BASE, "/api/v1/accounts/{account_id}/inboxes"),
            path_params={"account_id": "1", "id": "1"}, content_type="application/json",
            body=json.dumps(body).encode(), parsed=(body,), headers={"api_access_token": TOKEN})
        samples: dict[str, list[float]] = {name: [] for name in engines}
        for _ in range(rounds):
            for name, engine in engines.items():
                engine.validate(request)  # warm (openapi-core builds its validators lazily)
                samples[name] += timed(lambda engine=engine, request=request: engine.validate(request),
                                       max(1, calls // rounds))
        fast, slow = (statistics.median(samples[n]) for n in engines)
        print(f"{label:<22} {fast:>10.1f} {slow:>13.1f} {slow / fast:>6.0f}x")


def whole_requests(calls: int, rounds: int) -> dict[str, float]:
    """p50 per call label (the compiled engine's, or the only one for a GET)."""
    spec = resources.load_spec()
    engines = {"compiled": None, "openapi-core": OpenAPICoreValidator(spec)}
    print("\nA whole in-process request (Flask test client), µs:")
    print(f"{'call':<20} {'compiled p50':>12} {'p99':>7} {'openapi-core p50':>17} {'p99':>7} {'ratio':>6} "
          f"{'target':>7}")
    p50s = {}
    for label, method, path, body, target in CALLS:
        # A GET has no body: neither engine is called, so it is measured once.
        here = engines if body is not None else {"compiled": None}
        samples: dict[str, list[float]] = {name: [] for name in here}
        for _ in range(rounds):
            for name, engine in here.items():
                # A fresh demo app per block: a POST run must not grow the state it measures.
                call = _caller(create_app(validator=engine).test_client(), label, method, path, body)
                for _ in range(20):
                    call()
                samples[name] += timed(call, max(1, calls // rounds))
        row = []
        for name in here:
            ordered = sorted(samples[name])
            row += [statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]]
        p50s[label] = row[0]
        if body is None:
            print(f"{label:<20} {row[0]:>12.0f} {row[1]:>7.0f} {'(no body: not validated)':>32} {target:>7}")
        else:
            print(f"{label:<20} {row[0]:>12.0f} {row[1]:>7.0f} {row[2]:>17.0f} {row[3]:>7.0f} "
                  f"{row[2] / row[0]:>5.1f}x {target:>7}")
    return p50s


def unvalidated_get(calls: int, get_show_p50: float) -> None:
    """What openapi-core's check of GET show would add, were a body-less request still checked."""
    engine = OpenAPICoreValidator(resources.load_spec())
    request = IncomingRequest(method="GET", path=BASE + "/1", path_pattern="/api/v1/accounts/{account_id}/inboxes/{id}",
                              path_params={"account_id": "1", "id": "1"}, headers={"api_access_token": TOKEN})
    engine.validate(request)  # warm
    check = statistics.median(timed(lambda: engine.validate(request), calls))
    print(f"\nopenapi-core's check of GET show, were it made: {check:.0f} µs p50, "
          f"{check / (check + get_show_p50):.0%} of such a GET ({get_show_p50:.0f} µs without it)")


def _caller(client: Any, label: str, method: str, path: str, body: Any) -> Callable[[], None]:
    headers = {"api_access_token": TOKEN}

    def call() -> None:
        response = client.open(path, method=method, headers=headers, json=body)
        assert 200 <= response.status_code < 300, (label, response.status_code, response.get_json())

    return call


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1_000, help="timed calls per engine and row")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved blocks per engine and row")
    args = parser.parse_args(argv)
    began = time.monotonic()
    validator_only(args.calls, args.rounds)
    p50s = whole_requests(args.calls, args.rounds)
    unvalidated_get(args.calls, p50s["GET show"])
    print(f"\nTotal runtime: {time.monotonic() - began:.1f} s (load average {os.getloadavg()[0]:.1f}); "
          f"{args.calls} timed calls per engine and row in {args.rounds} interleaved rounds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
