"""The inbox operations over HTTP: list, get, create, update, delete and avatars.

Expected values are written out from the behaviour digest (`reference/chatwoot-inbox-behavior.md`,
cited as §N) and the docs page (`seed/inboxes-api.txt`), or from the demo state (`fixtures/demo.json`).
Every response is also checked against the spec by the app (`validate_responses=True`).
"""

from __future__ import annotations

import io
import struct
import zlib
from urllib.parse import urlparse

import pytest
from conftest import AGENT, GLOBEX_ADMIN, ApiClient, demo_channel, make_client

from mockserver import Profile

# §4.2: the keys the inbox partial always emits, in emitted order.
ALWAYS_KEYS = [
    "id", "avatar_url", "channel_id", "name", "channel_type", "greeting_enabled", "greeting_message",
    "working_hours_enabled", "enable_email_collect", "csat_survey_enabled", "csat_config", "enable_auto_assignment",
    "auto_assignment_config", "out_of_office_message", "working_hours", "timezone", "callback_webhook_url",
    "allow_messages_after_resolved", "lock_to_single_conversation", "sender_name_type", "business_name",
    "allowed_domains", "widget_color", "website_url", "hmac_mandatory", "welcome_title", "welcome_tagline",
    "web_widget_script", "website_token", "selected_feature_flags", "reply_time", "messaging_service_sid",
    "phone_number", "provider",
]

# §5.1 column defaults, as a new inbox shows them (§4.2: avatar_url "" without an avatar).
INBOX_DEFAULTS = {
    "avatar_url": "", "greeting_enabled": False, "greeting_message": None, "working_hours_enabled": False,
    "enable_email_collect": True, "csat_survey_enabled": False, "csat_config": {}, "enable_auto_assignment": True,
    "auto_assignment_config": {}, "out_of_office_message": None, "timezone": "UTC",
    "allow_messages_after_resolved": True, "lock_to_single_conversation": False, "sender_name_type": "friendly",
    "business_name": None,
}

CLOSED = {"closed_all_day": True, "open_hour": None, "open_minutes": None, "close_hour": None,
          "close_minutes": None, "open_all_day": False}
NINE_TO_FIVE = {"closed_all_day": False, "open_hour": 9, "open_minutes": 0, "close_hour": 17, "close_minutes": 0,
                "open_all_day": False}
# §4.3 default working hours: Sunday and Saturday closed, Monday to Friday 9:00-17:00.
DEFAULT_WORKING_HOURS = [{"day_of_week": d, **(CLOSED if d in (0, 6) else NINE_TO_FIVE)} for d in range(7)]

# §4.3 default pre-chat form.
DEFAULT_PRE_CHAT_FORM_OPTIONS = {
    "pre_chat_message": "Share your queries or comments here.",
    "pre_chat_fields": [
        {"field_type": "standard", "label": "Email Id", "name": "emailAddress", "type": "email",
         "required": True, "enabled": False},
        {"field_type": "standard", "label": "Full name", "name": "fullName", "type": "text",
         "required": False, "enabled": False},
        {"field_type": "standard", "label": "Phone number", "name": "phoneNumber", "type": "text",
         "required": False, "enabled": False},
    ],
}

WEB_WIDGET_ONLY = ["allowed_domains", "widget_color", "website_url", "welcome_title", "welcome_tagline",
                   "web_widget_script", "website_token", "selected_feature_flags", "reply_time"]

# One valid create body per channel type (§2.2 EDITABLE_ATTRS); none collides with the demo state.
CREATE_BODIES = {
    "web_widget": {"name": "Docs Widget", "channel": {"type": "web_widget", "website_url": "https://docs.example"}},
    "api": {"name": "Partner API", "channel": {"type": "api", "webhook_url": "https://partner.example/hook"}},
    "email": {"name": "Billing Email", "channel": {"type": "email", "email": "billing@acme.example"}},
    "line": {"name": "LINE", "channel": {"type": "line", "line_channel_id": "1657000001",
                                          "line_channel_secret": "line-secret", "line_channel_token": "line-token"}},
    "telegram": {"name": "Telegram Sales",
                 "channel": {"type": "telegram", "bot_token": "987654321:AAHsales-bot-token-abcdefghijklmnop"}},
    "whatsapp": {"name": "WhatsApp Sales",
                 "channel": {"type": "whatsapp", "phone_number": "+15550109999", "provider": "whatsapp_cloud",
                             "provider_config": {"api_key": "sales-key", "phone_number_id": "123"}}},
    "sms": {"name": "SMS Sales", "channel": {"type": "sms", "phone_number": "+15550108888",
                                              "provider_config": {"api_key": "bw-key"}}},
}

# §2.2 class per channel.type.
CHANNEL_TYPES = {
    "web_widget": "Channel::WebWidget", "api": "Channel::Api", "email": "Channel::Email", "line": "Channel::Line",
    "telegram": "Channel::Telegram", "whatsapp": "Channel::Whatsapp", "sms": "Channel::Sms",
}

