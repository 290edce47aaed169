"""Authentication, the account checks and the HTTP edge, in-process (digest §0, §3.1, §3.2).

Every row of the digest §0 "Canonical error bodies" table that concerns the caller or the account,
with the exact status and body. These bodies are the same in both profiles, so the tests run in both.
"""

from __future__ import annotations

import pytest
from conftest import ADMIN, AGENT, GLOBEX_ADMIN, PREFIX

# digest §0, §3.1: devise_token_auth's plural `errors` array.
DEVISE_401 = {"errors": ["You need to sign in or sign up before continuing."]}
# digest §0, §3.1
INVALID_TOKEN_401 = {"error": "Invalid Access Token"}
# digest §0, §3.1
BOTS_401 = {"error": "Access to this endpoint is not authorized for bots"}
# digest §0, §3.2
NOT_FOUND_404 = {"error": "Resource could not be found"}
# digest §0, §3.2
SUSPENDED_401 = {"error": "Account is suspended"}
# digest §0, §3.2
NOT_ACCOUNT_MEMBER_401 = {"error": "You are not authorized to access this account"}

SYSTEM_BOT = "demo-system-bot-token"
BOT_1 = "demo-bot-token-1"

# Every operation of the API (digest §1.1 and the spec's agent_bots listing), each with a body
# where it takes one. Inbox 1 and the bodies are valid, so only the caller decides the answer.
OPERATIONS = [
    ("GET", "/inboxes", None),
    ("POST", "/inboxes", {"name": "Auth probe", "channel": {"type": "api"}}),
    ("GET", "/inboxes/1", None),
    ("PATCH", "/inboxes/1", {"name": "Renamed"}),
    ("PUT", "/inboxes/1", {"name": "Renamed"}),
    ("DELETE", "/inboxes/1", None),
    ("GET", "/inboxes/1/assignable_agents", None),
    ("GET", "/inboxes/1/campaigns", None),
    ("GET", "/inboxes/1/agent_bot", None),
    ("POST", "/inboxes/1/set_agent_bot", {"agent_bot": 1}),
    ("DELETE", "/inboxes/1/avatar", None),
    ("POST", "/inboxes/4/sync_templates", None),
    ("GET", "/inboxes/4/health", None),
    ("GET", "/inbox_members/1", None),
    ("POST", "/inbox_members", {"inbox_id": 1, "user_ids": [1]}),
    ("PATCH", "/inbox_members", {"inbox_id": 1, "user_ids": [1]}),
    ("DELETE", "/inbox_members", {"inbox_id": 1, "user_ids": [2]}),
    ("GET", "/agent_bots", None),
]


def call(client, method, path, body, **kwargs):
    if body is not None:
        kwargs["json"] = body
    return client.request(method, path, **kwargs)


# ----------------------------------------------------------------- every operation, every credential row
# (credential, expected status, expected body): digest §0 "Canonical error bodies", §3.1, §3.2.
CREDENTIAL_ROWS = [
    (None, 401, DEVISE_401),  # no header at all
    ("no-such-token", 401, INVALID_TOKEN_401),
    (BOT_1, 401, BOTS_401),  # an account's agent bot
    (SYSTEM_BOT, 401, BOTS_401),  # a system bot (account_id null)
    (GLOBEX_ADMIN, 401, NOT_ACCOUNT_MEMBER_401),  # admin of account 2 calling account 1
]


@pytest.mark.parametrize(("token", "status", "body"), CREDENTIAL_ROWS,
                         ids=["no-header", "unknown-token", "bot", "system-bot", "other-account-user"])
def test_credential_rows_on_every_operation(admin, store, token, status, body):
    for method, path, request_body in OPERATIONS:
        response = call(admin.as_(token), method, path, request_body)
        assert (response.status_code, response.get_json()) == (status, body), f"{method} {path}"
    # Nothing was done by any of these calls: inbox 1 still exists and kept its name and bot.
    assert sorted(store.inboxes) == [1, 2, 3, 4, 5, 6, 7]
    assert admin.get("/inboxes/1").get_json()["name"] == "Website Chat"  # fixtures/demo.json
    assert [u["id"] for u in admin.get("/inbox_members/1").get_json()["payload"]] == [1, 2]
    assert admin.get("/inboxes/1/agent_bot").get_json()["agent_bot"]["id"] == 1  # fixtures/demo.json


@pytest.mark.parametrize("token", ["", "   "], ids=["empty", "blank"])
def test_empty_header_is_devise_401(admin, token):
    # digest §0: "Also an empty api_access_token header"; §3.1 `present?` is false for blanks too.
    response = admin.as_(token).get("/inboxes")
    assert response.status_code == 401
    assert response.get_json() == DEVISE_401


def test_no_header_401_has_json_content_type(admin):
    response = admin.as_(None).get("/inboxes")
    assert response.status_code == 401
    assert response.mimetype == "application/json"


def test_token_in_query_string_is_not_accepted(admin):
    # digest §3.1: "The token is not accepted as a query parameter."
    response = admin.as_(None).get(f"/inboxes?api_access_token={ADMIN}")
    assert response.status_code == 401
    assert response.get_json() == DEVISE_401


