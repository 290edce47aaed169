"""The hooks that make positive data valid for the state keep it valid for the spec too."""

from __future__ import annotations

import json
import re
from pathlib import Path
from random import Random
from typing import Any

from contract_tests.forms import valid_as_sent
from contract_tests.harness import (
    ADMIN_TOKEN,
    BUDGETS,
    SETTINGS,
    Tally,
    _DemoIds,
    _keep_a_listed_provider,
    _make_unique,
    fresh_mock,
    json_bodies_only,
    load_schema,
    path_record_exists,
)
from contract_tests.hostile import dump_with
from mockserver import Profile, resources

SCHEMAS = resources.load_spec()["components"]["schemas"]


def test_unique_values_get_a_marker_and_keep_their_patterns():
    body = {"channel": {"type": "telegram", "bot_token": "12345:" + "a" * 30, "phone_number": "+1",
                        "email": "a@b.example", "line_channel_id": "x"}}
    _make_unique(body, 7)
    channel = body["channel"]
    assert re.search(SCHEMAS["TelegramChannelFields"]["properties"]["bot_token"]["pattern"], channel["bot_token"])
    assert channel["bot_token"] == "10007:" + "a" * 30
    assert channel["phone_number"] == "+1-u7"
    assert channel["email"] == "u7-a@b.example"
    assert channel["line_channel_id"] == "x-u7"


def test_form_fields_are_marked_and_blank_values_left_alone():
    body = {"channel[phone_number]": "5", "channel[email]": " "}
    _make_unique(body, 3)
    assert body == {"channel[phone_number]": "5-u3", "channel[email]": " "}


def test_user_ids_map_onto_existing_users_once_each():
    demo = _DemoIds.read()
    mapped = demo.existing_users([0, 3, 1000, -2, "x"])
    assert set(mapped) <= set(demo.user_ids)
    assert len(mapped) == len(set(mapped))
    assert demo.pick_inbox(123456) in demo.inbox_ids


def test_an_update_of_the_whatsapp_inbox_keeps_a_provider_it_may_have():
    # The full budget's case that failed positive_data_acceptance (a 422 "Provider is not included
    # in the list", as Chatwoot answers it): the spec's update body takes any provider string.
    demo = _DemoIds.read()
    whatsapp = [i for i, (_, allowed) in demo.listed_providers.items() if allowed == ("default", "whatsapp_cloud")]
    assert whatsapp and set(whatsapp) < set(demo.inbox_ids)
    app = fresh_mock("provider", Profile.CHATWOOT, "admin")
    admin = {"api_access_token": "demo-admin-token"}
    body = {"greeting_enabled": False, "channel": {"provider": "-j\u00ed\u00aa", "tweets_enabled": True}}
    url = f"/api/v1/accounts/{demo.account_id}/inboxes/{whatsapp[0]}"
    assert app.test_client().put(url, json=body, headers=admin).status_code == 422
    _keep_a_listed_provider(body, demo.listed_providers[whatsapp[0]])
    answer = app.test_client().put(url, json=body, headers=admin)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    form = {"channel[provider]": "x", "channel[provider_config]": "{}"}
    _keep_a_listed_provider(form, demo.listed_providers[whatsapp[0]])
    assert form["channel[provider]"] in ("default", "whatsapp_cloud")
    other = {"channel": {"provider": "anything"}}
    _keep_a_listed_provider(other, demo.listed_providers.get(min(demo.inbox_ids)))
    assert other == {"channel": {"provider": "anything"}}  # not a WhatsApp inbox: left as generated


def _form(fields: dict, files: dict | None = None) -> tuple[bytes, str]:
    """A multipart body as requests encodes one: each value as text, a list as repeated fields, a
    None not at all."""
    import requests

    parts = [(name, (None, str(item))) for name, value in fields.items()
             for item in (value if isinstance(value, list) else [value]) if item is not None]
    parts += list((files or {}).items())
    prepared = requests.Request("POST", "http://mock.test/", files=parts).prepare()
    return prepared.body, prepared.headers["Content-Type"]


def test_a_form_valid_as_sent_is_told_from_one_that_is_not():
    # What negative data becomes on the wire: a number as text, a null not sent at all.
    valid = {"name": 0, "channel[type]": "api", "greeting_message": None, "greeting_enabled": "true"}
    assert valid_as_sent("createInbox", *_form(valid, {"avatar": ("logo.png", b"\x89PNG", "image/png")}))
    # Any text is a form boolean (Rails casts "maybe" to true); an empty one is null, which it may not be.
    for broken in ({"name": "Web", "channel[type]": "api", "greeting_enabled": ""},  # not a form boolean
                   {"name": "Web", "channel[type]": "carrier_pigeon"},  # no such channel type
                   {"channel[type]": "api"},  # the name is required
                   {"name": "Web", "channel[type]": "api", "colour": "red"}):  # no such field
        assert not valid_as_sent("createInbox", *_form(broken)), broken


