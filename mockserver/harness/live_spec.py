"""The spec a live contract run gives Schemathesis (`live_spec`), and its `schemathesis.toml`: see
`contract`'s docstring, step 3."""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from typing import Any

MEMBERS_OPERATIONS = ("addInboxMembers", "updateInboxMembers", "removeInboxMembers")
# Operations whose request names an inbox in its body: generated in positive mode only, so that the
# pinned `inbox_id` and `name` are never mutated into another inbox's (the guard refuses those anyway).
POSITIVE_ONLY = ("createInbox", *MEMBERS_OPERATIONS)
# The writing operations a run with --allow-writes sends (on the sandbox, or creating named inboxes);
# the guard lets through nothing else. The other writes of the spec (agent bots, assignment policies,
# CSAT templates, Twilio inboxes) make or change records outside the run's inboxes: left out.
LIVE_WRITE_OPERATIONS = frozenset(("createInbox", "updateInbox", "replaceInbox", "deleteInbox", "setInboxAgentBot",
                                   "deleteInboxAvatar", "syncInboxTemplates", *MEMBERS_OPERATIONS))
# Schemathesis's default for positive_data_acceptance, and the answers that depend on the target's
# state rather than on the request: health and template sync exist for WhatsApp inboxes only (400/422
# elsewhere), an account at its inbox limit answers 402 to any create, and a well-formed user id that
# is no user of the account is 422 `User must exist` (digest §6).
# Reads of an inbox that answer 404 for a new inbox by design (no policy linked yet): not linked
# from create, where Schemathesis would take their 404 for "created resource not found".
NOT_FOUND_WHEN_NEW = ("getInboxAssignmentPolicy",)
POSITIVE_ACCEPTED = ("2xx", "3xx", "401", "403", "404", "409", "429", "5xx")
STATE_DEPENDENT_STATUSES = {"getInboxHealth": ("400", "422"), "syncInboxTemplates": ("422",),
                            "getInboxCsatTemplate": ("400",),
                            "createInbox": ("402",), **dict.fromkeys(MEMBERS_OPERATIONS, ("422",))}



@dataclass
class Sandbox:
    """The inboxes the writing operations act on: `work` for all but `deleteInbox`, which gets `doomed`."""

    work: int
    doomed: int



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
                if sandbox is None or operation.get("operationId") not in LIVE_WRITE_OPERATIONS:
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
        _json_only(operation)
        return
    # JSON only, and no examples: the documents' examples name other inboxes.
    operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}


def _json_only(operation: dict) -> None:
    """A write's forms are left out of a live run: a negative form value often reaches the target as
    no field at all (Schemathesis sends a part with no headers, which Rack files under `text/plain[]`
    and Rails does not permit), so a target that rightly ignores it would be called lenient. Forms
    are judged in-process, on the form as sent (contract_tests/forms.py)."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        json_only = {"application/json": content["application/json"]}
        operation["requestBody"] = {**operation["requestBody"], "content": json_only}


def _link_create_to_reads(paths: dict[str, dict], account_id: int) -> None:
    """Stateful runs follow create -> the reads of the new inbox (the run's own), and its delete."""
    create = paths.get(f"/api/v1/accounts/{account_id}/inboxes", {}).get("post")
    if create is None:
        return
    links = {}
    for path_item in paths.values():
        for operation in path_item.values():
            names = {p.get("name") for p in operation.get("parameters", [])}
            if operation.get("operationId") not in (None, *NOT_FOUND_WHEN_NEW) and names & {"id", "inbox_id"}:
                name = "id" if "id" in names else "inbox_id"
                links[operation["operationId"]] = {"operationId": operation["operationId"],
                                                   "parameters": {name: "$response.body#/id"}}
    create["responses"]["200"]["links"] = links


def is_no_parameters(case: Any) -> bool:
    """A generated case whose JSON body is not an object: Rails reads it as no parameters at all, so
    where an empty object is a valid request, so is this one (the in-process suite and a live run's
    `live_hooks` drop Schemathesis's "accepted negative data" for it)."""
    return case.media_type == "application/json" and not isinstance(case.body, dict)


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
