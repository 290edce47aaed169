"""Agent bots through the API (`/agent_bots` create, show, update, delete; Chatwoot 4.10's
`AgentBotsController`): the role is checked before the bot is looked up, system bots are shown but
not changed, and a made bot can be linked to an inbox and authenticate as a bot."""

from __future__ import annotations

from conftest import AGENT, BOT, GLOBEX_ADMIN


def test_create_show_update_delete(admin):
    made = admin.post("/agent_bots", json={"name": "Triage", "description": "first line",
                                           "outgoing_url": "https://bots.example/hook",
                                           "bot_config": {"lang": "en"}, "unknown": 1})
    assert made.status_code == 200
    bot = made.get_json()
    assert (bot["name"], bot["description"], bot["outgoing_url"], bot["bot_type"], bot["bot_config"],
            bot["account_id"], bot["system_bot"]) == ("Triage", "first line", "https://bots.example/hook",
                                                     "webhook", {"lang": "en"}, 1, False)
    assert bot["access_token"]["owner_id"] == bot["id"] and len(bot["access_token"]["token"]) == 24
    assert admin.get(f"/agent_bots/{bot['id']}").get_json() == bot
    assert bot["id"] in [b["id"] for b in admin.get("/agent_bots").get_json()]

    updated = admin.patch(f"/agent_bots/{bot['id']}", json={"description": "second line"}).get_json()
    assert (updated["name"], updated["description"]) == ("Triage", "second line")
    replaced = admin.put(f"/agent_bots/{bot['id']}", json={"name": "Renamed"}).get_json()
    assert (replaced["name"], replaced["description"]) == ("Renamed", "second line")

    # The new bot can be linked like any other, and its token is a bot's token (401 here).
    assert admin.post("/inboxes/2/set_agent_bot", json={"agent_bot": bot["id"]}).status_code == 200
    token = bot["access_token"]["token"]
    refused = {"error": "Access to this endpoint is not authorized for bots"}
    assert admin.as_(token).get("/inboxes").get_json() == refused

    deleted = admin.delete(f"/agent_bots/{bot['id']}")
    assert (deleted.status_code, deleted.data) == (200, b"")
    assert admin.get(f"/agent_bots/{bot['id']}").status_code == 404
    assert admin.get("/inboxes/2/agent_bot").get_json() == {}  # its links went with it
    assert admin.as_(token).get("/inboxes").get_json() == {"error": "Invalid Access Token"}


def test_nothing_is_required(admin):
    bot = admin.post("/agent_bots", json={}).get_json()
    assert (bot["name"], bot["description"], bot["outgoing_url"], bot["bot_type"]) == (None, None, None, "webhook")


def test_system_bot_is_shown_but_not_changed(admin):
    assert admin.get("/agent_bots/2").get_json()["system_bot"] is True
    assert admin.patch("/agent_bots/2", json={"name": "mine"}).status_code == 404
    assert admin.delete("/agent_bots/2").status_code == 404


def test_another_accounts_bot_is_not_found(admin):
    made = admin.as_(GLOBEX_ADMIN).request("POST", "/api/v1/accounts/2/agent_bots", absolute=True,
                                           json={"name": "Globex bot"}).get_json()
    assert made["account_id"] == 2
    for method in ("GET", "PATCH", "DELETE"):
        response = admin.request(method, f"/agent_bots/{made['id']}", json={} if method == "PATCH" else None)
        assert response.get_json() == {"error": "Resource could not be found"}


def test_outgoing_url_length_and_bot_type(admin):
    too_long = admin.post("/agent_bots", json={"outgoing_url": "https://x.example/" + "a" * 2048})
    assert (too_long.status_code, too_long.get_json()["attributes"]) == (422, ["outgoing_url"])
    assert too_long.get_json()["message"] == "Outgoing url is too long (maximum is 2048 characters)"
    assert admin.post("/agent_bots", json={"bot_type": "other"}).status_code == 422


def test_agent_gets_401_before_the_lookup(admin):
    agent = admin.as_(AGENT)
    assert agent.post("/agent_bots", json={"name": "x"}).status_code == 401
    for method in ("GET", "PATCH", "PUT", "DELETE"):
        # An unknown id too: `check_authorization` runs before the bot is looked up.
        for bot_id in (1, 999):
            response = agent.request(method, f"/agent_bots/{bot_id}", json={"name": 5} if method in ("PATCH", "PUT")
                                     else None)
            assert response.get_json() == {"error": "You are not authorized to do this action"}, (method, bot_id)


def test_admin_unknown_bot_is_404_before_the_body(admin):
    # The lookup is a before-action: a body the spec refuses does not get a 422 first.
    assert admin.patch("/agent_bots/999", json={"bot_type": "other"}).status_code == 404


def test_bot_token_is_refused(admin):
    assert admin.as_(BOT).post("/agent_bots", json={}).status_code == 401


def test_form_encoded_create(admin):
    response = admin.post("/agent_bots", data={"name": "Form bot", "outgoing_url": "https://f.example"})
    assert (response.status_code, response.get_json()["name"]) == (200, "Form bot")
