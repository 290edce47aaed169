"""The proof that the contract suite catches drift (issue 4 §3): the same suite (test_contract.py),
run in a subprocess against the mock with each drift switch on, must fail; without one it must
pass; and with a token the mock refuses it must fail too (a run of 401s proves nothing).

Each switch's run selects the tests of the operations it touches (`--contract-only`), with the
`drift` budget (the ci one, without the spec's examples and without shrinking) and `-x`, so the
whole proof stays within `make test`'s budget. Two runs go at a time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from contract_tests.harness import TALLY
from mockserver.web.drift import SWITCHES

ROOT = Path(__file__).resolve().parent.parent
SUITE = "contract_tests/test_contract.py"

LIST = "admin[GET /api/v1/accounts/{account_id}/inboxes]"
CREATE = "admin[POST /api/v1/accounts/{account_id}/inboxes]"
SHOW = "admin[GET /api/v1/accounts/{account_id}/inboxes/{id}]"
AGENT_LIST = "agent[GET /api/v1/accounts/{account_id}/inboxes]"
AGENT_SHOW = "agent[GET /api/v1/accounts/{account_id}/inboxes/{id}]"

#: The tests that exercise what each switch breaks (the same suite; only the selection differs).
TARGETS: dict[str, tuple[str, ...]] = {
    "create_answers_201": (CREATE,),
    "inbox_field_missing": (SHOW,),
    "malformed_json_500": (CREATE,),
    "auth_ignored": (LIST,),
    "admin_fields_to_agents": (AGENT_SHOW,),
    "delete_keeps_inbox": ("admin[DELETE /api/v1/accounts/{account_id}/inboxes/{id}]",),
    "list_not_wrapped": (LIST,),
    "agents_see_all_inboxes": (AGENT_LIST,),
    "not_found_as_401": (SHOW,),
    "text_content_type": (LIST,),
}


def run_suite(only: tuple[str, ...], *, drift: str = "", token: str | None = None,
              stop_at_first: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONTRACT_BUDGET": "drift", "CONTRACT_DRIFT": drift, "CONTRACT_ONLY": ",".join(only)}
    env.pop("CONTRACT_TOKEN", None)
    if token is not None:
        env["CONTRACT_TOKEN"] = token
    # --assert=plain: no assertion rewriting of Schemathesis's ~400 modules in every run (seconds).
    command = [sys.executable, "-m", "pytest", SUITE, "-q", "-p", "no:cacheprovider", "--no-header", "-rN",
               "--assert=plain"]
    if stop_at_first:
        command.append("-x")
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_every_switch_has_targets():
    assert set(TARGETS) == set(SWITCHES)


def test_suite_catches_every_drift_switch_and_passes_without_one():
    every_target = tuple(sorted({t for targets in TARGETS.values() for t in targets}))
    jobs = {"(none)": (every_target, "")} | {name: (targets, name) for name, targets in TARGETS.items()}
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(zip(jobs, pool.map(lambda job: run_suite(job[0], drift=job[1]), jobs.values()), strict=True))

    clean = runs.pop("(none)")
    assert clean.returncode == 0, f"the suite fails without drift:\n{clean.stdout[-3000:]}"
    assert " passed" in clean.stdout
    caught = {name: run.returncode == 1 and " failed" in run.stdout for name, run in runs.items()}
    # In the session's summary (a print would be captured and shown only on failure).
    TALLY.notes.append(f"contract: drift caught: {sum(caught.values())}/{len(caught)} switches")
    TALLY.notes.extend(f"  {name:<24} {'caught' if was_caught else 'MISSED'}  ({SWITCHES[name]})"
                       for name, was_caught in caught.items())
    missed = [name for name, was_caught in caught.items() if not was_caught]
    assert not missed, "\n\n".join(f"{name}:\n{runs[name].stdout[-2000:]}" for name in missed)


@pytest.mark.parametrize("token", ["not-a-token", ""])
def test_a_run_the_mock_refuses_every_request_of_fails(token):
    # Schemathesis itself passes such a run (401 is documented everywhere; positive_data_acceptance
    # accepts 401); the suite's guard (conftest.py) must fail it and say why.
    run = run_suite((LIST, "admin[GET /api/v1/accounts/{account_id}/agent_bots]"), token=token,
                    stop_at_first=False)
    assert run.returncode != 0, run.stdout[-3000:]
    assert "no 2xx answer at all for: admin listAgentBots, admin listInboxes" in run.stdout, run.stdout[-3000:]
