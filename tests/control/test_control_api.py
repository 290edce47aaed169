"""The control API (/_mock/) in-process, with every response checked against openapi/control.yaml
(and the public API's against openapi/inboxes.yaml)."""

from __future__ import annotations

import io
import json

import pytest
from conftest import ADMIN, AGENT, DEMO, GIF, GLOBEX_ADMIN, ApiClient

from mockserver import Profile, build_store, create_app, demo_document
from mockserver.control.runtime import MockRuntime
from mockserver.resources import load_control_spec, load_spec
from mockserver.web.app import RUNTIME_KEY
from mockserver.web.routes import ROUTES

KEY = "s3cret-control-key"


class Control:
    """A test client for /_mock/ with the control key (if any) filled in."""

    def __init__(self, client, key: str | None = None, remote: str = "127.0.0.1") -> None:
        self.client, self.key, self.remote = client, key, remote

    def call(self, method: str, path: str, **kwargs):
        headers = kwargs.pop("headers", {})
        if self.key is not None:
            headers.setdefault("X-Mock-Control-Key", self.key)
        response = self.client.open("/_mock" + path, method=method, headers=headers,
                                    environ_base={"REMOTE_ADDR": self.remote}, **kwargs)
        assert response.status_code < 500, response.get_data(as_text=True)
        return response


def make(**options):
    app = create_app(build_store(demo_document(), Profile.DOCS), validate_responses=True, **options)
    client = app.test_client()
    return app, ApiClient(client, ADMIN), Control(client, options.get("control_key"))


@pytest.fixture
def mock():
    return make()


def runtime_of(app) -> MockRuntime:
    return app.extensions[RUNTIME_KEY]


def raw(api: ApiClient, method: str, path: str, **kwargs):
    """A public request whose answer may be an injected 5xx (ApiClient refuses any 5xx)."""
    return api.client.open(api.prefix + path, method=method, headers={"api_access_token": api.token}, **kwargs)


def exported(control: Control) -> bytes:
    response = control.call("GET", "/state")
    assert response.status_code == 200
    return response.get_data()


# ================================================================= the runtime object
def test_the_runtime_is_where_the_brief_says(mock):
    app, _, _ = mock
    runtime = runtime_of(app)
    assert runtime.store.inboxes and runtime.journal.size == 1000
    assert callable(runtime.reset) and callable(runtime.load) and isinstance(runtime.export(), dict)


def test_control_spec_lists_exactly_the_public_operations():
    enum = set(load_control_spec()["components"]["schemas"]["OperationId"]["enum"])
    public = {op["operationId"] for path in load_spec()["paths"].values() for op in path.values()
              if isinstance(op, dict) and "operationId" in op}
    assert enum == public == {route.operation_id for route in ROUTES}


def test_control_spec_is_valid_openapi():
    from openapi_spec_validator import validate

    validate(load_control_spec())


# ================================================================= access: key and loopback
def test_without_a_key_loopback_is_open_and_others_get_403():
    app, _, control = make()
    assert control.call("GET", "/faults").status_code == 200
    assert Control(app.test_client(), remote="::1").call("GET", "/faults").status_code == 200
    assert Control(app.test_client(), remote="::ffff:127.0.0.1").call("GET", "/faults").status_code == 200
    outside = Control(app.test_client(), remote="10.1.2.3").call("POST", "/reset")
    assert outside.status_code == 403
    assert "loopback" in outside.get_json()["error"]


def test_with_a_key_every_client_needs_it():
    app, admin, control = make(control_key=KEY)
    assert control.call("GET", "/faults").status_code == 200
    assert Control(app.test_client(), key=KEY, remote="10.1.2.3").call("GET", "/faults").status_code == 200
    for key in (None, "wrong", KEY + "x", ""):
        response = Control(app.test_client(), key=key).call("GET", "/faults")
        assert response.status_code == 401, key
        assert "X-Mock-Control-Key" in response.get_json()["error"]
    # The key guards the control API only; the public API still wants its own token.
    assert admin.get("/inboxes").status_code == 200


