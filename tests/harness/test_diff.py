"""`chatwoot-mock diff`: shape comparison on its own, then whole runs between served mocks: the mock
against itself (no difference), against a mock with drift switches on (each deviation found and named,
a delete that does not delete reported as left behind), and the docs profile against the chatwoot one
(differences only where the README says their bodies differ in shape)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from conftest import ADMIN

from mockserver.harness.contract import EXIT_FAILED, EXIT_OK, EXIT_UNREACHABLE, EXIT_UNSAFE
from mockserver.harness.diff import NOT_RUN, DiffOptions, Outcome, TargetOptions, compare_outcomes, run
from mockserver.testing.served import ServedMock

# ----------------------------------------------------------------------------- shapes


def differences(left, right, status=200, **settings):
    return compare_outcomes("step", Outcome(status, left), Outcome(status, right), **settings)


def test_values_do_not_count_only_keys_and_types():
    assert differences({"id": 1, "name": "a", "tags": ["x"]}, {"id": 9, "name": "b", "tags": ["y", "z"]}) == []
    assert differences({"id": 1, "channel": {"token": "t"}}, {"id": "1", "channel": {}}) == [
        "step: right lacks key channel.token", "step: id is integer on left, string on right"]


def test_lists_compare_by_the_merged_shape_of_their_items():
    left = {"payload": [{"id": 1, "name": "a"}, {"id": 2, "name": "b", "extra": True}]}
    right = {"payload": [{"id": 3, "name": "c"}]}
    assert differences(left, right) == ["step: right lacks key payload[].extra"]
    assert differences({"payload": []}, right) == []  # nothing to compare an empty list's items with
    assert differences({"payload": [1]}, {"payload": ["1"]}) == [
        "step: payload[] is integer on left, string on right"]
    assert differences({"payload": []}, [{"id": 1}]) == ["step: the body is object on left, array on right"]


def test_null_matches_any_type_unless_strict():
    assert differences({"avatar_url": None}, {"avatar_url": "https://x"}) == []
    assert differences({"avatar_url": None}, {"avatar_url": "https://x"}, strict_null=True) == [
        "step: avatar_url is null on left, string on right"]


def test_status_first_and_error_text_only_when_asked():
    assert compare_outcomes("read", Outcome(200, {}), Outcome(404, {"error": "x"})) == [
        "read: status 200 on left, 404 on right"]
    left, right = {"error": "Inbox not found"}, {"error": "Resource could not be found"}
    assert differences(left, right, status=404) == []
    assert differences(left, right, status=404, compare_error_text=True) == [
        "step: error reads 'Inbox not found' on left, 'Resource could not be found' on right"]
    assert differences({"name": "a"}, {"name": "b"}, compare_error_text=True) == []  # only 4xx texts


def test_a_step_run_on_one_side_only():
    assert compare_outcomes("read", Outcome(NOT_RUN, reason="create failed"), Outcome(NOT_RUN)) == []
    assert compare_outcomes("read", Outcome(200, {}), Outcome(NOT_RUN, reason="create failed")) == [
        "read: not run on right (create failed)"]


# ----------------------------------------------------------------------------- whole runs

DRIFTS = ("list_not_wrapped", "inbox_field_missing", "create_answers_201", "malformed_json_500",
          "not_found_as_401", "auth_ignored")


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, ServedMock]]:
    # The access log: the interrupt test waits for the run's creates in it.
    arguments = {"docs": ("--validate-responses", "--access-log"), "docs2": ("--validate-responses", "--access-log"),
                 "chatwoot": ("--validate-responses", "--profile", "chatwoot"),
                 "drifted": tuple(a for name in DRIFTS for a in ("--drift", name)),
                 "keeps_deleted": ("--drift", "delete_keeps_inbox")}
    servers = {name: ServedMock(*args) for name, args in arguments.items()}
    # Started and stopped side by side: five one-second startups need not queue.
    with ThreadPoolExecutor(len(servers)) as pool:
        try:
            list(pool.map(ServedMock.start, servers.values()))
            yield servers
        finally:
            list(pool.map(ServedMock.stop, servers.values()))


def diff(left: ServedMock, right: ServedMock, **settings) -> tuple[int, list[str], str]:
    out = io.StringIO()
    code = run(DiffOptions(TargetOptions(left.url, ADMIN, 1), TargetOptions(right.url, ADMIN, 1), rate_limit=0,
                           **settings), out=out, err=out)
    text = out.getvalue()
    found = [line.strip() for line in text.splitlines()[1:] if line.startswith("  ") and ": " in line
             and not line.strip().startswith(("left:", "right:"))]
    return code, found, text


def prefixed_inboxes(server: ServedMock) -> list[str]:
    response = requests.get(f"{server.url}/api/v1/accounts/1/inboxes", headers={"api_access_token": ADMIN},
                            timeout=10)
    document = response.json()
    inboxes = document["payload"] if isinstance(document, dict) else document  # list_not_wrapped: a bare list
    return [inbox["name"] for inbox in inboxes if inbox["name"].startswith("cwmock-")]


ACCOUNT = "/api/v1/accounts/1"
#: Issue 11's routes as the run reaches them: (request line, status) in the access log.
NEW_ROUTE_REQUESTS = [
    (rf"GET {ACCOUNT}/inboxes/\d+/csat_template", 400),  # not a WhatsApp inbox
    (rf"GET {ACCOUNT}/inboxes/\d+/csat_template", 200),  # the WhatsApp one
    (rf"POST {ACCOUNT}/inboxes/\d+/csat_template", 422),  # without a template
    (rf"GET {ACCOUNT}/inboxes/\d+/assignment_policy", 404),  # none linked
    (rf"POST {ACCOUNT}/agent_bots", 200), (rf"GET {ACCOUNT}/agent_bots/\d+", 200),
    (rf"PATCH {ACCOUNT}/agent_bots/\d+", 200), (rf"DELETE {ACCOUNT}/agent_bots/\d+", 200),
    (rf"GET {ACCOUNT}/agent_bots/\d+", 404),
    (rf"POST {ACCOUNT}/assignment_policies", 200), (rf"GET {ACCOUNT}/assignment_policies/\d+", 200),
    (rf"PATCH {ACCOUNT}/assignment_policies/\d+", 200), (rf"PATCH {ACCOUNT}/assignment_policies/\d+", 422),
    (rf"POST {ACCOUNT}/inboxes/\d+/assignment_policy", 200), (rf"GET {ACCOUNT}/inboxes/\d+/assignment_policy", 200),
    (rf"GET {ACCOUNT}/assignment_policies/\d+/inboxes", 200),
    (rf"DELETE {ACCOUNT}/inboxes/\d+/assignment_policy", 200),
    (rf"GET {ACCOUNT}/assignable_agents\?inbox_ids(\[\]|%5B%5D)=\d+", 200),
    (rf"DELETE {ACCOUNT}/assignment_policies/\d+", 200), (rf"GET {ACCOUNT}/assignment_policies/\d+", 404),
    (rf"POST {ACCOUNT}/channels/twilio_channel", 422),  # blank credentials
]


def requests_answered(server: ServedMock, since: int) -> list[tuple[str, int]]:
    """The access log's request lines and statuses after line `since`."""
    found = []
    for line in server.output()[since:]:
        if (match := re.search(r'"([A-Z]+ \S+) HTTP/[0-9.]+" ([0-9]{3}) ', line)) is not None:
            found.append((match.group(1), int(match.group(2))))
    return found


