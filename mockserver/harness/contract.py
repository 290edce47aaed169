"""`chatwoot-mock contract`: Schemathesis against a live deployment (a real Chatwoot, or anything
that claims to speak its inbox API), without ever touching what the run did not create.

How a run goes:
1. Probe `GET /api/v1/accounts/{id}/inboxes`: unreachable, token refused or unknown account each get one
   clear line and their own exit code, not a wall of failures.
2. With `--allow-writes`, create two sandbox inboxes named with the run's prefix (`cwmock-<hex>-`): one
   for the writing operations, one for `deleteInbox`.
3. Write a copy of the spec for this run (`live_spec`): the account id written into every path; the
   writing operations on an inbox moved to literal paths of the sandbox inboxes (no `{id}` left to
   fuzz); the members operations' `inbox_id` and the create body's `name` pinned to the run's own;
   without `--allow-writes`, only the GET operations.
4. Run `st run` on it against a relay on 127.0.0.1 that forwards to the target through the guarded
   client (`guarded_client`): whatever Schemathesis generates, a write to anything this run did not
   create is refused there and never sent.
5. Always (a failure, an exception, SIGINT or SIGTERM): stop Schemathesis, delete every inbox the run
   created, then every inbox whose name has the prefix, and check that none is left.
6. Print a summary per operation with the first failure and a `curl` line, write the JUnit report.

Why `st run` in a subprocess and not Schemathesis's Python API: the CLI and its config file are the
documented, stable surface of Schemathesis 4 (phases, time budget, JUnit report, seeds), while its
engine API is internal; and a fuzzer in a child process cannot take the cleanup down with it: this
process keeps control of the run's lifetime, can stop the child on a signal or a timeout, and always
cleans up. The relay makes in-process hooks unnecessary: every byte goes through our guard anyway.
Schemathesis is never imported here (only run), so `chatwoot-mock --help` stays fast.
"""

from __future__ import annotations

import copy
import http.server
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from mockserver.harness.guarded_client import (
    HOP_BY_HOP,
    TOKEN_PLACEHOLDER,
    GuardedClient,
    OwnedInboxes,
    RateLimiter,
    Refused,
    Unreachable,
    WriteGuard,
    new_run_prefix,
)
from mockserver.resources import load_spec

EXIT_OK = 0
EXIT_FAILED = 1  # the target broke the contract
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3  # no answer, or not an answer of Chatwoot's inbox API
EXIT_REFUSED = 4  # the token or the account was refused
EXIT_UNSAFE = 5  # cleanup left something behind, or the guard had to refuse a request
EXIT_INTERRUPTED = 130

# Checks that cannot run against a deployment: `unsupported_method` sends methods the spec does not
# list (a POST to /agent_bots creates an agent bot in Chatwoot); `object_level_authorization` needs a
# second user's token.
LIVE_EXCLUDED_CHECKS = ("unsupported_method", "object_level_authorization")
ALL_PHASES = ("examples", "coverage", "fuzzing", "stateful")
# Coverage is left out by default: it sends every boundary case of every operation (a hundred and more
# each), which at a gentle rate against a deployment outlasts any sensible budget. `--phases` adds it.
DEFAULT_PHASES = ("examples", "fuzzing", "stateful")
SANDBOX_BODY = {"channel": {"type": "api"}}
CURL_SHOWN = 400  # characters of a curl line in the summary; fuzzed bodies can be long
MEMBERS_OPERATIONS = ("addInboxMembers", "updateInboxMembers", "removeInboxMembers")
# Operations whose request names an inbox in its body: generated in positive mode only, so that the
# pinned `inbox_id` and `name` are never mutated into another inbox's (the guard refuses those anyway).
POSITIVE_ONLY = ("createInbox", *MEMBERS_OPERATIONS)
# Schemathesis's default for positive_data_acceptance, and the answers that depend on the target's
# state rather than on the request: health and template sync exist for WhatsApp inboxes only (400/422
# elsewhere), an account at its inbox limit answers 402 to any create, and a well-formed user id that
# is no user of the account is 422 `User must exist` (digest §6).
POSITIVE_ACCEPTED = ("2xx", "3xx", "401", "403", "404", "409", "429", "5xx")
STATE_DEPENDENT_STATUSES = {"getInboxHealth": ("400", "422"), "syncInboxTemplates": ("422",),
                            "createInbox": ("402",), **dict.fromkeys(MEMBERS_OPERATIONS, ("422",))}


