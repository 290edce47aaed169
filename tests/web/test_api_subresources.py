"""The inbox sub-resources: agent bot, campaigns, template sync, health, assignable agents, inbox
members and the agent bot list (digest §2.5, §4.4, §6). In-process, responses checked against the spec.

Expected values are the digest's texts and the demo state's records (fixtures/demo.json), written out.
"""

from __future__ import annotations

import copy
from datetime import datetime

import pytest
from conftest import AGENT, DEMO_BOTS, DEMO_CAMPAIGNS, DEMO_INBOXES, DEMO_USERS, demo_channel

from mockserver import Profile, resources

# digest §0: an agent bot (or, in the chatwoot profile, an inbox) that does not exist.
NOT_FOUND = {"error": "Resource could not be found"}

# digest §4.4, `_agent_bot.json.jbuilder`, in order.
AGENT_BOT_KEYS = ["id", "name", "description", "thumbnail", "outgoing_url", "bot_type", "bot_config",
                  "account_id", "access_token", "system_bot"]
SYSTEM_BOT_KEYS = [k for k in AGENT_BOT_KEYS if k != "outgoing_url"]  # digest §4.4: omitted for system bots
ACCESS_TOKEN_KEYS = ["id", "owner_type", "owner_id", "token", "created_at", "updated_at"]  # digest §4.4
# digest §4.4, `_agent.json.jbuilder`, in order (`custom_attributes` only when present).
AGENT_KEYS = ["id", "account_id", "availability_status", "auto_offline", "confirmed", "email", "provider",
              "available_name", "custom_attributes", "name", "role", "thumbnail", "custom_role_id"]
# digest §4.4, `_campaign.json.jbuilder`, in order (`sender` only with a sender; the two one_off keys).
CAMPAIGN_KEYS = ["id", "title", "description", "account_id", "inbox", "sender", "message", "template_params",
                 "campaign_status", "enabled", "campaign_type", "scheduled_at", "audience", "trigger_rules",
                 "trigger_only_during_business_hours", "created_at", "updated_at"]
# digest §2.5, Whatsapp::HealthService, in order.
HEALTH_KEYS = ["display_phone_number", "verified_name", "name_status", "quality_rating", "messaging_limit_tier",
               "account_mode", "code_verification_status", "throughput", "last_onboarded_time", "platform_type",
               "business_id"]


def inbox_not_found(profile: Profile) -> dict:
    # chatwoot: digest §0; docs: the spec's info, "the texts of the docs page (`Inbox not found`, ...)".
    return {"error": "Inbox not found"} if profile is Profile.DOCS else NOT_FOUND


def without(keys: list[str], *dropped: str) -> list[str]:
    return [k for k in keys if k not in dropped]


def ids(response) -> list[int]:
    body = response.get_json()
    return [item["id"] for item in (body["payload"] if isinstance(body, dict) else body)]


def bot_of(client, inbox: int) -> dict:
    response = client.get(f"/inboxes/{inbox}/agent_bot")
    assert response.status_code == 200
    return response.get_json()


# ================================================================= GET agent_bot
def test_agent_bot_linked(admin):
    response = admin.get("/inboxes/1/agent_bot")
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == ["agent_bot"]  # digest §2.5: {"agent_bot":{...}}
    bot = body["agent_bot"]
    assert list(bot) == AGENT_BOT_KEYS
    # fixtures/demo.json, agent bot 1
    assert {k: v for k, v in bot.items() if k != "access_token"} == {
        "id": 1,
        "name": DEMO_BOTS[1]["name"],
        "description": DEMO_BOTS[1]["description"],
        "thumbnail": "",
        "outgoing_url": DEMO_BOTS[1]["outgoing_url"],
        "bot_type": "webhook",
        "bot_config": {},
        "account_id": 1,
        "system_bot": False,
    }


def test_agent_bot_access_token_is_the_token_record(admin):
    token = bot_of(admin, 1)["agent_bot"]["access_token"]
    # digest §4.4: the serialized AccessToken record, not a string.
    assert list(token) == ACCESS_TOKEN_KEYS
    assert token["owner_type"] == "AgentBot"
    assert token["owner_id"] == 1
    assert token["token"] == "demo-bot-token-1"
    assert isinstance(token["id"], int)


