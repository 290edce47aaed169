"""Who may do what: the digest §3.5 matrix, row by row, and the check order of §2.1.

Chatwoot profile only. Three callers: the admin (user 1), the agent (user 2) on an inbox they are a
member of, and the same agent on an inbox they are not a member of. A denial is always
401 `{"error":"You are not authorized to do this action"}`, never 403 (digest §0, §3.3), and changes
nothing.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pytest
from conftest import ADMIN, AGENT, GLOBEX_ADMIN, demo_channel

from mockserver import Profile

# digest §0, §3.3: a Pundit denial.
DENIED = {"error": "You are not authorized to do this action"}
# digest §0: inbox or agent bot not found, also an inbox of another account.
NOT_FOUND = {"error": "Resource could not be found"}
# digest §0, §2.3
LIMIT = {"error": "Account limit exceeded. Upgrade to a higher plan"}

CAROL = 4  # an extra agent of account 1, added below, so member writes always change something


@pytest.fixture
def profile():
    """This module runs in the chatwoot profile only (overrides conftest's parametrised fixture)."""
    return Profile.CHATWOOT


@pytest.fixture(autouse=True)
def carol(store):
    """Agent 4, a member of inbox 3 (where the agent, user 2, is not)."""
    user = store.add_user("Carol Agent", "carol@acme.example", "carol-token", {1: "agent"}, id=CAROL)
    store.add_member(3, CAROL)
    return user


def snapshot(store):
    return copy.deepcopy((store.accounts, store.users, store.agent_bots, store.inboxes, store.members,
                          store.bot_links, store.campaigns))


@dataclass(frozen=True)
class Row:
    """One row of digest §3.5: an action, where it points, and who may do it."""

    name: str
    method: str
    path: str  # "{inbox}" is replaced by the inbox id
    body: dict | None  # "{inbox}" as a value is replaced by the inbox id
    member_inbox: int  # the inbox the member agent (and the admin) act on
    non_member_inbox: int  # the inbox the non-member agent acts on
    allowed: frozenset  # roles that get 200
    writes: bool
    empty_body: bool = False  # Chatwoot's `head :ok`
    agent_needs_inbox_4: bool = False  # the member case makes the agent a member of inbox 4


BOTH = frozenset({"admin", "member"})
ADMIN_ONLY = frozenset({"admin"})

ROWS = [
    # digest §3.5 row "show, assignable_agents, agent_bot, health": admin and member agent.
    Row("show", "GET", "/inboxes/{inbox}", None, 1, 3, BOTH, writes=False),
    Row("assignable_agents", "GET", "/inboxes/{inbox}/assignable_agents", None, 1, 3, BOTH, writes=False),
    Row("agent_bot", "GET", "/inboxes/{inbox}/agent_bot", None, 1, 3, BOTH, writes=False),
    Row("health", "GET", "/inboxes/{inbox}/health", None, 4, 4, BOTH, writes=False, agent_needs_inbox_4=True),
    # digest §3.5 row "update, destroy, campaigns, set_agent_bot, avatar, sync_templates": admin only.
    Row("update", "PATCH", "/inboxes/{inbox}", {"name": "Renamed by a role test"}, 1, 3, ADMIN_ONLY, writes=True),
    Row("update (PUT)", "PUT", "/inboxes/{inbox}", {"name": "Renamed by a role test"}, 1, 3, ADMIN_ONLY,
        writes=True),
    Row("destroy", "DELETE", "/inboxes/{inbox}", None, 1, 3, ADMIN_ONLY, writes=True),
    Row("campaigns", "GET", "/inboxes/{inbox}/campaigns", None, 1, 3, ADMIN_ONLY, writes=False),
    Row("set_agent_bot", "POST", "/inboxes/{inbox}/set_agent_bot", {"agent_bot": 2}, 1, 3, ADMIN_ONLY,
        writes=True, empty_body=True),
    Row("set_agent_bot (unlink)", "POST", "/inboxes/{inbox}/set_agent_bot", {"agent_bot": None}, 1, 3,
        ADMIN_ONLY, writes=True, empty_body=True),
    Row("avatar", "DELETE", "/inboxes/{inbox}/avatar", None, 1, 3, ADMIN_ONLY, writes=False, empty_body=True),
    Row("sync_templates", "POST", "/inboxes/{inbox}/sync_templates", None, 4, 4, ADMIN_ONLY, writes=False,
        agent_needs_inbox_4=True),
    # digest §3.5 rows "inbox_members show" (admin and member) and "create, update, destroy" (admin).
    Row("inbox_members show", "GET", "/inbox_members/{inbox}", None, 1, 3, BOTH, writes=False),
    Row("inbox_members create", "POST", "/inbox_members", {"inbox_id": "{inbox}", "user_ids": [CAROL, 2]}, 1, 3,
        ADMIN_ONLY, writes=True),
    Row("inbox_members update", "PATCH", "/inbox_members", {"inbox_id": "{inbox}", "user_ids": [1]}, 1, 3,
        ADMIN_ONLY, writes=True),
    Row("inbox_members destroy", "DELETE", "/inbox_members", {"inbox_id": "{inbox}", "user_ids": [1, 2, CAROL]},
        1, 3, ADMIN_ONLY, writes=True, empty_body=True),
]

CALLERS = {"admin": ADMIN, "member": AGENT, "non_member": AGENT}


def fill(value, inbox):
    if isinstance(value, dict):
        return {k: fill(v, inbox) for k, v in value.items()}
    return inbox if value == "{inbox}" else value


def send(client, method, path, body, inbox):
    kwargs = {} if body is None else {"json": fill(body, inbox)}
    return client.request(method, path.replace("{inbox}", str(inbox)), **kwargs)


@pytest.mark.parametrize("role", ["admin", "member", "non_member"])
@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_matrix(admin, store, row, role):
    if row.agent_needs_inbox_4 and role == "member":
        store.add_member(4, 2)
    inbox = row.non_member_inbox if role == "non_member" else row.member_inbox
    before = snapshot(store)
    response = send(admin.as_(CALLERS[role]), row.method, row.path, row.body, inbox)
    if role in row.allowed:
        assert response.status_code == 200, response.get_json()
        if row.empty_body:
            assert response.get_data() == b""
        else:
            assert response.get_json() is not None
        assert (snapshot(store) != before) == row.writes
    else:
        assert response.status_code == 401
        assert response.get_json() == DENIED
        assert snapshot(store) == before


@pytest.mark.parametrize("role", ["member", "non_member"])
def test_matrix_create_is_admin_only(admin, store, role):
    # digest §3.5 row "create": agent 401, member of some inbox or not.
    if role == "member":
        store.add_member(3, 2)
    before = snapshot(store)
    response = admin.as_(AGENT).post("/inboxes", json={"name": "Agent-made", "channel": {"type": "api"}})
    assert response.status_code == 401
    assert response.get_json() == DENIED
    assert snapshot(store) == before


def test_matrix_create_by_admin(admin, store):
    response = admin.post("/inboxes", json={"name": "Admin-made", "channel": {"type": "api"}})
    # digest §0: 200, not 201.
    assert response.status_code == 200
    assert response.get_json()["name"] == "Admin-made"
    assert sorted(i for i in store.inboxes if store.inboxes[i].account_id == 1) == [1, 2, 3, 4, 5, 6, 8]


def test_matrix_index_admin_sees_all(admin):
    # digest §3.5 row "index": an admin sees every inbox of the account, in id order (§2.5).
    response = admin.get("/inboxes")
    assert response.status_code == 200
    assert [i["id"] for i in response.get_json()["payload"]] == [1, 2, 3, 4, 5, 6]


def test_matrix_index_agent_sees_member_inboxes(agent):
    # digest §3.5 row "index": an agent sees only the inboxes they belong to (demo: 1 and 2).
    response = agent.get("/inboxes")
    assert response.status_code == 200
    assert [i["id"] for i in response.get_json()["payload"]] == [1, 2]


def test_matrix_index_follows_membership(agent, store):
    store.add_member(4, 2)
    assert [i["id"] for i in agent.get("/inboxes").get_json()["payload"]] == [1, 2, 4]


def test_matrix_index_agent_with_no_inboxes_gets_empty_payload(admin):
    carol = admin.as_("carol-token")
    assert [i["id"] for i in carol.get("/inboxes").get_json()["payload"]] == [3]
    assert admin.delete("/inbox_members", json={"inbox_id": 3, "user_ids": [CAROL]}).status_code == 200
    # digest §2.5: "An empty list is returned as {"payload":[]}".
    response = carol.get("/inboxes")
    assert response.status_code == 200
    assert response.get_json() == {"payload": []}


def test_matrix_index_is_scoped_to_the_account(agent, store):
    # digest §2.5: an agent's inboxes are restricted to the current account's.
    store.add_member(7, 2)
    assert [i["id"] for i in agent.get("/inboxes").get_json()["payload"]] == [1, 2]


def test_matrix_agent_bots_index(admin, agent):
    # The spec's listAgentBots: admin only, an agent gets 401.
    assert admin.get("/agent_bots").status_code == 200
    response = agent.get("/agent_bots")
    assert response.status_code == 401
    assert response.get_json() == DENIED


def test_matrix_health_ignores_the_admin_only_policy(admin, store):
    # digest §2.1: health skips check_authorization; a member agent gets the health data.
    store.add_member(4, 2)
    response = admin.as_(AGENT).get("/inboxes/4/health")
    assert response.status_code == 200
    # fixtures/demo.json provider_config
    assert response.get_json()["business_id"] == demo_channel(4)["provider_config"]["business_account_id"]


# ----------------------------------------------------------------- check order (digest §2.1)
INBOX_ROUTES = [
    ("GET", "/inboxes/{inbox}", None),
    ("PATCH", "/inboxes/{inbox}", {"name": "x"}),
    ("PUT", "/inboxes/{inbox}", {"name": "x"}),
    ("DELETE", "/inboxes/{inbox}", None),
    ("GET", "/inboxes/{inbox}/assignable_agents", None),
    ("GET", "/inboxes/{inbox}/campaigns", None),
    ("GET", "/inboxes/{inbox}/agent_bot", None),
    ("POST", "/inboxes/{inbox}/set_agent_bot", {"agent_bot": 1}),
    ("DELETE", "/inboxes/{inbox}/avatar", None),
    ("POST", "/inboxes/{inbox}/sync_templates", None),
    ("GET", "/inboxes/{inbox}/health", None),
    ("GET", "/inbox_members/{inbox}", None),
    ("POST", "/inbox_members", {"inbox_id": "{inbox}", "user_ids": [1]}),
    ("PATCH", "/inbox_members", {"inbox_id": "{inbox}", "user_ids": [1]}),
    ("DELETE", "/inbox_members", {"inbox_id": "{inbox}", "user_ids": [1]}),
]


@pytest.mark.parametrize("token", [ADMIN, AGENT], ids=["admin", "agent"])
@pytest.mark.parametrize("inbox", [999, 7], ids=["unknown", "other-account"])
def test_unknown_inbox_is_404_before_the_role(admin, store, token, inbox):
    # digest §2.1: fetch_inbox (404) runs before show? and check_authorization (401), for an agent too.
    before = snapshot(store)
    for method, path, body in INBOX_ROUTES:
        response = send(admin.as_(token), method, path, body, inbox)
        assert (response.status_code, response.get_json()) == (404, NOT_FOUND), f"{method} {path}"
    assert snapshot(store) == before


@pytest.mark.parametrize("body", [{"user_ids": [1]}, {"inbox_id": None, "user_ids": [1]}],
                         ids=["missing", "null"])
@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_inbox_members_without_inbox_is_404_for_an_agent(agent, method, body):
    # digest §6: missing or null inbox_id is 404, checked before authorization.
    response = agent.request(method, "/inbox_members", json=body)
    assert response.status_code == 404
    assert response.get_json() == NOT_FOUND


def test_set_agent_bot_unknown_bot_by_member_agent_is_404(agent, store):
    # digest §2.1: fetch_agent_bot (404) runs before check_authorization.
    before = snapshot(store)
    response = agent.post("/inboxes/1/set_agent_bot", json={"agent_bot": 999})
    assert response.status_code == 404
    assert response.get_json() == NOT_FOUND
    assert snapshot(store) == before


@pytest.mark.parametrize("bot", [1, 2], ids=["account-bot", "system-bot"])
def test_set_agent_bot_valid_bot_by_member_agent_is_401(agent, store, bot):
    # digest §2.1: "a member agent sending a bad bot id gets 404, and a valid id gets 401".
    before = snapshot(store)
    response = agent.post("/inboxes/1/set_agent_bot", json={"agent_bot": bot})
    assert response.status_code == 401
    assert response.get_json() == DENIED
    assert snapshot(store) == before


def test_set_agent_bot_unlink_by_member_agent_is_401(agent, store):
    before = snapshot(store)
    response = agent.post("/inboxes/1/set_agent_bot", json={})
    assert response.status_code == 401
    assert response.get_json() == DENIED
    assert snapshot(store) == before


def test_set_agent_bot_unknown_bot_by_non_member_agent_is_401(agent):
    # digest §2.1: fetch_inbox's show? (401) runs before fetch_agent_bot (404).
    response = agent.post("/inboxes/3/set_agent_bot", json={"agent_bot": 999})
    assert response.status_code == 401
    assert response.get_json() == DENIED


def test_set_agent_bot_unknown_inbox_and_unknown_bot_is_404(agent):
    response = agent.post("/inboxes/999/set_agent_bot", json={"agent_bot": 999})
    assert response.status_code == 404
    assert response.get_json() == NOT_FOUND


@pytest.mark.parametrize("token", [ADMIN, AGENT], ids=["admin", "agent"])
def test_inbox_limit_is_402_before_the_role(admin, store, token):
    # digest §2.1, §2.3: validate_limit runs before check_authorization; 6 inboxes >= limit 6.
    store.accounts[1].inbox_limit = 6
    before = snapshot(store)
    response = admin.as_(token).post("/inboxes", json={"name": "Seventh", "channel": {"type": "api"}})
    assert response.status_code == 402
    assert response.get_json() == LIMIT
    assert snapshot(store) == before


@pytest.mark.parametrize("token", [ADMIN, AGENT], ids=["admin", "agent"])
def test_inbox_limit_is_402_before_the_parameters(admin, store, token):
    # digest §2.1: validate_limit is a before_action; the channel type is read in the action itself.
    store.accounts[1].inbox_limit = 6
    response = admin.as_(token).post("/inboxes", json={"channel": {"type": "carrier_pigeon"}})
    assert response.status_code == 402
    assert response.get_json() == LIMIT


@pytest.mark.parametrize("row", ROWS, ids=[row.name for row in ROWS])
def test_an_account_at_its_inbox_limit_can_still_do_everything_but_create(admin, store, row):
    # digest §2.1: validate_limit runs for `create` only; at the limit every other action answers.
    store.accounts[1].inbox_limit = 6  # account 1 has six inboxes: at its limit
    response = send(admin, row.method, row.path, row.body, row.member_inbox)
    assert response.status_code == 200, response.get_json()
    assert admin.get("/inboxes").status_code == 200
    assert admin.get("/agent_bots").status_code == 200


def test_inbox_limit_below_is_not_402(admin, store):
    store.accounts[1].inbox_limit = 7
    response = admin.post("/inboxes", json={"name": "Seventh", "channel": {"type": "api"}})
    assert response.status_code == 200
    response = admin.post("/inboxes", json={"name": "Eighth", "channel": {"type": "api"}})
    assert response.status_code == 402
    assert response.get_json() == LIMIT


def test_a_deleted_inbox_frees_its_slot_under_the_limit(admin, store):
    # The mock deletes at once (Chatwoot in a background job, digest §2.5): the account's count drops.
    store.accounts[1].inbox_limit = 6  # account 1 has six inboxes: at its limit
    assert admin.post("/inboxes", json={"name": "Seventh", "channel": {"type": "api"}}).status_code == 402
    assert admin.delete("/inboxes/6").status_code == 200
    response = admin.post("/inboxes", json={"name": "Replacement", "channel": {"type": "api"}})
    assert response.status_code == 200
    response = admin.post("/inboxes", json={"name": "One too many", "channel": {"type": "api"}})
    assert response.status_code == 402
    assert response.get_json() == LIMIT


def test_inbox_limit_counts_only_the_account(admin, store):
    # Account 2 (limit 1 in the demo) has its one inbox; account 1's limit is unaffected by it.
    store.accounts[1].inbox_limit = 7
    assert admin.post("/inboxes", json={"name": "Seventh", "channel": {"type": "api"}}).status_code == 200
    response = admin.as_(GLOBEX_ADMIN).post("/api/v1/accounts/2/inboxes", absolute=True,
                                            json={"name": "Second", "channel": {"type": "api"}})
    assert response.status_code == 402
    assert response.get_json() == LIMIT


def test_agent_gets_401_before_the_channel_type_is_read(agent, store):
    # digest §2.1: check_authorization (401) runs before the action reads channel.type (422).
    before = snapshot(store)
    response = agent.post("/inboxes", json={"channel": {"type": "carrier_pigeon"}})
    assert response.status_code == 401
    assert response.get_json() == DENIED
    assert snapshot(store) == before


def test_member_agent_gets_401_before_the_parameters_are_validated(agent, store):
    # ARCHITECTURE step 5: the role check comes before the spec check, as in Chatwoot.
    before = snapshot(store)
    response = agent.patch("/inboxes/1", json={"name": 12345, "timezone": "Not/AZone"})
    assert response.status_code == 401
    assert response.get_json() == DENIED
    assert snapshot(store) == before


def test_member_agent_gets_401_on_members_before_the_parameters_are_validated(agent):
    response = agent.post("/inbox_members", json={"inbox_id": 1, "user_ids": ["two"]})
    assert response.status_code == 401
    assert response.get_json() == DENIED