def test_a_repeated_form_field_is_read_as_its_last_value():
    # As Rack reads it, and the mock after it (tests/web/test_api_forms.py).
    assert valid_as_sent("updateInbox", *_form({"greeting_enabled": ["", "true"]}))
    assert not valid_as_sent("updateInbox", *_form({"greeting_enabled": ["true", ""]}))
    encoded = "application/x-www-form-urlencoded"
    assert valid_as_sent("updateInbox", b"portal_id=abc&portal_id=5", encoded)
    assert not valid_as_sent("updateInbox", b"portal_id=5&portal_id=abc", encoded)


def test_a_body_that_is_no_form_is_not_valid_as_sent():
    assert not valid_as_sent("createInbox", b'{"name": "Web"}', "application/json")
    assert not valid_as_sent("createInbox", None, "multipart/form-data")


def test_a_hostile_token_replaces_exactly_the_leaf_drawn():
    body = {"name": "Web", "channel": {"type": "api", "flags": []}, "ids": [1, 2]}
    assert dump_with(body, 0, "1e400") == '{"name":1e400,"channel":{"type":"api","flags":[]},"ids":[1,2]}'
    assert dump_with(body, 2, '"\\ud800"') == '{"name":"Web","channel":{"type":"api","flags":"\\ud800"},"ids":[1,2]}'
    assert json.loads(dump_with(body, 4, "7")) == {**body, "ids": [1, 7]}


def test_the_record_a_path_names_is_looked_up_by_its_kind():
    # The stateful runs drop a "created resource not found" only while this says the record is there.
    app = fresh_mock("harness-test", Profile.DOCS, "harness")  # no request is sent: nothing tallied
    set_bot = "/api/v1/accounts/{account_id}/inboxes/{id}/set_agent_bot"
    assert path_record_exists(app, set_bot, {"account_id": 1, "id": 1})
    assert not path_record_exists(app, set_bot, {"account_id": 1, "id": 99999})
    bot_id = _DemoIds.read().own_agent_bot_ids[0]
    assert path_record_exists(app, "/api/v1/accounts/{account_id}/agent_bots/{id}", {"id": bot_id})
    assert not path_record_exists(app, "/api/v1/accounts/{account_id}/agent_bots/{id}", {"id": 99999})
    policy_inboxes = "/api/v1/accounts/{account_id}/assignment_policies/{assignment_policy_id}/inboxes"
    assert path_record_exists(app, policy_inboxes, {"assignment_policy_id": 1})  # harness.contract_document's
    assert not path_record_exists(app, policy_inboxes, {"assignment_policy_id": 2})
    assert not path_record_exists(app, "/api/v1/accounts/{account_id}/inboxes", {"account_id": 1})


def test_the_stateful_spec_keeps_json_bodies_and_only_them_where_there_is_one():
    spec = resources.load_spec()
    narrowed = json_bodies_only(spec)
    create = narrowed["paths"]["/api/v1/accounts/{account_id}/inboxes"]["post"]["requestBody"]["content"]
    assert list(create) == ["application/json"]
    original = spec["paths"]["/api/v1/accounts/{account_id}/inboxes"]["post"]["requestBody"]["content"]
    assert {"multipart/form-data", "application/x-www-form-urlencoded"} <= set(original)  # the spec is not changed