def test_agent_bot_token_is_visible_to_a_member_agent(agent):
    # digest §4.4: "It is visible to any member agent who calls GET agent_bot."
    assert bot_of(agent, 1)["agent_bot"]["access_token"]["token"] == "demo-bot-token-1"


@pytest.mark.parametrize("inbox", [2, 3, 4, 5, 6])
def test_agent_bot_none_is_empty_object(admin, inbox):
    # digest §2.5: jbuilder drops the blank block, so the body is {}.
    assert bot_of(admin, inbox) == {}


def test_agent_bot_unknown_inbox(admin, profile):
    response = admin.get("/inboxes/999/agent_bot")
    assert response.status_code == 404
    assert response.get_json() == inbox_not_found(profile)


# ================================================================= POST set_agent_bot
def test_set_agent_bot_links_a_bot(admin):
    response = admin.post("/inboxes/2/set_agent_bot", json={"agent_bot": 1})
    # digest §0, §2.5: 200 with an empty body (head :ok).
    assert response.status_code == 200
    assert response.get_data() == b""
    assert bot_of(admin, 2)["agent_bot"]["id"] == 1


def test_set_agent_bot_system_bot(admin):
    response = admin.post("/inboxes/2/set_agent_bot", json={"agent_bot": 2})
    assert response.status_code == 200
    assert response.get_data() == b""
    bot = bot_of(admin, 2)["agent_bot"]
    # digest §4.4: no outgoing_url for a system bot (account_id null); fixtures/demo.json, bot 2.
    assert list(bot) == SYSTEM_BOT_KEYS
    assert bot["id"] == 2
    assert bot["name"] == "Captain"
    assert bot["account_id"] is None
    assert bot["system_bot"] is True
    assert bot["access_token"]["token"] == "demo-system-bot-token"
    assert bot["access_token"]["owner_id"] == 2


def test_set_agent_bot_replaces_the_linked_bot(admin):
    assert admin.post("/inboxes/1/set_agent_bot", json={"agent_bot": 2}).status_code == 200
    assert bot_of(admin, 1)["agent_bot"]["id"] == 2
    assert admin.post("/inboxes/1/set_agent_bot", json={"agent_bot": 1}).status_code == 200
    assert bot_of(admin, 1)["agent_bot"]["id"] == 1
    # One bot per inbox; other inboxes untouched (digest §2.5).
    assert bot_of(admin, 2) == {}


@pytest.mark.parametrize("body", [{"agent_bot": None}, {}, None], ids=["null", "absent", "no-body"])
def test_set_agent_bot_unlinks(admin, body):
    kwargs = {} if body is None else {"json": body}
    response = admin.post("/inboxes/1/set_agent_bot", **kwargs)
    # digest §2.5: agent_bot missing or null removes the link, 200.
    assert response.status_code == 200
    assert response.get_data() == b""
    assert bot_of(admin, 1) == {}


def test_set_agent_bot_false_unlinks(admin):
    # digest §2.1 (fetch_agent_bot: "neither nil nor false"), §2.5: false removes the link too, 200;
    # the spec's own description of SetAgentBotRequest says so as well.
    response = admin.post("/inboxes/1/set_agent_bot", json={"agent_bot": False})
    assert response.status_code == 200
    assert bot_of(admin, 1) == {}


def test_set_agent_bot_unlink_without_link_is_a_no_op(admin):
    response = admin.post("/inboxes/2/set_agent_bot", json={})
    assert response.status_code == 200
    assert bot_of(admin, 2) == {}


@pytest.mark.parametrize("bot", [999, 0, "null"], ids=["unknown", "zero", "null-string"])
def test_set_agent_bot_unknown_bot_is_404(admin, bot):
    # digest §2.5: unknown id (e.g. 0) is 404; the string "null" is not converted and is 404 too.
    response = admin.post("/inboxes/1/set_agent_bot", json={"agent_bot": bot})
    assert response.status_code == 404
    assert response.get_json() == NOT_FOUND
    assert bot_of(admin, 1)["agent_bot"]["id"] == 1  # unchanged


def test_set_agent_bot_unknown_inbox(admin, profile):
    response = admin.post("/inboxes/999/set_agent_bot", json={"agent_bot": 1})
    assert response.status_code == 404
    assert response.get_json() == inbox_not_found(profile)