# §4.2: fields emitted to administrators only, per channel type.
ADMIN_ONLY = {
    "web_widget": ["hmac_token"],
    "api": ["hmac_token"],
    "email": ["imap_login", "imap_password", "imap_address", "imap_port", "imap_enabled", "imap_enable_ssl",
              "smtp_login", "smtp_password", "smtp_address", "smtp_port", "smtp_enabled", "smtp_domain",
              "smtp_enable_ssl_tls", "smtp_enable_starttls_auto", "smtp_openssl_verify_mode", "smtp_authentication"],
    "whatsapp": ["provider_config"],
}
# §4.2: fields of the same channel types that every viewer sees.
SHOWN_TO_ALL = {
    "web_widget": ["website_token", "pre_chat_form_options", "continuity_via_email"],
    "api": ["webhook_url", "inbox_identifier", "additional_attributes"],
    "email": ["email", "forward_to_email"],
    "whatsapp": ["message_templates", "reauthorization_required"],
}

NOT_AUTHORIZED = {"error": "You are not authorized to do this action"}  # §0
DELETED = {"message": "Your inbox deletion request will be processed in some time."}  # §0, §2.5


def not_found(profile) -> dict:
    # §0 (chatwoot) and the docs page's "Inbox Not Found" (docs).
    return {"error": "Inbox not found"} if profile.value == "docs" else {"error": "Resource could not be found"}


def inbox_list(client: ApiClient) -> list[dict]:
    response = client.get("/inboxes")
    assert response.status_code == 200
    return response.get_json()["payload"]


