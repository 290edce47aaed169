"""The contract suite: Schemathesis against the mock in-process (WSGI, no socket), both profiles.

- `test_operation_as_admin`: every operation, as the account's administrator, every check in
  `harness.CHECK_NAMES`, plus our probes of a malformed body and an unknown inbox (probes.py).
- `test_reading_as_agent`: the reading operations as an agent (`demo-agent-token`), plus two
  probes Schemathesis cannot know: an agent never sees an `x-admin-only` field, and every inbox
  the list shows an agent is one the agent may read.
- `TestDocsWorkflow` / `TestChatwootWorkflow`: stateful runs that follow the spec's links from
  createInbox (read, update, set a bot, members, delete ...), one fresh mock per run.

State: every case, and every stateful run, starts from the demo state (one mock per operation,
profile and role, its runtime reset before each case). Budgets and options: conftest.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi.checks import EnsureResourceAvailability

from contract_tests import harness, probes
from contract_tests.harness import AGENT_TOKEN, SETTINGS, TALLY
from mockserver import Profile

PROFILES = [pytest.param(Profile.DOCS, id="docs"), pytest.param(Profile.CHATWOOT, id="chatwoot")]
READING = ("GET",)

#: Operations a valid administrator token must get at least one 2xx from, whatever the budget: each
#: answers 2xx to any well-formed request on an existing inbox of the demo account, or on the record
#: its path names (harness.contract_document: the account's bot, its assignment policy, linked to
#: the account's inboxes but the last). (setInboxAgentBot, getInboxHealth, syncInboxTemplates and the
#: CSAT templates succeed only for some bots or channel types; a policy create or update, a Twilio
#: channel and the account's assignable agents only for some of the values the spec allows.)
ADMIN_REACHES = frozenset({
    "listInboxes", "createInbox", "getInbox", "updateInbox", "replaceInbox", "deleteInbox",
    "getInboxAgentBot", "deleteInboxAvatar", "listInboxCampaigns", "listAssignableAgents",
    "listInboxMembers", "addInboxMembers", "updateInboxMembers", "removeInboxMembers", "listAgentBots",
    "createAgentBot", "getAgentBot", "updateAgentBot", "replaceAgentBot", "deleteAgentBot",
    "listAssignmentPolicies", "getAssignmentPolicy", "deleteAssignmentPolicy", "listAssignmentPolicyInboxes",
    "getInboxAssignmentPolicy", "removeInboxAssignmentPolicy",
})
AGENT_REACHES = frozenset({"listInboxes", "getInbox"})  # the contract agent is a member of every inbox
#: What the stateful run must reach through the links, proof that it follows them: createInbox, and
#: a 2xx from at least STATEFUL_LINKED_LEAST of the operations its links lead to (a stateful step's
#: path ids come from links only). None of these in particular: the runs' course, fixed seed or not,
#: changes with whatever else the process has collected (test files of tests/ alongside) and each of
#: them has gone unreached in some make test (deleteInbox, then getInbox on e905666), each a 2xx only
#: a few steps of 300 hit. The per-operation tests (ADMIN_REACHES) judge every one on every run.
STATEFUL_REACHES = frozenset({"createInbox"})
STATEFUL_LINKED = harness.link_targets("createInbox")
STATEFUL_LINKED_LEAST = 6

#: The Hypothesis health checks this suite turns off, each for a reason that leaves no failure unseen
#: (the others stay on):
#: - function_scoped_fixture: `profile` is a parametrised constant (a Profile), not state an example
#:   could leak into the next; each case gets its mock reset by harness.fresh_mock instead.
#: - too_slow: it times the generation of examples, on a machine shared by several runs; how slow
#:   the mock answers is not part of it (and is bench/'s business, never a test's).
#: - filter_too_much: the hooks reject draws that cannot be sent (the Binary crash guard) and
#:   Schemathesis filters its own; an operation starved of examples is still caught, by the tally's
#:   "no 2xx" guard and, on `full`, by the robustness floor of ROBUSTNESS_REQUESTS.
#: - data_too_large, large_base_example: the spec's forms have twenty-odd fields and its channels
#:   nest, so even the smallest example of some operations is big; that is the spec's shape.
SUPPRESSED_HEALTH_CHECKS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much,
                            HealthCheck.data_too_large, HealthCheck.large_base_example]


def _settings(max_examples: int) -> settings:
    phases = [p for p in Phase if SETTINGS.budget.shrink or p not in (Phase.shrink, Phase.explain)]
    return settings(max_examples=max_examples, deadline=None, database=None, phases=phases,
                    derandomize=SETTINGS.budget_name in ("ci", "drift"), suppress_health_check=SUPPRESSED_HEALTH_CHECKS)


admin_schema = harness.load_schema(token=SETTINGS.token, stateful=False).include(
    lambda ctx: harness.wanted(f"test_operation_as_admin[{ctx.operation.label}]"))
agent_schema = harness.load_schema(token=AGENT_TOKEN, stateful=False).include(
    lambda ctx: ctx.operation.method.upper() in READING
    and harness.wanted(f"test_reading_as_agent[{ctx.operation.label}]"))


@pytest.fixture(params=PROFILES)
def profile(request: pytest.FixtureRequest) -> Profile:
    return request.param


def _run(case: Any, profile: Profile, role: str, reaches: frozenset[str], extra_checks: tuple) -> None:
    operation_id = case.operation.definition.raw["operationId"]
    if operation_id in reaches:
        TALLY.expected_2xx.add(f"{role} {operation_id}")
    app = harness.fresh_mock(case.operation.label, profile, role)
    case.call_and_validate(app=app, checks=harness.checks(profile),
                           additional_checks=[c(app) for c in extra_checks])


@admin_schema.parametrize()
@_settings(SETTINGS.budget.max_examples)
def test_operation_as_admin(case: Any, profile: Profile) -> None:
    _run(case, profile, "admin", ADMIN_REACHES, probes.ADMIN_PROBES)


@agent_schema.parametrize()
@_settings(SETTINGS.budget.max_examples)
def test_reading_as_agent(case: Any, profile: Profile) -> None:
    _run(case, profile, "agent", AGENT_REACHES, probes.AGENT_PROBES)


# ---------------------------------------------------------------------------------- stateful
def _workflow(profile: Profile) -> Any:
    schema = harness.load_schema(token=SETTINGS.token, stateful=True)
    base = schema.as_state_machine()
    excluded = [check for check in harness.checks() if check not in harness.checks(profile)]

    class Workflow(base):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            self.app = harness.fresh_mock("workflow", profile, "stateful")
            for operation_id in STATEFUL_REACHES:
                TALLY.expected_2xx.add(f"stateful {operation_id}")
            TALLY.expected_2xx_among[tuple(f"stateful {op}" for op in STATEFUL_LINKED)] = STATEFUL_LINKED_LEAST

        def before_call(self, case: Any) -> None:
            # Only now, the link's values merged in, is the case's mode final (harness docstring).
            harness.valid_for_the_state_when_sent(case, self.app)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"app": self.app}

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
            # The configured checks less those the profile leaves out, as the per-operation tests do
            # (the chatwoot profile casts as Rails does: negative data is not judged there, harness.checks).
            try:
                case.validate_response(response, additional_checks=additional_checks, excluded_checks=excluded,
                                       transport_kwargs=kwargs or None, recorder=self.recorder)
            except FailureGroup as group:
                left = [f for f in group.exceptions if not self._another_record_missing(f, case)]
                if len(left) == len(group.exceptions):
                    raise
                if left:
                    raise FailureGroup(left) from None

        def _another_record_missing(self, failure: Any, case: Any) -> bool:
            """ST302 judges any 404 after a create as the new record lost. A 404 may name another
            record the request names, as Chatwoot's does: `set_agent_bot` with an `agent_bot` that is
            no bot, an assignment policy id that is none. Such a failure is dropped only while the
            record the path names is still in the mock's store."""
            if not isinstance(failure, EnsureResourceAvailability):
                return False
            return harness.path_record_exists(self.app, case.operation.path, case.path_parameters or {})

    Workflow.TestCase.settings = settings(
        _settings(SETTINGS.budget.stateful_examples), stateful_step_count=SETTINGS.budget.stateful_steps)
    return Workflow


if harness.wanted("TestDocsWorkflow"):
    TestDocsWorkflow = _workflow(Profile.DOCS).TestCase
if harness.wanted("TestChatwootWorkflow"):
    TestChatwootWorkflow = _workflow(Profile.CHATWOOT).TestCase