def test_set_agent_bot_accepts_another_accounts_bot(admin, store):
    # digest §2.5: AgentBot.find is global, so a bot of another account works.
    store.add_agent_bot("Globex Router", "globex-bot-token", account_id=2, id=3,
                        outgoing_url="https://bots.globex.example/router")
    response = admin.post("/inboxes/2/set_agent_bot", json={"agent_bot": 3})
    assert response.status_code == 200
    bot = bot_of(admin, 2)["agent_bot"]
    assert bot["id"] == 3
    assert bot["account_id"] == 2
    assert bot["outgoing_url"] == "https://bots.globex.example/router"
    assert bot["system_bot"] is False


# ================================================================= GET campaigns
def test_campaigns_is_a_bare_array(admin):
    response = admin.get("/inboxes/1/campaigns")
    assert response.status_code == 200
    body = response.get_json()
    assert isinstance(body, list)  # digest §2.5: no payload wrapper
    assert [c["id"] for c in body] == [1, 2]  # fixtures/demo.json: campaigns 1 and 2 are inbox 1's


def test_campaigns_of_an_inbox_without_any(admin):
    response = admin.get("/inboxes/3/campaigns")
    assert response.status_code == 200
    assert response.get_json() == []


def test_campaign_ongoing_fields(admin):
    first, second = admin.get("/inboxes/1/campaigns").get_json()
    # digest §4.4: ongoing campaigns have no scheduled_at/audience; sender only when there is one.
    assert list(first) == without(CAMPAIGN_KEYS, "scheduled_at", "audience")
    assert list(second) == without(CAMPAIGN_KEYS, "scheduled_at", "audience", "sender")
    # fixtures/demo.json, campaign 1
    demo = DEMO_CAMPAIGNS[1]
    assert first["title"] == demo["title"]
    assert first["description"] == demo["description"] is not None
    assert first["account_id"] == 1
    assert first["message"] == demo["message"]
    assert first["campaign_status"] == "active"
    assert first["enabled"] is True
    assert first["campaign_type"] == "ongoing"
    assert first["trigger_rules"] == {"url": demo["trigger_rules"]["url"], "time_on_page": 10}
    assert first["trigger_only_during_business_hours"] is True
    assert first["template_params"] is None
    assert second["enabled"] is False
    assert second["description"] is None


def test_campaign_sender_is_an_agent(admin):
    first = admin.get("/inboxes/1/campaigns").get_json()[0]
    # digest §4.4: sender is the agent partial; fixtures/demo.json: sender 1 is the administrator.
    assert list(first["sender"]) == without(AGENT_KEYS, "custom_attributes")
    assert first["sender"]["id"] == 1
    assert first["sender"]["role"] == "administrator"
    assert first["sender"]["available_name"] == DEMO_USERS[1]["display_name"]


def test_campaign_inbox_is_the_full_inbox(admin):
    campaign = admin.get("/inboxes/1/campaigns").get_json()[0]
    # digest §4.4: `inbox` is the full inbox partial, the same object GET /inboxes/1 answers.
    assert campaign["inbox"] == admin.get("/inboxes/1").get_json()
    assert campaign["inbox"]["id"] == 1
    assert campaign["inbox"]["channel_type"] == "Channel::WebWidget"
    assert campaign["inbox"]["web_widget_script"].startswith("\n    <script>")


def test_campaign_one_off_fields(admin):
    response = admin.get("/inboxes/6/campaigns")
    assert response.status_code == 200
    (campaign,) = response.get_json()
    # digest §4.4: one_off campaigns carry scheduled_at (epoch seconds) and audience.
    assert list(campaign) == CAMPAIGN_KEYS
    assert campaign["id"] == 3
    assert campaign["campaign_type"] == "one_off"
    assert campaign["scheduled_at"] == DEMO_CAMPAIGNS[3]["scheduled_at"]  # fixtures/demo.json
    assert isinstance(campaign["scheduled_at"], int)
    assert campaign["audience"] == [{"type": "Label", "id": 1}]  # fixtures/demo.json


def test_campaign_timestamps_are_iso_8601(admin):
    for campaign in admin.get("/inboxes/1/campaigns").get_json():
        # digest §4.4: created_at, updated_at ISO 8601
        datetime.fromisoformat(campaign["created_at"])
        datetime.fromisoformat(campaign["updated_at"])