def create(client: ApiClient, body: dict) -> dict:
    response = client.post("/inboxes", json=body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def add_member(admin: ApiClient, inbox_id: int, user_id: int = 2) -> None:
    response = admin.post("/inbox_members", json={"inbox_id": inbox_id, "user_ids": [user_id]})
    assert response.status_code == 200


def png_1x1() -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(
        b"IEND", b"")


GIF_1x1 = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
           b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
JPEG_TINY = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
IMAGES = [("avatar.png", "image/png", png_1x1()), ("avatar.jpg", "image/jpeg", JPEG_TINY),
          ("avatar.gif", "image/gif", GIF_1x1)]


@pytest.fixture(scope="module", params=[Profile.DOCS, Profile.CHATWOOT], ids=["docs", "chatwoot"])
def shared(request) -> ApiClient:
    """One demo app per profile for the whole module, to keep the suite fast. Only for requests that
    must not change anything (reads and refused writes); each such test checks that nothing changed."""
    client = make_client(request.param)
    client.profile = request.param
    return client


def agent_of(client: ApiClient) -> ApiClient:
    return client.as_(AGENT)


def assert_record_invalid(response, message: str, attributes: list[str]) -> None:
    """§3.3: 422 `{"message": full messages joined by ", ", "attributes": [...]}`."""
    assert response.status_code == 422
    body = response.get_json()
    assert body["message"] == message
    assert body["attributes"] == attributes


# ----------------------------------------------------------------------------------------------- list / get


def test_list_and_get(shared):
    response = shared.get("/inboxes")
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == ["payload"]  # §4.1
    # demo.json: inboxes 1-6 belong to account 1, 7 to account 2. §2.5: ascending id, not by name.
    assert [i["id"] for i in body["payload"]] == [1, 2, 3, 4, 5, 6]
    assert [i["name"] for i in body["payload"]] == [
        "Website Chat", "Mobile App", "Support Email", "WhatsApp Support", "Telegram Bot", "SMS Alerts"]
    for inbox in body["payload"]:
        assert [k for k in inbox if k in ALWAYS_KEYS] == ALWAYS_KEYS  # §4.2, in emitted order
    # demo.json: Bob (agent) is a member of inboxes 1 and 2 only; §2.5 policy scope.
    agent_body = agent_of(shared).get("/inboxes").get_json()
    assert [i["id"] for i in agent_body["payload"]] == [1, 2]
    response = shared.get("/inboxes/3")
    assert response.status_code == 200
    inbox = response.get_json()
    assert (inbox["id"], inbox["name"], inbox["channel_type"]) == (3, "Support Email", "Channel::Email")
    assert inbox == body["payload"][2]
    # §8.3 item 5: Swagger spells GetInbox `/inboxes/{id}/`; Rails serves both spellings.
    response = shared.get("/inboxes/3/")
    assert response.status_code == 200
    assert response.get_json() == inbox


def test_admin_only_fields_of_the_demo(shared):
    # demo.json inbox 1 (web widget) has hmac_token "demoWidgetHmacToken12345"; Bob is a member of 1 and 2.
    assert shared.get("/inboxes/1").get_json()["hmac_token"] == "demoWidgetHmacToken12345"
    assert shared.get("/inboxes/2").get_json()["hmac_token"] == "demoApiHmacToken12345678"
    agent = agent_of(shared)
    assert [("hmac_token" in i) for i in agent.get("/inboxes").get_json()["payload"]] == [False, False]
    assert "hmac_token" not in agent.get("/inboxes/1").get_json()
    assert agent.get("/inboxes/2").get_json()["inbox_identifier"] == "demoApiInboxIdentifier24"


@pytest.mark.parametrize("path", ["/inboxes/999", "/inboxes/7"], ids=["unknown", "other_account"])
def test_get_unknown_or_foreign_inbox_is_404(shared, path):
    # §2.1: the lookup comes before authorization, so an agent gets 404 too. Inbox 7 is account 2's.
    for client in (shared, agent_of(shared)):
        response = client.get(path)
        assert response.status_code == 404
        assert response.get_json() == not_found(shared.profile)


def test_agent_non_member_and_admin_only_actions_are_401(shared):
    before = shared.get("/inboxes").get_json()
    agent = agent_of(shared)
    assert agent.get("/inboxes/1").status_code == 200  # member
    for method, path, body in [
        ("GET", "/inboxes/3", None),  # §3.5: not a member
        ("POST", "/inboxes", CREATE_BODIES["api"]),  # §3.5: create is admin only
        ("PATCH", "/inboxes/1", {"name": "Agent was here"}),  # member, but admin only
        ("PUT", "/inboxes/1", {"name": "Agent was here"}),
        ("DELETE", "/inboxes/1", None),
        ("DELETE", "/inboxes/1/avatar", None),
    ]:
        response = agent.request(method, path, json=body)
        assert response.status_code == 401, (method, path)
        assert response.get_json() == NOT_AUTHORIZED
    assert shared.get("/inboxes").get_json() == before


# ----------------------------------------------------------------------------------------------- create


def test_create_each_channel_type(admin):
    created = {}
    for kind, request_body in CREATE_BODIES.items():
        response = admin.post("/inboxes", json=request_body)
        assert response.status_code == 200, kind  # §2.3: 200, not 201
        body = created[kind] = response.get_json()
        assert [k for k in body if k in ALWAYS_KEYS] == ALWAYS_KEYS, kind  # §4.2, in emitted order
        assert body["channel_type"] == CHANNEL_TYPES[kind]
        assert body["name"] == request_body["name"]
        assert {k: body[k] for k in INBOX_DEFAULTS} == INBOX_DEFAULTS, kind
        assert body["working_hours"] == DEFAULT_WORKING_HOURS, kind  # §4.3
        if kind != "web_widget":
            assert all(body[k] is None for k in WEB_WIDGET_ONLY), kind  # §4.2: `channel.try(:x)` is null
        # §4.2: callback_webhook_url is FRONTEND_URL + a per-type path, null for the other types.
        callbacks = {"sms": "/webhooks/sms/15550108888", "line": "/webhooks/line/1657000001",
                     "whatsapp": "/webhooks/whatsapp/+15550109999"}
        if kind in callbacks:
            assert body["callback_webhook_url"].endswith(callbacks[kind]), kind
            assert body["callback_webhook_url"].count("/webhooks/") == 1
        else:
            assert body["callback_webhook_url"] is None, kind
        assert body["messaging_service_sid"] is None  # Twilio only
        CHECKS[kind](body)
    # The ids continue after the demo's 7 inboxes; channel ids run per channel type (§4.2 row 3):
    # demo.json has web widget 1, api 1 and 2, email 1, whatsapp 1, telegram 1, sms 1 and no line.
    assert [created[k]["id"] for k in CREATE_BODIES] == [8, 9, 10, 11, 12, 13, 14]
    assert [created[k]["channel_id"] for k in CREATE_BODIES] == [2, 3, 2, 1, 2, 2, 2]
    # The new inboxes are listed and readable.
    assert inbox_list(admin)[6:] == list(created.values())
    for body in created.values():
        assert admin.get(f"/inboxes/{body['id']}").get_json() == body


def _web_widget(body):
    assert body["website_url"] == "https://docs.example"
    assert body["widget_color"] == "#1f93ff"  # §2.3 default
    assert body["allowed_domains"] == ""
    assert body["hmac_mandatory"] is False
    assert body["reply_time"] == "in_a_few_minutes"
    assert body["selected_feature_flags"] == ["attachments", "emoji_picker", "end_conversation"]
    assert body["pre_chat_form_enabled"] is False
    assert body["pre_chat_form_options"] == DEFAULT_PRE_CHAT_FORM_OPTIONS
    assert body["continuity_via_email"] is True
    assert len(body["website_token"]) == 24 and len(body["hmac_token"]) == 24  # has_secure_token
    assert body["web_widget_script"].startswith("\n    <script>")
    assert f"websiteToken: '{body['website_token']}'" in body["web_widget_script"]
    assert body["phone_number"] is None and body["provider"] is None


def _api(body):
    assert body["webhook_url"] == "https://partner.example/hook"
    assert len(body["inbox_identifier"]) == 24 and len(body["hmac_token"]) == 24
    assert body["inbox_identifier"] != body["hmac_token"]
    assert body["additional_attributes"] == {}
    assert body["hmac_mandatory"] is False  # §4.2 row 27
    assert body["provider"] is None


def _email(body):
    assert body["email"] == "billing@acme.example"
    local, _, domain = body["forward_to_email"].partition("@")
    # SecureRandom.hex @ the account's inbound domain (demo.json's inbox 3 shows the domain).
    assert domain == "inbound.chatwoot-mock.test"
    assert local and all(c in "0123456789abcdef" for c in local)
    # §4.2 row 51 defaults.
    assert [body[k] for k in ("smtp_login", "smtp_password", "smtp_address", "smtp_port", "smtp_enabled",
                              "smtp_domain", "smtp_enable_ssl_tls", "smtp_enable_starttls_auto",
                              "smtp_openssl_verify_mode", "smtp_authentication")] == [
        "", "", "", 0, False, "", False, True, "none", "login"]
    # The IMAP columns' defaults in Chatwoot's db/schema.rb (channel_email): SSL is on by default.
    assert [body[k] for k in ("imap_login", "imap_password", "imap_address", "imap_port", "imap_enabled",
                              "imap_enable_ssl")] == ["", "", "", 0, False, True]
    assert body["provider"] is None and body["hmac_mandatory"] is None
    assert body["forwarding_enabled"] is True  # §4.2 row 47: the mock has an inbound e-mail domain
    assert "reauthorization_required" not in body  # row 50: only for Microsoft and Google mailboxes


@pytest.mark.parametrize("provider", ["microsoft", "google"])
def test_a_microsoft_or_google_mailbox_shows_administrators_its_reauthorization(admin, provider):
    # §4.2 row 50: reauthorization_required, to administrators only, for Microsoft or Google mailboxes.
    body = create(admin, {"name": "Mail", "channel": {"type": "email", "email": "mail@acme.example",
                                                      "provider": provider}})
    assert body["provider"] == provider
    assert body["reauthorization_required"] is False
    assert list(body).index("reauthorization_required") == list(body).index("imap_enable_ssl") + 1
    add_member(admin, body["id"])
    shown = admin.as_(AGENT).get(f"/inboxes/{body['id']}").get_json()
    assert shown["provider"] == provider and "reauthorization_required" not in shown


def _line(body):
    # §4.2: the LINE credentials are write-only.
    assert not {"line_channel_id", "line_channel_secret", "line_channel_token"} & set(body)
    assert body["provider"] is None


def _telegram(body):
    assert body["bot_name"]
    assert "bot_token" not in body  # write-only


def _whatsapp(body):
    assert body["phone_number"] == "+15550109999"
    assert body["provider"] == "whatsapp_cloud"
    assert body["provider_config"]["api_key"] == "sales-key"
    assert body["provider_config"]["webhook_verify_token"]  # §2.3: generated for whatsapp_cloud
    assert "message_templates" in body
    assert body["reauthorization_required"] is False


def _sms(body):
    assert body["phone_number"] == "+15550108888"
    assert body["provider"] == "default"  # §2.2
    assert "provider_config" not in body  # §4.2: SMS provider_config is never emitted


CHECKS = {"web_widget": _web_widget, "api": _api, "email": _email, "line": _line, "telegram": _telegram,
          "whatsapp": _whatsapp, "sms": _sms}


def test_admin_only_fields_hidden_from_member_agent(admin, agent):
    for kind in ADMIN_ONLY:
        created = create(admin, CREATE_BODIES[kind])
        assert all(k in created for k in ADMIN_ONLY[kind] + SHOWN_TO_ALL[kind]), kind
        assert agent.get(f"/inboxes/{created['id']}").status_code == 401  # not a member yet
        add_member(admin, created["id"])
        response = agent.get(f"/inboxes/{created['id']}")
        assert response.status_code == 200
        seen = response.get_json()
        assert not set(ADMIN_ONLY[kind]) & set(seen), kind  # §4.2 "admin" rows
        assert all(seen[k] == created[k] for k in SHOWN_TO_ALL[kind] + ALWAYS_KEYS), kind
        assert [i for i in inbox_list(agent) if i["id"] == created["id"]] == [seen]
    assert [i["id"] for i in inbox_list(agent)] == [1, 2, 8, 9, 10, 11]


def test_create_variants(admin):
    # §2.3: a telegram inbox without a name takes the bot's name; a sent name wins.
    channel = {"type": "telegram", "bot_token": "555666777:AAHnameless-bot-token-abcdefghijklmn"}
    unnamed = create(admin, {"channel": channel})
    assert unnamed["name"] and unnamed["name"] == unnamed["bot_name"]
    channel = {"type": "telegram", "bot_token": "555666778:AAHnamed-bot-token-abcdefghijklmnop"}
    assert create(admin, {"name": "Sales on Telegram", "channel": channel})["name"] == "Sales on Telegram"
    # §4.2 row 56: whatsapp provider defaults to "default".
    whatsapp = create(admin, {"name": "WA", "channel": {"type": "whatsapp", "phone_number": "+15550107777"}})
    assert whatsapp["provider"] == "default"
    # §2.3: every inbox attribute is accepted at create; csat_config is stored raw (no defaults).
    body = create(admin, {
        **CREATE_BODIES["api"], "greeting_enabled": True, "greeting_message": "x" * 10_000,
        "timezone": "Asia/Kolkata", "enable_auto_assignment": False, "lock_to_single_conversation": True,
        "sender_name_type": "professional", "business_name": "Acme", "csat_survey_enabled": True,
        "csat_config": {"display_type": "star"}, "out_of_office_message": "Closed",
    })
    assert (body["greeting_enabled"], body["greeting_message"]) == (True, "x" * 10_000)  # 10,000 is allowed
    assert (body["timezone"], body["out_of_office_message"]) == ("Asia/Kolkata", "Closed")
    assert (body["enable_auto_assignment"], body["lock_to_single_conversation"]) == (False, True)
    assert (body["sender_name_type"], body["business_name"]) == ("professional", "Acme")
    assert body["csat_survey_enabled"] is True
    assert body["csat_config"] == {"display_type": "star"}
    # §2.2: a top-level "null" string is null at create too.
    assert create(admin, {**CREATE_BODIES["api"], "business_name": "null"})["business_name"] is None
    # §8.3 item 5: Swagger's create path is `/inboxes/`.
    response = admin.post("/inboxes/", json={"name": "Slash", "channel": {"type": "api"}})
    assert response.status_code == 200
    assert response.get_json()["name"] == "Slash"
    assert len(inbox_list(admin)) == 6 + 6


def test_create_stores_the_permitted_csat_config(admin):
    # §2.3: csat_config is stored raw at create, but only its permitted subset (§2.2): display_type, message,
    # button_text, language, survey_rules {operator, values} and template; other keys are dropped.
    body = create(admin, {**CREATE_BODIES["api"], "csat_config": {
        "display_type": "star", "colour": "red", "survey_rules": {"operator": "contains", "threshold": 3}}})
    assert body["csat_config"] == {"display_type": "star", "survey_rules": {"operator": "contains"}}
    assert admin.get(f"/inboxes/{body['id']}").get_json()["csat_config"] == body["csat_config"]


# ----------------------------------------------------------------------------------------------- create errors


@pytest.mark.parametrize(("body", "message", "attributes"), [
    ({"name": "", "channel": {"type": "api"}}, "Name can't be blank", ["name"]),  # §2.3
    ({"channel": {"type": "api"}}, "Name can't be blank", ["name"]),  # §2.3
    ({**CREATE_BODIES["api"], "timezone": "Eastern Time (US & Canada)"}, "Timezone is not included in the list",
     ["timezone"]),  # §5.1
    ({**CREATE_BODIES["api"], "greeting_message": "x" * 10_001},
     "Greeting message is too long (maximum is 10000 characters)", ["greeting_message"]),  # §5.1
    ({**CREATE_BODIES["api"], "out_of_office_message": "x" * 10_001},
     "Out of office message is too long (maximum is 10000 characters)", ["out_of_office_message"]),  # §5.1
    ({"name": "Dup", "channel": {"type": "email", "email": demo_channel(3)["email"]}},  # demo.json inbox 3's
     "Email has already been taken", ["email"]),  # §2.3
    ({"name": "No URL", "channel": {"type": "web_widget"}}, "Website url can't be blank", ["website_url"]),  # §2.3
    ({"name": "L", "channel": {"type": "line", "line_channel_secret": "s", "line_channel_token": "t"}},
     "Line channel can't be blank", ["line_channel_id"]),  # §2.3
    ({"name": "WA", "channel": {"type": "whatsapp", "phone_number": demo_channel(4)["phone_number"]}},  # inbox 4's
     "Phone number has already been taken", ["phone_number"]),  # §5.3 unique
    ({"name": "SMS", "channel": {"type": "sms", "phone_number": demo_channel(6)["phone_number"]}},  # inbox 6's
     "Phone number has already been taken", ["phone_number"]),  # §5.3 unique
    ({"name": "TG", "channel": {"type": "telegram", "bot_token": demo_channel(5)["bot_token"]}},
     "Bot token has already been taken", ["bot_token"]),  # §5.3 unique; demo.json inbox 5's token
    ({"name": "WA", "channel": {"type": "whatsapp", "phone_number": "+15550106666", "provider": "twilio"}},
     "Provider is not included in the list", ["provider"]),  # §2.3
], ids=["name_empty", "name_missing", "timezone", "greeting_too_long", "out_of_office_too_long", "duplicate_email",
        "website_url_missing", "line_channel_id_missing", "duplicate_whatsapp_number", "duplicate_sms_number",
        "duplicate_bot_token", "whatsapp_provider"])
def test_create_validation_error(shared, body, message, attributes):
    before = inbox_list(shared)
    assert_record_invalid(shared.post("/inboxes", json=body), message, attributes)
    assert inbox_list(shared) == before


def test_create_bad_json_and_wrong_media_type(shared):
    before = inbox_list(shared)
    response = shared.post("/inboxes", data='{"name": "x", "channel": {"type": "api"', content_type="application/json")
    assert response.status_code == 400
    assert "error" in response.get_json()
    response = shared.post("/inboxes", data='{"name": "x", "channel": {"type": "api"}}', content_type="text/plain")
    assert response.status_code == 415
    assert "error" in response.get_json()
    assert inbox_list(shared) == before


def test_unknown_channel_type(shared):
    before = inbox_list(shared)
    named = shared.post("/inboxes", json={"name": "X", "channel": {"type": "facebook"}})
    unnamed = shared.post("/inboxes", json={"channel": {"type": "facebook"}})
    assert (named.status_code, unnamed.status_code) == (422, 422)
    if shared.profile is Profile.DOCS:
        # The docs page's "Invalid Channel Type" body.
        assert named.get_json() == unnamed.get_json() == {"error": "Invalid channel type"}
    else:
        # §2.3: the inbox is built with no channel and fails `belongs_to :channel`; name comes first.
        assert named.get_json() == {"message": "Channel must exist", "attributes": ["channel"]}
        assert unnamed.get_json() == {"message": "Name can't be blank, Channel must exist",
                                      "attributes": ["name", "channel"]}
    assert inbox_list(shared) == before


def test_missing_channel_is_a_clean_422(shared):
    # §2.3: Chatwoot crashes with a 500 here; the mock answers a 422 in both profiles.
    before = inbox_list(shared)
    response = shared.post("/inboxes", json={"name": "No channel"})
    assert response.status_code == 422
    body = response.get_json()
    assert body.get("error") or body.get("message")
    assert inbox_list(shared) == before


def test_inbox_limit(shared):
    # demo.json: account 2 has inbox_limit 1 and one inbox; §2.3 402, the docs page's own text.
    globex = ApiClient(shared.client, GLOBEX_ADMIN, "/api/v1/accounts/2")
    response = globex.post("/inboxes", json=CREATE_BODIES["api"])
    assert response.status_code == 402
    expected = ("Account limit exceeded. Please upgrade your plan" if shared.profile is Profile.DOCS
                else "Account limit exceeded. Upgrade to a higher plan")
    assert response.get_json() == {"error": expected}
    assert [i["id"] for i in inbox_list(globex)] == [7]


# ----------------------------------------------------------------------------------------------- update


def test_update_inbox_and_channel_attributes(admin):
    response = admin.patch("/inboxes/1", json={
        "name": "Website Chat (new)", "greeting_message": "Welcome!", "enable_auto_assignment": False,
        "timezone": "Europe/Berlin",
        "channel": {"welcome_title": "Hallo", "widget_color": "#000000", "webhook_url": "https://ignored.example",
                    "email": "ignored@acme.example"},
    })
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "Website Chat (new)"
    assert (body["greeting_message"], body["enable_auto_assignment"]) == ("Welcome!", False)
    assert body["timezone"] == "Europe/Berlin"
    assert (body["welcome_title"], body["widget_color"]) == ("Hallo", "#000000")
    # demo.json values that were not sent stay.
    assert body["website_url"] == demo_channel(1)["website_url"]
    assert body["greeting_enabled"] is True
    assert "webhook_url" not in body and "email" not in body  # other types' attributes are ignored
    assert admin.get("/inboxes/1").get_json() == body
    # §4.3: pre_chat_form_options without pre_chat_fields is reset to the default, message included.
    response = admin.patch("/inboxes/1", json={"channel": {"pre_chat_form_options": {"pre_chat_message": "Hi"}}})
    assert response.get_json()["pre_chat_form_options"] == DEFAULT_PRE_CHAT_FORM_OPTIONS
    fields = [{"field_type": "standard", "label": "Email", "name": "emailAddress", "type": "email"}]
    response = admin.patch("/inboxes/1", json={"channel": {"pre_chat_form_options": {
        "pre_chat_message": "Hi", "pre_chat_fields": fields}}})
    assert response.get_json()["pre_chat_form_options"] == {"pre_chat_message": "Hi", "pre_chat_fields": fields}
    body = admin.get("/inboxes/1").get_json()
    # PUT is the same action (§1.1).
    response = admin.put("/inboxes/1", json={"business_name": "Acme GmbH", "channel": {"reply_time": "in_a_day"}})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["business_name"], body["reply_time"], body["name"]) == ("Acme GmbH", "in_a_day",
                                                                         "Website Chat (new)")
    assert admin.get("/inboxes/1").get_json() == body


