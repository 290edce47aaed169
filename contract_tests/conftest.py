"""Options and bookkeeping of the in-process contract suite (README, "Contract tests (in-process)").

Options (each also an environment variable, so that `make` targets and subprocess runs can set them):
  --contract-budget ci|drift|full        CONTRACT_BUDGET   how many examples (see harness.BUDGETS)
  --contract-drift NAME[,NAME]           CONTRACT_DRIFT    serve the mock with drift switches on
  --contract-token TOKEN                 CONTRACT_TOKEN    the administrator token the suite sends
  --contract-only SUBSTRING              CONTRACT_ONLY     only the tests whose id contains it
  --contract-no-hostile                  CONTRACT_HOSTILE=0 no hostile inputs in negative cases (hostile.py)

Every request the suite sends is counted per operation and status (harness.TALLY); the terminal
summary prints the counts, and the session fails when a run saw no 2xx for an operation that a
valid token reaches (an all-401 run must not pass: tooling notes §6 pitfall 11), and a `full`
run fails when it sent fewer than harness.ROBUSTNESS_REQUESTS requests (it is the robustness figure).
Under pytest-xdist (`make test`) each worker counts its own share and the controller adds them up,
so the guards and the summary judge the whole run as in a serial one.
"""

from __future__ import annotations

import os
import time

import pytest

from contract_tests import harness


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "chatwoot-mock contract suite")
    group.addoption("--contract-budget", default=os.environ.get("CONTRACT_BUDGET", "ci"),
                    choices=sorted(harness.BUDGETS), help="example budget (CONTRACT_BUDGET; default ci)")
    group.addoption("--contract-drift", default=os.environ.get("CONTRACT_DRIFT", ""),
                    help="comma-separated drift switches to serve the mock with (CONTRACT_DRIFT)")
    group.addoption("--contract-token", default=os.environ.get("CONTRACT_TOKEN", harness.ADMIN_TOKEN),
                    help="administrator token the suite sends (CONTRACT_TOKEN)")
    group.addoption("--contract-only", default=os.environ.get("CONTRACT_ONLY", ""),
                    help="run only the contract tests whose id contains this (CONTRACT_ONLY)")
    group.addoption("--contract-no-hostile", dest="contract_hostile", action="store_false",
                    default=os.environ.get("CONTRACT_HOSTILE", "1") != "0",
                    help="negative cases draw no hostile inputs (contract_tests/hostile.py; CONTRACT_HOSTILE=0)")


def pytest_configure(config: pytest.Config) -> None:
    harness.configure(budget=config.getoption("--contract-budget"),
                      drift=config.getoption("--contract-drift"),
                      token=config.getoption("--contract-token"),
                      only=config.getoption("--contract-only"),
                      hostile=config.getoption("contract_hostile"))
    harness.TALLY.started = time.perf_counter()


#: Groups for pytest-xdist's `--dist loadgroup` (`make test`). test_contract.py runs whole on one
#: worker, in its own order, as it does serially: the stateful runs' course depends on what ran
#: before them in the process, and split across workers they once reached no updateInbox 2xx at all.
#: The drift proof's subprocess runs are the longest test. A group is handed out before the single
#: tests, the biggest first, so both start at once rather than leaving one worker alone at the end.
GROUPS = {"contract_tests/test_contract.py": "contract", "contract_tests/test_drift.py": "contract-drift"}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own, which reads the marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("dist", "no") == "loadgroup":
        for item in items:
            group = GROUPS.get(item.nodeid.partition("::")[0])
            if group is not None:
                item.add_marker(pytest.mark.xdist_group(group))
    if not harness.SETTINGS.only:
        return
    selected = [item for item in items if harness.wanted(item.nodeid)]
    config.hook.pytest_deselected(items=[item for item in items if item not in selected])
    items[:] = selected


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        # A pytest-xdist worker (`make test` runs two) saw only its share of the requests: it hands
        # its counts to the controller (pytest_testnodedown), which judges and prints the whole run.
        workeroutput["contract_tally"] = harness.TALLY.to_data()
        return
    unreached = harness.TALLY.unreached()
    reasons = ["no 2xx answer at all for: " + ", ".join(unreached)] if unreached else []
    reasons += harness.TALLY.groups_short()
    if reasons and session.exitstatus == 0:
        # Every request of these operations was refused although the suite sent a valid token:
        # a run that only ever met 401s proves nothing, so it fails.
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        harness.TALLY.failure = "; ".join(reasons)
    full_run = harness.SETTINGS.budget_name == "full" and not harness.SETTINGS.only
    if full_run and harness.TALLY.sent < harness.ROBUSTNESS_REQUESTS and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        harness.TALLY.failure = f"the robustness run sent fewer than {harness.ROBUSTNESS_REQUESTS} requests"


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """pytest-xdist's controller: a worker is done; add its counts to the run's."""
    tally = getattr(node, "workeroutput", {}).get("contract_tally")
    if tally is not None:
        harness.TALLY.merge(tally)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    for line in harness.TALLY.summary_lines():
        terminalreporter.write_line(line)
