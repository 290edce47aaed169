"""The pytest plugin, run as its users run it: test files in a scratch project (pytest's `pytester`)."""

from __future__ import annotations

import sys

import pytest

from mockserver.state.fixture_sets import dumps, generate
from mockserver.testing.mock import ChatwootMock, InterceptionUnavailable


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    pytester.makepyfile(source)
    return pytester.runpytest("-p", "no:cacheprovider", "-p", "no:schemathesis", *args)


def test_the_plugin_is_registered_by_its_entry_point(pytester):
    result = pytester.runpytest("--fixtures", "-p", "no:schemathesis")
    for name in ("chatwoot_mock", "chatwoot_intercept", "chatwoot_server", "chatwoot_mock_document"):
        result.stdout.fnmatch_lines([f"{name}*"])


def test_each_test_gets_fresh_state(pytester):
    result = run(pytester, """
        def test_write(chatwoot_mock):
            client = chatwoot_mock.client()
            assert client.post("/inboxes", json={"name": "Written", "channel": {"type": "api"}}).status_code == 200
            assert len(client.get("/inboxes").get_json()["payload"]) == 7

        def test_not_seen(chatwoot_mock):
            names = [i["name"] for i in chatwoot_mock.client().get("/inboxes").get_json()["payload"]]
            assert len(names) == 6 and "Written" not in names
            assert chatwoot_mock.requests()[0].path == "/api/v1/accounts/1/inboxes"
            assert len(chatwoot_mock.requests()) == 1  # the journal is this test's own
    """)
    result.assert_outcomes(passed=2)


def test_a_marker_picks_the_set_seed_size_document_and_profile(pytester):
    result = run(pytester, """
        import pytest
        from mockserver.state.fixture_sets import generate

        @pytest.mark.chatwoot_mock(fixtures="empty", seed=4)
        def test_empty(chatwoot_mock):
            assert chatwoot_mock.document == generate("empty", seed=4)
            assert chatwoot_mock.admin_token == "empty-admin-token"
            assert chatwoot_mock.client().get("/inboxes").get_json() == {"payload": []}

        @pytest.mark.chatwoot_mock(fixtures="large", inboxes=10, seed=3)
        def test_large(chatwoot_mock):
            assert len(chatwoot_mock.store.accounts) == 5 and len(chatwoot_mock.store.inboxes) == 10

        @pytest.mark.chatwoot_mock(document=generate("empty", seed=9))
        def test_document(chatwoot_mock):
            assert chatwoot_mock.document["users"][0]["name"] == generate("empty", seed=9)["users"][0]["name"]

        @pytest.mark.chatwoot_mock(profile="chatwoot")
        def test_profile(chatwoot_mock):
            body = chatwoot_mock.client().get("/inboxes/999").get_json()
            assert body == {"error": "Resource could not be found"}

        @pytest.mark.chatwoot_mock(fixtures="nope")
        def test_unknown_set(chatwoot_mock):
            pass

        @pytest.mark.chatwoot_mock(fixture="empty")
        def test_misspelt_argument(chatwoot_mock):
            pass
    """)
    result.assert_outcomes(passed=4, errors=2)
    result.stdout.fnmatch_lines(["*'nope' is neither a fixture set (demo, empty, large) nor a state file*",
                                 "*unknown arguments *'fixture'*known: *"])