def test_update_channel_attributes_of_other_types(admin):
    # §2.4: only the current class's EDITABLE_ATTRS; e.g. selected_feature_flags on an API inbox is dropped.
    response = admin.patch("/inboxes/2", json={"channel": {
        "webhook_url": "https://api.acme.example/v2/hook", "selected_feature_flags": [],
        "welcome_title": "ignored", "website_url": "https://ignored.example", "phone_number": "+15550000000"}})
    assert response.status_code == 200
    body = response.get_json()
    assert body["webhook_url"] == "https://api.acme.example/v2/hook"
    assert body["selected_feature_flags"] is None
    assert body["welcome_title"] is None and body["website_url"] is None and body["phone_number"] is None
    assert body["hmac_mandatory"] is True  # demo.json, unchanged
    # E-mail and WhatsApp channels are editable too (§2.4).
    body = admin.patch("/inboxes/3", json={"channel": {"imap_address": "imap2.acme.example", "imap_port": 143,
                                                       "website_url": "https://ignored.example"}}).get_json()
    assert (body["imap_address"], body["imap_port"]) == ("imap2.acme.example", 143)
    assert body["smtp_address"] == demo_channel(3)["smtp_address"]  # demo.json, unchanged
    assert body["website_url"] is None
    config = {"api_key": "rotated", "phone_number_id": "100000000000001", "business_account_id": "200000000000001"}
    body = admin.put("/inboxes/4", json={"channel": {"provider_config": config}}).get_json()
    assert body["provider_config"]["api_key"] == "rotated"
    # §2.2: a top-level "null" string is null; inside `channel` it stays a string.
    response = admin.patch("/inboxes/1", json={"greeting_message": "null", "channel": {"welcome_title": "null"}})
    assert response.status_code == 200
    assert response.get_json()["greeting_message"] is None
    assert response.get_json()["welcome_title"] == "null"
    assert admin.get("/inboxes/1").get_json()["greeting_message"] is None
    # A second e-mail inbox cannot take the first one's address (§5.3); nothing changes.
    created = create(admin, CREATE_BODIES["email"])
    response = admin.patch(f"/inboxes/{created['id']}", json={"channel": {"email": demo_channel(3)["email"]}})
    assert_record_invalid(response, "Email has already been taken", ["email"])
    assert admin.get(f"/inboxes/{created['id']}").get_json() == created