class Interrupted(Exception):
    """SIGTERM arrived (SIGINT arrives as KeyboardInterrupt)."""


class SandboxRefused(Exception):
    """The target would not create the sandbox inboxes for this token (an agent's, say)."""


@dataclass
class LiveOptions:
    base_url: str
    token: str
    account_id: int
    allow_writes: bool = False
    rate_limit: float = 5.0
    max_time: int = 300
    max_examples: int = 10
    phases: tuple[str, ...] = DEFAULT_PHASES
    seed: int | None = None
    junit: str | None = None
    read_ids: int = 5  # how many existing inboxes the read operations are pinned to


@dataclass
class Sandbox:
    """The inboxes the writing operations act on: `work` for all but `deleteInbox`, which gets `doomed`."""

    work: int
    doomed: int


# ----------------------------------------------------------------------------- the spec copy

def live_spec(spec: dict, account_id: int, read_ids: list[int], sandbox: Sandbox | None, prefix: str) -> dict:
    """The spec for one run (see the module's docstring); `sandbox` None means read-only."""
    spec = copy.deepcopy(spec)
    account_param = "#/components/parameters/AccountId"
    id_enum = sorted(set(read_ids) | ({sandbox.work} if sandbox else set())) or [0]
    paths: dict[str, dict] = {}
    for template, item in spec["paths"].items():
        concrete = template.replace("{account_id}", str(account_id))
        shared = [p for p in item.pop("parameters", []) if p.get("$ref") != account_param]
        for method in [m for m in list(item) if m in ("get", "put", "post", "patch", "delete")]:
            operation = item.pop(method)
            operation["parameters"] = [_pin_path_id(p, id_enum) for p in shared + operation.get("parameters", [])
                                       if p.get("$ref") != account_param]
            for response in operation.get("responses", {}).values():
                response.pop("links", None)
            if method != "get":
                if sandbox is None:
                    continue
                concrete_path = _writing_path(concrete, operation, sandbox)
                _pin_request_body(operation, sandbox, prefix)
            else:
                concrete_path = concrete
            if not operation["parameters"]:
                del operation["parameters"]
            paths.setdefault(concrete_path, {})[method] = operation
    if sandbox is not None:
        _link_create_to_reads(paths, account_id)
    spec["paths"] = paths
    return spec


def _pin_path_id(parameter: dict, id_enum: list[int]) -> dict:
    ref = parameter.get("$ref", "")
    if ref.endswith(("/InboxId", "/InboxMembersInboxId")) or parameter.get("name") == "id":
        name = "inbox_id" if ref.endswith("/InboxMembersInboxId") else "id"
        return {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "enum": id_enum}}
    return parameter


def _writing_path(concrete: str, operation: dict, sandbox: Sandbox) -> str:
    """A writing operation on an inbox gets the sandbox's literal path and loses its `{id}`; except
    `deleteInbox`, whose `{id}` is pinned to the doomed inbox and reached by the link from create, so
    that the stateful phase deletes the run's new inboxes and `use_after_free` can see a delete that
    does not delete (its cases are positive only, and the guard refuses any id the run did not make)."""
    if "{id}" not in concrete:
        return concrete
    if operation.get("operationId") == "deleteInbox":
        operation["parameters"] = [_pin_path_id(p, [sandbox.doomed]) if p.get("name") == "id" else p
                                   for p in operation["parameters"]]
        return concrete
    operation["parameters"] = [p for p in operation["parameters"] if p.get("name") != "id"]
    return concrete.replace("{id}", str(sandbox.work))