def test_mock_against_mock_has_no_difference(servers):
    logged = len(servers["docs"].output())
    code, found, text = diff(servers["docs"], servers["docs2"])
    assert code == EXIT_OK, text
    assert found == []
    assert "177 steps, 0 differences" in text
    # Every channel type's inbox, the assignment policy's and the error cases' one, on each side, all
    # removed again; so are the agent bot and the assignment policy the run made.
    for side in ("left", "right"):
        assert f"{side}: created 9 inboxes, removed 9" in text
        assert f"{side}: agent bots: created 1, removed 1" in text
        assert f"{side}: assignment policies: created 1, removed 1" in text
    assert prefixed_inboxes(servers["docs"]) == [] and prefixed_inboxes(servers["docs2"]) == []
    answered = requests_answered(servers["docs"], logged)
    missing = [(line, status) for line, status in NEW_ROUTE_REQUESTS
               if not any(re.fullmatch(line, sent) and got == status for sent, got in answered)]
    assert missing == [], answered


def test_drift_switches_are_found_and_named(servers):
    code, found, text = diff(servers["docs"], servers["drifted"])
    assert code == EXIT_FAILED, text
    expected = [
        "list inboxes: the body is object on left, array on right",  # list_not_wrapped
        "read web_widget: right lacks key timezone",  # inbox_field_missing
        "create api: status 200 on left, 201 on right",  # create_answers_201
        "error: update with malformed JSON: status 400 on left, 500 on right",  # malformed_json_500
        "error: unknown inbox: status 404 on left, 401 on right",  # not_found_as_401
        "error: no token: status 401 on left, 200 on right",  # auth_ignored
    ]
    for line in expected:
        assert line in found, text
    assert prefixed_inboxes(servers["drifted"]) == []


def test_a_delete_that_does_not_delete_is_found_and_reported_left_behind(servers):
    code, found, text = diff(servers["docs"], servers["keeps_deleted"], channels=("api",))
    assert code == EXIT_UNSAFE, text
    assert "read after delete api: status 404 on left, 200 on right" in found
    assert "right: LEFT BEHIND" in text