def test_update_csat_config(admin):
    # §2.4 format_csat_config: defaults for missing keys, fixed key order, "" kept, other keys dropped.
    response = admin.patch("/inboxes/3", json={"csat_config": {"display_type": "star", "message": "",
                                                               "colour": "red"}})
    assert response.status_code == 200
    csat = response.get_json()["csat_config"]
    assert csat == {"display_type": "star", "message": "", "survey_rules": {"operator": "contains", "values": []},
                    "button_text": "Please rate us", "language": "en"}
    assert list(csat) == ["display_type", "message", "survey_rules", "button_text", "language"]
    # `template` is kept, last, only when sent.
    template = {"name": "csat_survey", "template_id": "42", "language": "en", "status": "PENDING"}
    response = admin.put("/inboxes/4", json={"csat_config": {"survey_rules": {"operator": "does_not_contain"},
                                                             "template": template}})
    csat = response.get_json()["csat_config"]
    assert csat == {"display_type": "emoji", "message": "",
                    "survey_rules": {"operator": "does_not_contain", "values": []},
                    "button_text": "Please rate us", "language": "en", "template": template}
    assert list(csat)[-1] == "template"
    # Sending csat_config without `template` removes the stored one.
    csat = admin.patch("/inboxes/4", json={"csat_config": {"language": "de"}}).get_json()["csat_config"]
    assert csat == {"display_type": "emoji", "message": "", "survey_rules": {"operator": "contains", "values": []},
                    "button_text": "Please rate us", "language": "de"}
    assert admin.get("/inboxes/4").get_json()["csat_config"] == csat