def test_campaign_id_is_the_display_id(admin, store):
    store.add_campaign(2, "Push reminder", "Open the app to see your order.", "ongoing", id=40, display_id=9)
    response = admin.get("/inboxes/2/campaigns")
    assert response.status_code == 200
    # digest §4.4: `id` is display_id, not the DB id.
    assert ids(response) == [9]


# ================================================================= POST sync_templates
def test_sync_templates_whatsapp(admin):
    response = admin.post("/inboxes/4/sync_templates")
    assert response.status_code == 200
    assert response.get_json() == {"message": "Template sync initiated successfully"}  # digest §0, §2.5


def test_sync_templates_whatsapp_default_provider(admin, store):
    # digest §2.5: any WhatsApp provider.
    store.inboxes[4].channel["provider"] = "default"
    response = admin.post("/inboxes/4/sync_templates")
    assert response.status_code == 200
    assert response.get_json() == {"message": "Template sync initiated successfully"}


@pytest.mark.parametrize("medium, status", [("whatsapp", 200), ("sms", 422)])
def test_sync_templates_twilio(admin, store, medium, status):
    # digest §2.5: a Channel::TwilioSms with medium "whatsapp" is allowed; an SMS one is not.
    inbox = store.add_inbox(1, "Twilio", {"type": "twilio_sms", "account_sid": "AC0001", "auth_token": "tok",
                                          "phone_number": "+15550100077", "medium": medium})
    response = admin.post(f"/inboxes/{inbox.id}/sync_templates")
    assert response.status_code == status


@pytest.mark.parametrize("inbox", [1, 2, 3, 5, 6], ids=["web_widget", "api", "email", "telegram", "sms"])
def test_sync_templates_other_channels_are_422(admin, inbox):
    response = admin.post(f"/inboxes/{inbox}/sync_templates")
    assert response.status_code == 422
    assert response.get_json() == {"error": "Template sync is only available for WhatsApp channels"}  # §0


# ================================================================= GET health
def test_health_docs_body(docs_admin):
    response = docs_admin.get("/inboxes/4/health")
    assert response.status_code == 200
    # The docs page's health body (the brief; the spec's DocumentedHealth).
    assert response.get_json() == {"status": "healthy", "quality_rating": "green", "messaging_limit": "tier_1k"}


def test_health_chatwoot_body(chatwoot_admin):
    response = chatwoot_admin.get("/inboxes/4/health")
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == HEALTH_KEYS  # digest §2.5, in order
    # digest §2.5: business_id = provider_config['business_account_id']; fixtures/demo.json inbox 4.
    assert body["business_id"] == demo_channel(4)["provider_config"]["business_account_id"]


def test_health_chatwoot_values_are_the_documented_healthy_number(chatwoot_admin):
    # The Graph API's fields of a healthy Cloud API number as the spec's example shows them, with the
    # inbox's own number, name, onboarding time and business account (digest §2.5).
    example = resources.load_spec()["components"]["examples"]["WhatsappCloudHealth"]["value"]
    inbox = DEMO_INBOXES[4]
    own = {"display_phone_number": inbox["channel"]["phone_number"], "verified_name": inbox["name"],
           "last_onboarded_time": inbox["created_at"],
           "business_id": inbox["channel"]["provider_config"]["business_account_id"]}
    assert chatwoot_admin.get("/inboxes/4/health").get_json() == {**example, **own}


@pytest.mark.parametrize("inbox", [1, 2, 3, 5, 6], ids=["web_widget", "api", "email", "telegram", "sms"])
def test_health_non_whatsapp_is_400(admin, inbox):
    response = admin.get(f"/inboxes/{inbox}/health")
    assert response.status_code == 400
    assert response.get_json() == {"error": "Health data only available for WhatsApp Cloud API channels"}  # §0


def test_health_whatsapp_default_provider_is_400(admin, store):
    # digest §2.5: only provider whatsapp_cloud has health data.
    store.inboxes[4].channel["provider"] = "default"
    response = admin.get("/inboxes/4/health")
    assert response.status_code == 400
    assert response.get_json() == {"error": "Health data only available for WhatsApp Cloud API channels"}


