"""Every example request of the docs page (`seed/inboxes-api.txt`), replayed in both profiles.

Ids are adapted to the demo data (account 1); the page's "[email protected]" (a scraping artefact)
becomes a real address; "DELETE /inboxes/3" deletes a freshly created inbox; sync_templates and health
run on the demo's WhatsApp Cloud inbox 4, the only kind they work on (digest §2.5).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import ApiClient, demo_channel, make_client

from mockserver import Profile


@pytest.fixture(scope="module", params=[Profile.DOCS, Profile.CHATWOOT], ids=["docs", "chatwoot"])
def replay(request) -> ApiClient:
    """One demo app per profile for the module (speed); each example works whatever ran before it."""
    client = make_client(request.param)
    client.profile = request.param
    return client


def ok(response, status: int = 200):
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()


# ----------------------------------------------------------------------------------------------- the examples


def list_inboxes(client):
    body = ok(client.get("/inboxes"))
    # The seed's example response keys.
    keys = {"id", "name", "channel_id", "channel_type", "greeting_enabled", "greeting_message",
            "enable_auto_assignment", "working_hours_enabled", "timezone", "avatar_url"}
    assert body["payload"] and all(keys <= set(inbox) for inbox in body["payload"])


def get_inbox(client):
    assert ok(client.get("/inboxes/1"))["id"] == 1


def create_web_widget(client):
    body = ok(client.post("/inboxes", json={
        "name": "Website Support",
        "channel": {"type": "web_widget", "website_url": "https://example.com", "welcome_title": "Welcome!",
                    "welcome_tagline": "How can we help?", "widget_color": "#1f93ff"},
        "greeting_enabled": True,
        "greeting_message": "Hi there! How can I help you today?",
        "enable_auto_assignment": True,
    }))
    # The seed's example response.
    assert (body["name"], body["channel_type"]) == ("Website Support", "Channel::WebWidget")
    assert (body["greeting_enabled"], body["greeting_message"]) == (True, "Hi there! How can I help you today?")
    assert body["enable_auto_assignment"] is True
    assert (body["website_url"], body["welcome_title"], body["welcome_tagline"], body["widget_color"]) == (
        "https://example.com", "Welcome!", "How can we help?", "#1f93ff")


def create_api(client):
    body = ok(client.post("/inboxes", json={
        "name": "Mobile App",
        "channel": {"type": "api", "webhook_url": "https://example.com/webhooks/chatwoot"},
        "enable_auto_assignment": True,
    }))
    assert (body["name"], body["channel_type"]) == ("Mobile App", "Channel::Api")
    assert body["webhook_url"] == "https://example.com/webhooks/chatwoot"


def email_channel(address):
    """The page's e-mail example, with its address (the page's own has a scraping artefact)."""
    return {"type": "email", "email": address, "imap_enabled": True, "imap_address": "imap.gmail.com",
            "imap_port": 993, "imap_email": address, "imap_password": "app_password", "smtp_enabled": True,
            "smtp_address": "smtp.gmail.com", "smtp_port": 587, "smtp_email": address,
            "smtp_password": "app_password"}


def create_email(client):
    body = ok(client.post("/inboxes", json={
        "name": "Support Email",
        "channel": email_channel("support@example.com"),
    }))
    assert (body["name"], body["channel_type"], body["email"]) == ("Support Email", "Channel::Email",
                                                                   "support@example.com")


def update_inbox(client):
    body = ok(client.patch("/inboxes/1", json={
        "name": "Updated Inbox Name",
        "greeting_message": "Welcome! We are here to help.",
        "enable_auto_assignment": False,
    }))
    assert (body["name"], body["greeting_message"], body["enable_auto_assignment"]) == (
        "Updated Inbox Name", "Welcome! We are here to help.", False)


def delete_inbox(client):
    created = ok(client.post("/inboxes", json={"name": "Short-lived", "channel": {"type": "api"}}))
    body = ok(client.delete(f"/inboxes/{created['id']}"))
    assert body == {"message": "Your inbox deletion request will be processed in some time."}  # digest §0


def get_agent_bot(client):
    body = ok(client.get("/inboxes/1/agent_bot"))
    assert body["agent_bot"]["id"] == 1  # demo.json links bot 1 to inbox 1; digest §2.5 wrapper


def set_agent_bot(client):
    response = client.post("/inboxes/2/set_agent_bot", json={"agent_bot": 1})
    assert (response.status_code, response.data) == (200, b"")  # digest §0: head :ok
    assert ok(client.get("/inboxes/2/agent_bot"))["agent_bot"]["id"] == 1
    response = client.post("/inboxes/1/set_agent_bot", json={"agent_bot": 1})
    assert response.status_code == 200


def delete_avatar(client):
    response = client.delete("/inboxes/1/avatar")
    assert (response.status_code, response.data) == (200, b"")


def get_campaigns(client):
    body = ok(client.get("/inboxes/1/campaigns"))
    assert isinstance(body, list)  # digest §2.5: a bare array
    assert [c["id"] for c in body] == [1, 2]  # demo.json campaigns of inbox 1 (display ids)


def sync_templates(client):
    assert ok(client.post("/inboxes/4/sync_templates")) == {"message": "Template sync initiated successfully"}


def health(client):
    body = ok(client.get("/inboxes/4/health"))
    if client.profile is Profile.DOCS:
        assert body == {"status": "healthy", "quality_rating": "green", "messaging_limit": "tier_1k"}  # the seed
    else:
        # Digest §2.5: Meta's phone number fields plus business_id from provider_config.
        assert list(body) == ["display_phone_number", "verified_name", "name_status", "quality_rating",
                              "messaging_limit_tier", "account_mode", "code_verification_status", "throughput",
                              "last_onboarded_time", "platform_type", "business_id"]
        # demo.json inbox 4's business_account_id
        assert body["business_id"] == demo_channel(4)["provider_config"]["business_account_id"]


def working_hours(client):
    body = ok(client.patch("/inboxes/1", json={
        "working_hours_enabled": True,
        "timezone": "America/New_York",
        "working_hours": [{"day_of_week": 1, "open_hour": 9, "open_minutes": 0, "close_hour": 17,
                           "close_minutes": 0, "closed_all_day": False}],
    }))
    assert (body["working_hours_enabled"], body["timezone"]) == (True, "America/New_York")
    assert body["working_hours"][1] == {"day_of_week": 1, "closed_all_day": False, "open_hour": 9,
                                        "open_minutes": 0, "close_hour": 17, "close_minutes": 0,
                                        "open_all_day": False}


def csat_survey(client):
    body = ok(client.patch("/inboxes/3", json={
        "csat_survey_enabled": True,
        "csat_config": {"display_type": "emoji", "message": "How would you rate your experience?",
                        "button_text": "Rate us", "language": "en",
                        "survey_rules": {"operator": "contains", "values": ["resolved"]}},
    }))
    assert body["csat_survey_enabled"] is True
    assert body["csat_config"] == {"display_type": "emoji", "message": "How would you rate your experience?",
                                   "survey_rules": {"operator": "contains", "values": ["resolved"]},
                                   "button_text": "Rate us", "language": "en"}


def create_email_as_written(client):
    # The page's own e-mail example, scraping artefact and all: Chatwoot checks no e-mail format, only
    # uniqueness (issue 11), so it is accepted as sent.
    body = ok(client.post("/inboxes", json={
        "name": "Support Email",
        "channel": email_channel("[email protected]"),
    }))
    assert (body["channel_type"], body["email"]) == ("Channel::Email", "[email protected]")
    client.delete(f"/inboxes/{body['id']}")  # the address is unique: the next replay makes it again


EXAMPLES: dict[str, Callable[[ApiClient], None]] = {
    f.__name__: f for f in (list_inboxes, get_inbox, create_web_widget, create_api, create_email,
                            create_email_as_written, update_inbox,
                            delete_inbox, get_agent_bot, set_agent_bot, delete_avatar, get_campaigns,
                            sync_templates, health, working_hours, csat_survey)
}


@pytest.mark.parametrize("example", list(EXAMPLES))
def test_seed_example(replay, example):
    EXAMPLES[example](replay)


# ----------------------------------------------------------------------------------------------- channel types

# The seed's "Channel Types" section: every listed parameter, with a plausible value.
DOCUMENTED_CHANNELS = {
    "web_widget": {"website_url": "https://shop.example", "welcome_title": "Welcome to the shop",
                   "welcome_tagline": "We reply in minutes", "widget_color": "#ff6600"},
    "api": {"webhook_url": "https://shop.example/chatwoot/webhook"},
    "email": {"email": "orders@shop.example", "imap_enabled": True, "imap_address": "imap.shop.example",
              "imap_port": 993, "imap_email": "orders@shop.example", "imap_password": "imap-secret",
              "smtp_enabled": True, "smtp_address": "smtp.shop.example", "smtp_port": 587,
              "smtp_email": "orders@shop.example", "smtp_password": "smtp-secret"},
    "line": {"line_channel_id": "1650000042", "line_channel_secret": "line-channel-secret",
             "line_channel_token": "line-channel-access-token"},
    "telegram": {"bot_token": "700000042:AAFshop-bot-token-abcdefghijklmnopq"},
    "whatsapp": {"phone_number": "+15550142042", "provider": "whatsapp_cloud", "api_key": "whatsapp-api-key"},
    "sms": {"phone_number": "+15550142043", "account_sid": "AC00000000000000000000000000000042",
            "auth_token": "twilio-auth-token"},
}


@pytest.mark.parametrize("kind", list(DOCUMENTED_CHANNELS))
def test_documented_channel_parameters(replay, kind):
    body = ok(replay.post("/inboxes", json={"name": f"Documented {kind}",
                                            "channel": {"type": kind, **DOCUMENTED_CHANNELS[kind]}}))
    assert body["name"] == f"Documented {kind}"
    assert ok(replay.get(f"/inboxes/{body['id']}")) == body