def test_update_working_hours(admin):
    # demo.json inbox 1 has the default hours; §2.4: only the listed days and keys change.
    response = admin.patch("/inboxes/1", json={"working_hours": [
        {"day_of_week": 1, "open_hour": 10},
        {"day_of_week": 0, "open_hour": 9},  # closed day: validations skipped, open_hour stored (§2.4)
        {"day_of_week": 4, "open_all_day": True},  # §5.2: set to 0:00-23:59
    ]})
    assert response.status_code == 200
    expected = [dict(row) for row in DEFAULT_WORKING_HOURS]
    expected[1]["open_hour"] = 10
    expected[0]["open_hour"] = 9
    expected[4].update(open_all_day=True, open_hour=0, open_minutes=0, close_hour=23, close_minutes=59)
    assert response.get_json()["working_hours"] == expected
    assert admin.get("/inboxes/1").get_json()["working_hours"] == expected
    # §2.4/§5.2: a row the update would make invalid stays unchanged, and the answer is still 200.
    for row in [
        {"day_of_week": 2, "open_all_day": True, "closed_all_day": True},  # both flags
        {"day_of_week": 3, "open_hour": 18},  # 18:00 is after the 17:00 close
        {"day_of_week": 6, "closed_all_day": False},  # open, but without hours
    ]:
        response = admin.put("/inboxes/1", json={"name": f"Day {row['day_of_week']}", "working_hours": [row]})
        assert response.status_code == 200, row
        assert response.get_json()["working_hours"] == expected, row
        assert response.get_json()["name"] == f"Day {row['day_of_week']}"  # the rest is saved