def test_token_in_query_string_does_not_override_a_bad_header(admin):
    response = admin.as_("no-such-token").get(f"/inboxes?api_access_token={ADMIN}")
    assert response.status_code == 401
    assert response.get_json() == INVALID_TOKEN_401


# ----------------------------------------------------------------- header spellings
@pytest.mark.parametrize("header", ["api_access_token", "api-access-token", "API_ACCESS_TOKEN",
                                    "Api-Access-Token", "API-ACCESS-TOKEN"])
def test_header_spellings_are_all_accepted_in_process(admin, header):
    # digest §3.1: Rack folds them into HTTP_API_ACCESS_TOKEN; "match case-insensitively, - and _ equal".
    response = admin.as_(None).get("/inboxes", headers={header: ADMIN})
    assert response.status_code == 200
    assert [inbox["id"] for inbox in response.get_json()["payload"]] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("header", ["api_access_token", "Api-Access-Token"])
def test_header_spelling_keeps_the_callers_role(admin, header):
    # The agent's token, whatever the spelling, is still the agent: only its member inboxes (digest §2.5).
    response = admin.as_(None).get("/inboxes", headers={header: AGENT})
    assert response.status_code == 200
    assert [inbox["id"] for inbox in response.get_json()["payload"]] == [1, 2]


# ----------------------------------------------------------------- bot tokens
@pytest.mark.parametrize("token", [BOT_1, SYSTEM_BOT], ids=["account-bot", "system-bot"])
def test_bot_token_is_refused_before_the_account_lookup(admin, token):
    # digest §2.1: validate_bot_access_token! (Api::BaseController) runs before current_account.
    response = admin.as_(token).get("/api/v1/accounts/999/inboxes", absolute=True)
    assert response.status_code == 401
    assert response.get_json() == BOTS_401


def test_bot_write_changes_nothing(admin, store):
    before = admin.get("/inboxes/2/agent_bot").get_json()
    response = admin.as_(BOT_1).post("/inboxes/2/set_agent_bot", json={"agent_bot": 1})
    assert response.status_code == 401
    assert admin.get("/inboxes/2/agent_bot").get_json() == before == {}


# ----------------------------------------------------------------- the account
@pytest.mark.parametrize("account_id", [999, 0])
def test_unknown_account_is_404(admin, account_id):
    # digest §0, §3.2 step 1: Account.find raises RecordNotFound.
    response = admin.get(f"/api/v1/accounts/{account_id}/inboxes", absolute=True)
    assert response.status_code == 404
    assert response.get_json() == NOT_FOUND_404


def test_unknown_account_without_token_is_401_first(admin):
    # digest §2.1: authentication runs before the account lookup.
    response = admin.as_(None).get("/api/v1/accounts/999/inboxes", absolute=True)
    assert response.status_code == 401
    assert response.get_json() == DEVISE_401


def test_unknown_account_with_unknown_token_is_invalid_token(admin):
    response = admin.as_("no-such-token").get("/api/v1/accounts/999/inboxes", absolute=True)
    assert response.status_code == 401
    assert response.get_json() == INVALID_TOKEN_401


@pytest.mark.parametrize("token", [ADMIN, AGENT])
def test_suspended_account_is_401(admin, store, token):
    store.accounts[1].status = "suspended"
    response = admin.as_(token).get("/inboxes")
    # digest §0, §3.2 step 2
    assert response.status_code == 401
    assert response.get_json() == SUSPENDED_401


def test_suspended_account_is_checked_before_membership(admin, store):
    # digest §3.2: active? (step 2) comes before the account_users lookup (step 3).
    store.accounts[1].status = "suspended"
    response = admin.as_(GLOBEX_ADMIN).get("/inboxes")
    assert response.status_code == 401
    assert response.get_json() == SUSPENDED_401


def test_suspended_account_refuses_writes_and_changes_nothing(admin, store):
    store.accounts[1].status = "suspended"
    response = admin.patch("/inboxes/1", json={"name": "Renamed while suspended"})
    assert response.status_code == 401
    assert response.get_json() == SUSPENDED_401
    store.accounts[1].status = "active"
    assert admin.get("/inboxes/1").get_json()["name"] == "Website Chat"  # fixtures/demo.json


def test_suspending_another_account_does_not_matter(admin, store):
    store.accounts[2].status = "suspended"
    assert admin.get("/inboxes").status_code == 200


def test_user_of_another_account_is_let_into_their_own(admin):
    response = admin.as_(GLOBEX_ADMIN).get("/api/v1/accounts/2/inboxes", absolute=True)
    assert response.status_code == 200
    assert [inbox["id"] for inbox in response.get_json()["payload"]] == [7]  # fixtures/demo.json


def test_admin_of_account_1_is_not_let_into_account_2(admin):
    response = admin.get("/api/v1/accounts/2/inboxes", absolute=True)
    assert response.status_code == 401
    assert response.get_json() == NOT_ACCOUNT_MEMBER_401


