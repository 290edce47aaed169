"""Every state the public API can produce exports, reloads and restarts equal to itself (issue 9.1).

A property test: Schemathesis generates valid (and invalid) requests for every writing operation of
the spec, aimed at the demo account's inboxes; after each sequence the export must build a store
whose export is the same document, and a second app started from the state file must export it too.
The explicit test below makes one change of every channel type and every writing operation, so the
cases the generator may miss are covered on every run.
"""

from __future__ import annotations

import copy
import io
import itertools

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core import NotSet

from mockserver import Profile, build_store, create_app, demo_document, resources
from mockserver.control import state_file
from mockserver.web.app import RUNTIME_KEY

ADMIN = {"api_access_token": "demo-admin-token"}
DEMO_INBOXES = [inbox["id"] for inbox in demo_document()["inboxes"] if inbox["account_id"] == 1]


def writing_operations(spec: dict) -> list:
    schema = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in schema.get_all_operations()]
    return [op for op in operations if op.method.upper() != "GET"]


def create_operations() -> dict[str, object]:
    """createInbox once per channel type: the spec with its `Channel` oneOf narrowed to one type, so
    every type is generated as often as the others (the oneOf alone favours a few)."""
    creates = {}
    spec = resources.load_spec()
    for variant in spec["components"]["schemas"]["Channel"]["oneOf"]:
        narrowed = copy.deepcopy(spec)
        narrowed["components"]["schemas"]["Channel"] = {"$ref": variant["$ref"]}
        name = variant["$ref"].rsplit("/", 1)[1]
        creates[name] = next(op for op in writing_operations(narrowed)
                             if op.method == "post" and op.path.endswith("/inboxes"))
    return creates


OPERATIONS = writing_operations(copy.deepcopy(resources.load_spec()))
CREATES = create_operations()
USERS = [user["id"] for user in demo_document()["users"]]
COUNTER = itertools.count()


def restarted_export(path, profile: Profile) -> dict:
    """What a fresh `serve --state-file PATH` would serve: a new app over the file's state."""
    app = create_app(state_file.load(path, profile), state_file=path)
    return app.extensions[RUNTIME_KEY].export()


def assert_round_trips(app, path, profile: Profile) -> None:
    exported = app.extensions[RUNTIME_KEY].export()
    reloaded = build_store(copy.deepcopy(exported), profile)
    assert app.extensions[RUNTIME_KEY].__class__(reloaded).export() == exported
    assert restarted_export(path, profile) == exported
    # And the control API takes the mock's own export back.
    assert app.test_client().put("/_mock/state", json=exported).status_code == 200


def onto(value: object, ids: list[int]) -> object:
    return ids[value % len(ids)] if isinstance(value, int) and not isinstance(value, bool) else value


def send(client, case, inbox_ids: list[int]) -> tuple[int, dict | None]:
    """The case, aimed at the demo account: path and body ids mapped onto its inboxes and users (a
    random id is a 404 that changes nothing)."""
    path = dict(case.path_parameters or {})
    path["account_id"] = 1
    if "id" in path:
        path["id"] = onto(path["id"], inbox_ids)
    url = case.operation.path.format(**path)
    body = case.body
    if isinstance(body, dict):
        body = dict(body)
        if "inbox_id" in body:
            body["inbox_id"] = onto(body["inbox_id"], inbox_ids)
        if isinstance(body.get("user_ids"), list):
            body["user_ids"] = [onto(u, USERS) for u in body["user_ids"]]
    kwargs: dict = {}
    if case.media_type and case.media_type.startswith("multipart/") and isinstance(body, dict):
        kwargs["data"] = {k: (io.BytesIO(v), "avatar.png", "image/png") if isinstance(v, bytes) else v
                          for k, v in body.items()}
        kwargs["content_type"] = "multipart/form-data"
    elif not isinstance(body, NotSet):
        kwargs["json"] = body
    response = client.open(url, method=case.method.upper(), headers=ADMIN, **kwargs)
    return response.status_code, response.get_json(silent=True)