def test_a_file_an_ini_option_or_an_overridden_fixture_picks_the_state(pytester):
    pytester.makeini("""
        [pytest]
        chatwoot_mock_fixtures = empty
        chatwoot_mock_seed = 5
    """)
    pytester.makeconftest("""
        import pytest
        from mockserver.state.fixture_sets import generate

        @pytest.fixture
        def chatwoot_mock_document(request):
            if "own" in request.node.name:
                return generate("large", seed=2, inboxes=3)
            return request.getfixturevalue("_ini_document")

        @pytest.fixture
        def _ini_document():
            return generate("empty", seed=5)
    """)
    pytester.path.joinpath("state.json").write_text(dumps(generate("empty", seed=11)), encoding="utf-8")
    result = run(pytester, """
        def test_own_document(chatwoot_mock):
            assert len(chatwoot_mock.store.inboxes) == 3

        def test_ini(chatwoot_mock):
            assert chatwoot_mock.admin_token == "empty-admin-token"
            assert len(chatwoot_mock.store.inboxes) == 0
    """)
    result.assert_outcomes(passed=2)
    # Without the override, the ini option and a file marker are read by the plugin itself.
    pytester.path.joinpath("conftest.py").unlink()
    result = run(pytester, """
        import pytest
        from mockserver.state.fixture_sets import generate

        def test_ini_set(chatwoot_mock):
            assert chatwoot_mock.document == generate("empty", seed=5)

        @pytest.mark.chatwoot_mock(fixtures="state.json")
        def test_file(chatwoot_mock):
            assert chatwoot_mock.document == generate("empty", seed=11)
    """)
    result.assert_outcomes(passed=2)


def test_helpers_add_records_through_the_store(pytester):
    result = run(pytester, """
        def test_helpers(chatwoot_mock):
            agent = chatwoot_mock.add_user(role="agent", name="Nina Agent")
            inbox = chatwoot_mock.add_inbox("whatsapp", members=[agent.id])
            assert inbox.channel["phone_number"].startswith("+1")
            listed = chatwoot_mock.client(agent.access_token).get("/inboxes").get_json()["payload"]
            assert [i["id"] for i in listed] == [inbox.id]
            bot = chatwoot_mock.add_agent_bot(name="Router")
            chatwoot_mock.link_agent_bot(inbox.id, bot.id)
            body = chatwoot_mock.client().get(f"/inboxes/{inbox.id}/agent_bot").get_json()
            assert body["agent_bot"]["name"] == "Router"
            # every channel type, made up and unique, next to the demo's own values
            for kind in ("web_widget", "api", "email", "line", "telegram", "whatsapp", "sms", "twilio_sms"):
                for _ in range(3):
                    chatwoot_mock.add_inbox(kind)
            assert len(chatwoot_mock.store.inboxes) == 7 + 1 + 24
            account = chatwoot_mock.add_account("Second Co")
            admin = chatwoot_mock.add_user(account.id, "administrator")
            created = chatwoot_mock.client(admin.access_token, account.id).post(
                "/inboxes", json={"name": "Hello", "channel": {"type": "api"}})
            assert created.status_code == 200
            assert chatwoot_mock.requests(method="POST")[0].path == f"/api/v1/accounts/{account.id}/inboxes"
            campaign = chatwoot_mock.add_campaign(1, "Hi", "Hello there")
            assert campaign.display_id == 4
    """)
    result.assert_outcomes(passed=1)


