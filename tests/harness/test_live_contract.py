"""`chatwoot-mock contract` against the mock served in a second process (a real socket, as against a
deployment): read-only and writing runs pass, a writing run leaves the pre-existing inboxes exactly as
they were and none of its own behind, the target's problems get one clear line and their own exit code,
and an interrupted run still cleans up.

Budgets are small (a few seconds of Schemathesis per run); `make contract-live` runs a real one.
"""

from __future__ import annotations

import io
import re
import signal
import socket
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator

import pytest
import requests
from conftest import ADMIN, AGENT

from mockserver.harness import contract
from mockserver.harness.contract import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_UNREACHABLE,
    EXIT_UNSAFE,
    LiveOptions,
    Sandbox,
    live_spec,
    parse_junit,
    run,
)
from mockserver.harness.report import ReportCutShort, RunReport, write_junit
from mockserver.resources import load_spec
from mockserver.testing.served import ServedMock, child_env

HTTP_TIMEOUT = 10
DEMO_INBOXES = [1, 2, 3, 4, 5, 6]  # fixtures/demo.json, account 1


@pytest.fixture(scope="module")
def served() -> Iterator[ServedMock]:
    with ServedMock("--validate-responses", "--access-log") as server:  # the interrupt test reads its log
        yield server


def api(served: ServedMock, path: str) -> str:
    return f"{served.url}/api/v1/accounts/1{path}"


def snapshot(served: ServedMock) -> dict[str, bytes]:
    """Every answer about the demo's inboxes, byte for byte."""
    paths = ["/inboxes", "/agent_bots"]
    for inbox in DEMO_INBOXES:
        paths += [f"/inboxes/{inbox}", f"/inbox_members/{inbox}", f"/inboxes/{inbox}/agent_bot",
                  f"/inboxes/{inbox}/campaigns", f"/inboxes/{inbox}/assignable_agents"]
    answers = {}
    for path in paths:
        response = requests.get(api(served, path), headers={"api_access_token": ADMIN}, timeout=HTTP_TIMEOUT)
        assert response.status_code == 200, (path, response.text)
        answers[path] = response.content
    return answers


def listed_names(served: ServedMock) -> list[str]:
    response = requests.get(api(served, "/inboxes"), headers={"api_access_token": ADMIN}, timeout=HTTP_TIMEOUT)
    return [inbox["name"] for inbox in response.json()["payload"]]


def options(served: ServedMock, **overrides) -> LiveOptions:
    settings = {"base_url": served.url, "token": ADMIN, "account_id": 1, "rate_limit": 0, "max_time": 6,
                "max_examples": 3, "seed": 1}
    return LiveOptions(**{**settings, **overrides})


def test_read_only_run_passes_and_writes_a_junit_report(served, tmp_path):
    before = snapshot(served)
    out, err = io.StringIO(), io.StringIO()
    junit = tmp_path / "report.xml"
    code = run(options(served, junit=str(junit), phases=("examples", "fuzzing")), out=out, err=err)
    summary = out.getvalue()
    assert code == EXIT_OK, summary + err.getvalue()
    assert "GET /api/v1/accounts/1/inboxes/{id}" in summary and "FAIL" not in summary
    assert "read-only" in summary and "0 requests refused" in summary
    root = ElementTree.parse(junit).getroot()
    names = [case.get("name") for case in root.iter("testcase")]
    assert "GET /api/v1/accounts/1/inboxes" in names
    assert "harness: cleanup removed every created inbox" in names
    assert not any(method in name for name in names for method in ("POST ", "PATCH ", "DELETE "))
    assert root.get("failures") == "0" and root.get("errors") == "0"
    assert snapshot(served) == before