def _pin_request_body(operation: dict, sandbox: Sandbox, prefix: str) -> None:
    operation_id = operation.get("operationId")
    if operation_id == "createInbox":
        schema = {"allOf": [
            {"$ref": "#/components/schemas/InboxAttributes"},
            {"type": "object", "required": ["name", "channel"],
             "properties": {"name": {"type": "string", "pattern": f"^{re.escape(prefix)}[a-z0-9]{{1,12}}$"},
                            "channel": {"oneOf": [{"$ref": "#/components/schemas/ApiChannel"},
                                                  {"$ref": "#/components/schemas/WebWidgetChannel"}]}}}]}
    elif operation_id in MEMBERS_OPERATIONS:
        original = operation["requestBody"]["content"]["application/json"]["schema"]
        schema = {"allOf": [original, {"required": ["inbox_id"],
                                       "properties": {"inbox_id": {"type": "integer", "enum": [sandbox.work]}}}]}
    else:
        return
    # JSON only, and no examples: the documents' examples name other inboxes.
    operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}


def _link_create_to_reads(paths: dict[str, dict], account_id: int) -> None:
    """Stateful runs follow create -> the reads of the new inbox (the run's own), and its delete."""
    create = paths.get(f"/api/v1/accounts/{account_id}/inboxes", {}).get("post")
    if create is None:
        return
    links = {}
    for path_item in paths.values():
        for operation in path_item.values():
            names = {p.get("name") for p in operation.get("parameters", [])}
            if operation.get("operationId") and names & {"id", "inbox_id"}:
                name = "id" if "id" in names else "inbox_id"
                links[operation["operationId"]] = {"operationId": operation["operationId"],
                                                   "parameters": {name: "$response.body#/id"}}
    create["responses"]["200"]["links"] = links


def operation_labels(spec: dict) -> list[str]:
    """`METHOD path` of each operation, as Schemathesis names them in its report."""
    return [f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item
            if method in ("get", "put", "post", "patch", "delete")]


def positive_only(spec: dict) -> list[str]:
    """Operations generated in positive mode only: those whose target is pinned to an enum (the path's
    inbox id, the members' `inbox_id`, the create's `name`). A negative case there is "another value
    than the pinned ones", which on a deployment is often a real inbox: Schemathesis would call a 200
    for it a failure (tooling notes §6, pitfall 13), and for a write the guard would refuse it."""
    chosen = set(POSITIVE_ONLY)
    for item in spec["paths"].values():
        for operation in item.values():
            if any("enum" in p.get("schema", {}) for p in operation.get("parameters", [])):
                chosen.add(operation["operationId"])
    return sorted(chosen)


def schemathesis_config(positive: list[str]) -> str:
    """The `schemathesis.toml` of a run (the token comes from the child's environment)."""
    lines = [
        'headers = { api_access_token = "${CWMOCK_CONTRACT_TOKEN}" }',
        "[warnings]",
        # An all-401 run otherwise exits 0 with a warning (tooling notes §6, pitfall 11).
        'fail-on = ["missing_auth"]',
        "[phases.coverage]",
        "unexpected-methods = []",
        "extra-data-sources = { responses = false }",
        "[phases.fuzzing]",
        "extra-data-sources = { responses = false }",
        "[phases.examples]",
        "extra-data-sources = { responses = false }",
        "[phases.stateful]",
        # Only the spec's own links (create -> reads); no inferred ones that could carry other ids.
        "inference = { algorithms = [] }",
    ]
    for operation_id in sorted(set(positive) | set(STATE_DEPENDENT_STATUSES)):
        lines += ["[[operations]]", f"include-operation-id = {json.dumps(operation_id)}"]
        if operation_id in positive:
            lines.append('generation = { mode = "positive" }')
        if extra := STATE_DEPENDENT_STATUSES.get(operation_id):
            statuses = json.dumps([*POSITIVE_ACCEPTED, *extra])
            lines.append(f"checks = {{ positive_data_acceptance = {{ expected-statuses = {statuses} }} }}")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- the relay