def test_health_non_cloud_for_member_agent_is_400(agent):
    # digest §2.1: a member agent passes show?, then validate_whatsapp_cloud_channel answers 400.
    response = agent.get("/inboxes/1/health")
    assert response.status_code == 400
    assert response.get_json() == {"error": "Health data only available for WhatsApp Cloud API channels"}


@pytest.mark.parametrize("api_key", [None, ""], ids=["missing", "empty"])
def test_health_without_api_key_is_422(admin, store, api_key):
    config = store.inboxes[4].channel["provider_config"]
    if api_key is None:
        del config["api_key"]
    else:
        config["api_key"] = api_key
    response = admin.get("/inboxes/4/health")
    assert response.status_code == 422
    assert response.get_json() == {"error": "API key is missing"}  # digest §2.5


def test_health_without_phone_number_id_is_422(admin, store):
    del store.inboxes[4].channel["provider_config"]["phone_number_id"]
    response = admin.get("/inboxes/4/health")
    assert response.status_code == 422
    assert response.get_json() == {"error": "Phone number ID is missing"}  # digest §2.5


def test_health_unknown_inbox(admin, profile):
    response = admin.get("/inboxes/999/health")
    assert response.status_code == 404
    assert response.get_json() == inbox_not_found(profile)


# ================================================================= GET assignable_agents
def test_assignable_agents_members_and_admins(admin):
    # digest §2.5: members (users 1 and 2 in inbox 1), then admins (user 1), de-duplicated.
    response = admin.get("/inboxes/1/assignable_agents")
    assert response.status_code == 200
    assert list(response.get_json()) == ["payload"]
    assert ids(response) == [1, 2]


def test_assignable_agents_members_come_before_admins(admin):
    # Inbox 2's only member is agent 2; the admin (user 1) follows (digest §2.5).
    assert ids(admin.get("/inboxes/2/assignable_agents")) == [2, 1]


def test_assignable_agents_without_members_lists_the_admins(admin):
    assert ids(admin.get("/inboxes/3/assignable_agents")) == [1]


def test_assignable_agents_dedupes_an_admin_member(admin, store):
    store.add_user("Dora Admin", "dora@acme.example", "dora-token", {1: "administrator"}, id=5)
    store.add_member(2, 5)
    # members of inbox 2: 2 and 5; then the admins 1 and 5, with 5 already listed.
    assert ids(admin.get("/inboxes/2/assignable_agents")) == [2, 5, 1]


def test_assignable_agents_hides_users_of_other_accounts(admin, store):
    store.add_member(2, 3)  # Gina is a user of account 2 only
    # digest §5.4: the responses filter by Current.account.users.
    assert ids(admin.get("/inboxes/2/assignable_agents")) == [2, 1]


def test_assignable_agents_agent_json(agent):
    agents = agent.get("/inboxes/1/assignable_agents").get_json()["payload"]
    alice, bob = agents
    # digest §4.4: keys in order, custom_attributes only if present.
    assert list(alice) == without(AGENT_KEYS, "custom_attributes")
    assert list(bob) == AGENT_KEYS
    # fixtures/demo.json users 1 and 2; provider "email" and available_name per digest §4.4.
    demo_alice, demo_bob = DEMO_USERS[1], DEMO_USERS[2]
    assert demo_bob["display_name"] is None and demo_alice["display_name"] not in (None, demo_alice["name"])
    assert {k: v for k, v in bob.items() if k not in ("auto_offline", "confirmed")} == {
        "id": 2,
        "account_id": 1,
        "availability_status": "busy",
        "email": demo_bob["email"],
        "provider": "email",
        "available_name": demo_bob["name"],  # no display_name: the name
        "custom_attributes": demo_bob["custom_attributes"],
        "name": demo_bob["name"],
        "role": "agent",
        "thumbnail": "",
        "custom_role_id": None,
    }
    assert isinstance(bob["auto_offline"], bool)
    assert isinstance(bob["confirmed"], bool)
    assert alice["available_name"] == demo_alice["display_name"]  # the display_name
    assert alice["name"] == demo_alice["name"]
    assert alice["role"] == "administrator"
    assert alice["availability_status"] == "online"


# ================================================================= inbox_members
def members(client, inbox: int) -> list[int]:
    response = client.get(f"/inbox_members/{inbox}")
    assert response.status_code == 200
    return ids(response)