def test_run_with_writes_leaves_the_demo_unchanged_and_nothing_behind(served, tmp_path):
    before = snapshot(served)
    out = io.StringIO()
    junit = tmp_path / "report.xml"
    # A budget, not a duration: with --max-examples 3 the run ends long before it on a quiet machine, and a
    # busy one (two cores shared by a whole team's test suites) still reaches every operation.
    code = run(options(served, allow_writes=True, junit=str(junit), max_time=60), out=out, err=out)
    summary = out.getvalue()
    assert code == EXIT_OK, summary
    # The writing operations were tested, each on the run's own sandbox inboxes.
    for operation in ("POST /api/v1/accounts/1/inboxes", "DELETE /api/v1/accounts/1/inbox_members",
                      "POST /api/v1/accounts/1/inbox_members", "Stateful tests"):
        assert f"PASS  {operation}" in summary, summary
    assert "PATCH /api/v1/accounts/1/inboxes/" in summary
    assert "0 requests refused" in summary and "LEFT BEHIND" not in summary
    prefix = summary.split("prefix ")[1].split(")")[0]
    assert prefix.startswith("cwmock-")
    assert f"'{prefix}sandbox'" in summary  # the summary lists what it created
    assert snapshot(served) == before
    assert not [name for name in listed_names(served) if name.startswith("cwmock-")]
    assert ElementTree.parse(junit).getroot().get("failures") == "0"


def test_live_spec_keeps_writes_on_the_sandbox():
    spec = live_spec(load_spec(), 7, [1, 2], Sandbox(work=40, doomed=41), "cwmock-x-")
    writes = {(path, method) for path, item in spec["paths"].items() for method in item if method != "get"}
    assert writes == {
        ("/api/v1/accounts/7/inboxes", "post"), ("/api/v1/accounts/7/inboxes/40", "patch"),
        ("/api/v1/accounts/7/inboxes/40", "put"), ("/api/v1/accounts/7/inboxes/{id}", "delete"),
        ("/api/v1/accounts/7/inboxes/40/set_agent_bot", "post"), ("/api/v1/accounts/7/inboxes/40/avatar", "delete"),
        ("/api/v1/accounts/7/inboxes/40/sync_templates", "post"), ("/api/v1/accounts/7/inbox_members", "post"),
        ("/api/v1/accounts/7/inbox_members", "patch"), ("/api/v1/accounts/7/inbox_members", "delete"),
    }
    delete = spec["paths"]["/api/v1/accounts/7/inboxes/{id}"]["delete"]
    assert delete["parameters"] == [{"name": "id", "in": "path", "required": True,
                                     "schema": {"type": "integer", "enum": [41]}}]
    links = spec["paths"]["/api/v1/accounts/7/inboxes"]["post"]["responses"]["200"]["links"]
    assert links["deleteInbox"]["parameters"] == {"id": "$response.body#/id"}
    members = spec["paths"]["/api/v1/accounts/7/inbox_members"]["post"]["requestBody"]["content"]
    pinned = members["application/json"]["schema"]["allOf"][1]
    assert pinned == {"required": ["inbox_id"], "properties": {"inbox_id": {"type": "integer", "enum": [40]}}}
    read_only = live_spec(load_spec(), 7, [1, 2], None, "cwmock-x-")
    assert {m for item in read_only["paths"].values() for m in item} == {"get"}
    get_inbox = read_only["paths"]["/api/v1/accounts/7/inboxes/{id}"]["get"]
    assert get_inbox["parameters"][0]["schema"] == {"type": "integer", "enum": [1, 2]}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_unreachable_target_is_one_line_and_exit_3():
    err = io.StringIO()
    code = run(LiveOptions(base_url=f"http://127.0.0.1:{free_port()}", token=ADMIN, account_id=1), out=err, err=err)
    assert code == EXIT_UNREACHABLE
    lines = err.getvalue().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("chatwoot-mock contract: cannot reach http://127.0.0.1:")