class _Relay(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, client: GuardedClient) -> None:
        super().__init__(("127.0.0.1", 0), _RelayHandler)
        self.client = client

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _RelayHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Relay

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _relay(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        try:
            answer = self.server.client.send(self.command, self.path, headers, body)
            status, answer_headers, answer_body = answer.status, answer.headers, answer.body
        except Refused as refusal:
            status, answer_body = 403, json.dumps({"error": f"chatwoot-mock contract guard: {refusal}"}).encode()
            answer_headers = [("Content-Type", "application/json"), ("X-Cwmock-Guard", "refused")]
        except Unreachable as error:
            status, answer_body = 502, json.dumps({"error": str(error)}).encode()
            answer_headers = [("Content-Type", "application/json")]
        self.send_response(status)
        for name, value in answer_headers:
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer_body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer_body)

    def __getattr__(self, name: str):
        # BaseHTTPRequestHandler dispatches on do_<METHOD>: relay every method, even TRACE or QUERY.
        if name.startswith("do_"):
            return self._relay
        raise AttributeError(name)


@contextmanager
def relay(client: GuardedClient) -> Iterator[_Relay]:
    server = _Relay(client)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


# ----------------------------------------------------------------------------- report

@dataclass
class OperationResult:
    name: str
    passed: bool
    tested: bool = True  # False: the time budget ran out before Schemathesis reached it
    problem: str = ""  # the first failure's code, title and message
    curl: str = ""


@dataclass
class RunReport:
    operations: list[OperationResult] = field(default_factory=list)
    test_cases: int | None = None
    stop_reason: str | None = None
    schemathesis_exit: int | None = None
    missing_auth: list[str] = field(default_factory=list)  # operations that saw only 401s
    created: dict[int, str] = field(default_factory=dict)
    removed: list[int] = field(default_factory=list)
    deleted_by_run: list[int] = field(default_factory=list)
    left: list[int] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    interrupted: bool = False
    error: str = ""

    @property
    def failed(self) -> list[OperationResult]:
        return [op for op in self.operations if not op.passed]


_CHECK_LINE = re.compile(r"^- (ST\d+ .*)$")


def parse_junit(path: Path, relay_url: str, base_url: str) -> list[OperationResult]:
    """Schemathesis's JUnit report -> one result per operation, the relay's URL replaced by the target's."""
    results = []
    for case in ElementTree.parse(path).getroot().iter("testcase"):
        problems = [*case.iter("failure"), *case.iter("error")]
        if not problems:
            results.append(OperationResult(case.get("name", "?"), True))
            continue
        text = problems[0].text or problems[0].get("message", "")
        lines = [line.strip() for line in text.replace(relay_url, base_url).splitlines()]
        problem, curl = problems[0].get("message", "failure"), ""
        for index, line in enumerate(lines):
            if found := _CHECK_LINE.match(line):
                detail = next((nxt for nxt in lines[index + 1:] if nxt), "")
                problem = f"{found.group(1)}: {detail}"
                break
        # A stateful failure is reproduced by a sequence of requests: keep every curl line of it.
        curl = "\n".join(line for line in lines if line.startswith("curl "))
        results.append(OperationResult(case.get("name", "?"), False, problem=problem[:300],
                                       curl=_hide_token(curl)))
    return results


def _hide_token(curl: str) -> str:
    return re.sub(r"'(api[_-]access[_-]token): \[Filtered\]'", rf'"\1: {TOKEN_PLACEHOLDER}"', curl)