def test_inbox_members_show(admin):
    response = admin.get("/inbox_members/1")
    assert response.status_code == 200
    assert list(response.get_json()) == ["payload"]
    assert ids(response) == [1, 2]  # fixtures/demo.json
    assert list(response.get_json()["payload"][1]) == AGENT_KEYS


def test_inbox_members_show_in_ascending_user_id(admin, store):
    store.add_member(3, 2)
    store.add_member(3, 1)
    # digest §6: natural users order, ascending id, not the order they joined.
    assert members(admin, 3) == [1, 2]


def test_inbox_members_show_hides_users_of_other_accounts(admin, store):
    store.add_member(1, 3)
    assert members(admin, 1) == [1, 2]  # digest §5.4


def test_inbox_members_show_unknown_inbox(admin, profile):
    for inbox in (999, 7):
        response = admin.get(f"/inbox_members/{inbox}")
        assert response.status_code == 404
        assert response.get_json() == inbox_not_found(profile)


def test_inbox_members_add(admin):
    response = admin.post("/inbox_members", json={"inbox_id": 3, "user_ids": [2]})
    assert response.status_code == 200
    assert ids(response) == [2]  # digest §6: all members after the add
    assert members(admin, 3) == [2]


def test_inbox_members_add_returns_all_members(admin):
    response = admin.post("/inbox_members", json={"inbox_id": 2, "user_ids": [1]})
    assert response.status_code == 200
    assert ids(response) == [1, 2]


def test_inbox_members_add_is_idempotent(admin):
    first = admin.post("/inbox_members", json={"inbox_id": 3, "user_ids": [1, 2]})
    second = admin.post("/inbox_members", json={"inbox_id": 3, "user_ids": [1, 2]})
    assert first.status_code == second.status_code == 200
    assert ids(first) == ids(second) == [1, 2]
    assert members(admin, 3) == [1, 2]


def test_inbox_members_add_existing_members_twice_is_a_no_op(admin):
    # digest §6: the raw array difference removes every copy of a current member.
    response = admin.post("/inbox_members", json={"inbox_id": 1, "user_ids": [1, 1, 2]})
    assert response.status_code == 200
    assert ids(response) == [1, 2]


def test_inbox_members_add_empty_list(admin):
    response = admin.post("/inbox_members", json={"inbox_id": 1, "user_ids": []})
    assert response.status_code == 200
    assert ids(response) == [1, 2]


def test_inbox_members_add_user_of_another_account(admin):
    # digest §5.4: the row is created but never shown.
    response = admin.post("/inbox_members", json={"inbox_id": 3, "user_ids": [3]})
    assert response.status_code == 200
    assert ids(response) == []


def test_inbox_members_update_replaces_the_set(admin):
    response = admin.patch("/inbox_members", json={"inbox_id": 1, "user_ids": [2]})
    assert response.status_code == 200
    assert ids(response) == [2]
    assert members(admin, 1) == [2]
    response = admin.patch("/inbox_members", json={"inbox_id": 2, "user_ids": [1]})
    assert ids(response) == [1]
    assert members(admin, 2) == [1]


def test_inbox_members_update_empty_list_removes_everyone(admin):
    # digest §6: "[] removes everyone".
    response = admin.patch("/inbox_members", json={"inbox_id": 1, "user_ids": []})
    assert response.status_code == 200
    assert response.get_json() == {"payload": []}
    assert members(admin, 1) == []


def test_inbox_members_update_changes_what_the_agent_sees(admin):
    admin.patch("/inbox_members", json={"inbox_id": 1, "user_ids": [1]})
    agent = admin.as_(AGENT)
    assert ids(agent.get("/inboxes")) == [2]
    assert agent.get("/inboxes/1").status_code == 401


def test_inbox_members_destroy(admin):
    response = admin.delete("/inbox_members", json={"inbox_id": 1, "user_ids": [2, 999]})
    # digest §6: 200, empty body; unknown ids ignored.
    assert response.status_code == 200
    assert response.get_data() == b""
    assert members(admin, 1) == [1]


def test_inbox_members_destroy_non_members_is_a_no_op(admin):
    response = admin.delete("/inbox_members", json={"inbox_id": 2, "user_ids": [1, 3, 999]})
    assert response.status_code == 200
    assert response.get_data() == b""
    assert members(admin, 2) == [2]