def test_profiles_differ_only_where_their_shapes_do(servers):
    code, found, text = diff(servers["docs"], servers["chatwoot"])
    assert code == EXIT_FAILED, text
    # README, "Profiles": the unknown channel type's body, the WhatsApp Cloud health body, and the
    # docs profile's `errors` list on a 422 of a body the spec refuses (the chatwoot profile answers
    # Chatwoot's {message, attributes} only).
    assert {line.split(":")[0] for line in found} == {"health whatsapp", "error"}
    assert {line.rsplit(":", 1)[0] for line in found if line.startswith("error")} == {
        "error: create without channel", "error: create with unknown channel type",
        "error: add members without user_ids", "error: create web_widget without website_url",
        "error: update with blank name"}
    assert "error: update with blank name: right lacks key errors" in found
    assert "error: create with unknown channel type: right lacks key error" in found
    assert "error: create with unknown channel type: left lacks key message" in found
    assert "health whatsapp: left lacks key verified_name" in found
    assert "health whatsapp: right lacks key status" in found
    _, with_text, _ = diff(servers["docs"], servers["chatwoot"], channels=("api",), compare_error_text=True)
    assert ("read after delete api: error reads 'Inbox not found' on left, 'Resource could not be found' on right"
            in with_text)


def test_unreachable_side_is_named(servers):
    out = io.StringIO()
    code = run(DiffOptions(TargetOptions(servers["docs"].url, ADMIN, 1), TargetOptions("http://127.0.0.1:9", ADMIN, 1)),
               out=out, err=out)
    assert code == EXIT_UNREACHABLE
    assert out.getvalue().startswith("chatwoot-mock diff: right: cannot reach http://127.0.0.1:9")


def test_steps_a_failed_create_keeps_from_running_make_one_line():
    from mockserver.harness.diff import diff_outcomes

    left = {"create line": Outcome(200, {}), "read line": Outcome(200, {}), "delete line": Outcome(200, {}),
            "list inboxes at the end": Outcome(200, {"payload": []})}
    right = {"create line": Outcome(422, {"message": "x"}), "read line": Outcome(NOT_RUN, reason="create line failed"),
             "delete line": Outcome(NOT_RUN, reason="create line failed"),
             "list inboxes at the end": Outcome(200, {"payload": []})}
    assert diff_outcomes(left, right) == [
        "create line: status 200 on left, 422 on right",
        "2 steps (read line, delete line): not run on right (create line failed)",
    ]


def test_an_interrupted_diff_reports_what_both_sides_answered_and_cleans_up(servers):
    import signal
    import subprocess
    import sys

    from mockserver.testing.served import child_env

    left, right = servers["docs"], servers["docs2"]
    command = [sys.executable, "-m", "mockserver", "diff", "--left", left.url, "--left-token", ADMIN, "--right",
               right.url, "--right-token", ADMIN, "--rate-limit", "10", "--progress"]
    logged = {server.url: len(server.output()) for server in (left, right)}  # earlier tests' lines too
    child = subprocess.Popen(command, env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Interrupted once both sides have created this run's first inbox.
    for server in (left, right):
        server.wait_for(lambda lines, start=logged[server.url]: any(
            '"POST /api/v1/accounts/1/inboxes HTTP' in line for line in lines[start:]), timeout=120)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 130, out + err
    steps = int(out.split(" steps, ")[0].rsplit("  ", 1)[1])
    assert 2 < steps < 177, out
    assert f"interrupted: the {steps} steps above are those both sides answered" in out
    assert f"{steps} steps, 0 differences" in out
    assert re.search(r"diff: +\d+%\|", err), err  # the progress bar (tqdm), forced on
    assert prefixed_inboxes(left) == prefixed_inboxes(right) == []


def test_cleanup_removes_the_bots_and_policies_that_carry_the_prefix(servers):
    """What an interrupted run left (made, but its id never seen): found by the prefix and deleted;
    the account's other records stay."""
    from mockserver.harness.guarded_client import GuardedClient, OwnedRecords, RateLimiter, WriteGuard
    from mockserver.harness.lifecycle import CleanupReport, cleanup

    server, prefix = servers["docs2"], "cwmock-5eed1e55-"

    def post(path: str, document: dict) -> int:
        answer = requests.post(f"{server.url}{ACCOUNT}{path}", json=document, headers={"api_access_token": ADMIN},
                               timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.json()["id"]

    bots = [post("/agent_bots", {"name": prefix + "bot"}), post("/agent_bots", {"name": "Not the run's"})]
    policy = post("/assignment_policies", {"assignment_policy": {"name": prefix + "policy"}})
    owned = OwnedRecords(prefix)
    report = CleanupReport()
    with GuardedClient(server.url, ADMIN, WriteGuard(1, owned, allow_writes=True), RateLimiter(0)) as client:
        cleanup(client, 1, owned, report)
    assert {name: (r.created, r.removed, r.left) for name, r in report.records.items()} == {
        "agent_bots": ({bots[0]: prefix + "bot"}, [bots[0]], []),
        "assignment_policies": ({policy: prefix + "policy"}, [policy], [])}
    listed = requests.get(f"{server.url}{ACCOUNT}/agent_bots", headers={"api_access_token": ADMIN}, timeout=10)
    assert bots[1] in [bot["id"] for bot in listed.json()] and bots[0] not in [bot["id"] for bot in listed.json()]
    requests.delete(f"{server.url}{ACCOUNT}/agent_bots/{bots[1]}", headers={"api_access_token": ADMIN}, timeout=10)