def test_a_refused_control_call_changes_nothing():
    app, admin, control = make(control_key=KEY)
    admin.post("/inboxes", json={"name": "New", "channel": {"type": "api"}})
    before = exported(control)
    assert Control(app.test_client(), key="wrong").call("POST", "/reset").status_code == 401
    assert exported(control) == before


def test_unknown_control_path_and_method():
    _, _, control = make()
    assert control.call("GET", "/nothing").status_code == 404
    assert control.client.post("/_mock/").status_code == 405  # /_mock/ is the control API's docs page
    assert control.call("GET", "/journal").get_json()["count"] == 0  # not journaled either
    response = control.call("PATCH", "/reset")
    assert response.status_code == 405 and response.headers["Allow"] == "POST"


# ================================================================= reset
def test_reset_after_writes_restores_the_starting_state(mock):
    _, admin, control = mock
    start = exported(control)
    created = admin.post("/inboxes", json={"name": "Temp", "channel": {"type": "api"}}).get_json()
    admin.patch("/inboxes/1", json={"name": "Renamed"})
    admin.delete("/inboxes/2")
    admin.post("/inbox_members", json={"inbox_id": 3, "user_ids": [2]})
    control.call("PATCH", "/accounts/2", json={"inbox_limit": 5})
    assert exported(control) != start

    response = control.call("POST", "/reset")
    assert response.status_code == 200
    assert response.get_json() == {"state": {table: len(DEMO[table]) for table in (
        "accounts", "users", "agent_bots", "inboxes", "campaigns")}}
    assert exported(control) == start
    assert admin.get("/inboxes/1").get_json()["name"] == DEMO["inboxes"][0]["name"]
    # Sequences are restored too: the same create gets the same id again.
    again = admin.post("/inboxes", json={"name": "Temp", "channel": {"type": "api"}}).get_json()
    assert again["id"] == created["id"]


def test_reset_keeps_generated_tokens_and_serves_the_new_store(mock):
    app, admin, control = mock
    before = admin.get("/inboxes/2").get_json()
    old_store = runtime_of(app).store
    control.call("POST", "/reset")
    assert runtime_of(app).store is not old_store
    assert admin.get("/inboxes/2").get_json() == before


def test_reset_restores_an_uploaded_avatar_away(mock):
    _, admin, control = mock
    admin.patch("/inboxes/1", content_type="multipart/form-data",
                data={"avatar": (io.BytesIO(GIF), "logo.gif", "image/gif")})
    assert admin.get("/inboxes/1").get_json()["avatar_url"]
    control.call("POST", "/reset")
    assert admin.get("/inboxes/1").get_json()["avatar_url"] == ""


def test_reset_keeps_the_journal_and_the_faults(mock):
    # README, Control API: "back to the state the mock was started with; the journal and faults stay".
    _, admin, control = mock
    admin.get("/inboxes/1")
    fault = control.call("POST", "/faults", json={"operation_id": "getInbox", "status": 503, "times": 1}).get_json()
    assert control.call("POST", "/reset").status_code == 200
    assert control.call("GET", "/faults").get_json() == {"faults": [fault]}
    journal = control.call("GET", "/journal").get_json()["entries"]
    assert [(e["operation_id"], e["status"]) for e in journal] == [("getInbox", 200)]
    assert raw(admin, "GET", "/inboxes/1").status_code == 503  # the kept fault still acts