def test_inbox_members_destroy_without_user_ids_is_a_no_op(admin):
    # digest §6: "Missing user_ids ... In destroy it is a no-op, 200."
    response = admin.delete("/inbox_members", json={"inbox_id": 1})
    assert response.status_code == 200
    assert members(admin, 1) == [1, 2]


@pytest.mark.parametrize("who", ["admin", "agent"])
def test_inbox_members_inbox_not_found(admin, store, profile, who):
    client = admin if who == "admin" else admin.as_(AGENT)
    before = copy.deepcopy(store.members)
    for method in ("POST", "PATCH", "DELETE"):
        for inbox_body in ({}, {"inbox_id": None}, {"inbox_id": 999}, {"inbox_id": 7}):
            response = client.request(method, "/inbox_members", json={**inbox_body, "user_ids": [1]})
            # digest §6: missing, null or unknown inbox_id is 404, checked before authorization.
            assert (response.status_code, response.get_json()) == (404, inbox_not_found(profile)), \
                f"{method} {inbox_body}"
    assert store.members == before


@pytest.mark.parametrize(("method", "expected"), [("POST", [1, 2]), ("PATCH", [1]), ("DELETE", [2])])
def test_inbox_members_numeric_string_inbox_id_finds_the_inbox(admin, method, expected):
    # digest §6, §8.3 item 9: Chatwoot's own Swagger types inbox_id as a string for PATCH and DELETE, and
    # Rails' `inboxes.find("1")` finds inbox 1, so a string of digits works like the number.
    response = admin.request(method, "/inbox_members", json={"inbox_id": "1", "user_ids": [1]})
    assert response.status_code == 200, response.get_json()
    assert members(admin, 1) == expected


def test_set_agent_bot_numeric_string_bot_id_finds_the_bot(admin):
    # digest §2.1: `AgentBot.find("2")` finds bot 2.
    response = admin.post("/inboxes/2/set_agent_bot", json={"agent_bot": "2"})
    assert response.status_code == 200, response.get_json()
    assert bot_of(admin, 2)["agent_bot"]["id"] == 2


def test_non_numeric_string_ids_are_refused_by_the_spec(admin):
    # Rails would find nothing for "abc"; the spec admits only digits, so the mock names the field (422).
    response = admin.post("/inboxes/2/set_agent_bot", json={"agent_bot": "abc"})
    assert response.status_code == 404  # the bot lookup comes first (digest §2.1): nothing is found
    response = admin.post("/inbox_members", json={"inbox_id": "abc", "user_ids": [1]})
    assert response.status_code == 404  # fetch_inbox comes first (digest §6)
    assert bot_of(admin, 2) == {}


USER_MUST_EXIST = {"message": "User must exist", "attributes": ["user"]}  # digest §6
ALREADY_TAKEN = {"message": "User has already been taken", "attributes": ["user_id"]}  # digest §6


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_inbox_members_unknown_user_is_422_and_changes_nothing(admin, method):
    response = admin.request(method, "/inbox_members", json={"inbox_id": 3, "user_ids": [2, 999]})
    assert response.status_code == 422
    assert response.get_json() == USER_MUST_EXIST
    assert members(admin, 3) == []  # digest §6: the transaction rolls back


def test_inbox_members_update_unknown_user_keeps_the_old_set(admin):
    response = admin.patch("/inbox_members", json={"inbox_id": 1, "user_ids": [999]})
    assert response.status_code == 422
    assert response.get_json() == USER_MUST_EXIST
    assert members(admin, 1) == [1, 2]


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_inbox_members_duplicate_new_user_is_422(admin, method):
    # digest §6: Ruby's array difference keeps both copies; the second insert hits the unique index.
    response = admin.request(method, "/inbox_members", json={"inbox_id": 3, "user_ids": [2, 2]})
    assert response.status_code == 422
    assert response.get_json() == ALREADY_TAKEN
    assert members(admin, 3) == []


@pytest.mark.parametrize("method", ["POST", "PATCH"])
@pytest.mark.parametrize("user_ids", [["2"], [1, "invalid"], "2", None], ids=["string-id", "garbage", "not-a-list",
                                                                          "null"])
