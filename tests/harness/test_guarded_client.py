"""The write guard: the promise that a harness run never writes to what it did not create.

Pure decisions (no network), except the last tests, which check that a refused request never
leaves the process and that a created inbox becomes owned from the answer.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mockserver.harness.guarded_client import (
    INBOXES,
    GuardedClient,
    OwnedRecords,
    RateLimiter,
    Refused,
    WriteGuard,
    curl_line,
    new_run_prefix,
)

PREFIX = "cwmock-0badcafe-"
JSON = {"Content-Type": "application/json"}
OWN, FOREIGN = 41, 3
BASE = "/api/v1/accounts/7"


def body(document: object) -> bytes:
    return json.dumps(document).encode()


OWN_BOT, OWN_POLICY = 12, 13


@pytest.fixture
def guard() -> WriteGuard:
    owned = OwnedRecords(PREFIX)
    owned.add(INBOXES, OWN, PREFIX + "sandbox")
    owned.add("agent_bots", OWN_BOT, PREFIX + "bot")
    owned.add("assignment_policies", OWN_POLICY, PREFIX + "policy")
    return WriteGuard(7, owned, allow_writes=True)


def test_prefix_is_random_per_run():
    first, second = new_run_prefix(), new_run_prefix()
    assert first != second
    assert first.startswith("cwmock-") and first.endswith("-")


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_reads_go_anywhere(guard, method):
    assert guard.refusal(method, f"{BASE}/inboxes/{FOREIGN}?x=1", {}, b"") is None
    assert guard.refusal(method, "/anything", {}, b"") is None


@pytest.mark.parametrize(("method", "path"), [
    ("PATCH", f"{BASE}/inboxes/{FOREIGN}"), ("PUT", f"{BASE}/inboxes/{FOREIGN}"),
    ("DELETE", f"{BASE}/inboxes/{FOREIGN}"), ("DELETE", f"{BASE}/inboxes/{FOREIGN}/"),
    ("POST", f"{BASE}/inboxes/{FOREIGN}/set_agent_bot"), ("DELETE", f"{BASE}/inboxes/{FOREIGN}/avatar"),
    ("POST", f"{BASE}/inboxes/{FOREIGN}/sync_templates"),
    # Spellings a server might read as inbox 3: percent-encoded digits, a doubled slash, another case.
    ("DELETE", f"{BASE}/inboxes/%33"), ("DELETE", f"/{BASE}/inboxes/{OWN}"),
    ("DELETE", f"{BASE.upper()}/INBOXES/{OWN}"),
    # Another account, even with an id this run owns.
    ("DELETE", f"/api/v1/accounts/8/inboxes/{OWN}"),
    # Methods and paths that are not operations of the inbox API.
    ("TRACE", f"{BASE}/inboxes/{OWN}"), ("POST", f"{BASE}/inboxes/{OWN}"),
    ("DELETE", f"{BASE}/inboxes"), ("PUT", f"{BASE}/inbox_members"),
    # The other routes of issue 11, on what the run did not make.
    ("POST", f"{BASE}/inboxes/{FOREIGN}/csat_template"), ("DELETE", f"{BASE}/inboxes/{FOREIGN}/assignment_policy"),
    ("PATCH", f"{BASE}/agent_bots/{FOREIGN}"), ("DELETE", f"{BASE}/agent_bots/{FOREIGN}"),
    ("PATCH", f"{BASE}/assignment_policies/{FOREIGN}"), ("DELETE", f"{BASE}/assignment_policies/{FOREIGN}"),
    ("POST", f"{BASE}/agent_bots/{OWN_POLICY}"), ("DELETE", f"{BASE}/agent_bots"),
    ("POST", f"{BASE}/agent_bots/{OWN_BOT}/reset_access_token"), ("DELETE", f"/api/v1/accounts/8/agent_bots/{OWN_BOT}"),
])
def test_writes_to_what_the_run_did_not_create_are_refused(guard, method, path):
    assert guard.refusal(method, path, JSON, body({"name": PREFIX + "x", "inbox_id": OWN})) is not None


@pytest.mark.parametrize(("method", "path"), [
    ("PATCH", f"{BASE}/inboxes/{OWN}"), ("PUT", f"{BASE}/inboxes/{OWN}/"), ("DELETE", f"{BASE}/inboxes/{OWN}"),
    ("POST", f"{BASE}/inboxes/{OWN}/set_agent_bot"), ("DELETE", f"{BASE}/inboxes/{OWN}/avatar"),
    ("POST", f"{BASE}/inboxes/{OWN}/sync_templates"),
])
def test_writes_to_own_inboxes_pass_whatever_the_body(guard, method, path):
    assert guard.refusal(method, path, {}, b"\x80 not json") is None


@pytest.mark.parametrize(("method", "path"), [
    ("POST", f"{BASE}/inboxes/{OWN}/csat_template"), ("DELETE", f"{BASE}/inboxes/{OWN}/assignment_policy"),
    ("PATCH", f"{BASE}/agent_bots/{OWN_BOT}"), ("PUT", f"{BASE}/agent_bots/{OWN_BOT}/"),
    ("DELETE", f"{BASE}/agent_bots/{OWN_BOT}"), ("PATCH", f"{BASE}/assignment_policies/{OWN_POLICY}"),
    ("DELETE", f"{BASE}/assignment_policies/{OWN_POLICY}"),
])
def test_writes_to_own_records_pass(guard, method, path):
    assert guard.refusal(method, path, {}, b"") is None


@pytest.mark.parametrize(("path", "document"), [
    (f"{BASE}/agent_bots", {"name": PREFIX + "bot"}),
    (f"{BASE}/assignment_policies/", {"assignment_policy": {"name": PREFIX + "policy"}}),
    (f"{BASE}/channels/twilio_channel", {"twilio_channel": {"name": PREFIX + "twilio"}}),
])
def test_creates_of_other_records_need_the_prefix_where_their_body_names_them(guard, path, document):
    assert guard.refusal("POST", path, JSON, body(document)) is None
    misnamed = json.loads(json.dumps(document).replace(PREFIX, "Support "))
    assert guard.refusal("POST", path, JSON, body(misnamed)) is not None
    assert guard.refusal("POST", path, {"Content-Type": "application/x-www-form-urlencoded"}, body(document))


def test_linking_a_policy_needs_an_own_inbox_and_an_own_policy(guard):
    link = f"{BASE}/inboxes/{OWN}/assignment_policy"
    assert guard.refusal("POST", link, JSON, body({"assignment_policy_id": OWN_POLICY})) is None
    assert guard.refusal("POST", link, JSON, body({"assignment_policy_id": str(OWN_POLICY)})) is None
    for document in ({"assignment_policy_id": FOREIGN}, {}, {"assignment_policy_id": None}, [OWN_POLICY]):
        assert guard.refusal("POST", link, JSON, body(document)) is not None
    foreign_inbox = f"{BASE}/inboxes/{FOREIGN}/assignment_policy"
    assert guard.refusal("POST", foreign_inbox, JSON, body({"assignment_policy_id": OWN_POLICY})) is not None


def test_a_query_string_can_not_ride_on_a_write(guard):
    # Rails merges query parameters over the body's: ?inbox_id=3 would outvote inbox_id 41.
    members = body({"inbox_id": OWN, "user_ids": [1]})
    assert guard.refusal("POST", f"{BASE}/inbox_members?inbox_id={FOREIGN}", JSON, members) is not None
    assert guard.refusal("PATCH", f"{BASE}/inboxes/{OWN}?id={FOREIGN}", JSON, b"{}") is not None


def test_method_override_headers_are_refused(guard):
    assert guard.refusal("POST", f"{BASE}/inboxes/{OWN}/set_agent_bot",
                         {"X-HTTP-Method-Override": "DELETE"}, b"{}") is not None


@pytest.mark.parametrize("document", [
    {"inbox_id": FOREIGN, "user_ids": [1]}, {"inbox_id": str(FOREIGN), "user_ids": [1]},
    {"user_ids": [1]}, {"inbox_id": None}, {"inbox_id": True}, [{"inbox_id": OWN}],
])
@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_members_writes_need_an_own_inbox_id(guard, method, document):
    assert guard.refusal(method, f"{BASE}/inbox_members", JSON, body(document)) is not None


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_members_writes_on_own_inbox_pass(guard, method):
    assert guard.refusal(method, f"{BASE}/inbox_members", JSON, body({"inbox_id": OWN, "user_ids": [1]})) is None
    assert guard.refusal(method, f"{BASE}/inbox_members", JSON, body({"inbox_id": str(OWN)})) is None


def test_members_writes_refuse_duplicate_keys_and_forms(guard):
    duplicated = f'{{"inbox_id": {OWN}, "inbox_id": {FOREIGN}}}'.encode()
    assert guard.refusal("POST", f"{BASE}/inbox_members", JSON, duplicated) is not None
    duplicated = f'{{"inbox_id": {FOREIGN}, "inbox_id": {OWN}}}'.encode()
    assert guard.refusal("POST", f"{BASE}/inbox_members", JSON, duplicated) is not None
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert guard.refusal("POST", f"{BASE}/inbox_members", form, body({"inbox_id": OWN})) is not None


@pytest.mark.parametrize("document", [
    {"name": "Support", "channel": {"type": "api"}}, {"name": 5}, {"channel": {"type": "telegram"}},
    {"name": "x" + PREFIX}, ["not", "an", "object"],
])
def test_creates_need_the_prefix(guard, document):
    assert guard.refusal("POST", f"{BASE}/inboxes", JSON, body(document)) is not None


def test_creates_with_the_prefix_pass(guard):
    assert guard.refusal("POST", f"{BASE}/inboxes/", JSON, body({"name": PREFIX + "a"})) is None


def test_a_read_only_guard_refuses_every_write():
    owned = OwnedRecords(PREFIX)
    owned.add(INBOXES, OWN, PREFIX + "x")
    read_only = WriteGuard(7, owned, allow_writes=False)
    assert read_only.refusal("GET", f"{BASE}/inboxes", {}, b"") is None
    assert read_only.refusal("POST", f"{BASE}/inboxes", JSON, body({"name": PREFIX + "a"})) is not None
    assert read_only.refusal("DELETE", f"{BASE}/inboxes/{OWN}", {}, b"") is not None


def test_observe_records_creates_and_deletes(guard):
    guard.observe("POST", f"{BASE}/inboxes", 200, body({"id": 99, "name": PREFIX + "new"}))
    guard.observe("POST", f"{BASE}/inboxes", 422, body({"id": 98}))
    guard.observe("DELETE", f"{BASE}/inboxes/{OWN}", 200, b"{}")
    assert guard.owned.created(INBOXES) == {OWN: PREFIX + "sandbox", 99: PREFIX + "new"}
    assert guard.owned.remaining(INBOXES) == [99]


def test_observe_records_other_creates_and_deletes(guard):
    guard.observe("POST", f"{BASE}/agent_bots", 200, body({"id": 77, "name": PREFIX + "b"}))
    guard.observe("POST", f"{BASE}/assignment_policies", 200, body({"id": 78, "name": PREFIX + "p"}))
    guard.observe("POST", f"{BASE}/assignment_policies", 422, body({"id": 79}))
    guard.observe("POST", f"{BASE}/channels/twilio_channel", 200, body({"id": 80, "name": PREFIX + "t"}))
    guard.observe("DELETE", f"{BASE}/agent_bots/{OWN_BOT}", 200, b"")
    guard.observe("DELETE", f"{BASE}/inboxes/{OWN}/assignment_policy", 200, b"")  # an unlink, not a delete
    assert guard.owned.created("agent_bots") == {OWN_BOT: PREFIX + "bot", 77: PREFIX + "b"}
    assert guard.owned.created("assignment_policies") == {OWN_POLICY: PREFIX + "policy", 78: PREFIX + "p"}
    assert guard.owned.deleted("agent_bots") == {OWN_BOT}
    assert guard.owned.created(INBOXES)[80] == PREFIX + "t" and guard.owned.remaining(INBOXES) == [OWN, 80]


def test_curl_line_never_shows_the_token():
    line = curl_line("https://chat.example.com/", "PATCH", "/api/v1/accounts/7/inboxes/41",
                     {"api_access_token": "s3cret", "Content-Type": "application/json"}, b'{"name": "a b"}',
                     secret="s3cret")
    assert "s3cret" not in line
    assert line == ("curl -X PATCH https://chat.example.com/api/v1/accounts/7/inboxes/41 "
                    "-H \"api_access_token: $CHATWOOT_API_TOKEN\" -H 'Content-Type: application/json' "
                    "--data-binary '{\"name\": \"a b\"}'")


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        type(self).seen.append((self.command, self.path))
        answer = body({"id": 500, "name": PREFIX + "made"})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = do_DELETE = _answer


def test_a_refused_request_never_reaches_the_server():
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        owned = OwnedRecords(PREFIX)
        client = GuardedClient(f"http://127.0.0.1:{server.server_address[1]}", "tok",
                               WriteGuard(7, owned, allow_writes=True), RateLimiter(0))
        with pytest.raises(Refused):
            client.call("DELETE", f"{BASE}/inboxes/{FOREIGN}")
        client.call("POST", f"{BASE}/inboxes", json_body={"name": PREFIX + "made"})
        client.call("DELETE", f"{BASE}/inboxes/500")
    finally:
        server.shutdown()
        server.server_close()
    assert _Recorder.seen == [("POST", f"{BASE}/inboxes"), ("DELETE", f"{BASE}/inboxes/500")]
    assert client.refusals == [f"DELETE {BASE}/inboxes/{FOREIGN} refused: inbox {FOREIGN} was not created by this run"]
    assert owned.created(INBOXES) == {500: PREFIX + "made"} and owned.deleted(INBOXES) == {500}
