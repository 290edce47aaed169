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

import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from mockserver.harness.guarded_client import GuardedClient, OwnedRecords, RateLimiter, WriteGuard, new_run_prefix
from mockserver.harness.lifecycle import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_UNREACHABLE,
    EXIT_UNSAFE,
    EXIT_USAGE,
    Interrupted,
    cleanup,
    probe,
    signals_as_exceptions,
    signals_ignored,
)
from mockserver.harness.live_spec import (
    POSITIVE_ACCEPTED,
    Sandbox,
    live_spec,
    operation_labels,
    positive_only,
    schemathesis_config,
)
from mockserver.harness.progress import progress_bar
from mockserver.harness.relay import relay
from mockserver.harness.report import (
    OperationResult,
    ReportCutShort,
    RunReport,
    parse_junit,
    print_summary,
    write_junit,
)
from mockserver.harness.transport import Connection
from mockserver.resources import load_spec

__all__ = ["EXIT_FAILED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_REFUSED", "EXIT_UNREACHABLE", "EXIT_UNSAFE",
           "POSITIVE_ACCEPTED", "LiveOptions", "Sandbox", "live_spec", "parse_junit", "run"]

# Checks that cannot run against a deployment: `unsupported_method` sends methods the spec does not
# list (a POST to /agent_bots creates an agent bot in Chatwoot); `object_level_authorization` needs a
# second user's token.
LIVE_EXCLUDED_CHECKS = ("unsupported_method", "object_level_authorization")
ALL_PHASES = ("examples", "coverage", "fuzzing", "stateful")
# Coverage is left out by default: it sends every boundary case of every operation (a hundred and more
# each), which at a gentle rate against a deployment outlasts any sensible budget. `--phases` adds it.
DEFAULT_PHASES = ("examples", "fuzzing", "stateful")
SANDBOX_BODY = {"channel": {"type": "api"}}
#: Seconds Schemathesis gets to stop after SIGINT (then SIGTERM, as long again, then SIGKILL).
STOP_GRACE_S = 30


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
    connection: Connection = field(default_factory=Connection)
    progress: bool | None = None  # None: a bar on a terminal only


def run(options: LiveOptions, *, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    if importlib.util.find_spec("schemathesis") is None:
        print("chatwoot-mock contract: Schemathesis is not installed; install the extra: "
              "pip install 'chatwoot-inbox-mock[contract]'", file=err)
        return EXIT_USAGE
    prefix = new_run_prefix()
    owned = OwnedRecords(prefix)
    guard = WriteGuard(options.account_id, owned, allow_writes=options.allow_writes)
    client = GuardedClient(options.base_url, options.token, guard, RateLimiter(options.rate_limit),
                           connection=options.connection)
    with client:
        code, message, inboxes = probe(client, options.account_id)
        if code != EXIT_OK:
            print(f"chatwoot-mock contract: {message}", file=err)
            return code
        return _run(options, client, owned, inboxes, out, err)


def _run(options: LiveOptions, client: GuardedClient, owned: OwnedRecords, inboxes: list[dict], out: TextIO,
         err: TextIO) -> int:
    """The run after a successful probe (the module's docstring, steps 2-6)."""
    prefix = owned.prefix

    report = RunReport()
    relay_url = ""
    spec: dict = {"paths": {}}
    with tempfile.TemporaryDirectory(prefix="cwmock-contract-") as workdir, signals_as_exceptions():
        st_junit = Path(workdir) / "reports" / "junit.xml"
        try:
            sandbox = _create_sandbox(client, options.account_id, prefix, out) if options.allow_writes else None
            read_ids = sorted(i["id"] for i in inboxes if isinstance(i.get("id"), int))[:options.read_ids]
            spec = live_spec(load_spec(), options.account_id, read_ids, sandbox, prefix)
            with relay(client) as server:
                relay_url = server.url
                _run_schemathesis(spec, options, Path(workdir), server.url, report, client)
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
        report.statuses = dict(client.statuses)
        if st_junit.exists():
            try:
                report.operations = parse_junit(st_junit, relay_url, options.base_url)
            except ReportCutShort as cut:
                report.error = report.error or str(cut)
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
                      client: GuardedClient) -> None:
    """`st run` in a child process until it ends, its time budget is overrun, or this process is
    interrupted: then the child gets SIGINT first, so that it writes its reports with what it found so
    far (the partial results the summary shows), and is killed only if it does not stop."""
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
    # The child talks to the relay on loopback only: a proxy from the environment would take it elsewhere.
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["CWMOCK_CONTRACT_TOKEN"] = options.token
    env["SCHEMATHESIS_HOOKS"] = "mockserver.harness.live_hooks"
    log = workdir / "schemathesis.log"
    with log.open("w", encoding="utf-8") as log_file:
        # Its own session: a Ctrl-C in the terminal reaches this process, which stops the child itself.
        child = subprocess.Popen(command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=log_file,
                                 stderr=subprocess.STDOUT, start_new_session=True)
        try:
            report.schemathesis_exit = _watch(child, options, client)
        except TimeoutError as overrun:
            report.error = str(overrun)
        finally:
            if child.poll() is None:
                report.schemathesis_exit = _stop(child)
            _read_json_report(json_report, report)
    if report.schemathesis_exit not in (0, 1, None) or not junit.exists():
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-15:]
        report.error = report.error or ("Schemathesis failed to run:\n" + "\n".join(tail))


def _watch(child: subprocess.Popen, options: LiveOptions, client: GuardedClient) -> int | None:
    """Wait for Schemathesis, showing the time spent of its budget and the requests relayed."""
    deadline = time.monotonic() + options.max_time + 120
    with progress_bar(options.progress, total=options.max_time, desc="contract", unit="s",
                      bar_format="{desc}: {percentage:3.0f}%|{bar}| {n}/{total} s of the budget{postfix}") as bar:
        started = time.monotonic()
        while child.poll() is None:
            if time.monotonic() > deadline:
                raise TimeoutError("Schemathesis overran its time budget and was stopped")
            time.sleep(0.25)
            bar.update(min(options.max_time, int(time.monotonic() - started)) - bar.n)
            bar.set_postfix_str(f"{client.sent} requests", refresh=False)
    return child.returncode


def _stop(child: subprocess.Popen) -> int | None:
    child.send_signal(signal.SIGINT)  # Schemathesis stops its run and writes its reports
    for ask in (child.terminate, child.kill):
        try:
            # Generous: on a loaded machine Schemathesis took over 15 s to stop after SIGINT, and a
            # terminated Schemathesis leaves its report empty (no partial results to show).
            return child.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            ask()
    return child.wait()


def _read_json_report(path: Path, report: RunReport) -> None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    report.test_cases = (document.get("test_cases") or {}).get("generated")
    report.stop_reason = document.get("stop_reason")
    report.missing_auth = [str(item) for item in (document.get("warnings") or {}).get("missing_auth") or []]
