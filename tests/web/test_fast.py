"""The fast path (`mockserver.web.fast`) answers every request exactly as Flask's dispatch does:
the same status line, headers and bytes, the same journal, the same state after; and it is the
one that answers public calls (Flask's dispatch never sees them), while everything else still
goes through Flask."""

from __future__ import annotations

import json

import pytest
from flask import Flask, request

from mockserver import Profile, build_store, create_app, demo_document
from tests.conftest import ADMIN, AGENT, GLOBEX_ADMIN, PREFIX

GENERATED = ("hmac_token", "inbox_identifier", "identifier", "website_token", "web_widget_script",
             "access_token", "webhook_verify_token", "forward_to_email", "created_at", "updated_at", "at",
             "duration_ms")

CREATE = {"name": "Fast", "channel": {"type": "api", "webhook_url": "https://fast.example/hook"}}
JSON = {"Content-Type": "application/json"}

# (method, path, token, body, extra headers): successes, every refusal of the pipeline, and the
# requests the fast path leaves to Flask (HEAD, OPTIONS, forms, unknown paths, the control API).
REQUESTS = [
    ("GET", f"{PREFIX}/inboxes", ADMIN, None, {}),
    ("GET", f"{PREFIX}/inboxes/", ADMIN, None, {}),
    ("GET", f"{PREFIX}/inboxes.json", ADMIN, None, {}),
    ("GET", f"{PREFIX}/inboxes", AGENT, None, {}),
    ("GET", f"{PREFIX}/inboxes/1", ADMIN, None, {}),
    ("GET", f"{PREFIX}/inboxes/1?include=everything&x[]=1", AGENT, None, {}),
    ("GET", f"{PREFIX}/inboxes/999", ADMIN, None, {}),
    ("GET", f"{PREFIX}/inboxes/abc", ADMIN, None, {}),
    ("GET", f"{PREFIX}/inboxes/1", None, None, {}),
    ("GET", f"{PREFIX}/inboxes/1", "wrong", None, {}),
    ("GET", f"{PREFIX}/inboxes/1", GLOBEX_ADMIN, None, {}),
    ("GET", "/api/v1/accounts/2/inboxes", GLOBEX_ADMIN, None, {}),
    ("POST", f"{PREFIX}/inboxes", ADMIN, json.dumps(CREATE), JSON),
    ("POST", f"{PREFIX}/inboxes", AGENT, json.dumps(CREATE), JSON),
    ("POST", f"{PREFIX}/inboxes", ADMIN, json.dumps({"name": "x", "channel": {"type": "api", "webhook_url": 5}}), JSON),
    ("POST", f"{PREFIX}/inboxes", ADMIN, json.dumps({"name": "x", "channel": {"type": "nope"}}), JSON),
    ("POST", f"{PREFIX}/inboxes", ADMIN, '{"name": ', JSON),
    ("POST", f"{PREFIX}/inboxes", ADMIN, "NaN", JSON),
    ("POST", f"{PREFIX}/inboxes", ADMIN, "[1, 2]", JSON),
    ("POST", f"{PREFIX}/inboxes", ADMIN, "", JSON),
    ("POST", f"{PREFIX}/inboxes", ADMIN, "name=x", {"Content-Type": "text/plain"}),
    ("POST", f"{PREFIX}/inboxes", ADMIN, "name=Form&channel[type]=api",
     {"Content-Type": "application/x-www-form-urlencoded"}),
    ("PATCH", f"{PREFIX}/inboxes/1", ADMIN, json.dumps({"name": "Renamed", "greeting_enabled": True}), JSON),
    ("PATCH", f"{PREFIX}/inboxes/1", ADMIN, json.dumps({"enable_auto_assignment": "maybe"}), JSON),
    ("PATCH", f"{PREFIX}/inboxes/1", AGENT, json.dumps({"name": "Agent"}), JSON),
    ("PUT", f"{PREFIX}/inboxes/2", ADMIN, json.dumps({"name": "Put"}), JSON),
    ("DELETE", f"{PREFIX}/inboxes/3", ADMIN, None, {}),
    ("DELETE", f"{PREFIX}/inboxes/3", ADMIN, None, {}),
    ("GET", f"{PREFIX}/inboxes/1/agent_bot", ADMIN, None, {}),
    ("POST", f"{PREFIX}/inboxes/1/set_agent_bot", ADMIN, json.dumps({"agent_bot": 999}), JSON),
    ("GET", f"{PREFIX}/agent_bots", ADMIN, None, {}),
    ("POST", f"{PREFIX}/inbox_members", ADMIN, json.dumps({"inbox_id": 1, "user_ids": [2]}), JSON),
    ("HEAD", f"{PREFIX}/inboxes", ADMIN, None, {}),
    ("OPTIONS", f"{PREFIX}/inboxes", ADMIN, None, {}),
    ("PATCH", f"{PREFIX}/inboxes", ADMIN, "{}", JSON),
    ("GET", f"{PREFIX}/nothing", ADMIN, None, {}),
    ("GET", "/_mock/state", None, None, {}),
    ("GET", "/health", None, None, {}),
]