def test_inbox_members_non_integer_ids_are_422_in_docs(docs_admin, method, user_ids):
    # The docs profile: user_ids is an array of integers.
    response = docs_admin.request(method, "/inbox_members", json={"inbox_id": 1, "user_ids": user_ids})
    assert response.status_code == 422
    body = response.get_json()
    assert isinstance(body["message"], str)
    assert "user_ids" in " ".join(body["attributes"]) + body["message"]
    assert members(docs_admin, 1) == [1, 2]


@pytest.mark.parametrize(("method", "user_ids", "answer", "after"), [
    # digest §6: Ruby's array difference on raw values: "2" is not the member 2, so it is inserted
    # again and hits the unique index.
    ("POST", ["2"], ALREADY_TAKEN, [1, 2]),
    ("PATCH", ["2"], ALREADY_TAKEN, [1, 2]),
    # "invalid" casts to 0 on insert: no such user. The transaction rolls back.
    ("POST", [1, "invalid"], {"message": "User must exist", "attributes": ["user"]}, [1, 2]),
    ("PATCH", ["invalid"], {"message": "User must exist", "attributes": ["user"]}, [1, 2]),
])
def test_inbox_members_raw_ids_in_chatwoot(chatwoot_admin, method, user_ids, answer, after):
    response = chatwoot_admin.request(method, "/inbox_members", json={"inbox_id": 1, "user_ids": user_ids})
    if answer is None:
        assert response.status_code == 200, response.get_json()
    else:
        assert (response.status_code, response.get_json()) == (422, answer)
    assert members(chatwoot_admin, 1) == after


def test_inbox_members_string_ids_in_chatwoot(chatwoot_admin):
    # A string id of a user who is no member yet is inserted as that user (cast on insert).
    assert chatwoot_admin.post("/inbox_members", json={"inbox_id": 3, "user_ids": ["1"]}).status_code == 200
    assert members(chatwoot_admin, 3) == [1]
    # `update`: "2" is added; the members of before whose ids are not in the raw list are removed (1).
    response = chatwoot_admin.patch("/inbox_members", json={"inbox_id": 3, "user_ids": ["2"]})
    assert response.status_code == 200, response.get_json()
    assert members(chatwoot_admin, 3) == [2]


def test_inbox_members_destroy_casts_and_ignores_garbage_in_chatwoot(chatwoot_admin):
    response = chatwoot_admin.delete("/inbox_members", json={"inbox_id": 1, "user_ids": ["2", "garbage", 99]})
    assert (response.status_code, response.data) == (200, b"")
    assert members(chatwoot_admin, 1) == [1]


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_inbox_members_missing_user_ids_is_a_clean_422(admin, method):
    # digest §6: Chatwoot 500s (nil - [...]); the spec requires user_ids, so the mock answers 422.
    response = admin.request(method, "/inbox_members", json={"inbox_id": 1})
    assert response.status_code == 422
    body = response.get_json()
    assert isinstance(body["message"], str)
    assert isinstance(body["attributes"], list)
    assert members(admin, 1) == [1, 2]


# ================================================================= GET agent_bots
def test_agent_bots_lists_the_accounts_bot_and_the_system_bot(admin):
    response = admin.get("/agent_bots")
    assert response.status_code == 200
    body = response.get_json()
    assert isinstance(body, list)  # a bare array
    assert [b["id"] for b in body] == [1, 2]  # fixtures/demo.json: account 1's bot, then the system bot
    assert list(body[0]) == AGENT_BOT_KEYS
    assert list(body[1]) == SYSTEM_BOT_KEYS  # digest §4.4


def test_agent_bots_hides_other_accounts_bots(admin, store):
    store.add_agent_bot("Globex Router", "globex-bot-token", account_id=2, id=3)
    store.add_agent_bot("Acme Returns Bot", "acme-returns-token", account_id=1, id=4,
                        outgoing_url="https://bots.acme.example/returns")
    listed = {b["id"]: b for b in admin.get("/agent_bots").get_json()}
    assert set(listed) == {1, 2, 4}
    assert listed[4]["outgoing_url"] == "https://bots.acme.example/returns"


def test_agent_bots_of_account_2(admin):
    response = admin.as_("demo-globex-token").get("/api/v1/accounts/2/agent_bots", absolute=True)
    assert response.status_code == 200
    assert [b["id"] for b in response.get_json()] == [2]  # only the system bot: demo has no account 2 bot