def write_junit(report: RunReport, path: Path, schemathesis_junit: Path | None, relay_url: str,
                base_url: str) -> None:
    """Schemathesis's report, the relay's URL replaced by the target's, plus the harness's own cases
    (authentication, the guard, cleanup), which Schemathesis's report cannot show."""
    if schemathesis_junit is not None and schemathesis_junit.exists():
        root = ElementTree.parse(schemathesis_junit).getroot()
        for element in root.iter():
            if element.text and relay_url in element.text:
                element.text = _hide_token(element.text.replace(relay_url, base_url))
    else:
        root = ElementTree.Element("testsuites")
        ElementTree.SubElement(root, "testsuite", name="schemathesis")
    suite = root.find("testsuite")
    assert suite is not None

    def harness_case(name: str, failure: str | None) -> None:
        case = ElementTree.SubElement(suite, "testcase", name=f"harness: {name}", time="0")
        if failure:
            ElementTree.SubElement(case, "failure", type="failure", message=failure.splitlines()[0]).text = failure

    harness_case("schemathesis ran to the end",
                 report.error or ("interrupted" if report.interrupted else None))
    harness_case("authenticated requests were accepted",
                 "answered only 401: " + ", ".join(report.missing_auth) if report.missing_auth else None)
    harness_case("write guard refused nothing",
                 "\n".join(report.refusals) if report.refusals else None)
    harness_case("cleanup removed every created inbox",
                 f"left behind: {', '.join(map(str, report.left))}" if report.left else None)
    cases = list(root.iter("testcase"))
    failures = sum(1 for c in cases if c.find("failure") is not None)
    errors = sum(1 for c in cases if c.find("error") is not None)
    for element in (root, suite):
        element.set("tests", str(len(cases)))
        element.set("failures", str(failures))
        element.set("errors", str(errors))
    ElementTree.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def print_summary(report: RunReport, options: LiveOptions, prefix: str, out: TextIO) -> None:
    mode = f"with writes, prefix {prefix}" if options.allow_writes else "read-only"
    print(f"chatwoot-mock contract: {options.base_url} account {options.account_id} ({mode})", file=out)
    for op in report.operations:
        print(f"  {('PASS' if op.passed else 'FAIL') if op.tested else 'SKIP'}  {op.name}"
              f"{'' if op.tested else '  (not reached within --max-time)'}", file=out)
        if not op.passed:
            print(f"        {op.problem}", file=out)
            for line in op.curl.splitlines():
                shown = line if len(line) <= CURL_SHOWN else f"{line[:CURL_SHOWN]} ... (whole line in the JUnit report)"
                print(f"        {shown}", file=out)
    passed = sum(1 for op in report.operations if op.passed and op.tested)
    skipped = sum(1 for op in report.operations if not op.tested)
    cases = "" if report.test_cases is None else f", {report.test_cases} test cases"
    stop = f" (stopped: {report.stop_reason})" if report.stop_reason not in (None, "completed") else ""
    print(f"  {len(report.operations)} operations: {passed} passed, {len(report.failed)} failed, "
          f"{skipped} not reached{cases}{stop}",
          file=out)
    if report.missing_auth:
        print(f"  answered only 401 (the token was not accepted): {', '.join(report.missing_auth)}", file=out)
    if report.error:
        print(f"  error: {report.error}", file=out)
    if report.interrupted:
        print("  interrupted", file=out)
    if options.allow_writes:
        created = ", ".join(f"{i} {n!r}" for i, n in sorted(report.created.items())) or "none"
        print(f"  created {len(report.created)} inboxes: {created}", file=out)
        print(f"  removed {len(report.removed) + len(report.deleted_by_run)}: "
              f"{len(report.deleted_by_run)} by the run's own DELETE, {len(report.removed)} at cleanup", file=out)
        if report.left:
            print(f"  LEFT BEHIND (delete them by hand): {', '.join(map(str, report.left))}", file=out)
    print(f"  guard: {len(report.refusals)} requests refused", file=out)
    for refusal in report.refusals[:5]:
        print(f"        {refusal}", file=out)


# ----------------------------------------------------------------------------- the run

def probe(client: GuardedClient, account_id: int) -> tuple[int, str, list[dict]]:
    """(exit code, message, inboxes): EXIT_OK and the listed inboxes when the target answers like Chatwoot."""
    try:
        answer = client.call("GET", f"/api/v1/accounts/{account_id}/inboxes")
    except Unreachable as error:
        return EXIT_UNREACHABLE, f"cannot reach {client.base_url} ({error.__cause__ or error})", []
    if answer.status in (401, 403):
        return EXIT_REFUSED, (f"{client.base_url} refused the token ({answer.status} on GET /api/v1/accounts/"
                              f"{account_id}/inboxes); check the token and that its user belongs to account "
                              f"{account_id}"), []
    if answer.status == 404:
        return EXIT_REFUSED, (f"{client.base_url} has no account {account_id} for this token (404); "
                              "check --account and --base-url"), []
    document = answer.json()
    # Only "is this a JSON API at all" here: a body of the wrong shape is for the checks to report.
    if answer.status != 200 or document is None:
        return EXIT_UNREACHABLE, (f"{client.base_url} does not answer like Chatwoot's inbox API "
                                  f"(GET .../inboxes: {answer.status} {answer.body[:120]!r})"), []
    return EXIT_OK, "", listed_inboxes(document)