@pytest.mark.parametrize(("change", "message", "attribute"), [
    ({"name": ""}, "Name can't be blank", "name"),  # §5.1
    ({"timezone": "Mars/Olympus_Mons"}, "Timezone is not included in the list", "timezone"),  # §5.1
    ({"greeting_message": "x" * 10_001}, "Greeting message is too long (maximum is 10000 characters)",
     "greeting_message"),  # §5.1
], ids=["name", "timezone", "greeting"])
def test_update_validation_error_changes_nothing(shared, change, message, attribute):
    before = shared.get("/inboxes/1").get_json()
    response = shared.patch("/inboxes/1", json={**change, "greeting_enabled": False})
    assert_record_invalid(response, message, [attribute])
    assert shared.get("/inboxes/1").get_json() == before


def test_update_bad_json_wrong_media_type_and_unknown_inbox(shared):
    before = inbox_list(shared)
    assert shared.patch("/inboxes/1", data='{"name": ', content_type="application/json").status_code == 400
    assert shared.put("/inboxes/1", data="name=x", content_type="text/plain").status_code == 415
    response = shared.patch("/inboxes/999", json={"name": "x"})
    assert response.status_code == 404
    assert response.get_json() == not_found(shared.profile)
    assert inbox_list(shared) == before


def test_update_channel_type(shared):
    # Chatwoot 500s on any `channel.type` in an update (§2.4). The spec (ChannelUpdate): the mock ignores the
    # current type and refuses another with 422 `Channel type can't be changed`.
    before = shared.get("/inboxes/2").get_json()
    response = shared.patch("/inboxes/2", json={"channel": {"type": "api"}})
    assert response.status_code == 200
    assert response.get_json() == before
    response = shared.patch("/inboxes/2", json={"channel": {"type": "web_widget", "website_url": "https://x.test"}})
    assert_record_invalid(response, "Channel type can't be changed", ["channel"])
    assert shared.get("/inboxes/2").get_json() == before