def _answers(fast: bool, profile: Profile, ended: bool = False) -> tuple[list, list]:
    """`ended`: the body's stream ended by the server (`wsgi.input_terminated`, as the mock's own
    server hands it on): read by `body.read_raw` itself, where the test client's is read by Werkzeug."""
    app = create_app(build_store(demo_document(), profile), validate_responses=True, fast_path=fast)
    client = app.test_client()
    answers = []
    for method, path, token, body, headers in REQUESTS:
        sent = dict(headers)
        if token is not None:
            sent["api_access_token"] = token
        response = client.open(path, method=method, headers=sent, data=body,
                               environ_overrides={"wsgi.input_terminated": True} if ended else None)
        answers.append((method, path, response.status, _masked_headers(response.headers), _masked(response.data)))
    runtime = app.extensions["chatwoot_mock"]
    journal = [_masked_entry(entry.to_dict()) for entry in runtime.journal.entries()]
    return answers, [*journal, _masked(json.dumps(runtime.export()).encode())]


def _masked(data: bytes):
    try:
        value = json.loads(data)
    except ValueError:
        return data
    return _mask(value)


def _mask(value):
    if isinstance(value, dict):
        return {k: ("<generated>" if k in GENERATED else _mask(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v) for v in value]
    return value


def _masked_entry(entry: dict) -> dict:
    return {k: v for k, v in entry.items() if k not in ("at", "duration_ms")}


def _masked_headers(headers) -> list:
    # Kept whole: the generated values have fixed lengths, so even Content-Length must agree.
    return list(headers.items())


@pytest.mark.parametrize("ended", [False, True], ids=["stream", "ended stream"])
@pytest.mark.parametrize("profile", list(Profile))
def test_the_fast_path_answers_as_flask_does(profile, ended):
    fast, fast_after = _answers(True, profile, ended)
    flask, flask_after = _answers(False, profile)
    for mine, theirs in zip(fast, flask, strict=True):
        assert mine == theirs
    assert fast_after == flask_after


def test_public_calls_skip_flask_dispatch_and_the_rest_do_not(monkeypatch):
    dispatched = []
    real = Flask.full_dispatch_request

    def counting(self):
        dispatched.append(self)
        return real(self)

    monkeypatch.setattr(Flask, "full_dispatch_request", counting)
    client = create_app().test_client()
    admin = {"api_access_token": ADMIN}
    assert client.get(f"{PREFIX}/inboxes/1", headers=admin).status_code == 200
    assert client.post(f"{PREFIX}/inboxes", headers=admin, json=CREATE).status_code == 200
    assert client.get(f"{PREFIX}/inboxes/999", headers=admin).status_code == 404
    assert dispatched == []
    assert client.head(f"{PREFIX}/inboxes", headers=admin).status_code == 200
    assert client.get("/_mock/journal").status_code == 200
    form = {"name": "Form", "channel[type]": "api"}
    assert client.post(f"{PREFIX}/inboxes", headers=admin, data=form).status_code == 200
    assert len(dispatched) == 3


def test_a_hook_added_after_public_calls_sees_the_next_ones(monkeypatch):
    # The hooks are counted again after a Flask setup method ran: one that adds no hook (a route
    # of the user's own) keeps public calls off Flask's dispatch, one that adds a hook does not.
    dispatched = []
    real = Flask.full_dispatch_request
    monkeypatch.setattr(Flask, "full_dispatch_request", lambda self: dispatched.append(self) or real(self))
    app = create_app()
    client = app.test_client()
    admin = {"api_access_token": ADMIN}
    assert client.get(f"{PREFIX}/inboxes/1", headers=admin).status_code == 200
    app.add_url_rule("/mine", "mine", lambda: "mine")
    assert client.get(f"{PREFIX}/inboxes/1", headers=admin).status_code == 200
    assert dispatched == []
    seen = []
    app.before_request(lambda: seen.append(request.path))
    assert client.get(f"{PREFIX}/inboxes/1", headers=admin).status_code == 200
    assert client.post(f"{PREFIX}/inboxes", headers=admin, json=CREATE).status_code == 200
    assert seen == [f"{PREFIX}/inboxes/1", f"{PREFIX}/inboxes"]
    assert len(dispatched) == 2


def test_drift_and_cors_keep_every_request_on_flask(monkeypatch):
    dispatched = []
    real = Flask.full_dispatch_request
    monkeypatch.setattr(Flask, "full_dispatch_request", lambda self: dispatched.append(1) or real(self))
    for app in (create_app(drift=["auth_ignored"]), create_app(cors=True), create_app(fast_path=False)):
        app.test_client().get(f"{PREFIX}/inboxes", headers={"api_access_token": ADMIN})
    assert len(dispatched) == 3


def test_a_crash_on_the_fast_path_is_the_same_500(monkeypatch, caplog):
    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("mockserver.web.api._response", crash)
    answers = []
    for fast in (True, False):
        client = create_app(fast_path=fast).test_client()
        response = client.get(f"{PREFIX}/inboxes/1", headers={"api_access_token": ADMIN})
        answers.append((response.status, list(response.headers.items()), response.data))
    assert answers[0] == answers[1]
    assert answers[0][0] == "500 INTERNAL SERVER ERROR" and b"RuntimeError: boom" in answers[0][2]
    assert [r.message for r in caplog.records].count("unhandled error in the mock") == 2


def test_an_answer_that_breaks_the_spec_is_the_same_500(monkeypatch):
    from mockserver.web.rendered import RenderedInboxes

    real = RenderedInboxes._render

    def without_timezone(self, inbox, admin, urls):
        body = json.loads(real(self, inbox, admin, urls))
        del body["timezone"]
        return json.dumps(body).encode()

    monkeypatch.setattr(RenderedInboxes, "_render", without_timezone)
    answers = []
    for fast in (True, False):
        client = create_app(validate_responses=True, fast_path=fast).test_client()
        response = client.get(f"{PREFIX}/inboxes/1", headers={"api_access_token": ADMIN})
        answers.append((response.status, list(response.headers.items()), response.data))
    assert answers[0] == answers[1]
    assert answers[0][0] == "500 INTERNAL SERVER ERROR"
    assert json.loads(answers[0][2])["error"] == "mock response breaks the OpenAPI spec"


def test_hooks_added_after_create_app_see_every_public_call():
    # The contract suite counts answers in an after-request hook; a user's hook or signal receiver
    # must see public calls too, so the fast path steps aside while any is there.
    from flask import request_finished

    app = create_app()
    seen, signalled = [], []
    app.after_request(lambda response: seen.append(response.status_code) or response)
    client = app.test_client()
    admin = {"api_access_token": ADMIN}
    assert client.get(f"{PREFIX}/inboxes/1", headers=admin).status_code == 200
    assert client.get(f"{PREFIX}/inboxes/999", headers=admin).status_code == 404
    assert seen == [200, 404]

    def receiver(sender, response, **extra):
        signalled.append(response.status_code)

    other = create_app().test_client()
    request_finished.connect(receiver)
    try:
        assert other.get(f"{PREFIX}/inboxes", headers=admin).status_code == 200
    finally:
        request_finished.disconnect(receiver)
    assert signalled == [200]
