"""The OpenAPI document itself: valid OpenAPI 3.0, the agreed operations, examples that obey it.

These tests read only `openapi/inboxes.yaml`; they never import the mock.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema_path import SchemaPath
from openapi_core.validation.schemas import (
    oas30_read_schema_validators_factory,
    oas30_write_schema_validators_factory,
)
from openapi_core.validation.schemas.exceptions import InvalidSchemaValue
from openapi_spec_validator import OpenAPIV30SpecValidator, validate

SPEC_PATH = Path(__file__).resolve().parents[1] / "openapi" / "inboxes.yaml"
PREFIX = "/api/v1/accounts/{account_id}"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# The agreed operations (the brief's table), written here rather than read from the spec.
OPERATIONS: dict[str, tuple[str, str]] = {
    "listInboxes": ("get", "/inboxes"),
    "createInbox": ("post", "/inboxes"),
    "getInbox": ("get", "/inboxes/{id}"),
    "updateInbox": ("patch", "/inboxes/{id}"),
    "replaceInbox": ("put", "/inboxes/{id}"),
    "deleteInbox": ("delete", "/inboxes/{id}"),
    "getInboxAgentBot": ("get", "/inboxes/{id}/agent_bot"),
    "setInboxAgentBot": ("post", "/inboxes/{id}/set_agent_bot"),
    "deleteInboxAvatar": ("delete", "/inboxes/{id}/avatar"),
    "listInboxCampaigns": ("get", "/inboxes/{id}/campaigns"),
    "syncInboxTemplates": ("post", "/inboxes/{id}/sync_templates"),
    "getInboxHealth": ("get", "/inboxes/{id}/health"),
    "listAssignableAgents": ("get", "/inboxes/{id}/assignable_agents"),
    "listInboxMembers": ("get", "/inbox_members/{inbox_id}"),
    "addInboxMembers": ("post", "/inbox_members"),
    "updateInboxMembers": ("patch", "/inbox_members"),
    "removeInboxMembers": ("delete", "/inbox_members"),
    "listAgentBots": ("get", "/agent_bots"),
    # The routes outside InboxesController (issue 11).
    "createAgentBot": ("post", "/agent_bots"),
    "getAgentBot": ("get", "/agent_bots/{id}"),
    "updateAgentBot": ("patch", "/agent_bots/{id}"),
    "replaceAgentBot": ("put", "/agent_bots/{id}"),
    "deleteAgentBot": ("delete", "/agent_bots/{id}"),
    "getInboxCsatTemplate": ("get", "/inboxes/{id}/csat_template"),
    "createInboxCsatTemplate": ("post", "/inboxes/{id}/csat_template"),
    "getInboxAssignmentPolicy": ("get", "/inboxes/{id}/assignment_policy"),
    "setInboxAssignmentPolicy": ("post", "/inboxes/{id}/assignment_policy"),
    "removeInboxAssignmentPolicy": ("delete", "/inboxes/{id}/assignment_policy"),
    "listAssignmentPolicies": ("get", "/assignment_policies"),
    "createAssignmentPolicy": ("post", "/assignment_policies"),
    "getAssignmentPolicy": ("get", "/assignment_policies/{id}"),
    "updateAssignmentPolicy": ("patch", "/assignment_policies/{id}"),
    "replaceAssignmentPolicy": ("put", "/assignment_policies/{id}"),
    "deleteAssignmentPolicy": ("delete", "/assignment_policies/{id}"),
    "listAssignmentPolicyInboxes": ("get", "/assignment_policies/{assignment_policy_id}/inboxes"),
    "createTwilioChannel": ("post", "/channels/twilio_channel"),
    "listAccountAssignableAgents": ("get", "/assignable_agents"),
}

# Statuses beyond 200/401/404 that particular operations must document.
EXTRA_STATUSES: dict[str, set[str]] = {
    "createInbox": {"402"},
    "syncInboxTemplates": {"422"},
    "getInboxHealth": {"400", "422"},
    "getInboxCsatTemplate": {"400"},
    "createInboxCsatTemplate": {"400"},
}

# Successful answers that have no body (Rails `head :ok`).
EMPTY_200 = {"setInboxAgentBot", "deleteInboxAvatar", "removeInboxMembers", "removeInboxAssignmentPolicy",
             "deleteAssignmentPolicy", "deleteAgentBot"}


@cache
def raw_spec() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def spec_path() -> SchemaPath:
    """The spec as a SchemaPath: navigating it follows `$ref`s transparently."""
    return SchemaPath.from_dict(raw_spec())


def operations() -> Iterator[tuple[str, str, SchemaPath]]:
    """(path, method, operation) for every operation in the spec."""
    paths = spec_path() / "paths"
    for path in paths.str_keys():
        item = paths / path
        for method in item.str_keys():
            if method in HTTP_METHODS:
                yield path, method, item / method


def operation_by_id(operation_id: str) -> SchemaPath:
    for _path, _method, operation in operations():
        if operation["operationId"] == operation_id:
            return operation
    raise KeyError(operation_id)


def media_examples(media: SchemaPath) -> Iterator[tuple[str, Any]]:
    """The `example` and named `examples` of one media type object, `$ref`s resolved."""
    if "example" in media:
        yield "example", (media / "example").read_value()
    if "examples" in media:
        examples = media / "examples"
        for name in examples.str_keys():
            example = examples / name
            if "value" in example:
                yield name, (example / "value").read_value()


def collect_examples() -> list[pytest.param]:
    cases = []
    for _path, _method, operation in operations():
        op_id = operation["operationId"]
        if "requestBody" in operation:
            content = operation / "requestBody" / "content"
            for media_type in content.str_keys():
                media = content / media_type
                for name, value in media_examples(media):
                    cases.append(
                        pytest.param(
                            "request",
                            media / "schema",
                            value,
                            id=f"{op_id}-request-{media_type}-{name}",
                        )
                    )
        responses = operation / "responses"
        for status in responses.str_keys():
            if "content" not in responses / status:
                continue
            content = responses / status / "content"
            for media_type in content.str_keys():
                media = content / media_type
                for name, value in media_examples(media):
                    cases.append(
                        pytest.param(
                            "response",
                            media / "schema",
                            value,
                            id=f"{op_id}-{status}-{media_type}-{name}",
                        )
                    )
    parameters = spec_path() / "components" / "parameters"
    for name in parameters.str_keys():
        parameter = parameters / name
        if "example" in parameter:
            cases.append(
                pytest.param(
                    "request",
                    parameter / "schema",
                    (parameter / "example").read_value(),
                    id=f"parameter-{name}",
                )
            )
    return cases


def schema_nodes(node: Any, parts: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], dict]]:
    """Every schema object nested in `node` (not following `$ref`), with its path from the root."""
    if not isinstance(node, dict):
        return
    yield parts, node
    for name, sub in (node.get("properties") or {}).items():
        yield from schema_nodes(sub, (*parts, "properties", name))
    for key in ("items", "additionalProperties", "not"):
        if isinstance(node.get(key), dict):
            yield from schema_nodes(node[key], (*parts, key))
    for key in ("allOf", "oneOf", "anyOf"):
        for index, sub in enumerate(node.get(key) or []):
            yield from schema_nodes(sub, (*parts, key, str(index)))


def collect_schema_examples() -> list[pytest.param]:
    cases = []
    for name, schema in raw_spec()["components"]["schemas"].items():
        for parts, node in schema_nodes(schema, ("components", "schemas", name)):
            if "example" in node:
                cases.append(pytest.param(parts, node["example"], id="/".join(parts[2:])))
    return cases


def assert_valid(kind: str, schema: SchemaPath, value: Any) -> None:
    factory = oas30_write_schema_validators_factory if kind == "request" else oas30_read_schema_validators_factory
    factory.create(spec_path(), schema).validate(value)


# --------------------------------------------------------------------------- the document


def test_spec_is_valid_openapi_30() -> None:
    spec = raw_spec()
    assert spec["openapi"] == "3.0.3"
    validate(spec, cls=OpenAPIV30SpecValidator)


def test_info_and_servers() -> None:
    spec = raw_spec()
    assert spec["info"]["title"] == "Chatwoot Inboxes API (chatwoot-inbox-mock)"
    assert [server["url"] for server in spec["servers"]] == ["/"]
    assert "trailing slash" in spec["info"]["description"]


def test_no_31_style_nullable_types() -> None:
    """3.0 spells null as `nullable: true`; `type: [x, 'null']` would break openapi-core."""
    offenders = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("type"), list):
                offenders.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(raw_spec(), "#")
    assert offenders == []


def test_every_array_a_request_may_carry_is_bounded() -> None:
    """A huge array costs the validator and the store for nothing (issue 9.6): every array reachable
    from a request body has a `maxItems`."""
    spec = raw_spec()
    unbounded: list[str] = []
    seen: set[str] = set()

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref not in seen:
                seen.add(ref)
                target = spec
                for part in ref.removeprefix("#/").split("/"):
                    target = target[part]
                walk(target, ref)
            if node.get("type") == "array" and "maxItems" not in node:
                unbounded.append(where)
            for key, value in node.items():
                if key not in ("example", "examples", "default", "enum"):
                    walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    for path, item in spec["paths"].items():
        for method in HTTP_METHODS:
            if "requestBody" in item.get(method, {}):
                walk(item[method]["requestBody"], f"{method.upper()} {path}")
    assert seen, "no request body schema was reached"
    assert unbounded == []


# --------------------------------------------------------------------------- the operations


def test_every_agreed_operation_exists_once_with_its_method_and_path() -> None:
    found: dict[str, list[tuple[str, str]]] = {}
    for path, method, operation in operations():
        found.setdefault(operation["operationId"], []).append((method, path))
    expected = {op_id: [(method, PREFIX + path)] for op_id, (method, path) in OPERATIONS.items()}
    assert found == expected


def test_every_operation_uses_the_user_api_key() -> None:
    scheme = raw_spec()["components"]["securitySchemes"]["userApiKey"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "api_access_token")
    for _path, _method, operation in operations():
        assert (operation / "security").read_value() == [{"userApiKey": []}], operation["operationId"]


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_every_operation_documents_its_statuses(operation_id: str) -> None:
    operation = operation_by_id(operation_id)
    statuses = set((operation / "responses").str_keys())
    # Chatwoot answers 200 everywhere but the CSAT template's `status: :created`.
    success = "201" if operation_id == "createInboxCsatTemplate" else "200"
    required = {success, "401", "404"} | EXTRA_STATUSES.get(operation_id, set())
    if "requestBody" in operation:
        required |= {"400", "413", "415", "422"}
    assert required <= statuses, f"{operation_id} lacks {sorted(required - statuses)}"


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_responses_are_json_except_empty_200s(operation_id: str) -> None:
    responses = operation_by_id(operation_id) / "responses"
    for status in responses.str_keys():
        response = responses / status
        if status == "200" and operation_id in EMPTY_200:
            assert "content" not in response, f"{operation_id} 200 must have no body"
            continue
        assert list((response / "content").str_keys()) == ["application/json"], (operation_id, status)
        assert "description" in response


def test_path_parameters_are_integers() -> None:
    for path, _method, operation in operations():
        item = spec_path() / "paths" / path
        parameters = [*(item.get("parameters") or []), *(operation.get("parameters") or [])]
        names = {p["name"] for p in parameters if p["in"] == "path"}
        assert names == {part[1:-1] for part in path.split("/") if part.startswith("{")}, path
        for parameter in parameters:
            if parameter["in"] == "path":
                assert (parameter / "schema" / "type").read_value() == "integer", (path, parameter["name"])


def test_create_links_point_at_real_operations() -> None:
    links = operation_by_id("createInbox") / "responses" / "200" / "links"
    targets = {(links / name)["operationId"] for name in links.str_keys()}
    # Every operation on one inbox (the account-level ones, agent bots and policies excluded), but
    # its assignment policy's: a new inbox has none (404 by design), and linking one is a 404 for
    # any policy the run did not make; Schemathesis would blame either 404 on the new inbox.
    inbox_scoped = {op for op, (_, path) in OPERATIONS.items() if path.startswith(("/inboxes/{id}", "/inbox_members"))}
    assert targets == inbox_scoped - {"replaceInbox", "getInboxAssignmentPolicy", "removeInboxAssignmentPolicy",
                                      "setInboxAssignmentPolicy"}


@pytest.mark.parametrize(("create", "collection"), [("createAgentBot", "/agent_bots/{id}"),
                                                     ("createAssignmentPolicy", "/assignment_policies/{")])
def test_record_creates_link_every_operation_on_the_new_record(create, collection) -> None:
    """Stateful runs follow create -> show, update (PATCH and PUT), delete, and the policy's inboxes."""
    links = operation_by_id(create) / "responses" / "200" / "links"
    targets = {(links / name)["operationId"] for name in links.str_keys()}
    assert targets == {op for op, (_, path) in OPERATIONS.items() if path.startswith(collection)}


