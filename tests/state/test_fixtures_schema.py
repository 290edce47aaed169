"""The state-document schema and the demo fixture that must satisfy it."""

import copy
import json
from collections import Counter
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _load(name):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def schema():
    return _load("state.schema.json")


@pytest.fixture(scope="module")
def validator(schema):
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture
def demo():
    return _load("demo.json")


def _messages(errors):
    return "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_schema_is_valid_draft_2020_12(schema):
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://chatwoot-inbox-mock.invalid/state.schema.json"
    assert schema["title"] and schema["description"]


def test_every_declared_property_has_a_description(schema):
    """Properties of declared objects (not of if/then/oneOf constraint fragments) are documented."""
    missing = []

    def walk(node, path):
        if isinstance(node, dict):
            if node.get("type") == "object" or "object" in (node.get("type") or []):
                for name, sub in node.get("properties", {}).items():
                    if not sub.get("description"):
                        missing.append(f"{path}/properties/{name}")
            for key, value in node.items():
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}/{i}")

    walk(schema, "#")
    assert missing == []


def test_demo_is_valid(validator, demo):
    errors = list(validator.iter_errors(demo))
    assert errors == [], _messages(errors)


def test_demo_covers_every_createable_channel_type_but_line(demo):
    types = {inbox["channel"]["type"] for inbox in demo["inboxes"]}
    assert types == {"web_widget", "api", "email", "whatsapp", "telegram", "sms"}


def test_demo_references_are_consistent(demo):
    """The schema cannot check ids across arrays; the demo must still load cleanly."""
    for collection in ("accounts", "users", "agent_bots", "inboxes", "campaigns"):
        ids = Counter(item["id"] for item in demo[collection])
        assert [i for i, n in ids.items() if n > 1] == [], collection

    accounts = {a["id"] for a in demo["accounts"]}
    bots = {b["id"]: b for b in demo["agent_bots"]}
    inboxes = {i["id"]: i for i in demo["inboxes"]}
    roles = {(m["account_id"], u["id"]): m["role"] for u in demo["users"] for m in u["memberships"]}

    tokens = Counter(x["access_token"] for x in demo["users"] + demo["agent_bots"])
    assert [t for t, n in tokens.items() if n > 1] == []
    assert {a for a, _ in roles} <= accounts
    assert {b["account_id"] for b in bots.values()} <= accounts | {None}
    assert {i["account_id"] for i in inboxes.values()} <= accounts

    member_rows = [(m["inbox_id"], m["user_id"]) for m in demo["inbox_members"]]
    assert len(member_rows) == len(set(member_rows))
    for inbox_id, user_id in member_rows:
        assert (inboxes[inbox_id]["account_id"], user_id) in roles

    linked = [link["inbox_id"] for link in demo["agent_bot_inboxes"]]
    assert len(linked) == len(set(linked))
    for link in demo["agent_bot_inboxes"]:
        bot_account = bots[link["agent_bot_id"]]["account_id"]
        assert bot_account in (None, inboxes[link["inbox_id"]]["account_id"])

    display_ids = Counter((c["account_id"], c["display_id"]) for c in demo["campaigns"])
    assert [k for k, n in display_ids.items() if n > 1] == []
    for c in demo["campaigns"]:
        inbox = inboxes[c["inbox_id"]]
        assert c["account_id"] == inbox["account_id"]
        if c.get("sender_id") is not None:
            assert (c["account_id"], c["sender_id"]) in roles
        # Chatwoot forces the type from the inbox (Campaign#ensure_correct_campaign_attributes).
        expected = "ongoing" if inbox["channel"]["type"] == "web_widget" else "one_off"
        assert inbox["channel"]["type"] in ("web_widget", "sms", "twilio_sms", "whatsapp")
        assert c["campaign_type"] == expected


def test_demo_tokens_and_roles(demo):
    users = {u["access_token"]: u for u in demo["users"]}
    assert users["demo-admin-token"]["memberships"] == [{"account_id": 1, "role": "administrator"}]
    assert users["demo-agent-token"]["memberships"] == [{"account_id": 1, "role": "agent"}]
    assert users["demo-globex-token"]["memberships"] == [{"account_id": 2, "role": "administrator"}]
    members = {(m["inbox_id"], m["user_id"]) for m in demo["inbox_members"]}
    assert {i for i, u in members if u == 2} == {1, 2}


def _unknown_channel_type(doc):
    doc["inboxes"][0]["channel"]["type"] = "carrier_pigeon"
    return ("inboxes", 0, "channel", "type")


def _missing_access_token(doc):
    del doc["users"][1]["access_token"]
    return ("users", 1)


def _role_owner(doc):
    doc["users"][0]["memberships"][0]["role"] = "owner"
    return ("users", 0, "memberships", 0, "role")


def _extra_top_level_key(doc):
    doc["conversations"] = []
    return ()


def _key_of_another_channel_type(doc):
    doc["inboxes"][0]["channel"]["bot_token"] = "123456789:AAHdemo-acme-support-bot-token_0001"
    return ("inboxes", 0, "channel")


def _six_working_days(doc):
    doc["inboxes"][0]["working_hours"].pop()
    return ("inboxes", 0, "working_hours")


def _duplicate_working_day(doc):
    doc["inboxes"][0]["working_hours"][6]["day_of_week"] = 5
    return ("inboxes", 0, "working_hours")


def _open_day_without_hours(doc):
    doc["inboxes"][0]["working_hours"][1]["open_hour"] = None
    return ("inboxes", 0, "working_hours", 1)


def _bad_created_at(doc):
    doc["campaigns"][0]["created_at"] = "yesterday"
    return ("campaigns", 0, "created_at")


def _bad_user_email(doc):
    doc["users"][0]["email"] = "alice.acme.example"
    return ("users", 0, "email")


def _wrong_version(doc):
    doc["version"] = 2
    return ("version",)


@pytest.mark.parametrize(
    "mutate",
    [
        _unknown_channel_type,
        _missing_access_token,
        _role_owner,
        _extra_top_level_key,
        _key_of_another_channel_type,
        _six_working_days,
        _duplicate_working_day,
        _open_day_without_hours,
        _bad_created_at,
        _bad_user_email,
        _wrong_version,
    ],
    ids=lambda f: f.__name__.lstrip("_"),
)
def test_invalid_documents_are_rejected(validator, demo, mutate):
    doc = copy.deepcopy(demo)
    where = mutate(doc)
    errors = list(validator.iter_errors(doc))
    assert errors, "mutated document was accepted"
    paths = [tuple(e.absolute_path) for e in errors]
    assert any(p[: len(where)] == where for p in paths), _messages(errors)