@pytest.mark.parametrize("profile", [Profile.DOCS, Profile.CHATWOOT], ids=["docs", "chatwoot"])
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(data=st.data())
def test_any_sequence_of_writes_exports_reloads_and_restarts_equal(tmp_path, profile, data):
    path = tmp_path / f"state-{next(COUNTER)}"
    app = create_app(build_store(demo_document(), profile), state_file=path)
    client = app.test_client()
    inbox_ids, statuses = list(DEMO_INBOXES), []
    create = data.draw(st.sampled_from(sorted(CREATES)), label="channel")
    for step in range(data.draw(st.integers(1, 4), label="steps")):
        operation = CREATES[create] if step == 0 else data.draw(st.sampled_from(OPERATIONS), label="operation")
        case = data.draw(operation.as_strategy(), label="case")
        status, body = send(client, case, inbox_ids)
        statuses.append(status)
        if step == 0 and status == 200:
            inbox_ids.insert(0, body["id"])  # later steps aim at the new inbox first
    assert all(status < 500 for status in statuses), statuses
    assert_round_trips(app, path, profile)


CHANNELS = {
    "web_widget": {"type": "web_widget", "website_url": "https://w.example",
                   "selected_feature_flags": ["emoji_picker"]},
    "api": {"type": "api", "webhook_url": "https://hook.example"},
    "email": {"type": "email", "email": "round@trip.example"},
    "line": {"type": "line", "line_channel_id": "9", "line_channel_secret": "s", "line_channel_token": "t"},
    "telegram": {"type": "telegram", "bot_token": "123456:" + "A" * 35},
    "whatsapp": {"type": "whatsapp", "phone_number": "+15550001111", "provider": "whatsapp_cloud",
                 "provider_config": {"api_key": "k", "phone_number_id": "p"}},
    "sms": {"type": "sms", "phone_number": "+15550002222"},
    "twilio_sms": {"type": "sms", "phone_number": "+15550003333", "account_sid": "AC1", "auth_token": "t"},
}

#: Every writing operation of the spec, as (method, path under the account, body); `{id}` is the new inbox.
WRITES = [
    ("PATCH", "/inboxes/{id}", {"name": "Renamed", "timezone": "Europe/Paris", "csat_config": {"message": "m"},
                                "working_hours": [{"day_of_week": 1, "open_all_day": True}],
                                "channel": {"selected_feature_flags": ["attachments", "attachments", "emoji_picker"],
                                            "webhook_url": "https://other.example",
                                            "provider_config": {"api_key": "k2"},
                                            "line_channel_secret": "s2", "auth_token": "t2"}}),
    ("PUT", "/inboxes/{id}", "avatar"),
    ("DELETE", "/inboxes/{id}/avatar", None),
    ("POST", "/inboxes/{id}/set_agent_bot", {"agent_bot": 1}),
    ("POST", "/inboxes/{id}/sync_templates", None),
    ("POST", "/inbox_members", {"inbox_id": "{id}", "user_ids": USERS[:2]}),
    ("PATCH", "/inbox_members", {"inbox_id": "{id}", "user_ids": USERS[1:3]}),
    ("DELETE", "/inbox_members", {"inbox_id": "{id}", "user_ids": USERS[1:2]}),
    ("POST", "/inboxes/{id}/set_agent_bot", {"agent_bot": None}),
    ("DELETE", "/inboxes/{id}", None),
]

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_each_channel_type_and_writing_operation_round_trips(tmp_path, channel):
    path = tmp_path / "state"
    app = create_app(build_store(demo_document(), Profile.DOCS), state_file=path)
    client = app.test_client()
    created = client.post("/api/v1/accounts/1/inboxes", headers=ADMIN,
                          json={"name": f"RT {channel}", "channel": CHANNELS[channel]})
    assert created.status_code == 200, created.get_json()
    assert_round_trips(app, path, Profile.DOCS)
    inbox_id = created.get_json()["id"]
    for method, route, body in WRITES:
        url = "/api/v1/accounts/1" + route.format(id=inbox_id)
        if body == "avatar":
            answer = client.open(url, method=method, headers=ADMIN, content_type="multipart/form-data",
                                 data={"name": "With avatar", "avatar": (io.BytesIO(PNG), "a?b#c/d.png", "image/png")})
        else:
            if isinstance(body, dict) and body.get("inbox_id") == "{id}":
                body = {**body, "inbox_id": inbox_id}
            answer = client.open(url, method=method, headers=ADMIN, **({} if body is None else {"json": body}))
        assert answer.status_code < 500, (method, route, answer.get_data(as_text=True))
        assert_round_trips(app, path, Profile.DOCS)