def test_linking_a_policy_links_its_read_and_removal_on_that_inbox() -> None:
    links = operation_by_id("setInboxAssignmentPolicy") / "responses" / "200" / "links"
    by_target = {(links / name)["operationId"]: (links / name / "parameters").read_value() for name in links.str_keys()}
    assert by_target["getInboxAssignmentPolicy"]["id"] == by_target["removeInboxAssignmentPolicy"]["id"] == (
        "$request.path.id")
    assert by_target["getAssignmentPolicy"]["id"] == "$response.body#/id"


def test_every_named_example_is_used() -> None:
    refs: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.add(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(raw_spec())
    unused = [name for name in raw_spec()["components"]["examples"] if f"#/components/examples/{name}" not in refs]
    assert unused == []


# --------------------------------------------------------------------------- the examples


@pytest.mark.parametrize(("kind", "schema", "value"), collect_examples())
def test_example_obeys_its_schema(kind: str, schema: SchemaPath, value: Any) -> None:
    assert_valid(kind, schema, value)


@pytest.mark.parametrize(("parts", "value"), collect_schema_examples())
def test_schema_example_obeys_its_schema(parts: tuple[str, ...], value: Any) -> None:
    node = spec_path()
    for part in parts:
        node = node / part
    assert_valid("response", node, value)


def test_there_are_examples_to_check() -> None:
    ids = {case.id for case in collect_examples()}
    for op_id in (
        "createInbox-request-application/json-webWidget",
        "listInboxes-200-application/json-inboxes",
        "getInboxHealth-200-application/json-docs",
    ):
        assert op_id in ids


WHATSAPP_CLOUD_HEALTH = {
    "display_phone_number": "+1 555-010-0199",
    "verified_name": "Example",
    "name_status": "APPROVED",
    "quality_rating": "GREEN",
    "messaging_limit_tier": "TIER_1K",
    "account_mode": "LIVE",
    "code_verification_status": "VERIFIED",
    "throughput": {"level": "STANDARD"},
    "last_onboarded_time": None,
    "platform_type": "CLOUD_API",
    "business_id": None,
}


@pytest.mark.parametrize(
    ("union", "value"),
    [
        (("responses", "Unauthorized"), {"errors": ["You need to sign in or sign up before continuing."]}),
        (("responses", "Unauthorized"), {"error": "Invalid Access Token"}),
        (("responses", "UnprocessableEntity"), {"message": "Name can't be blank", "attributes": ["name"]}),
        (("responses", "UnprocessableEntity"), {"message": "Please check the IMAP credentials and try again."}),
        (("responses", "UnprocessableEntity"), {"error": "Invalid channel type"}),
        (("responses", "UnprocessableEntity"), {"message": "x", "error": "y"}),
        (
            ("responses", "UnprocessableEntity"),
            {"message": "x", "attributes": ["name"], "errors": [{"attribute": "name", "message": "x"}]},
        ),
        (("schemas", "Health"), WHATSAPP_CLOUD_HEALTH),
        (("schemas", "Health"), {"status": "healthy", "quality_rating": "green", "messaging_limit": "tier_1k"}),
    ],
)
def test_one_of_branches_are_exclusive(union: tuple[str, str], value: Any) -> None:
    """Each body the mock sends matches exactly one branch of its `oneOf` (openapi-core fails otherwise)."""
    node = spec_path() / "components" / union[0] / union[1]
    if union[0] == "responses":
        node = node / "content" / "application/json" / "schema"
    assert_valid("response", node, value)


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        ("InboxCreateRequest", {"name": "x", "channel": {"type": "facebook"}}),
        ("InboxCreateRequest", {"name": "x", "channel": {"website_url": "https://example.com"}}),
        ("InboxCreateRequest", {"name": "x"}),
        ("InboxCreateRequest", {"name": " ", "channel": {"type": "api"}}),
        ("InboxCreateRequest", {"name": "x", "channel": {"type": "telegram", "bot_token": "nope"}}),
        ("InboxUpdateRequest", {"timezone": "Eastern Time (US & Canada)"}),
        ("InboxUpdateRequest", {"working_hours": [{"day_of_week": 7}]}),
        ("InboxMembersRequest", {"inbox_id": 1}),
        ("ErrorMessage", {"error": "x", "message": "y"}),
    ],
)
def test_schema_refuses(schema: str, value: Any) -> None:
    """Bodies Chatwoot refuses with 422 (or would 500 on) are refused by the schema itself. (The
    10,000-character text limit is the store's, so that its message is Chatwoot's.)"""
    with pytest.raises(InvalidSchemaValue):
        assert_valid("request", spec_path() / "components" / "schemas" / schema, value)