def test_requests_and_httpx_calls_are_intercepted(pytester):
    result = run(pytester, """
        import asyncio
        import httpx
        import pytest
        import requests

        def test_requests(chatwoot_intercept):
            headers = {"api_access_token": chatwoot_intercept.admin_token}
            response = requests.get("https://app.chatwoot.com/api/v1/accounts/1/inboxes", headers=headers)
            assert response.status_code == 200 and len(response.json()["payload"]) == 6
            created = requests.post(chatwoot_intercept.url("/inboxes"), headers=headers,
                                    json={"name": "From requests", "channel": {"type": "api"}})
            assert created.json()["name"] == "From requests"
            refused = requests.post(chatwoot_intercept.url("/inboxes"), data=b"{oops", params={"x": "1"},
                                    headers={**headers, "Content-Type": "application/json"})
            assert refused.status_code == 400
            entry = chatwoot_intercept.requests()[0]
            assert (entry.method, entry.status, entry.query) == ("POST", 400, "x=1")

        def test_httpx_sync_and_async(chatwoot_intercept):
            headers = {"api_access_token": chatwoot_intercept.admin_token}
            with httpx.Client(base_url="https://app.chatwoot.com", headers=headers) as client:
                assert client.get("/api/v1/accounts/1/inboxes/3").json()["id"] == 3
                assert client.get("/api/v1/accounts/1/inboxes/999").status_code == 404

            async def create():
                async with httpx.AsyncClient(headers=headers) as client:
                    return await client.post(chatwoot_intercept.url("/inboxes"),
                                             json={"name": "From httpx", "channel": {"type": "api"}})

            assert asyncio.run(create()).json()["name"] == "From httpx"
            assert [e.status for e in chatwoot_intercept.requests()] == [200, 404, 200]

        @pytest.mark.chatwoot_mock(base_url="https://chat.example.com")
        def test_another_base_url(chatwoot_intercept):
            response = requests.get("https://chat.example.com/api/v1/accounts/1/inboxes",
                                    headers={"api_access_token": "demo-agent-token"})
            assert [i["id"] for i in response.json()["payload"]] == [1, 2]
            with pytest.raises(requests.ConnectionError):  # the default base URL is not this test's
                requests.get("https://app.chatwoot.com/api/v1/accounts/1/inboxes")
    """)
    result.assert_outcomes(passed=3)


def test_unmatched_hosts_fail_unless_passthrough(pytester):
    result = run(pytester, """
        import http.server
        import threading
        import httpx
        import pytest
        import requests
        import respx

        class Hello(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"real network")

            def log_message(self, *args):
                pass

        @pytest.fixture
        def local_url():
            server = http.server.HTTPServer(("127.0.0.1", 0), Hello)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            yield f"http://127.0.0.1:{server.server_port}/"
            server.shutdown()

        def test_refused(chatwoot_intercept, local_url):
            with pytest.raises(requests.ConnectionError, match="Connection refused by Responses"):
                requests.get(local_url)
            with pytest.raises(respx.models.AllMockedAssertionError):
                httpx.get(local_url)
            with pytest.raises(requests.ConnectionError):  # a longer host is another host
                requests.get("https://app.chatwoot.com.example/api/v1/accounts/1/inboxes")

        @pytest.mark.chatwoot_mock(passthrough=True)
        def test_passthrough(chatwoot_intercept, local_url):
            assert requests.get(local_url).text == "real network"
            assert httpx.get(local_url).text == "real network"
            assert requests.get(chatwoot_intercept.url("/inboxes")).status_code == 401  # still the mock
    """)
    result.assert_outcomes(passed=2)


def test_intercepting_only_one_library(pytester):
    result = run(pytester, """
        import httpx
        import pytest
        import requests

        @pytest.mark.chatwoot_mock(intercept="httpx")
        def test_httpx_only(chatwoot_intercept, monkeypatch):
            assert httpx.get(chatwoot_intercept.url("/inboxes")).status_code == 401
            sent = []
            monkeypatch.setattr(requests.Session, "send", lambda self, request, **kw: sent.append(request.url))
            requests.get(chatwoot_intercept.url("/inboxes"))
            assert sent == ["https://app.chatwoot.com/api/v1/accounts/1/inboxes"]  # not intercepted
    """)
    result.assert_outcomes(passed=1)


def test_a_missing_interception_library_is_named(monkeypatch):
    mock = ChatwootMock(generate("empty"))
    monkeypatch.setitem(sys.modules, "responses", None)  # as if it were not installed
    with pytest.raises(InterceptionUnavailable, match=r"responses is not installed.*\[pytest\]"), mock.intercept():
        pass
    with mock.intercept(libraries=["httpx"]):  # the other library still works alone
        import httpx

        assert httpx.get(mock.url("/inboxes")).status_code == 401


