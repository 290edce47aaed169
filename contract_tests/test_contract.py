"""The contract suite: Schemathesis against the mock in-process (WSGI, no socket), both profiles.

- `test_operation_as_admin`: every operation, as the account's administrator, every check in
  `harness.CHECK_NAMES`.
- `test_reading_as_agent`: the reading operations as an agent (`demo-agent-token`), with two
  checks of our own that Schemathesis cannot know: an agent never sees an `x-admin-only` field, and
  every inbox the list shows an agent is one the agent may read.
- `TestDocsWorkflow` / `TestChatwootWorkflow`: stateful runs that follow the spec's links from
  createInbox (read, update, set a bot, members, delete ...), one fresh mock per run.

State: a case that writes gets a mock of its own, built on the demo state; cases that only read
share one per test (a fresh mock costs about 25 ms). Budgets and options: conftest.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from contract_tests import harness
from contract_tests.harness import AGENT_TOKEN, SETTINGS, TALLY
from mockserver import Profile, resources

PROFILES = [pytest.param(Profile.DOCS, id="docs"), pytest.param(Profile.CHATWOOT, id="chatwoot")]
READING = ("GET",)

#: Operations a valid administrator token must get at least one 2xx from, whatever the budget: each
#: answers 2xx to any well-formed request on an existing inbox of the demo account. (setInboxAgentBot,
#: getInboxHealth and syncInboxTemplates succeed only for some bots or channel types.)
ADMIN_REACHES = frozenset({
    "listInboxes", "createInbox", "getInbox", "updateInbox", "replaceInbox", "deleteInbox",
    "getInboxAgentBot", "deleteInboxAvatar", "listInboxCampaigns", "listAssignableAgents",
    "listInboxMembers", "addInboxMembers", "updateInboxMembers", "removeInboxMembers", "listAgentBots",
})
AGENT_REACHES = frozenset({"listInboxes"})
#: What the stateful run must reach through the links: proof that it follows them.
STATEFUL_REACHES = frozenset({"createInbox", "getInbox", "updateInbox", "deleteInbox"})

ADMIN_ONLY_FIELDS = frozenset(
    name for name, prop in resources.load_spec()["components"]["schemas"]["Inbox"]["properties"].items()
    if prop.get("x-admin-only"))


def _settings(max_examples: int) -> settings:
    return settings(max_examples=max_examples, deadline=None, database=None,
                    derandomize=SETTINGS.budget_name == "ci", suppress_health_check=list(HealthCheck))


admin_schema = harness.load_schema(token=SETTINGS.token, positive_ids=True)
agent_schema = harness.load_schema(token=AGENT_TOKEN, positive_ids=True).include(method=list(READING))


@pytest.fixture(params=PROFILES)
def profile(request: pytest.FixtureRequest) -> Profile:
    return request.param


def _run(case: Any, profile: Profile, role: str, shared: dict, extra_checks: list | None = None) -> Any:
    operation_id = case.operation.definition.raw["operationId"]
    if case.method.upper() in READING:
        if "app" not in shared:
            shared["app"] = harness.fresh_app(profile, role)
        app = shared["app"]
    else:
        app = harness.fresh_app(profile, role)
    checks = harness.checks()
    case.call_and_validate(app=app, checks=checks, additional_checks=[c(app) for c in extra_checks or []])
    return operation_id


@admin_schema.parametrize()
@_settings(SETTINGS.budget.max_examples)
def test_operation_as_admin(case: Any, profile: Profile) -> None:
    operation_id = case.operation.definition.raw["operationId"]
    if operation_id in ADMIN_REACHES:
        TALLY.expected_2xx.add(f"admin {operation_id}")
    _run(case, profile, "admin", _shared_for(case, profile, "admin"))


@agent_schema.parametrize()
@_settings(SETTINGS.budget.max_examples)
def test_reading_as_agent(case: Any, profile: Profile) -> None:
    operation_id = case.operation.definition.raw["operationId"]
    if operation_id in AGENT_REACHES:
        TALLY.expected_2xx.add(f"agent {operation_id}")
    _run(case, profile, "agent", _shared_for(case, profile, "agent"),
         extra_checks=[_admin_fields_hidden, _listed_inboxes_readable])


# One reading mock per (operation, profile, role): a test item's examples share it.
_SHARED: dict[tuple[str, Profile, str], dict] = {}


def _shared_for(case: Any, profile: Profile, role: str) -> dict:
    return _SHARED.setdefault((case.operation.label, profile, role), {})


# ---------------------------------------------------------------------------------- agent checks
def _inbox_bodies(body: Any) -> list[dict]:
    items = body.get("payload", [body]) if isinstance(body, dict) else body if isinstance(body, list) else []
    return [i for i in items if isinstance(i, dict) and "channel_type" in i]


def _admin_fields_hidden(app: Any):
    def admin_fields_hidden(ctx: Any, response: Any, case: Any) -> None:
        """Chatwoot shows `x-admin-only` inbox fields to administrators only (digest §4.2)."""
        if not 200 <= response.status_code < 300:
            return
        for inbox in _inbox_bodies(response.json()):
            shown = sorted(ADMIN_ONLY_FIELDS & inbox.keys())
            assert not shown, f"an agent was shown admin-only fields of inbox {inbox.get('id')}: {shown}"

    return admin_fields_hidden


def _listed_inboxes_readable(app: Any):
    def listed_inboxes_readable(ctx: Any, response: Any, case: Any) -> None:
        """listInboxes shows an agent only inboxes they are a member of (digest §3.5), which are
        exactly the ones getInbox lets them read."""
        if case.operation.definition.raw["operationId"] != "listInboxes" or response.status_code != 200:
            return
        token = response.request.headers.get("api_access_token")
        client = app.test_client()
        account = case.path_parameters["account_id"]
        for inbox in _inbox_bodies(response.json()):
            read = client.get(f"/api/v1/accounts/{account}/inboxes/{inbox['id']}",
                              headers={"api_access_token": token})
            assert read.status_code == 200, (
                f"listInboxes showed inbox {inbox['id']}, which getInbox refuses this caller ({read.status_code})")

    return listed_inboxes_readable


# ---------------------------------------------------------------------------------- stateful
def _workflow(profile: Profile) -> Any:
    schema = harness.load_schema(token=SETTINGS.token, positive_ids=False)
    base = schema.as_state_machine()

    class Workflow(base):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            self.app = harness.fresh_app(profile, "stateful")
            for operation_id in STATEFUL_REACHES:
                TALLY.expected_2xx.add(f"stateful {operation_id}")

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"app": self.app}

    Workflow.TestCase.settings = settings(
        _settings(SETTINGS.budget.stateful_examples), stateful_step_count=SETTINGS.budget.stateful_steps)
    return Workflow


TestDocsWorkflow = _workflow(Profile.DOCS).TestCase
TestChatwootWorkflow = _workflow(Profile.CHATWOOT).TestCase