def test_the_readme_budget_table_says_what_each_budget_runs():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for name, budget in BUDGETS.items():
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{name}` |"))
        assert f"| {budget.max_examples} examples" in row, row
        assert f"| {budget.stateful_examples} runs of up to {budget.stateful_steps} steps |" in row, row
        assert ("coverage" in row) == budget.coverage, row


def test_a_nested_member_field_is_judged_as_the_mock_judges_it():
    # Rails' nesting of a JSON attribute is not a documented form field: the mock checks it as the
    # JSON it becomes, so the harness does not call such a form invalid as sent.
    encoded = "application/x-www-form-urlencoded"
    assert valid_as_sent("updateInbox", b"working_hours[0][day_of_week]=1&working_hours[0][open_hour]=8", encoded)
    assert valid_as_sent("updateInbox", *_form({"channel[selected_feature_flags][]": ["attachments"]}))
    assert not valid_as_sent("updateInbox", b"working_hours=8", encoded)  # one name, no brackets: no such field


def test_tallies_of_two_workers_add_up_to_the_tally_of_one_run():
    # `make test` runs the suite on pytest-xdist workers: the controller judges the sum of their counts.
    whole, first, second = Tally(), Tally(), Tally()
    answers = [("admin listInboxes", 200), ("admin listInboxes", 401), ("admin getInbox", 404),
               ("agent getInbox", 500), ("admin getInbox", 404)]
    for number, (key, status) in enumerate(answers):
        whole.record(key, status)
        (first if number % 2 else second).record(key, status)
    for tally in (whole, first):
        tally.expected_2xx.update({"admin listInboxes", "admin getInbox"})
    for tally in (whole, second):
        tally.expected_2xx_among[("admin getInbox", "admin listInboxes")] = 1
        tally.expected_2xx_among[("admin getInbox", "admin listInboxes", "agent getInbox")] = 2
    second.notes.append("contract: drift caught: 10/10 switches")
    whole.notes.append("contract: drift caught: 10/10 switches")
    merged = Tally()
    for worker in (first, second):
        merged.merge(json.loads(json.dumps(worker.to_data())))  # plain types, as execnet carries them
    assert merged.statuses == whole.statuses
    assert (merged.sent, merged.server_errors) == (5, 1)
    assert merged.unreached() == whole.unreached() == ["admin getInbox"]
    assert merged.groups_short() == whole.groups_short() == [
        "1 of admin getInbox, admin listInboxes, agent getInbox answered 2xx, fewer than 2"]
    assert merged.operation_lines() == whole.operation_lines()
    assert merged.notes == whole.notes


def _stateful_machine(key: str) -> Any:
    """The docs profile's stateful machine on a fresh mock of its own, for its `before_call`; not
    through __init__, which would start a run (its setup registers the stateful run's expected 2xx
    answers with the session's tally)."""
    from contract_tests.test_contract import _workflow

    workflow = _workflow(Profile.DOCS)
    machine = workflow.__new__(workflow)
    machine.app = fresh_mock(key, Profile.DOCS, "harness")
    return machine


def test_a_stateful_step_that_its_link_makes_positive_is_valid_for_the_state_when_sent(monkeypatch):
    # The full budget's failure on 6ef28c1 (positive_data_acceptance, 422 `User must exist`): a
    # stateful step's case is drawn, hooks and all, before the link's values are merged into it, and
    # Schemathesis re-judges the mode of a changed case when it is read. A negative
    # updateInboxMembers case (its `inbox_id` off the schema) became positive when the link wrote
    # the new inbox's id into it, with user ids no hook had mapped, since it was negative then.
    from hypothesis import Phase, find, settings
    from schemathesis.generation import GenerationMode

    demo = _DemoIds.read()
    monkeypatch.setattr(SETTINGS, "hostile", False)  # the same draws whatever --contract-no-hostile says
    operation = load_schema(token="demo-admin-token", stateful=True)[
        "/api/v1/accounts/{account_id}/inbox_members"]["PATCH"]

    def positive_once_linked(case: Any) -> bool:
        if case.meta.generation.mode.is_positive or not isinstance(case.body, dict):
            return False
        case.body = {**case.body, "inbox_id": demo.inbox_ids[0]}  # what the UpdateInboxMembers link merges
        users = case.body.get("user_ids")
        return case.meta.generation.mode.is_positive and not set(users) <= set(demo.user_ids)

    # The link gives the step its account (a path parameter, drawn with the case) and the inbox.
    strategy = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE,
                                     path_parameters={"account_id": demo.account_id})
    # One such case in about a hundred; a fixed seed finds one in 60 draws (not shrunk: ten times slower).
    case = find(strategy, positive_once_linked, random=Random(6),
                settings=settings(database=None, max_examples=2000, phases=[Phase.generate]))
    assert case.meta.generation.mode.is_positive
    machine = _stateful_machine("stateful-link")
    machine.before_call(case)
    assert case.meta.generation.mode.is_positive
    response = case.call(app=machine.app)
    assert response.status_code == 200, (case.body, response.text)


def test_a_negative_body_past_the_size_limit_is_rejected_by_its_413(monkeypatch):
    # The full budget's coverage phase sent removeInboxMembers 10,001 user ids (maxItems is 10,000)
    # of long text, 1.26 MB: the mock refuses a body past 1 MiB with the 413 the spec documents
    # (README, "Limits"), a rejection that negative_data_rejection's default statuses leave out.
    from hypothesis import Phase, find, settings
    from schemathesis.generation import GenerationMode
    from schemathesis.specs.openapi.checks import negative_data_rejection

    demo = _DemoIds.read()
    monkeypatch.setattr(SETTINGS, "hostile", False)  # a plain negative case, not a hostile variant
    operation = load_schema(token="demo-admin-token", stateful=False)[
        "/api/v1/accounts/{account_id}/inbox_members"]["DELETE"]
    strategy = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE, headers={"api_access_token": ADMIN_TOKEN},
                                     path_parameters={"account_id": demo.account_id})
    case = find(strategy, lambda case: case.media_type == "application/json", random=Random(0),
                settings=settings(database=None, max_examples=200, phases=[Phase.generate]))
    case.body = {"inbox_id": demo.inbox_ids[0], "user_ids": ["x" * 120] * 10_001}  # 1.23 MB as JSON
    assert not case.meta.generation.mode.is_positive
    app = fresh_mock("size-limit", Profile.DOCS, "harness")
    response = case.call_and_validate(app=app, checks=[negative_data_rejection])
    assert response.status_code == 413


def test_the_stateful_run_must_reach_operations_that_only_links_lead_to():
    from contract_tests.test_contract import STATEFUL_LINKED, STATEFUL_LINKED_LEAST

    # What createInbox's answers link to in openapi/inboxes.yaml, each needing the new inbox's id.
    assert {"getInbox", "updateInbox", "deleteInbox", "setInboxAgentBot", "listInboxMembers"} <= set(STATEFUL_LINKED)
    assert "createInbox" not in STATEFUL_LINKED and "listInboxes" not in STATEFUL_LINKED
    assert 1 < STATEFUL_LINKED_LEAST < len(STATEFUL_LINKED)


def test_a_stateful_update_of_the_runs_own_whatsapp_inbox_keeps_a_listed_provider():
    # A stateful run's inbox comes from its own createInbox (the link gives its id): the demo's list
    # of providers does not know it. A positive updateInbox body may carry any provider (the spec's
    # update body is one for every channel type), and a WhatsApp inbox takes two: off them, a 422.
    from hypothesis import Phase, find, settings
    from schemathesis.generation import GenerationMode

    machine = _stateful_machine("stateful-provider")
    created = machine.app.test_client().post(
        "/api/v1/accounts/1/inboxes", headers={"api_access_token": "demo-admin-token"},
        json={"name": "WA", "channel": {"type": "whatsapp", "phone_number": "+15550107777"}})
    assert created.status_code == 200, created.text
    inbox_id = created.get_json()["id"]
    operation = load_schema(token="demo-admin-token", stateful=True)[
        "/api/v1/accounts/{account_id}/inboxes/{id}"]["PATCH"]
    strategy = operation.as_strategy(generation_mode=GenerationMode.POSITIVE,
                                     path_parameters={"account_id": 1, "id": inbox_id})

    def provider_off_the_list(case: Any) -> bool:
        channel = case.body.get("channel") if isinstance(case.body, dict) else None
        return isinstance(channel, dict) and "provider" in channel and channel["provider"] not in (
            "default", "whatsapp_cloud")

    case = find(strategy, provider_off_the_list, random=Random(1),
                settings=settings(database=None, max_examples=500, phases=[Phase.generate]))
    unchanged = case.call(app=machine.app)
    assert unchanged.status_code == 422 and "Provider" in unchanged.text, unchanged.text
    machine.before_call(case)
    assert case.body["channel"]["provider"] == "default"
    response = case.call(app=machine.app)
    assert response.status_code == 200, (case.body, response.text)


def test_a_positive_form_of_inbox_members_is_made_valid_for_the_state_as_a_json_body_is():
    # The form's fields are text (`inbox_id`, `user_ids[]`): a positive one names the demo's inbox
    # and users as a JSON body's numbers do, or it is a 404 or 422 `User must exist` no data can help.
    from contract_tests.harness import make_valid_for_the_state

    demo = _DemoIds.read()
    operation = load_schema(token="demo-admin-token", stateful=False)[
        "/api/v1/accounts/{account_id}/inbox_members"]["PATCH"]
    # Inbox 1 has members (users 1 and 2): a form naming one adds them again in the chatwoot profile,
    # which compares the text ids as sent with the members' numbers (422 `User has already been taken`).
    assert demo.members[1] == {1, 2}
    for inbox_id, users in (("ab", ["7", "xyz", "7"]), ("0", ["1", "2", "3"])):
        for profile in (Profile.DOCS, Profile.CHATWOOT):
            case = operation.Case(path_parameters={"account_id": 99}, body={"inbox_id": inbox_id, "user_ids[]": users},
                                  media_type="application/x-www-form-urlencoded")
            make_valid_for_the_state(case, path_ids=True)
            assert case.path_parameters["account_id"] == demo.account_id
            assert case.body["inbox_id"] in {str(i) for i in demo.inbox_ids}
            assert case.body["user_ids[]"] and set(case.body["user_ids[]"]) <= {str(u) for u in demo.user_ids}
            assert len(set(case.body["user_ids[]"])) == len(case.body["user_ids[]"])
            response = case.call(app=fresh_mock("members-form", profile, "harness"),
                                 headers={"api_access_token": "demo-admin-token"})
            assert response.status_code == 200, (profile, case.body, response.text)