# ================================================================= export and load
def changed_through_the_api(admin: ApiClient) -> None:
    """Creates of every channel type, updates, deletes, members, bots, an avatar."""
    admin.post("/inboxes", json={"name": "Web", "channel": {"type": "web_widget", "website_url": "https://w.example"}})
    admin.post("/inboxes", json={"name": "Mail", "channel": {"type": "email", "email": "help@new.example"}})
    admin.post("/inboxes", json={"name": "Api", "channel": {"type": "api", "webhook_url": "https://h.example/x"}})
    admin.post("/inboxes", json={"name": "Line", "channel": {"type": "line", "line_channel_id": "L9",
                                                              "line_channel_secret": "s", "line_channel_token": "t"}})
    admin.post("/inboxes", json={"channel": {"type": "telegram", "bot_token": "123456:ABCdefGhIJKlmNoPQRsTUVwxyZ"}})
    admin.post("/inboxes", json={"name": "Sms", "channel": {"type": "sms", "phone_number": "+15550009999"}})
    admin.patch("/inboxes/1", json={"name": "Renamed", "greeting_enabled": False, "portal_id": 4,
                                    "csat_config": {"display_type": "star"},
                                    "working_hours": [{"day_of_week": 1, "open_hour": 8, "open_minutes": 30,
                                                       "close_hour": 18, "close_minutes": 0}]})
    admin.patch("/inboxes/3", json={"channel": {"imap_enabled": True, "imap_address": "imap.acme.example"}})
    admin.delete("/inboxes/4")
    admin.post("/inbox_members", json={"inbox_id": 3, "user_ids": [2]})
    admin.patch("/inbox_members", json={"inbox_id": 1, "user_ids": [1]})
    admin.post("/inboxes/2/set_agent_bot", json={"agent_bot": 2})
    admin.post("/inboxes/1/set_agent_bot", json={"agent_bot": None})
    admin.patch("/inboxes/5", content_type="multipart/form-data",
                data={"avatar": (io.BytesIO(GIF), "logo.gif", "image/gif")})


def test_export_of_the_demo_loads_back_identically(mock):
    _, _, control = mock
    first = exported(control)
    assert control.call("PUT", "/state", data=first, content_type="application/json").status_code == 200
    assert exported(control) == first


def test_export_load_export_is_identical_after_changes_through_the_api(mock):
    _, admin, control = mock
    changed_through_the_api(admin)
    control.call("PATCH", "/accounts/2", json={"status": "suspended", "inbox_limit": 3})
    first = exported(control)
    document = json.loads(first)
    assert {i["name"] for i in document["inboxes"]} >= {"Web", "Mail", "Api", "Line", "Sms", "Renamed"}
    assert 4 not in {i["id"] for i in document["inboxes"]}
    assert {"inbox_id": 3, "user_id": 2} in document["inbox_members"]
    assert [m for m in document["inbox_members"] if m["inbox_id"] == 1] == [{"inbox_id": 1, "user_id": 1}]
    assert {link["inbox_id"]: link["agent_bot_id"] for link in document["agent_bot_inboxes"]} == {2: 2}
    assert document["accounts"][1]["status"] == "suspended" and document["accounts"][1]["inbox_limit"] == 3
    # An avatar is not part of the format: it exports as null.
    assert all(i["avatar"] is None for i in document["inboxes"])

    assert control.call("PUT", "/state", json=document).status_code == 200
    assert exported(control) == first
    # The loaded state serves the same answers (apart from the avatar, which is not carried).
    renamed = admin.get("/inboxes/1").get_json()
    assert (renamed["name"], renamed["greeting_enabled"], renamed["csat_config"]["display_type"]) == (
        "Renamed", False, "star")


def test_load_replaces_the_state_and_reset_still_goes_to_the_start(mock):
    _, admin, control = mock
    start = exported(control)
    document = json.loads(start)
    document["inboxes"] = [i for i in document["inboxes"] if i["account_id"] == 2]
    document["inbox_members"] = []
    document["agent_bot_inboxes"] = []
    document["campaigns"] = []
    response = control.call("PUT", "/state", json=document)
    assert response.get_json()["state"]["inboxes"] == 1
    assert admin.get("/inboxes").get_json() == {"payload": []}
    control.call("POST", "/reset")
    assert exported(control) == start


@pytest.mark.parametrize("document, status, words", [
    ({"version": 1}, 422, "can't be blank"),  # the control spec: required members missing
    ({**demo_document(), "accounts": []}, 422, "inconsistent"),  # the store's rules: inbox of no account
    ({**demo_document(), "users": [{"id": 1}]}, 422, "fixtures/state.schema.json"),  # the format
    ([], 422, ""),
])
def test_a_bad_document_changes_nothing(mock, document, status, words):
    _, admin, control = mock
    admin.post("/inboxes", json={"name": "Kept", "channel": {"type": "api"}})
    before = exported(control)
    response = control.call("PUT", "/state", json=document)
    assert response.status_code == status
    assert words in json.dumps(response.get_json())
    assert exported(control) == before