# ----------------------------------------------------------------------------------------------- delete


def test_delete_inbox_and_everything_attached(admin, store, profile):
    # demo.json: inbox 1 has members 1 and 2, agent bot 1 and campaigns 1 and 2; campaign 3 is inbox 6's.
    assert store.members.get(1) and 1 in store.bot_links
    response = admin.delete("/inboxes/1")
    assert response.status_code == 200
    assert response.get_json() == DELETED
    response = admin.get("/inboxes/1")
    assert response.status_code == 404
    assert response.get_json() == not_found(profile)
    assert [i["id"] for i in inbox_list(admin)] == [2, 3, 4, 5, 6]
    assert 1 not in store.members
    assert 1 not in store.bot_links
    assert sorted(c.id for c in store.campaigns.values()) == [3]
    assert admin.delete("/inboxes/1").status_code == 404
    # A freshly created inbox can be deleted too.
    created = create(admin, CREATE_BODIES["sms"])
    assert admin.delete(f"/inboxes/{created['id']}").get_json() == DELETED
    assert admin.get(f"/inboxes/{created['id']}").status_code == 404


# ----------------------------------------------------------------------------------------------- avatar


def fetch_avatar(client: ApiClient, url: str):
    assert url
    return client.get(urlparse(url).path, absolute=True)


def test_avatar_upload_and_delete(admin):
    for filename, content_type, data in IMAGES:
        response = admin.post("/inboxes", content_type="multipart/form-data", data={
            "name": f"With {filename}", "channel[type]": "api", "greeting_enabled": "true",
            "avatar": (io.BytesIO(data), filename, content_type)})
        assert response.status_code == 200, filename
        body = response.get_json()
        assert body["greeting_enabled"] is True  # form text cast the Rails way (§5.1)
        image = fetch_avatar(admin, body["avatar_url"])
        assert image.status_code == 200
        assert (image.data, image.mimetype) == (data, content_type)
        assert admin.get(f"/inboxes/{body['id']}").get_json()["avatar_url"] == body["avatar_url"]
    # Update inbox 1's avatar through PATCH and PUT.
    for method, (filename, content_type, data) in zip(["PATCH", "PUT"], [IMAGES[0], IMAGES[2]], strict=True):
        response = admin.request(method, "/inboxes/1", content_type="multipart/form-data", data={
            "name": "Website Chat", "avatar": (io.BytesIO(data), filename, content_type)})
        assert response.status_code == 200
        image = fetch_avatar(admin, response.get_json()["avatar_url"])
        assert (image.data, image.mimetype) == (data, content_type)
    # §2.5: DELETE avatar is 200 with an empty body, with or without an avatar.
    for _ in range(2):
        response = admin.delete("/inboxes/1/avatar")
        assert (response.status_code, response.data) == (200, b"")
        assert admin.get("/inboxes/1").get_json()["avatar_url"] == ""


def test_avatar_of_wrong_type_is_422(shared):
    before = inbox_list(shared)
    response = shared.post("/inboxes", content_type="multipart/form-data", data={
        "name": "Text avatar", "channel[type]": "api", "avatar": (io.BytesIO(b"hello"), "a.txt", "text/plain")})
    assert response.status_code == 422  # §2.4: image/jpeg, image/png or image/gif only
    assert response.get_json()["attributes"] == ["avatar"]
    response = shared.patch("/inboxes/1", content_type="multipart/form-data", data={
        "avatar": (io.BytesIO(b"hello"), "a.txt", "text/plain")})
    assert response.status_code == 422
    assert response.get_json()["attributes"] == ["avatar"]
    assert inbox_list(shared) == before