def test_user_of_another_account_on_unknown_account_is_404(admin):
    # digest §3.2: the account lookup (404) comes before the membership check (401).
    response = admin.as_(GLOBEX_ADMIN).get("/api/v1/accounts/999/inboxes", absolute=True)
    assert response.status_code == 404
    assert response.get_json() == NOT_FOUND_404


# ----------------------------------------------------------------- auth comes first
@pytest.mark.parametrize("token", [None, "no-such-token"])
def test_auth_is_checked_before_the_inbox_lookup(admin, token):
    response = admin.as_(token).get("/inboxes/999")
    assert response.status_code == 401
    assert response.get_json() == (DEVISE_401 if token is None else INVALID_TOKEN_401)


@pytest.mark.parametrize("path", ["/inboxes", "/inboxes/1", "/inbox_members"])
def test_auth_is_checked_before_the_body_is_read(admin, path):
    method = "PATCH" if path == "/inboxes/1" else "POST"
    response = admin.as_(None).request(method, path, data="{not json", content_type="application/json")
    assert response.status_code == 401
    assert response.get_json() == DEVISE_401


def test_auth_is_checked_before_the_content_type(admin):
    response = admin.as_(None).post("/inboxes", data="name=x", content_type="text/plain")
    assert response.status_code == 401
    assert response.get_json() == DEVISE_401


def test_auth_is_checked_before_spec_validation(admin):
    response = admin.as_(None).post("/inbox_members", json={"inbox_id": "one", "user_ids": "all"})
    assert response.status_code == 401
    assert response.get_json() == DEVISE_401


def test_bot_is_refused_before_the_body_is_read(admin):
    response = admin.as_(BOT_1).post("/inboxes", data="{not json", content_type="application/json")
    assert response.status_code == 401
    assert response.get_json() == BOTS_401


def test_account_is_checked_before_the_inbox_lookup(admin):
    response = admin.as_(GLOBEX_ADMIN).get("/inboxes/999")
    assert response.status_code == 401
    assert response.get_json() == NOT_ACCOUNT_MEMBER_401


def test_malformed_body_when_authenticated_is_400(admin):
    response = admin.post("/inboxes", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert isinstance(response.get_json()["error"], str)


# ----------------------------------------------------------------- routing
@pytest.mark.parametrize("path", [PREFIX + "/nope", PREFIX + "/inboxes/1/nope", "/api/v2/whatever", "/nope"])
def test_unknown_route_is_json_404(admin, path):
    response = admin.get(path, absolute=True)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert isinstance(response.get_json()["error"], str)


def test_non_integer_inbox_id_is_404(admin):
    # The spec's info: "A path parameter that is not an integer is answered 404, as Rails does."
    response = admin.get("/inboxes/abc")
    assert response.status_code == 404
    assert response.mimetype == "application/json"


@pytest.mark.parametrize("path", ["/api/v1/accounts/1/inboxes/abc", "/api/v1/accounts/1/inboxes/abc/health",
                                  "/api/v1/accounts/1/inbox_members/abc", "/api/v1/accounts/abc/inboxes"])
def test_auth_is_checked_before_a_non_integer_id(admin, path):
    # digest §1.1, §2.1: Rails' routes take any segment as :id / :account_id, so these requests reach
    # the controller and authentication (401) runs before Account.find / fetch_inbox (404).
    response = admin.as_(None).get(path, absolute=True)
    assert response.status_code == 401
    assert response.get_json() == DEVISE_401


@pytest.mark.parametrize("path", ["/api/v1/accounts/1/inboxes/abc", "/api/v1/accounts/1/inbox_members/abc",
                                  "/api/v1/accounts/abc/inboxes"])
def test_non_integer_id_is_resource_not_found_in_chatwoot_profile(chatwoot_admin, path):
    # digest §0, §3.3: `find("abc")` raises RecordNotFound -> 404 {"error":"Resource could not be found"}.
    response = chatwoot_admin.get(path, absolute=True)
    assert response.status_code == 404
    assert response.get_json() == NOT_FOUND_404


@pytest.mark.parametrize(("method", "path", "allowed", "refused"), [
    ("POST", "/inboxes/1", {"GET", "PATCH", "PUT", "DELETE"}, "POST"),
    ("DELETE", "/inboxes", {"GET", "POST"}, "DELETE"),
    ("PUT", "/inbox_members", {"POST", "PATCH", "DELETE"}, "PUT"),  # digest §1.1: there is no PUT
    ("GET", "/inboxes/1/set_agent_bot", {"POST"}, "GET"),
    ("POST", "/inboxes/1/health", {"GET"}, "POST"),
])
def test_wrong_method_is_json_405_with_allow(admin, method, path, allowed, refused):
    response = admin.request(method, path)
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert isinstance(response.get_json()["error"], str)
    allow = {m.strip() for m in response.headers["Allow"].split(",")}
    assert allowed <= allow
    assert refused not in allow


def test_trailing_slash_is_served(admin):
    # digest §8.3 item 5: Rails treats /inboxes/ and /inboxes the same.
    response = admin.get("/inboxes/")
    assert response.status_code == 200
    assert len(response.get_json()["payload"]) == 6