def test_load_needs_a_json_body(mock):
    _, _, control = mock
    before = exported(control)
    assert control.call("PUT", "/state", data=b"{", content_type="application/json").status_code == 400
    assert control.call("PUT", "/state", data=b"x", content_type="text/plain").status_code == 415
    missing = control.call("PUT", "/state")
    assert (missing.status_code, missing.get_json()["message"]) == (422, "Missing required request body")
    assert exported(control) == before


# ================================================================= journal
def test_the_journal_records_public_requests_but_not_control_calls(mock):
    _, admin, control = mock
    admin.get("/inboxes?page=2")
    admin.post("/inboxes", json={"name": "x", "channel": {"type": "api"}, "greeting_enabled": "yes"})
    admin.as_(None).get("/inboxes")
    admin.get("/no/such/route")
    control.call("GET", "/faults")
    body = control.call("GET", "/journal").get_json()
    assert body["size"] == 1000 and body["count"] == 4
    unknown, unauthenticated, invalid, listed = body["entries"]
    assert (listed["method"], listed["path"], listed["query"], listed["status"], listed["operation_id"]) == (
        "GET", "/api/v1/accounts/1/inboxes", "page=2", 200, "listInboxes")
    assert (invalid["status"], invalid["operation_id"]) == (422, "createInbox")
    assert any("greeting_enabled" in e for e in invalid["validation_errors"])
    assert unauthenticated["status"] == 401 and unauthenticated["validation_errors"] == []
    assert (unknown["status"], unknown["operation_id"]) == (404, None)
    # (durations: test_latency_shows_in_the_journal_duration; ">= 0" here could not fail)


def test_journal_filters(mock):
    _, admin, control = mock
    admin.get("/inboxes")
    admin.get("/inboxes/1")
    admin.get("/inboxes/999")
    admin.delete("/inboxes/2")

    def paths(query: str) -> list[str]:
        response = control.call("GET", "/journal" + query)
        assert response.status_code == 200, response.get_json()
        return [e["path"].removeprefix("/api/v1/accounts/1") for e in response.get_json()["entries"]]

    assert paths("?method=delete") == ["/inboxes/2"]
    assert paths("?status=404") == ["/inboxes/999"]
    assert paths("?status=2xx") == ["/inboxes/2", "/inboxes/1", "/inboxes"]
    assert paths("?path=/api/v1/accounts/1/inboxes") == ["/inboxes"]
    assert paths("?path=/api/v1/accounts/1/inboxes/*") == ["/inboxes/2", "/inboxes/999", "/inboxes/1"]
    assert paths("?method=GET&status=200&operation_id=getInbox") == ["/inboxes/1"]


@pytest.mark.parametrize("query", ["?status=abc", "?status=600", "?method=", "?operation_id=nope",
                                   "?method=G%20T"])
def test_journal_filter_refusals_name_the_parameter(mock, query):
    _, _, control = mock
    response = control.call("GET", "/journal" + query)
    assert response.status_code == 422
    name = query[1:].split("=")[0]
    assert name in json.dumps(response.get_json())


def test_the_journal_is_bounded_and_clears():
    _, admin, control = make(journal_size=3)
    for inbox in range(1, 7):
        admin.get(f"/inboxes/{inbox}")
    body = control.call("GET", "/journal").get_json()
    assert body["count"] == 3
    assert [e["path"][-1] for e in body["entries"]] == ["6", "5", "4"]
    assert control.call("DELETE", "/journal").get_json() == {"size": 3, "count": 0, "entries": []}
    assert control.call("GET", "/journal").get_json()["count"] == 0


def test_journal_size_zero_keeps_nothing():
    _, admin, control = make(journal_size=0)
    admin.get("/inboxes")
    assert control.call("GET", "/journal").get_json() == {"size": 0, "count": 0, "entries": []}