def test_refused_token_is_one_line_and_exit_4(served):
    err = io.StringIO()
    code = run(options(served, token="not-a-token"), out=err, err=err)
    assert code == EXIT_REFUSED
    assert err.getvalue().strip() == (f"chatwoot-mock contract: {served.url} refused the token (401 on GET "
                                      "/api/v1/accounts/1/inboxes); check the token and that its user belongs "
                                      "to account 1")
    err = io.StringIO()
    assert run(options(served, account_id=999), out=err, err=err) == EXIT_REFUSED
    assert "has no account 999" in err.getvalue()
    err = io.StringIO()
    assert run(options(served, token=AGENT, allow_writes=True), out=err, err=err) == EXIT_REFUSED
    assert err.getvalue().strip().endswith("--allow-writes needs an administrator's token")


def test_an_interrupted_run_still_cleans_up(served):
    command = [sys.executable, "-m", "mockserver.cli", "contract", "--base-url", served.url, "--token", ADMIN,
               "--account", "1", "--allow-writes", "--rate-limit", "0", "--max-time", "60", "--seed", "2"]
    child = subprocess.Popen(command, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert child.stdout is not None
    first = child.stdout.readline()
    assert "created sandbox inboxes" in first, first
    # Wait until Schemathesis is under way: inboxes of its own created (beyond the two sandboxes).
    creates_before = sum(1 for line in served.output() if '"POST /api/v1/accounts/1/inboxes HTTP' in line)
    served.wait_for(lambda lines: sum(1 for line in lines if '"POST /api/v1/accounts/1/inboxes HTTP' in line)
                    >= creates_before + 1, timeout=30)
    # ...and far enough for Schemathesis to have finished an operation (it reports them as they end).
    logged = len(served.output())
    served.wait_for(lambda lines: len(lines) >= logged + 40, timeout=60)
    child.send_signal(signal.SIGTERM)
    rest, _ = child.communicate(timeout=60)
    assert child.returncode == EXIT_INTERRUPTED, first + rest
    assert "interrupted" in rest and "LEFT BEHIND" not in rest
    assert not [name for name in listed_names(served) if name.startswith("cwmock-")]
    # The partial results survive: Schemathesis was asked to stop and report what it had tested.
    assert re.search(r"^  (PASS|FAIL)  (GET|POST|PATCH|PUT|DELETE) /api/v1/accounts/1/", rest, re.M), rest
    assert "(stopped: interrupted)" in rest
    assert re.search(r"^  \d+ requests answered: \d+ x 200", rest, re.M), rest


def test_a_drifted_target_fails_and_what_it_keeps_is_reported_left_behind(tmp_path):
    # Two of the drift switches (mockserver/web/drift.py): the list not wrapped in `payload`, and a delete
    # that answers 200 but keeps the inbox, which cleanup must then find and report.
    with ServedMock("--drift", "list_not_wrapped", "--drift", "delete_keeps_inbox") as drifted:
        out = io.StringIO()
        junit = tmp_path / "report.xml"
        code = run(options(drifted, allow_writes=True, phases=("fuzzing",), max_time=60, junit=str(junit)),
                   out=out, err=out)
    summary = out.getvalue()
    assert code == EXIT_UNSAFE, summary
    assert "FAIL  GET /api/v1/accounts/1/inboxes\n        ST108 Response violates schema: " in summary
    assert "LEFT BEHIND (delete them by hand): " in summary
    failed = {case.get("name") for case in ElementTree.parse(junit).getroot().iter("testcase")
              if case.find("failure") is not None}
    assert failed == {"GET /api/v1/accounts/1/inboxes", "harness: cleanup removed every created inbox"}


STATEFUL_FAILURE = """<?xml version="1.0" encoding="utf-8"?>
<testsuites errors="0" failures="1" skipped="0" tests="2" time="1.0">
  <testsuite name="schemathesis" hostname="vm" errors="0" failures="1" skipped="0" tests="2" time="1.0">
    <testcase name="GET /api/v1/accounts/1/inboxes" time="0.1" />
    <testcase name="Stateful tests" time="0.9">
      <failure type="failure" message="ST301">1. Test Case ID: PmoLcH

- ST301 Deleted resource still available

    The API did not return a `HTTP 404 Not Found` response (got `HTTP 200 OK`) for a resource that was \
previously deleted.

[200] OK:

    `{}`

Reproduce with:

    curl -X POST -H 'api_access_token: [Filtered]' -H 'Content-Type: application/json' \
-d '{"name": "cwmock-00e0e594-e9", "channel": {"type": "api"}}' http://127.0.0.1:41911/api/v1/accounts/1/inboxes
    curl -X DELETE -H 'api_access_token: [Filtered]' http://127.0.0.1:41911/api/v1/accounts/1/inboxes/14
    curl -X GET -H 'api_access_token: [Filtered]' http://127.0.0.1:41911/api/v1/accounts/1/inboxes/14</failure>
    </testcase>
  </testsuite>
</testsuites>
"""


def test_schemathesis_report_becomes_one_result_per_operation(tmp_path):
    # An excerpt of a real report (Schemathesis 4.32.5 against `serve --drift delete_keeps_inbox`).
    report = tmp_path / "junit.xml"
    report.write_text(STATEFUL_FAILURE, encoding="utf-8")
    passed, stateful = parse_junit(report, "http://127.0.0.1:41911", "https://chat.example.com")
    assert (passed.name, passed.passed) == ("GET /api/v1/accounts/1/inboxes", True)
    assert (stateful.name, stateful.passed) == ("Stateful tests", False)
    assert stateful.problem == ("ST301 Deleted resource still available: The API did not return a `HTTP 404 Not "
                                "Found` response (got `HTTP 200 OK`) for a resource that was previously deleted.")
    assert stateful.curl.splitlines() == [
        "curl -X POST -H \"api_access_token: $CHATWOOT_API_TOKEN\" -H 'Content-Type: application/json' -d "
        "'{\"name\": \"cwmock-00e0e594-e9\", \"channel\": {\"type\": \"api\"}}' "
        "https://chat.example.com/api/v1/accounts/1/inboxes",
        "curl -X DELETE -H \"api_access_token: $CHATWOOT_API_TOKEN\" https://chat.example.com/api/v1/accounts/1/inboxes/14",
        "curl -X GET -H \"api_access_token: $CHATWOOT_API_TOKEN\" https://chat.example.com/api/v1/accounts/1/inboxes/14",
    ]


def test_a_report_cut_short_is_said_not_a_crash(tmp_path):
    report = tmp_path / "junit.xml"
    report.write_text(STATEFUL_FAILURE[:400], encoding="utf-8")  # Schemathesis stopped mid-write
    with pytest.raises(ReportCutShort, match="stopped before it had written it"):
        parse_junit(report, "http://127.0.0.1:41911", "https://chat.example.com")
    ours = tmp_path / "ours.xml"
    write_junit(RunReport(error="cut short"), ours, report, "http://127.0.0.1:41911", "https://chat.example.com")
    cases = {case.get("name"): case for case in ElementTree.parse(ours).getroot().iter("testcase")}
    assert sorted(cases) == ["harness: authenticated requests were accepted",
                             "harness: cleanup removed every created inbox",
                             "harness: schemathesis ran to the end", "harness: write guard refused nothing"]
    assert cases["harness: schemathesis ran to the end"].find("failure").text == "cut short"


def test_an_interrupted_run_whose_report_was_cut_short_exits_as_interrupted(served, monkeypatch, tmp_path):
    # On a loaded machine Schemathesis was once stopped before writing its report: an empty file.
    def stopped_mid_write(spec, options, workdir, relay_url, report, client):
        (workdir / "reports").mkdir()
        (workdir / "reports" / "junit.xml").write_text("", encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr(contract, "_run_schemathesis", stopped_mid_write)
    out = io.StringIO()
    code = run(options(served, allow_writes=True, junit=str(tmp_path / "run.xml")), out=out, err=out)
    assert code == EXIT_INTERRUPTED, out.getvalue()
    assert "error: Schemathesis's report is cut short" in out.getvalue()
    assert not [name for name in listed_names(served) if name.startswith("cwmock-")]
    assert (tmp_path / "run.xml").exists()