def test_chatwoot_server_is_shared_and_reset_for_each_test(pytester):
    result = run(pytester, """
        import pytest
        import requests

        def test_write(chatwoot_server):
            url = f"{chatwoot_server.url}/api/v1/accounts/1/inboxes"
            headers = {"api_access_token": chatwoot_server.admin_token}
            assert requests.post(url, headers=headers, json={"name": "W", "channel": {"type": "api"}}).ok
            assert len(requests.get(url, headers=headers).json()["payload"]) == 7

        def test_fresh(chatwoot_server):
            url = f"{chatwoot_server.url}/api/v1/accounts/1/inboxes"
            assert len(requests.get(url, headers={"api_access_token": "demo-admin-token"}).json()["payload"]) == 6
            assert [(e.method, e.status) for e in chatwoot_server.requests()] == [("GET", 200)]

        @pytest.mark.chatwoot_mock(fixtures="empty", seed=2)
        def test_a_set_of_its_own(chatwoot_server):
            assert chatwoot_server.admin_token == "empty-admin-token"
            url = f"{chatwoot_server.url}/api/v1/accounts/1/inboxes"
            assert requests.get(url, headers={"api_access_token": "empty-admin-token"}).json() == {"payload": []}

        def test_back_to_the_session_state(chatwoot_server):
            assert chatwoot_server.admin_token == "demo-admin-token"
            assert chatwoot_server.url.startswith("http://127.0.0.1:")
    """)
    result.assert_outcomes(passed=4)


def test_a_made_up_email_inbox_forwards_to_its_accounts_inbound_domain():
    document = generate("large", inboxes=5)
    mock = ChatwootMock(document)
    account = document["accounts"][0]
    inbox = mock.add_inbox("email", account_id=account["id"])
    assert inbox.channel["forward_to_email"].endswith("@" + account["inbound_email_domain"])


# ----------------------------------------------------------------------------- one vocabulary (issue 13.4)

SHARED_VOCABULARY = """
    import pytest
    import requests

    from mockserver.chatwoot.models import Inbox, User
    from mockserver.control.faults import Fault
    from mockserver.control.journal import JournalEntry

    @pytest.fixture(params=["chatwoot_mock", "chatwoot_intercept", "chatwoot_server"])
    def mock(request):
        return request.param, request.getfixturevalue(request.param)

    def list_inboxes(kind, mock, token):
        headers = {"api_access_token": token}
        if kind == "chatwoot_server":
            answer = requests.get(f"{mock.url}/api/v1/accounts/1/inboxes", headers=headers, timeout=30)
            return answer.status_code, answer.json()
        if kind == "chatwoot_intercept":
            answer = requests.get(mock.url("/inboxes"), headers=headers)
            return answer.status_code, answer.json()
        answer = mock.client(token).get("/inboxes")
        return answer.status_code, answer.get_json()

    def test_records(mock):
        kind, mock = mock
        agent = mock.add_user(role="agent")
        inbox = mock.add_inbox("whatsapp", members=[agent.id])
        assert isinstance(agent, User) and isinstance(inbox, Inbox)
        assert agent.access_token in mock.tokens.values()
        status, body = list_inboxes(kind, mock, agent.access_token)
        assert (status, [i["id"] for i in body["payload"]]) == (200, [inbox.id])

    def test_faults_and_journal(mock):
        kind, mock = mock
        fault = mock.add_fault("listInboxes", status=503, times=1)
        assert isinstance(fault, Fault) and mock.faults()[0].id == fault.id
        assert list_inboxes(kind, mock, mock.admin_token)[0] == 503
        assert list_inboxes(kind, mock, mock.admin_token)[0] == 200
        assert mock.faults() == []
        entries = mock.requests(operation_id="listInboxes")
        assert all(isinstance(e, JournalEntry) for e in entries)
        assert [e.status for e in entries] == [200, 503]  # newest first
        with pytest.raises(ValueError, match="unknown operation 'listInbox'; the operations are: listInboxes, "):
            mock.add_fault("listInbox", status=500)
        mock.add_fault(latency_ms=1)
        mock.clear_faults()
        mock.clear_requests()
        assert mock.faults() == [] and mock.requests() == []

    def test_reset(mock):
        kind, mock = mock
        mock.add_inbox("api")
        mock.reset()
        assert len(list_inboxes(kind, mock, mock.admin_token)[1]["payload"]) == 6

    def test_each_test_starts_clean(mock):
        kind, mock = mock
        assert mock.faults() == []
        assert len(list_inboxes(kind, mock, "demo-admin-token")[1]["payload"]) == 6
"""