# ================================================================= faults
def test_an_error_fault_counts_down_then_the_api_answers_again(mock):
    _, admin, control = mock
    added = control.call("POST", "/faults", json={"operation_id": "createInbox", "status": 503,
                                                  "body": {"error": "maintenance"}, "times": 2})
    assert added.status_code == 201
    fault = added.get_json()
    assert (fault["operation_id"], fault["status"], fault["times"], fault["applied"]) == ("createInbox", 503, 2, 0)
    before = exported(control)
    create = {"name": "During the fault", "channel": {"type": "api"}}
    for _ in range(2):
        response = raw(admin, "POST", "/inboxes", json=create)
        assert (response.status_code, response.get_json()) == (503, {"error": "maintenance"})
    assert exported(control) == before  # a faulted request never reaches the store
    assert admin.get("/inboxes").status_code == 200  # other operations were never touched
    assert admin.post("/inboxes", json=create).status_code == 200
    assert control.call("GET", "/faults").get_json() == {"faults": []}
    statuses = [e["status"] for e in control.call("GET", "/journal?operation_id=createInbox").get_json()["entries"]]
    assert statuses == [200, 503, 503]


def test_a_probable_fault_with_a_seed_is_repeatable():
    outcomes = []
    for _ in range(2):
        _, admin, control = make()
        control.call("POST", "/faults", json={"status": 500, "probability": 0.5, "seed": 42})
        outcomes.append([raw(admin, "GET", "/inboxes").status_code for _ in range(30)])
    assert outcomes[0] == outcomes[1]
    assert set(outcomes[0]) == {200, 500}


def test_latency_shows_in_the_journal_duration(mock):
    _, admin, control = mock
    control.call("POST", "/faults", json={"operation_id": "getInbox", "latency_ms": 60, "times": 1})
    assert admin.get("/inboxes/1").status_code == 200
    assert admin.get("/inboxes/2").status_code == 200
    slow, fast = control.call("GET", "/journal?operation_id=getInbox").get_json()["entries"][::-1]
    assert slow["path"].endswith("/1") and slow["duration_ms"] >= 60
    assert fast["path"].endswith("/2")


def test_faults_list_delete_one_and_clear(mock):
    _, _, control = mock
    one = control.call("POST", "/faults", json={"latency_min_ms": 1, "latency_max_ms": 2}).get_json()
    two = control.call("POST", "/faults", json={"operation_id": "listInboxes", "status": 429}).get_json()
    assert [f["id"] for f in control.call("GET", "/faults").get_json()["faults"]] == [one["id"], two["id"]]
    assert control.call("DELETE", f"/faults/{one['id']}").get_json()["faults"] == [two]
    assert control.call("DELETE", f"/faults/{one['id']}").status_code == 404
    assert control.call("DELETE", "/faults/abc").status_code == 422
    assert control.call("DELETE", "/faults").get_json() == {"faults": []}


@pytest.mark.parametrize("fault", [
    {"operation_id": "noSuchOperation", "status": 500},
    {"operation_id": None, "status": 500},  # "all operations" is said by leaving it out
    {"status": 200},
    {"status": 700},
    {"latency_ms": -5},
    {"latency_ms": 5, "latency_min_ms": 1},
    {"latency_min_ms": 9, "latency_max_ms": 3},
    {"probability": 2, "status": 500},
    {"times": 0, "status": 500},
    {"status": 500, "colour": "red"},
    {},
])
def test_bad_faults_are_422_and_add_nothing(mock, fault):
    _, _, control = mock
    response = control.call("POST", "/faults", json=fault)
    assert response.status_code == 422, response.get_json()
    assert control.call("GET", "/faults").get_json() == {"faults": []}


def test_an_unknown_fault_operation_names_the_operations(mock):
    _, _, control = mock
    response = control.call("POST", "/faults", json={"operation_id": "listInbox", "status": 500})
    assert response.status_code == 422
    assert response.get_json() == {"error": "Unknown operation_id 'listInbox'; the operations are: "
                                            + ", ".join(route.operation_id for route in ROUTES)}


