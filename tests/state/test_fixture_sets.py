"""The seeded fixture sets: reproducible bytes, realistic values, loadable and servable documents."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from conftest import ApiClient

from mockserver import build_store, create_app
from mockserver.chatwoot.channels import KINDS
from mockserver.cli import main
from mockserver.state.document import StateDocumentError, export_document
from mockserver.state.fixture_sets import (
    DEFAULT_LARGE_INBOXES,
    LARGE_ACCOUNTS,
    SET_NAMES,
    WINDOW_END,
    WINDOW_START,
    FixtureSetError,
    dumps,
    generate,
    load,
)

ROOT = Path(__file__).resolve().parents[2]
E164 = re.compile(r"\+[1-9][0-9]{7,14}")
TELEGRAM_TOKEN = re.compile(r"[0-9]{8,10}:[A-Za-z0-9_-]{35}")
SMALL_LARGE = 240  # a "large" set small enough to load in every test run; 30 of each channel type


@pytest.fixture(scope="module")
def large() -> dict:
    return generate("large", seed=5, inboxes=SMALL_LARGE)


@pytest.fixture(scope="module")
def full_large() -> dict:
    return generate("large")


def phones(document: dict) -> list[str]:
    return [i["channel"]["phone_number"] for i in document["inboxes"]
            if i["channel"]["type"] in ("whatsapp", "sms", "twilio_sms") and i["channel"].get("phone_number")]


def test_committed_demo_is_the_generators_output():
    """`make demo-fixtures` wrote it; nobody edits it by hand."""
    assert (ROOT / "fixtures" / "demo.json").read_bytes() == dumps(generate("demo")).encode("utf-8")


def _generated_in_fresh_process(*args: str, env: dict[str, str]) -> bytes:
    result = subprocess.run([sys.executable, "-m", "mockserver.cli", "fixtures", *args], capture_output=True,
                            env={**os.environ, **env}, check=True, timeout=120)
    return result.stdout


def test_same_bytes_in_two_fresh_processes():
    """Another process, another hash seed and another local time zone: the same bytes."""
    args = ("--set", "large", "--seed", "7", "--inboxes", "64")
    first = _generated_in_fresh_process(*args, env={"PYTHONHASHSEED": "1", "TZ": "UTC"})
    second = _generated_in_fresh_process(*args, env={"PYTHONHASHSEED": "2", "TZ": "Pacific/Auckland"})
    assert first == second
    assert first == dumps(generate("large", seed=7, inboxes=64)).encode("utf-8")


@pytest.mark.parametrize("name", SET_NAMES)
def test_different_seeds_differ(name):
    size = 16 if name == "large" else None
    assert dumps(generate(name, seed=1, inboxes=size)) != dumps(generate(name, seed=2, inboxes=size))
    assert dumps(generate(name, seed=2, inboxes=size)) == dumps(generate(name, seed=2, inboxes=size))


def test_the_demo_keeps_its_shape_whatever_the_seed():
    one, other = generate("demo", seed=1), generate("demo", seed=99)
    for document in (one, other):
        assert [(u["id"], u["access_token"], u["memberships"]) for u in document["users"]] == [
            (1, "demo-admin-token", [{"account_id": 1, "role": "administrator"}]),
            (2, "demo-agent-token", [{"account_id": 1, "role": "agent"}]),
            (3, "demo-globex-token", [{"account_id": 2, "role": "administrator"}])]
        assert [(i["id"], i["account_id"], i["channel"]["type"]) for i in document["inboxes"]] == [
            (1, 1, "web_widget"), (2, 1, "api"), (3, 1, "email"), (4, 1, "whatsapp"), (5, 1, "telegram"),
            (6, 1, "sms"), (7, 2, "api")]
        assert [b["access_token"] for b in document["agent_bots"]] == ["demo-bot-token-1", "demo-system-bot-token"]
        assert [(c["id"], c["inbox_id"], c["campaign_type"]) for c in document["campaigns"]] == [
            (1, 1, "ongoing"), (2, 1, "ongoing"), (3, 6, "one_off")]
    assert one["users"][0]["name"] != other["users"][0]["name"]


def _serve_a_few_requests(document: dict, token: str, account_id: int, *, admin: bool = True, app=None) -> None:
    app = app or create_app(build_store(document), validate_responses=True)  # a spec mismatch would be a 500
    client = ApiClient(app.test_client(), token, f"/api/v1/accounts/{account_id}")
    listed = client.get("/inboxes").get_json()["payload"]
    assert [i["id"] for i in listed] == sorted(i["id"] for i in document["inboxes"] if i["account_id"] == account_id)
    for inbox in listed[:8]:  # one of each channel type
        for path in ("", "/agent_bot", "/assignable_agents"):
            assert client.get(f"/inboxes/{inbox['id']}{path}").status_code == 200
    assert client.get("/agent_bots").status_code == (200 if admin else 401)  # administrators only


def test_demo_loads_and_serves():
    _serve_a_few_requests(generate("demo", seed=3), "demo-admin-token", 1)


def test_empty_has_one_account_an_admin_an_agent_and_nothing_else():
    document = generate("empty", seed=3)
    assert [a["id"] for a in document["accounts"]] == [1]
    assert sorted(m["role"] for u in document["users"] for m in u["memberships"]) == ["administrator", "agent"]
    assert [document[k] for k in ("agent_bots", "inboxes", "inbox_members", "agent_bot_inboxes", "campaigns")] == [
        [], [], [], [], []]
    _serve_a_few_requests(document, "empty-admin-token", 1)
    _serve_a_few_requests(document, "empty-agent-token", 1, admin=False)


def test_large_loads_and_serves(large):
    store = build_store(large)
    assert len(store.inboxes) == SMALL_LARGE
    assert len(store.campaigns) == len(large["campaigns"]) > 0
    assert sum(map(len, store.members.values())) == len(large["inbox_members"])
    app = create_app(store, validate_responses=True)
    for account_id in range(1, LARGE_ACCOUNTS + 1):
        _serve_a_few_requests(large, f"large-admin-token-{account_id}", account_id, app=app)
    campaign = large["campaigns"][0]
    client = ApiClient(app.test_client(),
                       f"large-admin-token-{campaign['account_id']}", f"/api/v1/accounts/{campaign['account_id']}")
    listed = client.get(f"/inboxes/{campaign['inbox_id']}/campaigns").get_json()
    assert campaign["display_id"] in [c["id"] for c in listed]


def test_large_has_bots_policies_links_and_csat_templates(large):
    """Issue 11's records: two bots per account besides the system bot, assignment policies, a
    fifth of the inboxes linked to a policy of their own account, and CSAT templates on WhatsApp
    inboxes whose survey is on."""
    account_of = {i["id"]: i["account_id"] for i in large["inboxes"]}
    policies = {p["id"]: p for p in large["assignment_policies"]}
    for account_id in range(1, LARGE_ACCOUNTS + 1):
        assert len([b for b in large["agent_bots"] if b["account_id"] == account_id]) == 2
        names = [p["name"] for p in policies.values() if p["account_id"] == account_id]
        assert len(names) == len(set(names)) == 2  # unique in the account, as Chatwoot keeps them
    links = large["inbox_assignment_policies"]
    assert SMALL_LARGE // 10 < len(links) < SMALL_LARGE // 3
    assert len({link["inbox_id"] for link in links}) == len(links)  # one policy per inbox at most
    assert [link["id"] for link in links] == list(range(1, len(links) + 1))
    for link in links:
        policy = policies[link["assignment_policy_id"]]
        assert policy["account_id"] == account_of[link["inbox_id"]]
        assert link["created_at"] >= policy["created_at"]
    templated = [i for i in large["inboxes"] if "template" in i.get("csat_config", {})]
    assert templated
    for inbox in templated:
        channel = inbox["channel"]
        assert inbox["csat_survey_enabled"]
        assert channel["type"] == "whatsapp" or (channel["type"], channel["medium"]) == ("twilio_sms", "whatsapp")
        name_key = "name" if channel["type"] == "whatsapp" else "friendly_name"
        assert inbox["csat_config"]["template"][name_key] == f"customer_satisfaction_survey_{inbox['id']}"


def test_large_new_records_export_as_generated_and_reload_equal(large):
    store = build_store(large)
    exported = export_document(store)
    for key in ("assignment_policies", "inbox_assignment_policies"):
        assert exported[key] == large[key]
    assert [(b["id"], b["name"], b["bot_config"]) for b in exported["agent_bots"]] == [
        (b["id"], b["name"], b.get("bot_config", {})) for b in large["agent_bots"]]
    templates = {i["id"]: i["csat_config"]["template"] for i in large["inboxes"]
                 if "template" in i.get("csat_config", {})}
    assert {i["id"]: i["csat_config"]["template"] for i in exported["inboxes"]
            if "template" in i["csat_config"]} == templates
    assert export_document(build_store(exported)) == exported


def test_large_new_records_are_served(large):
    app = create_app(build_store(large), validate_responses=True)  # a spec mismatch would be a 500
    linked = {link["inbox_id"]: link["assignment_policy_id"] for link in large["inbox_assignment_policies"]}
    for account_id in range(1, LARGE_ACCOUNTS + 1):
        client = ApiClient(app.test_client(), f"large-admin-token-{account_id}", f"/api/v1/accounts/{account_id}")
        own = [p["id"] for p in large["assignment_policies"] if p["account_id"] == account_id]
        assert [p["id"] for p in client.get("/assignment_policies").get_json()] == own
        for policy_id in own:
            inboxes = client.get(f"/assignment_policies/{policy_id}/inboxes").get_json()
            assert [i["id"] for i in inboxes["inboxes"]] == sorted(i for i, p in linked.items() if p == policy_id)
        bots = [b["id"] for b in client.get("/agent_bots").get_json()]
        assert bots == [b["id"] for b in large["agent_bots"] if b["account_id"] in (None, account_id)]
        mine = [i for i in large["inboxes"] if i["account_id"] == account_id]
        for inbox in mine[:20]:
            answer = client.get(f"/inboxes/{inbox['id']}/assignment_policy")
            assert answer.status_code == (200 if inbox["id"] in linked else 404)
            if inbox["id"] in linked:
                assert answer.get_json()["id"] == linked[inbox["id"]]
    templated = next(i for i in large["inboxes"] if i["channel"]["type"] == "whatsapp"
                     and "template" in i.get("csat_config", {}))
    client = ApiClient(app.test_client(), f"large-admin-token-{templated['account_id']}",
                       f"/api/v1/accounts/{templated['account_id']}")
    status = client.get(f"/inboxes/{templated['id']}/csat_template").get_json()
    template = templated["csat_config"]["template"]
    assert status["template_exists"] is True
    assert (status["template_name"], status["status"], status["template_id"]) == (
        template["name"], template["status"], template["template_id"])


def test_large_default_size_and_accounts(full_large):
    assert len(full_large["inboxes"]) == DEFAULT_LARGE_INBOXES
    assert [a["id"] for a in full_large["accounts"]] == list(range(1, LARGE_ACCOUNTS + 1))
    per_account = Counter(i["account_id"] for i in full_large["inboxes"])
    assert set(per_account.values()) == {DEFAULT_LARGE_INBOXES // LARGE_ACCOUNTS}
    assert {i["channel"]["type"] for i in full_large["inboxes"]} == set(KINDS)


def test_values_unique_across_ten_thousand_inboxes(full_large):
    """What the store (or Chatwoot) keeps unique, and what a test would want to tell apart."""
    channels = [i["channel"] for i in full_large["inboxes"]]
    families = {
        "phone": phones(full_large),
        "email": [c["email"] for c in channels if c["type"] == "email"],
        "bot_token": [c["bot_token"] for c in channels if c["type"] == "telegram"],
        "line_channel_id": [c["line_channel_id"] for c in channels if c["type"] == "line"],
        "access_token": [x["access_token"] for x in full_large["users"] + full_large["agent_bots"]],
        "user_email": [u["email"] for u in full_large["users"]],
    }
    for family, values in families.items():
        assert len(values) == len(set(values)) > 0, family
    assert len(families["phone"]) > 3000


def test_telegram_tokens_have_telegrams_format(large):
    tokens = [i["channel"]["bot_token"] for i in large["inboxes"] if i["channel"]["type"] == "telegram"]
    tokens.append(generate("demo")["inboxes"][4]["channel"]["bot_token"])
    assert len(tokens) == SMALL_LARGE // 8 + 1
    assert all(TELEGRAM_TOKEN.fullmatch(token) for token in tokens), tokens


def test_phone_numbers_are_e164(large):
    numbers = phones(large) + phones(generate("demo"))
    assert len(numbers) > SMALL_LARGE // 4
    assert all(E164.fullmatch(number) for number in numbers), numbers


def test_both_whatsapp_providers(large):
    configs = {i["channel"]["provider"]: i["channel"]["provider_config"]
               for i in large["inboxes"] if i["channel"]["type"] == "whatsapp"}
    assert set(configs) == {"whatsapp_cloud", "default"}  # Meta's Cloud API and 360dialog
    assert {"api_key", "phone_number_id", "business_account_id"} <= set(configs["whatsapp_cloud"])
    assert set(configs["default"]) == {"api_key"}


def test_email_channels_carry_imap_and_smtp(large):
    for channel in (i["channel"] for i in large["inboxes"] if i["channel"]["type"] == "email"):
        assert channel["imap_enabled"] and channel["smtp_enabled"]
        assert channel["imap_login"] == channel["smtp_login"] == channel["email"]
        assert channel["imap_port"] == 993 and channel["smtp_port"] in (465, 587)
        assert channel["smtp_enable_ssl_tls"] is (channel["smtp_port"] == 465)


def _dates(node, key=None):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _dates(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _dates(v, key)
    elif key in ("created_at", "updated_at"):
        yield datetime.fromisoformat(node)
    elif key == "scheduled_at" and node is not None:
        yield datetime.fromtimestamp(node, WINDOW_START.tzinfo)


@pytest.mark.parametrize("name", SET_NAMES)
def test_no_date_outside_the_fixed_window(name, large):
    document = large if name == "large" else generate(name)
    dates = list(_dates(document))
    outside = [d for d in dates if not WINDOW_START <= d <= WINDOW_END]
    assert outside == []
    if name != "empty":
        assert dates


def test_campaigns_sit_on_inboxes_that_can_have_them(large):
    kinds = {i["id"]: i["channel"]["type"] for i in large["inboxes"]}
    for campaign in large["campaigns"]:
        expected = "ongoing" if kinds[campaign["inbox_id"]] == "web_widget" else "one_off"
        assert kinds[campaign["inbox_id"]] in ("web_widget", "sms", "twilio_sms", "whatsapp")
        assert campaign["campaign_type"] == expected
        assert campaign["created_at"] <= campaign["updated_at"]


@pytest.mark.parametrize(("name", "kwargs", "message"), [
    ("nope", {}, "unknown fixture set 'nope'"),
    ("demo", {"inboxes": 3}, "has a fixed size"),
    ("large", {"inboxes": -1}, "between 0 and"),
    ("large", {"seed": "1"}, "must be an integer"),
])
def test_bad_requests_are_refused(name, kwargs, message):
    with pytest.raises(FixtureSetError, match=message):
        generate(name, **kwargs)


def test_cli_writes_the_file(tmp_path, capsys):
    target = tmp_path / "empty.json"
    assert main(["fixtures", "--set", "empty", "--seed", "3", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == dumps(generate("empty", seed=3))
    assert main(["fixtures", "--set", "large", "--inboxes", "9", "--seed", "4"]) == 0
    assert capsys.readouterr().out == dumps(generate("large", seed=4, inboxes=9))
    assert main(["fixtures", "--set", "demo", "--inboxes", "9"]) == 2
    assert "fixed size" in capsys.readouterr().err
    assert main(["fixtures", "--set", "empty", "-o", str(tmp_path / "missing" / "x.json")]) == 1
    assert main(["fixtures", "--set", "unknown"]) == 2
    assert "--set" in capsys.readouterr().err


def test_cli_set_choices_are_the_sets():
    from mockserver.cli.serve import fixtures_command

    assert tuple(next(p for p in fixtures_command.params if p.name == "set_name").type.choices) == SET_NAMES


def test_load_takes_a_set_a_file_or_nothing(tmp_path):
    assert load() == generate("demo")
    assert load("empty", seed=4) == generate("empty", seed=4)
    assert load("large", inboxes=3) == generate("large", inboxes=3)
    path = tmp_path / "state.json"
    path.write_text(dumps(generate("empty", seed=8)), encoding="utf-8")
    assert load(str(path)) == generate("empty", seed=8)
    with pytest.raises(FixtureSetError, match="apply to a set name"):
        load(str(path), seed=2)
    with pytest.raises(FixtureSetError, match=r"neither a fixture set \(demo, empty, large\) nor a state file"):
        load(str(tmp_path / "absent.json"))
    with pytest.raises(StateDocumentError, match="cannot read"):
        load(str(tmp_path))  # a directory


def test_serve_generates_a_named_set_at_start():
    import requests

    from mockserver.testing.served import ServedMock

    expected = generate("large", seed=2, inboxes=16)
    with ServedMock("--fixtures", "large", "--seed", "2", "--inboxes", "16") as served:
        response = requests.get(f"{served.url}/api/v1/accounts/2/inboxes",
                                headers={"api_access_token": "large-admin-token-2"}, timeout=10)
        assert response.status_code == 200
        assert [i["id"] for i in response.json()["payload"]] == [
            i["id"] for i in expected["inboxes"] if i["account_id"] == 2]
        # 5 administrators and 10 agents: the banner names the first ten users only.
        assert any(line.strip() == "... and 5 more users" for line in served.output())


@pytest.mark.parametrize("spelling", ["--fixtures", "--state"])
def test_state_is_an_alias_of_fixtures(spelling, monkeypatch):
    from mockserver.cli.serve import serve_command

    def fixtures(*args: str) -> str | None:
        return serve_command.make_context("serve", list(args)).params["fixtures"]

    monkeypatch.delenv("MOCK_FIXTURES", raising=False)
    monkeypatch.delenv("MOCK_STATE", raising=False)
    assert fixtures(spelling, "state.json") == "state.json"
    monkeypatch.setenv("MOCK_STATE", "old.json")
    assert fixtures() == "old.json"
    monkeypatch.setenv("MOCK_FIXTURES", "empty")
    assert fixtures() == "empty"
