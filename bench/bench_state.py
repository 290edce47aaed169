"""At-scale state figures (issue 10, state part), in process: listing an account's inboxes of the
`large` set, a write with and without --state-file at demo and large size, reset, loading 10,000
inboxes, and the served process's RSS with them. Prints figures; asserts nothing.

    .venv/bin/python bench/bench_state.py [--inboxes 10000] [--repeat 30] [--no-served]
"""

from __future__ import annotations

import argparse
import collections
import copy
import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from mockserver import Profile, build_store, create_app, demo_document
from mockserver.state.fixture_sets import load
from mockserver.testing.served import ServedMock
from mockserver.web.app import RUNTIME_KEY


def p50_ms(samples: list[float]) -> str:
    return f"p50 {statistics.median(samples) * 1000:8.2f} ms  (min {min(samples) * 1000:.2f}, " \
           f"max {max(samples) * 1000:.2f}, n={len(samples)})"


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inboxes", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--no-served", action="store_true")
    args = parser.parse_args()

    start = time.perf_counter()
    large = load("large", seed=1, inboxes=args.inboxes)
    print(f"large set generated: {len(large['inboxes'])} inboxes in {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    store = build_store(copy.deepcopy(large), Profile.DOCS)
    print(f"loaded (document -> store):        {time.perf_counter() - start:8.2f} s")

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
          f"then {p50_ms(timed(lambda: client.get(url, headers=headers), args.repeat))}")

    for name, document in (("demo", demo_document()), (f"large ({args.inboxes})", large)):
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "state"
            persisted = create_app(build_store(copy.deepcopy(document), Profile.DOCS), state_file=target)
            plain = create_app(build_store(copy.deepcopy(document), Profile.DOCS))
            first_inbox = document["inboxes"][0]
            account = first_inbox["account_id"]
            write_headers = {"api_access_token": admin_token(document, account)}
            patch_url = f"/api/v1/accounts/{account}/inboxes/{first_inbox['id']}"
            for label, served_app in (("no state file", plain), ("--state-file", persisted)):
                writer = served_app.test_client()
                samples = timed(lambda w=writer, u=patch_url, h=write_headers: w.patch(
                    u, headers=h, json={"greeting_message": "x"}), max(5, args.repeat // 3))
                print(f"PATCH, {name:16} {label:14} {p50_ms(samples)}")

    demo_app = create_app(build_store(demo_document(), Profile.DOCS))
    runtime = demo_app.extensions[RUNTIME_KEY]
    print(f"reset (demo):                      {p50_ms(timed(runtime.reset, args.repeat * 10))}")

    if not args.no_served:
        with tempfile.TemporaryDirectory() as folder:
            fixtures = Path(folder) / "large.json"
            fixtures.write_text(json.dumps(large))
            start = time.perf_counter()
            with ServedMock("--fixtures", str(fixtures)) as served:
                startup = time.perf_counter() - start
                request = urllib.request.Request(f"{served.url}{url}", headers=headers)
                for _ in range(3):
                    urllib.request.urlopen(request, timeout=60).read()
                status = Path(f"/proc/{served.process.pid}/status").read_text()
                rss = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS"))
                print(f"served, {len(large['inboxes'])} inboxes: started in {startup:.2f} s; "
                      f"RSS after 3 lists {int(rss) / 1024:.0f} MB")


if __name__ == "__main__":
    main()
