"""The contract suite's moving parts: budgets, the checks, fresh mocks, the request tally, and the
hooks that make Schemathesis's *positive* data valid for the state it is sent to.

Why the hooks (README, "Contract tests (in-process)"): the spec says what a well-formed request is;
Chatwoot (and the mock, faithfully) also refuses well-formed requests that clash with the state:
an e-mail address, phone number, bot token or LINE channel id another inbox already has (422
`... has already been taken`), user ids that do not exist or repeat (422 `User must exist`,
`User has already been taken`). Schemathesis's `positive_data_acceptance` would call those 422s
"valid data rejected". Rather than weakening the check (accepting 422 everywhere) or the mock
(dropping Chatwoot's rules), the hooks turn each generated positive case into one that really is
valid for the state: unique values get a per-case marker, user ids are mapped onto users that
exist, and path ids onto the demo account and its inboxes (a random account id is a 404 that tests
nothing past authentication). Negative cases are never touched.
"""

from __future__ import annotations

import copy
import functools
import itertools
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from contract_tests import forms, hostile
from mockserver import Profile, build_store, create_app, demo_document, resources
from mockserver.chatwoot.channels import ChannelKind, kind_named
from mockserver.harness.contract import POSITIVE_ACCEPTED
from mockserver.harness.live_spec import is_no_parameters
from mockserver.web.app import RUNTIME_KEY
from mockserver.web.drift import parse as parse_drift

ADMIN_TOKEN = "demo-admin-token"
AGENT_TOKEN = "demo-agent-token"

#: The ten checks issue 4 lists, and the three that judge the coverage phase's probes (a missing
#: required header; a method the path does not have, answered 405 with `Allow`). The one left out,
#: object_level_authorization, needs a second user's resources configured.
CHECK_NAMES = (
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_headers_conformance", "response_schema_conformance", "negative_data_rejection",
    "positive_data_acceptance", "ignored_auth", "use_after_free", "ensure_resource_availability",
    "missing_required_header", "unsupported_method", "allow_header_conformance",
)


@dataclass(frozen=True)
class Budget:
    """Examples per operation (per profile and role), and the stateful run's size."""

    max_examples: int
    stateful_examples: int
    stateful_steps: int
    #: Schemathesis's coverage phase (boundary values, every method, missing headers) sends a few
    #: hundred requests per operation whatever max_examples is: too many for `make test`.
    coverage: bool = True
    #: The spec's own examples, built while pytest collects (about 3 s for all operations).
    examples: bool = True
    #: Shrink a failing example to a minimal one (clearer reports; slow when a run is meant to fail).
    shrink: bool = True


BUDGETS = {
    # make test: every operation, both profiles, both roles, stateful; fixed seeds (derandomised).
    # 30 stateful runs: derandomised or not, their course depends on what ran before them in the
    # process (a run alone repeats itself; inside make test it varies); 30 reach more operations
    # than 15 did, for about 30 s for both profiles.
    "ci": Budget(max_examples=6, stateful_examples=30, stateful_steps=10, coverage=False),
    # The drift proof: the ci budget without the spec's examples, and a failing run stops at its
    # first failing example (no shrinking).
    "drift": Budget(max_examples=6, stateful_examples=15, stateful_steps=10, coverage=False, examples=False,
                    shrink=False),
    # make contract: the larger run, with Schemathesis's coverage phase; it is also the robustness
    # figure (issue 4 §5), so it must send at least ROBUSTNESS_REQUESTS requests, valid and invalid.
    "full": Budget(max_examples=50, stateful_examples=30, stateful_steps=15),
}
ROBUSTNESS_REQUESTS = 10_000


@dataclass
class Settings:
    budget: Budget = BUDGETS["ci"]
    budget_name: str = "ci"
    drift: tuple[str, ...] = ()
    token: str = ADMIN_TOKEN
    #: `--contract-only`: parts of test ids to run (empty: all).
    only: tuple[str, ...] = ()
    #: Negative cases also draw hostile bodies and ids (hostile.py); off with `--contract-no-hostile`.
    hostile: bool = False