def listed_inboxes(document: object) -> list[dict]:
    """The inboxes of a list answer: under `payload`, or (a target that drifted) a bare array."""
    payload = document.get("payload") if isinstance(document, dict) else document
    return [inbox for inbox in payload if isinstance(inbox, dict)] if isinstance(payload, list) else []


def cleanup(client: GuardedClient, account_id: int, owned: OwnedInboxes, report: RunReport) -> None:
    """Delete what the run created, then whatever carries its prefix; then list what is left."""
    base = f"/api/v1/accounts/{account_id}/inboxes"
    try:
        for inbox in listed_inboxes(client.call("GET", base).json()):
            if str(inbox.get("name", "")).startswith(owned.prefix) and isinstance(inbox.get("id"), int):
                owned.add(inbox["id"], inbox["name"])
    except Unreachable:
        pass
    for inbox_id in sorted(owned.created):
        if inbox_id in owned.deleted:
            report.deleted_by_run.append(inbox_id)
            continue
        try:
            answer = client.call("DELETE", f"{base}/{inbox_id}")
        except (Unreachable, Refused):
            continue
        if answer.status == 200 or answer.status == 404:
            report.removed.append(inbox_id)
    report.created = dict(owned.created)
    try:
        present = {i.get("id"): str(i.get("name", "")) for i in listed_inboxes(client.call("GET", base).json())}
    except Unreachable:
        report.left = [i for i in owned.created if i not in report.removed and i not in report.deleted_by_run]
        return
    report.left = sorted(i for i, name in present.items() if i in owned.created or name.startswith(owned.prefix))
    report.removed = [i for i in report.removed if i not in report.left]