def test_the_three_fixtures_share_one_vocabulary(pytester):
    result = run(pytester, SHARED_VOCABULARY)
    result.assert_outcomes(passed=12)


def test_chatwoot_server_honours_a_conftest_document_and_the_marker_profile(pytester):
    pytester.makeconftest("""
        import pytest
        from mockserver.state.fixture_sets import generate

        @pytest.fixture
        def chatwoot_mock_document(request):
            if "own" in request.node.name:
                return generate("empty", seed=3)
            return generate("demo")
    """)
    result = run(pytester, """
        import pytest
        import requests

        def get(server, path, token):
            return requests.get(f"{server.url}/api/v1/accounts/1{path}", headers={"api_access_token": token},
                                timeout=30)

        def test_own_document(chatwoot_server):
            assert chatwoot_server.admin_token == "empty-admin-token"
            assert get(chatwoot_server, "/inboxes", "empty-admin-token").json() == {"payload": []}

        @pytest.mark.chatwoot_mock(profile="chatwoot")
        def test_chatwoot_profile(chatwoot_server):
            assert get(chatwoot_server, "/inboxes/999", "demo-admin-token").json() == {
                "error": "Resource could not be found"}

        def test_docs_profile_again(chatwoot_server):
            assert get(chatwoot_server, "/inboxes/999", "demo-admin-token").json() == {"error": "Inbox not found"}
            assert len(get(chatwoot_server, "/inboxes", "demo-admin-token").json()["payload"]) == 6
    """)
    result.assert_outcomes(passed=3)


def test_the_ini_state_file_is_relative_to_the_rootdir(pytester, monkeypatch):
    pytester.makeini("""
        [pytest]
        chatwoot_mock_fixtures = states/small.json
    """)
    pytester.mkdir("states").joinpath("small.json").write_text(dumps(generate("empty", seed=6)), encoding="utf-8")
    tests = pytester.mkdir("deep")
    tests.joinpath("test_it.py").write_text(
        "def test_it(chatwoot_mock):\n    assert chatwoot_mock.admin_token == 'empty-admin-token'\n")
    monkeypatch.chdir(tests)
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:schemathesis", "test_it.py")
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(("option", "value", "says"), [
    ("chatwoot_mock_seed", "abc", "chatwoot_mock_seed = 'abc' (ini option): not a whole number"),
    ("chatwoot_mock_profile", "rails", "chatwoot_mock_profile = 'rails' (ini option): choose docs or chatwoot"),
])
def test_a_bad_ini_value_stops_the_run_naming_it(pytester, option, value, says):
    pytester.makeini(f"""
        [pytest]
        {option} = {value}
    """)
    result = run(pytester, "def test_nothing():\n    pass\n")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{says}*"])
    assert "Traceback" not in result.stderr.str()


def test_a_failed_start_says_it_exited_and_why():
    from mockserver.testing.served import ServedMock, ServeFailed

    with pytest.raises(ServeFailed) as failed:
        ServedMock("--fixtures", "nope").start(timeout=60)
    message = str(failed.value)
    assert message.startswith("chatwoot-mock serve exited with code 2 before it listened (serve")
    assert "'nope' is neither a fixture set" in message
    assert "within" not in message


def test_the_readme_names_every_operation_a_fault_can_target():
    from pathlib import Path

    from mockserver.testing.mock import OPERATION_IDS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    faults = readme.split("- **Faults**", 1)[1].split("\n- **", 1)[0]
    assert [op for op in OPERATION_IDS if f"`{op}`" not in faults] == []