SETTINGS = Settings()


def configure(*, budget: str, drift: str, token: str, only: str, hostile: bool = False) -> None:
    SETTINGS.budget = BUDGETS[budget]
    SETTINGS.budget_name = budget
    SETTINGS.drift = tuple(sorted(parse_drift(drift)))
    SETTINGS.token = token
    SETTINGS.only = tuple(part for part in only.split(",") if part)
    SETTINGS.hostile = hostile


def wanted(test_id: str) -> bool:
    """Whether `--contract-only` selects a test. The suite also narrows its schemas with it, since
    Schemathesis builds each operation's examples while pytest collects (seconds, for all of them)."""
    return not SETTINGS.only or any(part in test_id for part in SETTINGS.only)


# ---------------------------------------------------------------------------------- the tally
@dataclass
class Tally:
    """Every request the suite sends to a mock, counted at the WSGI edge (so the requests that
    checks such as ignored_auth and use_after_free make are counted too)."""

    statuses: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    #: operations (as "role operationId") that a valid token reaches and must answer 2xx at least once
    expected_2xx: set[str] = field(default_factory=set)
    #: groups of such operations of which at least so many must answer 2xx (none of them in particular)
    expected_2xx_among: dict[tuple[str, ...], int] = field(default_factory=dict)
    failure: str = ""
    #: lines other tests add to the summary (the drift proof's share of switches caught)
    notes: list[str] = field(default_factory=list)
    started: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, key: str, status: int) -> None:
        with self._lock:
            self.statuses[key][status] += 1

    @property
    def sent(self) -> int:
        return sum(sum(c.values()) for c in self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(n for c in self.statuses.values() for s, n in c.items() if s >= 500)

    def to_data(self) -> dict[str, Any]:
        """The counts in plain types: what a pytest-xdist worker sends its controller (execnet
        carries dicts, lists, strings and numbers only)."""
        return {"statuses": {key: {str(status): n for status, n in counts.items()}
                             for key, counts in self.statuses.items()},
                "expected_2xx": sorted(self.expected_2xx), "notes": list(self.notes),
                "expected_2xx_among": [[list(keys), least] for keys, least in self.expected_2xx_among.items()]}

    def merge(self, data: dict[str, Any]) -> None:
        """Add a worker's counts (`to_data`), so that the controller judges and prints the whole run."""
        with self._lock:
            for key, counts in data["statuses"].items():
                self.statuses[key].update({int(status): n for status, n in counts.items()})
            self.expected_2xx.update(data["expected_2xx"])
            for keys, least in data["expected_2xx_among"]:
                self.expected_2xx_among[tuple(keys)] = least
            self.notes.extend(data["notes"])

    def unreached(self) -> list[str]:
        return sorted(k for k in self.expected_2xx if not self._answered_2xx(k))

    def groups_short(self) -> list[str]:
        """The groups of `expected_2xx_among` with fewer operations answering 2xx than they need."""
        short = []
        for keys, least in sorted(self.expected_2xx_among.items()):
            answered = [k for k in keys if self._answered_2xx(k)]
            if len(answered) < least:
                short.append(f"{len(answered)} of {', '.join(keys)} answered 2xx, fewer than {least}")
        return short

    def _answered_2xx(self, key: str) -> bool:
        return any(200 <= s < 300 for s in self.statuses.get(key, Counter()))

    def operation_lines(self) -> list[str]:
        """The operations the run sent requests to (per role), and those of them no request got a
        2xx from (the spec's operations, so that a route the suite never reaches shows)."""
        reached: dict[str, set[str]] = defaultdict(set)
        without_2xx: dict[str, set[str]] = defaultdict(set)
        for key, counts in self.statuses.items():
            role, _, operation = key.partition(" ")
            reached[role].add(operation)
            if not any(200 <= s < 300 for s in counts):
                without_2xx[role].add(operation)
        lines = []
        for role in sorted(reached):
            lines.append(f"contract: {role}: {len(reached[role])} operations answered, "
                         f"{len(reached[role]) - len(without_2xx[role])} with a 2xx")
            if without_2xx[role]:
                lines.append(f"contract: {role}: no 2xx from " + ", ".join(sorted(without_2xx[role])))
        return lines

    def summary_lines(self) -> list[str]:
        if not self.sent:
            return list(self.notes)
        drift = ", ".join(SETTINGS.drift) or "none"
        wall = time.perf_counter() - self.started
        lines = [f"contract: budget {SETTINGS.budget_name}, drift {drift}: {self.sent} requests sent, "
                 f"{self.server_errors} answered 5xx, {wall:.0f} s wall"]
        by_class: Counter = Counter()
        for counts in self.statuses.values():
            for status, n in counts.items():
                by_class[f"{status // 100}xx"] += n
        lines.append("contract: by status class: " + ", ".join(f"{k} {v}" for k, v in sorted(by_class.items())))
        lines.extend(self.operation_lines())
        if self.failure:
            lines.append(f"contract: FAILED: {self.failure}")
        return lines + self.notes


TALLY = Tally()

def _tallied(app: Any, role: str) -> Any:
    """Count each answer of `app` under "role operationId" (the route Flask matched, or "unrouted")."""
    from flask import request

    @app.after_request
    def count(response: Any) -> Any:
        operation = request.url_rule.endpoint.rpartition(".")[2] if request.url_rule is not None else "unrouted"
        TALLY.record(f"{role} {operation}", response.status_code)
        return response

    return app


_MOCKS: dict[tuple[str, Profile, str], Any] = {}


def fresh_mock(key: str, profile: Profile, role: str) -> Any:
    """The mock for `key` (an operation, a workflow), back on the demo state. Building an app costs
    about 25 ms (mostly Flask compiling its URL rules); resetting its runtime to the state it started
    with costs about 0.2 ms. So each key gets one app, and every case (every stateful run) a reset."""
    app = _MOCKS.get((key, profile, role))
    if app is None:
        document = agent_document() if role == "agent" else contract_document()
        app = _MOCKS[(key, profile, role)] = _tallied(
            create_app(build_store(document, profile), drift=SETTINGS.drift), role)
    app.extensions[RUNTIME_KEY].reset()
    return app


def record_table(path: str) -> str:
    """The store table of the record a path's id names: an agent bot, an assignment policy, or else
    an inbox."""
    if "/agent_bots/" in path:
        return "agent_bots"
    if "/assignment_policies/" in path:
        return "assignment_policies"
    return "inboxes"


#: The path parameters that carry a record's id, the record's own first.
_ID_PARAMETERS = ("id", "assignment_policy_id", "inbox_id")


def path_record_exists(app: Any, path: str, parameters: dict[str, Any]) -> bool:
    """Whether the record `path` names (an inbox, agent bot or assignment policy, by the id in
    `parameters`) is in the mock's store: read from the store, so that the tally counts no request."""
    record = next((parameters[name] for name in _ID_PARAMETERS if name in parameters), None)
    return record in getattr(app.extensions[RUNTIME_KEY].store, record_table(path))


def contract_document() -> dict[str, Any]:
    """The demo, plus an assignment policy of its first account linked to all of the account's
    inboxes but the last. The demo has none (its bytes are pinned), and without one every case of a
    policy route but list and create would be a 404; the last inbox keeps the 404 of no policy."""
    document = demo_document()
    account_id = document["accounts"][0]["id"]
    inboxes = [inbox["id"] for inbox in document["inboxes"] if inbox["account_id"] == account_id]
    document["assignment_policies"] = [{"id": 1, "account_id": account_id, "name": "Contract round robin"}]
    document["inbox_assignment_policies"] = [{"inbox_id": inbox_id, "assignment_policy_id": 1}
                                             for inbox_id in inboxes[:-1]]
    return document


def agent_document() -> dict[str, Any]:
    """The demo with its agent a member of every demo inbox of the agent's account, one of each
    channel type, plus one more inbox they are not a member of: the demo's own agent belongs to the
    widget and the API inbox only, so the agent probes (admin_fields_hidden) never saw an e-mail or
    WhatsApp inbox's admin-only fields."""
    document = demo_document()
    agent = next(user for user in document["users"] if user["access_token"] == AGENT_TOKEN)
    accounts = {membership["account_id"] for membership in agent["memberships"]}
    members = {(member["inbox_id"], member["user_id"]) for member in document["inbox_members"]}
    document["inbox_members"] += [{"inbox_id": inbox["id"], "user_id": agent["id"]} for inbox in document["inboxes"]
                                  if inbox["account_id"] in accounts and (inbox["id"], agent["id"]) not in members]
    # And one inbox the agent is not a member of, which listInboxes must keep from them (the drift
    # switch agents_see_all_inboxes is caught by listed_inboxes_readable only if one exists).
    document["inboxes"].append({"id": max(inbox["id"] for inbox in document["inboxes"]) + 1,
                                "account_id": min(accounts), "name": "Not the agent's", "channel": {"type": "api"}})
    return document


# ---------------------------------------------------------------------------------- the schema
def link_targets(operation_id: str) -> tuple[str, ...]:
    """The operations the links of `operation_id`'s answers lead to, in the spec's order."""
    targets: dict[str, None] = {}
    for operations in resources.load_spec()["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                for response in operation["responses"].values():
                    targets.update(dict.fromkeys(link["operationId"] for link in response.get("links", {}).values()))
    return tuple(targets)


def json_bodies_only(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of the spec whose operations take only their JSON body where they have one: the
    stateful runs judge sequences (create, read, update, delete), not encodings; forms are judged
    per operation, where a form is also checked as sent (forms.py)."""
    spec = copy.deepcopy(spec)
    for operations in spec["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {}) if isinstance(operation, dict) else {}
            if "application/json" in content:
                for media_type in [m for m in content if m != "application/json"]:
                    del content[media_type]
    return spec


def load_schema(*, token: str, stateful: bool) -> Any:
    """The spec as Schemathesis sees it, authenticated with `token`, with the hooks of this module.
    For the per-operation tests, a `map_case` hook makes each positive case valid for the state
    (`make_valid_for_the_state`, path ids too). For the `stateful` run (JSON bodies only:
    `json_bodies_only`), the state machine does that as each step is sent
    (`valid_for_the_state_when_sent`), keeping the ids the links give."""
    import schemathesis
    from schemathesis.config._checks import NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES

    config = schemathesis.Config.from_dict({
        "auth": {"openapi": {"userApiKey": {"api_key": token}}},
        "generation": {"max-examples": SETTINGS.budget.max_examples, "database": "none"},
        # A body past the mock's size limit (1 MiB of JSON or form) is refused with the 413 the spec
        # documents, before any validation: a rejection, which negative_data_rejection's defaults
        # lack (the full budget's coverage phase sent removeInboxMembers 10,001 user ids, 1.26 MB).
        "checks": {"enabled": True, "object_level_authorization": {"enabled": False},
                   "negative_data_rejection": {
                       "expected-statuses": [*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413"]}},
        # Stateful runs follow the spec's own links only: Schemathesis's inferred ones lead from a
        # new inbox to its assignment policy (404 by design) and spread a run's steps over every
        # operation with an `id`, so thin that create -> update -> delete went unreached.
        "phases": {"coverage": {"enabled": SETTINGS.budget.coverage},
                   "examples": {"enabled": SETTINGS.budget.examples},
                   "stateful": {"inference": {"algorithms": []}}},
        "operations": [{
            # These two succeed only on some channel types (WhatsApp; WhatsApp Cloud), whatever the
            # request says: their documented 422/400 answers a request no data can make valid for
            # another inbox, so only for them positive_data_acceptance also accepts it.
            "include-operation-id": operation_id,
            "checks": {"positive_data_acceptance": {"expected-statuses": [*POSITIVE_ACCEPTED, *statuses]}},
        } for operation_id, statuses in CHANNEL_BOUND.items()],
    })
    if not stateful:
        schema = schemathesis.openapi.from_path(str(resources.data_path(*resources.SPEC_PATH)), config=config)
    else:
        schema = schemathesis.openapi.from_dict(json_bodies_only(resources.load_spec()), config=config)
    # Every call passes its own mock (`app=`); the schema's app only makes the WSGI transport the
    # one Schemathesis uses, also for the probes its checks send. A call that reaches it is a bug
    # of this harness, and fails loudly.
    schema.app = _unbound_app()

    @schema.hook("filter_failure")
    def not_an_artefact_of_the_check(context: Any, failure: Any, case: Any, response: Any) -> bool:
        from schemathesis.core.failures import AcceptedNegativeData
        from schemathesis.openapi.checks import UseAfterFree

        # `DELETE /inbox_members` removes the listed users from an inbox; its path names no
        # resource, so a later `PATCH /inbox_members` answering 200 is no use after free. Only that
        # path is exempt: use_after_free still judges `DELETE /inboxes/{id}` (see delete_keeps_inbox).
        if isinstance(failure, UseAfterFree) and failure.free.rstrip("/").endswith("/inbox_members"):
            return False
        if not isinstance(failure, AcceptedNegativeData):
            return True
        # A JSON body that is not an object is no parameters, as Rails reads it (README, "Requests as
        # Rails reads them"): where an empty object is a valid request, so is `null` or `[]`.
        if is_no_parameters(case):
            return False
        # A form carries only text: a negative value (the number 0 for a string, a null, a list for
        # an enum) may reach the mock as "0", as nothing, or as repeated fields, a form that is valid
        # as sent (README, "Forms are narrower than JSON"). Only those failures are dropped: a form
        # that breaks its schema as sent, and is accepted, still fails (forms.py).
        if case.media_type in forms.FORM_TYPES:
            sent = response.request
            return not forms.valid_as_sent(case.operation.definition.raw["operationId"], sent.body,
                                           sent.headers.get("Content-Type", ""))
        return True

    @schema.hook("before_generate_body")
    def without_the_binary_crash(context: Any, strategy: Any) -> Any:
        # Schemathesis 4.32.5's negative generation for a multipart body with a `format: binary`
        # part (the avatar) sometimes hands the file object to jsonschema-rs, which raises
        # "Unsupported type: 'Binary'" in the middle of drawing a case. Such a draw is dropped as
        # an invalid example.
        from hypothesis import reject
        from hypothesis import strategies as st

        @st.composite
        def guarded(draw: Any) -> Any:
            try:
                return draw(strategy)
            except ValueError as error:
                if "Unsupported type: 'Binary'" not in str(error):
                    raise
                reject()

        return guarded()

    if SETTINGS.hostile:
        @schema.hook("flatmap_case")
        def hostile_when_negative(context: Any, case: Any) -> Any:
            from hypothesis import strategies as st

            negative = case.meta is not None and not case.meta.generation.mode.is_positive
            return hostile.hostile_variants(case) if negative else st.just(case)

    if not stateful:
        @schema.hook("map_case")
        def valid_for_the_state(context: Any, case: Any) -> Any:
            if case.meta is not None and case.meta.generation.mode.is_positive:
                make_valid_for_the_state(case, path_ids=True)
            return case

    return schema


def make_valid_for_the_state(case: Any, *, path_ids: bool) -> None:
    """Turn a positive case into one the demo state accepts (the module's docstring says why); with
    `path_ids`, its path ids and body's inbox and policy ids are also mapped onto the demo's records
    (not in a stateful run, whose ids come from the links)."""
    demo = demo_ids()
    marker = next(_CASE_NUMBERS)
    path = case.path_parameters or {}
    if "account_id" in path:
        path["account_id"] = demo.account_id
    if path_ids:
        for name in ("id", "inbox_id", "assignment_policy_id"):
            if isinstance(path.get(name), int):
                path[name] = demo.pick_path_id(case.operation.path, path[name])
    if isinstance(case.body, dict):
        # A copy: Schemathesis's coverage phase reuses one body object across cases, and markers
        # written into it in place piled up case after case (an e-mail of thousands of markers).
        case.body = copy.deepcopy(case.body)
        _make_unique(case.body, marker)
        if isinstance(case.body.get("user_ids"), list):
            case.body["user_ids"] = demo.existing_users(case.body["user_ids"])
        if path_ids and isinstance(case.body.get("inbox_id"), int):
            case.body["inbox_id"] = demo.pick_inbox(case.body["inbox_id"])
        elif path_ids and isinstance(case.body.get("inbox_id"), str):  # a form's
            case.body["inbox_id"] = str(demo.pick_inbox(_number_of(case.body["inbox_id"])))
        if isinstance(case.body.get("user_ids[]"), list):  # a form's, text
            # Users who are not members yet: Chatwoot compares the ids as sent, and text never
            # equals a member's number, so a form naming a member adds them again (422 `User has
            # already been taken`, the chatwoot profile; README "Requests as Rails reads them").
            inbox = case.body.get("inbox_id")
            members = demo.members.get(_number_of(inbox), frozenset()) if isinstance(inbox, str) else frozenset()
            users = demo.existing_users([_number_of(u) for u in case.body["user_ids[]"]], leaving_out=members)
            case.body["user_ids[]"] = [str(u) for u in users]
        policy = case.body.get("assignment_policy_id")
        if path_ids and isinstance(policy, int) and not isinstance(policy, bool):
            case.body["assignment_policy_id"] = demo.pick(demo.assignment_policy_ids, policy)
        if path_ids and isinstance(path.get("id"), int) and record_table(case.operation.path) == "inboxes":
            _keep_a_listed_provider(case.body, demo.listed_providers.get(path["id"]))
        bot = case.body.get("agent_bot")
        # A bot id is a number or a string of digits (RecordId); an unknown one is a 404 that
        # ensure_resource_availability would blame on the inbox.
        if isinstance(bot, int) and not isinstance(bot, bool):
            case.body["agent_bot"] = demo.pick(demo.agent_bot_ids, bot)
        elif isinstance(bot, str) and bot.isascii() and bot.isdigit():
            case.body["agent_bot"] = str(demo.pick(demo.agent_bot_ids, int(bot)))


def _number_of(text: Any) -> int:
    """A form's generated text as a number to pick a record by: its digits, else its length."""
    return int(text) if isinstance(text, str) and text.isascii() and text.isdigit() else len(str(text))


def valid_for_the_state_when_sent(case: Any, app: Any) -> None:
    """A stateful step's case, just before it is sent: made valid for the state if it is positive now.

    Its mode is only final here. Schemathesis draws the case (hooks and all), then merges the link's
    values into its body (`requestBody: {inbox_id: $response.body#/id}`), and re-judges the mode of a
    changed case when it is next read: a negative case whose only fault was its `inbox_id` turns
    positive, with user ids no `map_case` hook mapped (it was negative then). The full budget sent
    one: 422 `User must exist`, which positive_data_acceptance blamed on the mock."""
    if case.meta is not None and case.meta.generation.mode.is_positive:
        make_valid_for_the_state(case, path_ids=False)
        inbox_id = (case.path_parameters or {}).get("id")
        if isinstance(case.body, dict) and record_table(case.operation.path) == "inboxes":
            # The inbox is the run's own (its id came from a link), so its provider list is read
            # from the mock's store: the demo's (`_DemoIds.listed_providers`) does not know it.
            inbox = app.extensions[RUNTIME_KEY].store.inboxes.get(inbox_id)
            if inbox is not None:
                _keep_a_listed_provider(case.body, listed_provider(inbox.kind, inbox.channel))


@functools.cache
def demo_ids() -> _DemoIds:
    return _DemoIds.read()


def _unbound_app() -> Any:
    from flask import Flask

    app = Flask("contract-unbound")

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    @app.route("/<path:path>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    def unbound(path: str) -> Any:
        return {"error": "the contract harness sent a request without its per-case mock"}, 500

    return app


#: The operations bound to a channel type, and the answer they give on the demo's other inboxes (and
#: health's 422 on a WhatsApp Cloud inbox that lacks its phone number id or API key: the demo's is
#: complete, but a stateful run reaches health on a WhatsApp inbox it has just created). And the
#: operations whose refusals Chatwoot words itself, in a body the spec cannot require without
#: answering in another shape: `{"error": "Validation failed: ..."}` of a Twilio inbox (blank
#: credentials, both or neither of phone number and messaging service), `{"error": "Message is
#: required"}` of a CSAT template, `{"error": "param is missing ..."}` and a taken name of an
#: assignment policy. The spec keeps these bodies lenient so that the chatwoot profile answers them
#: exactly as Chatwoot does; positive_data_acceptance then also accepts that status for them only.
CHANNEL_BOUND = {"syncInboxTemplates": ("422",), "getInboxHealth": ("400", "422"), "getInboxCsatTemplate": ("400",),
                 "createInboxCsatTemplate": ("400", "422"), "createTwilioChannel": ("422",),
                 "createAssignmentPolicy": ("422",), "updateAssignmentPolicy": ("422",),
                 "replaceAssignmentPolicy": ("422",)}

_CASE_NUMBERS = itertools.count(1)
UNIQUE_ATTRIBUTES = ("email", "phone_number", "line_channel_id", "bot_token")
_BOT_ID = re.compile(r"^[0-9]{5,12}(?=:)")


def _make_unique(body: dict, marker: int) -> None:
    """Give each value that Chatwoot keeps unique a marker no other case has, keeping it valid for
    its pattern: JSON bodies nest them under `channel`, forms spell them `channel[...]`."""
    places = [(body["channel"], a, a) for a in UNIQUE_ATTRIBUTES] if isinstance(body.get("channel"), dict) else []
    places += [(body, f"channel[{a}]", a) for a in UNIQUE_ATTRIBUTES]
    for holder, key, attribute in places:
        value = holder.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        if attribute == "bot_token":
            holder[key] = _BOT_ID.sub(f"{10000 + marker}"[:12], value)
        elif attribute == "email":
            holder[key] = f"u{marker}-{value}"
        else:
            holder[key] = f"{value}-u{marker}"


def listed_provider(kind: ChannelKind, channel: Mapping[str, Any]) -> tuple[str, tuple[str, ...]] | None:
    """(the channel's provider, the ones allowed) for a kind whose `provider` must be one of a list,
    as the model has it (`ChannelKind.choices`; digest §9: `Channel::Whatsapp` validates its
    inclusion); None for a kind that keeps whatever string it is sent."""
    allowed = kind.choices.get("provider")
    return (channel.get("provider", allowed[0]), allowed) if allowed else None


def _keep_a_listed_provider(body: dict, listed: tuple[str, tuple[str, ...]] | None) -> None:
    """An update of an inbox whose provider must be one of a list (the demo's WhatsApp inbox): a
    generated provider off that list is a 422 `Provider is not included in the list`, in Chatwoot
    and the mock alike, which the spec cannot rule out (its update body is one for every channel
    type, and another type takes any string). Such a case keeps the inbox's own provider."""
    if listed is None:
        return
    current, allowed = listed
    channel = body.get("channel")
    places = [(channel, "provider")] if isinstance(channel, dict) else []
    places.append((body, "channel[provider]"))
    for holder, key in places:
        if key in holder and holder[key] not in allowed:
            holder[key] = current


@dataclass(frozen=True)
class _DemoIds:
    account_id: int
    inbox_ids: tuple[int, ...]
    user_ids: tuple[int, ...]
    agent_bot_ids: tuple[int, ...]  # the account's and the system's: what an inbox may be given
    own_agent_bot_ids: tuple[int, ...]  # the account's: what /agent_bots/{id} may change and delete
    assignment_policy_ids: tuple[int, ...]
    #: inbox id -> (its provider, the ones allowed), for an inbox whose type lists them
    listed_providers: dict[int, tuple[str, tuple[str, ...]]]
    #: inbox id -> the users who are its members
    members: dict[int, frozenset[int]]

    @classmethod
    def read(cls) -> _DemoIds:
        document = contract_document()
        account_id = document["accounts"][0]["id"]
        inboxes = tuple(i["id"] for i in document["inboxes"] if i["account_id"] == account_id)
        bots = tuple(b["id"] for b in document["agent_bots"] if b.get("account_id") in (account_id, None))
        own_bots = tuple(b["id"] for b in document["agent_bots"] if b.get("account_id") == account_id)
        policies = tuple(p["id"] for p in document["assignment_policies"] if p["account_id"] == account_id)
        providers = {i["id"]: listed for i in document["inboxes"]
                     if (listed := listed_provider(kind_named(i["channel"]["type"]), i["channel"]))}
        members: dict[int, frozenset[int]] = {}
        for row in document["inbox_members"]:
            members[row["inbox_id"]] = members.get(row["inbox_id"], frozenset()) | {row["user_id"]}
        return cls(account_id, inboxes, tuple(u["id"] for u in document["users"]), bots, own_bots, policies,
                   providers, members)

    @staticmethod
    def pick(ids: tuple[int, ...], generated: int) -> int:
        return ids[generated % len(ids)]

    def pick_inbox(self, generated: int) -> int:
        return self.pick(self.inbox_ids, generated)

    def pick_path_id(self, path: str, generated: int) -> int:
        """A path's id onto a record of the kind the path names: an agent bot of the account, an
        assignment policy, or else an inbox."""
        table = record_table(path)
        if table == "agent_bots":
            return self.pick(self.own_agent_bot_ids, generated)
        if table == "assignment_policies":
            return self.pick(self.assignment_policy_ids, generated)
        return self.pick_inbox(generated)

    def existing_users(self, generated: list, leaving_out: frozenset[int] = frozenset()) -> list[int]:
        users = tuple(u for u in self.user_ids if u not in leaving_out) or self.user_ids
        mapped = [self.pick(users, u) for u in generated if isinstance(u, int)]
        return list(dict.fromkeys(mapped))  # a repeated id is 422 `User has already been taken`


def checks(profile: Profile | None = None) -> list[Callable]:
    """The checks of a case. The chatwoot profile reads requests as Rails does: it casts `"yes"` to
    true and `"5"` to 5, drops a list sent for a scalar, and so accepts much of what the spec calls
    negative data, on purpose (README, "Requests as Rails reads them"). negative_data_rejection is
    judged in the docs profile, which keeps the documented types; tests/web cover the casting."""
    from schemathesis import checks as core
    from schemathesis.specs.openapi import checks as openapi

    names = [n for n in CHECK_NAMES if not (profile is Profile.CHATWOOT and n == "negative_data_rejection")]
    return [getattr(core, name, None) or getattr(openapi, name) for name in names]