def test_faults_never_touch_the_control_api(mock):
    _, _, control = mock
    control.call("POST", "/faults", json={"status": 500})
    assert control.call("GET", "/faults").status_code == 200
    assert control.call("GET", "/state").status_code == 200


# ================================================================= account settings
def test_an_inbox_limit_reaches_the_402(mock):
    _, admin, control = mock
    response = control.call("PATCH", "/accounts/1", json={"inbox_limit": 6})
    name = DEMO["accounts"][0]["name"]  # fixtures/demo.json, made by Faker
    assert response.get_json() == {"id": 1, "name": name, "status": "active", "inbox_limit": 6}
    refused = admin.post("/inboxes", json={"name": "Seventh", "channel": {"type": "api"}})
    assert refused.status_code == 402
    assert refused.get_json() == {"error": "Account limit exceeded. Please upgrade your plan"}
    control.call("PATCH", "/accounts/1", json={"inbox_limit": None})
    assert admin.post("/inboxes", json={"name": "Seventh", "channel": {"type": "api"}}).status_code == 200


def test_a_suspended_account_answers_as_chatwoot_does(mock):
    _, admin, control = mock
    assert control.call("PATCH", "/accounts/1", json={"status": "suspended"}).get_json()["status"] == "suspended"
    for client in (admin, admin.as_(AGENT)):
        response = client.get("/inboxes")
        assert (response.status_code, response.get_json()) == (401, {"error": "Account is suspended"})
    # Another account is untouched.
    assert admin.as_(GLOBEX_ADMIN).get("/api/v1/accounts/2/inboxes", absolute=True).status_code == 200
    assert control.call("GET", "/accounts/1").get_json()["status"] == "suspended"
    control.call("PATCH", "/accounts/1", json={"status": "active"})
    assert admin.get("/inboxes").status_code == 200


@pytest.mark.parametrize("path, body, status", [
    ("/accounts/9", {"status": "suspended"}, 404),
    ("/accounts/1", {}, 422),
    ("/accounts/1", {"status": "frozen"}, 422),
    ("/accounts/1", {"inbox_limit": -1}, 422),
    ("/accounts/1", {"inbox_limit": "5"}, 422),
    ("/accounts/1", {"name": "New name"}, 422),
    ("/accounts/0", {"status": "active"}, 422),
    ("/accounts/x", {"status": "active"}, 422),
])
def test_bad_account_settings_change_nothing(mock, path, body, status):
    _, _, control = mock
    before = exported(control)
    response = control.call("PATCH", path, json=body)
    assert response.status_code == status, response.get_json()
    assert exported(control) == before


def test_get_account_of_an_unknown_id_is_404(mock):
    _, _, control = mock
    response = control.call("GET", "/accounts/42")
    assert (response.status_code, response.get_json()) == (404, {"error": "No account with id 42"})


# ================================================================= the serve options
def serve_options(*args: str) -> dict:
    from mockserver.cli.serve import serve_command

    return serve_command.make_context("serve", list(args)).params


def test_serve_options_and_their_environment(monkeypatch):
    args = serve_options("--control-key", "k", "--journal-size", "0", "--state-file", "s.json")
    assert (args["control_key"], args["journal_size"], args["state_file"]) == ("k", 0, "s.json")
    monkeypatch.setenv("MOCK_CONTROL_KEY", "from-env")
    monkeypatch.setenv("MOCK_JOURNAL_SIZE", "25")
    monkeypatch.setenv("MOCK_STATE_FILE", "env.json")
    args = serve_options()
    assert (args["control_key"], args["journal_size"], args["state_file"]) == ("from-env", 25, "env.json")
    monkeypatch.delenv("MOCK_JOURNAL_SIZE")
    assert serve_options()["journal_size"] == 1000


@pytest.mark.parametrize("size", ["-1", "many"])
def test_a_bad_journal_size_is_a_usage_error(size, capsys):
    from mockserver.cli import main

    assert main(["serve", "--journal-size", size]) == 2
    assert "--journal-size" in capsys.readouterr().err