def run(options: LiveOptions, *, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    if importlib.util.find_spec("schemathesis") is None:
        print("chatwoot-mock contract: Schemathesis is not installed; install the extra: "
              "pip install 'chatwoot-inbox-mock[contract]'", file=err)
        return EXIT_USAGE
    prefix = new_run_prefix()
    owned = OwnedInboxes(prefix)
    guard = WriteGuard(options.account_id, owned, allow_writes=options.allow_writes)
    client = GuardedClient(options.base_url, options.token, guard, RateLimiter(options.rate_limit))
    code, message, inboxes = probe(client, options.account_id)
    if code != EXIT_OK:
        print(f"chatwoot-mock contract: {message}", file=err)
        return code

    report = RunReport()
    relay_url = ""
    st_junit: Path | None = None
    spec: dict = {"paths": {}}
    with tempfile.TemporaryDirectory(prefix="cwmock-contract-") as workdir, signals_as_exceptions():
        try:
            sandbox = _create_sandbox(client, options.account_id, prefix, out) if options.allow_writes else None
            read_ids = sorted(i["id"] for i in inboxes if isinstance(i.get("id"), int))[:options.read_ids]
            spec = live_spec(load_spec(), options.account_id, read_ids, sandbox, prefix)
            with relay(client) as server:
                relay_url = server.url
                st_junit = _run_schemathesis(spec, options, Path(workdir), server.url, report, out)
        except (KeyboardInterrupt, Interrupted):
            report.interrupted = True
        except SandboxRefused as refusal:
            print(f"chatwoot-mock contract: {refusal}", file=err)
            return EXIT_REFUSED  # nothing was created (the finally has checked)
        except Exception as error:  # any failure: cleanup below must still run
            report.error = f"{type(error).__name__}: {error}"
        finally:
            with signals_ignored(out):
                if options.allow_writes:
                    cleanup(client, options.account_id, owned, report)
        report.refusals = list(client.refusals)
        if st_junit is not None and st_junit.exists():
            report.operations = parse_junit(st_junit, relay_url, options.base_url)
            reached = {op.name for op in report.operations}
            report.operations += [OperationResult(label, True, tested=False)
                                  for label in operation_labels(spec) if label not in reached]
        if options.junit:
            write_junit(report, Path(options.junit), st_junit, relay_url, options.base_url)
    print_summary(report, options, prefix, out)
    if report.left or report.refusals:
        return EXIT_UNSAFE
    if report.interrupted:
        return EXIT_INTERRUPTED
    if report.error or report.failed or report.missing_auth or report.schemathesis_exit not in (0, None):
        return EXIT_FAILED
    return EXIT_OK


def _create_sandbox(client: GuardedClient, account_id: int, prefix: str, out: TextIO) -> Sandbox:
    ids = []
    for role in ("sandbox", "doomed"):
        answer = client.call("POST", f"/api/v1/accounts/{account_id}/inboxes",
                             json_body={"name": f"{prefix}{role}", **SANDBOX_BODY})
        created = answer.json()
        if answer.status in (401, 403):
            raise SandboxRefused(f"{client.base_url} refused to create an inbox for this token ({answer.status}); "
                                 "--allow-writes needs an administrator's token")
        if answer.status != 200 or not isinstance(created, dict) or not isinstance(created.get("id"), int):
            raise RuntimeError(f"could not create the sandbox inbox {prefix}{role}: "
                               f"{answer.status} {answer.body[:200]!r}")
        ids.append(created["id"])
    print(f"chatwoot-mock contract: created sandbox inboxes {ids[0]} and {ids[1]} (prefix {prefix})",
          file=out, flush=True)
    return Sandbox(work=ids[0], doomed=ids[1])


def _run_schemathesis(spec: dict, options: LiveOptions, workdir: Path, relay_url: str, report: RunReport,
                      out: TextIO) -> Path:
    import yaml

    spec_file, config_file, reports = workdir / "live-spec.yaml", workdir / "schemathesis.toml", workdir / "reports"
    spec_file.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    config_file.write_text(schemathesis_config(positive_only(spec)), encoding="utf-8")
    junit, json_report = reports / "junit.xml", reports / "run.json"
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config_file), "run", str(spec_file),
               "--url", relay_url, "--workers", "1", "--max-examples", str(options.max_examples),
               "--max-time", str(options.max_time), "--phases", ",".join(options.phases),
               "--checks", "all", "--exclude-checks", ",".join(LIVE_EXCLUDED_CHECKS),
               "--generation-database", "none", "--no-color",
               "--report", "junit,json", "--report-dir", str(reports),
               "--report-junit-path", str(junit), "--report-json-path", str(json_report)]
    if options.seed is not None:
        command += ["--seed", str(options.seed)]
    env = {**os.environ, "CWMOCK_CONTRACT_TOKEN": options.token}
    log = workdir / "schemathesis.log"
    with log.open("w", encoding="utf-8") as log_file:
        # Its own session: a Ctrl-C in the terminal reaches this process, which stops the child itself.
        child = subprocess.Popen(command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=log_file,
                                 stderr=subprocess.STDOUT, start_new_session=True)
        try:
            report.schemathesis_exit = child.wait(timeout=options.max_time + 120)
        except subprocess.TimeoutExpired:
            report.error = "Schemathesis overran its time budget and was stopped"
        finally:
            if child.poll() is None:
                child.terminate()
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
    _read_json_report(json_report, report)
    if report.schemathesis_exit not in (0, 1, None) or not junit.exists():
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-15:]
        report.error = report.error or ("Schemathesis failed to run:\n" + "\n".join(tail))
    return junit


def _read_json_report(path: Path, report: RunReport) -> None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    report.test_cases = (document.get("test_cases") or {}).get("generated")
    report.stop_reason = document.get("stop_reason")
    report.missing_auth = [str(item) for item in (document.get("warnings") or {}).get("missing_auth") or []]


@contextmanager
def signals_as_exceptions() -> Iterator[None]:
    """SIGTERM raises Interrupted in the main thread (SIGINT already raises KeyboardInterrupt), so
    that the run's `finally` cleans up."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: object) -> None:
        raise Interrupted()

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def signals_ignored(out: TextIO) -> Iterator[None]:
    """While cleaning up, a second Ctrl-C or SIGTERM does not cut the cleanup short."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_signal(signum: int, frame: object) -> None:
        print("chatwoot-mock contract: cleaning up, please wait", file=out, flush=True)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
