"""The inbox view's per-channel rows (`_inbox.json.jbuilder`, digest §4.2 rows 34 on) and its
callback URL, channel type by channel type: which keys, in which order, with which values, and which
of them only an administrator sees. Each channel holds values of its own (none a default) so that a
row showing another column, or a default, is told apart."""

from __future__ import annotations

import pytest

from mockserver.chatwoot import views
from mockserver.chatwoot.channels import KINDS
from mockserver.chatwoot.models import INBOX_DEFAULTS, Inbox, default_working_hours

FRONTEND = "https://chat.example.test"
URLS = views.Urls(FRONTEND)
ADMIN_ONLY = object()  # marks a row only administrators see

TEMPLATES = {"templates": [{"sid": "HX1", "friendly_name": "welcome"}]}
PRE_CHAT = {"pre_chat_message": "Hi", "pre_chat_fields": [{"name": "email", "required": True}]}
EXTRA = {"team": {"name": "north"}}
CONFIG = {"api_key": "whatsapp-key", "business_account_id": "1234"}
MESSAGE_TEMPLATES = [{"name": "hello", "status": "APPROVED"}]

#: channel type -> (the channel's columns, the view's rows after the `channel.try` ones, in order:
#: (key, value) or (key, value, ADMIN_ONLY)).
ROWS = {
    "web_widget": (
        {"website_token": "site-token", "hmac_token": "widget-hmac", "pre_chat_form_enabled": True,
         "pre_chat_form_options": PRE_CHAT, "continuity_via_email": False, "phone_number": "+15550000001",
         "provider": "not-shown", "messaging_service_sid": "not-shown"},
        [("hmac_token", "widget-hmac", ADMIN_ONLY), ("pre_chat_form_enabled", True),
         ("pre_chat_form_options", PRE_CHAT), ("continuity_via_email", False), ("messaging_service_sid", None),
         ("phone_number", None), ("provider", None)]),
    "twilio_sms": (
        {"messaging_service_sid": "MG0123", "phone_number": "+15550000002", "medium": "whatsapp",
         "content_templates": TEMPLATES, "auth_token": "twilio-secret", "account_sid": "AC0123",
         "provider": "not-shown"},
        [("messaging_service_sid", "MG0123"), ("phone_number", "+15550000002"), ("medium", "whatsapp"),
         ("content_templates", TEMPLATES), ("auth_token", "twilio-secret", ADMIN_ONLY),
         ("account_sid", "AC0123", ADMIN_ONLY), ("provider", None)]),
    "api": (
        {"hmac_token": "api-hmac", "webhook_url": "https://hooks.example.test/in", "identifier": "api-identifier",
         "additional_attributes": EXTRA, "phone_number": "+15550000003", "messaging_service_sid": "not-shown"},
        [("messaging_service_sid", None), ("phone_number", None), ("hmac_token", "api-hmac", ADMIN_ONLY),
         ("webhook_url", "https://hooks.example.test/in"), ("inbox_identifier", "api-identifier"),
         ("additional_attributes", EXTRA), ("provider", None)]),
    "telegram": (
        {"bot_name": "support_bot", "bot_token": "123:abc", "phone_number": "+15550000004", "provider": "not-shown"},
        [("messaging_service_sid", None), ("phone_number", None), ("provider", None), ("bot_name", "support_bot")]),
    "whatsapp": (
        {"phone_number": "+15550000005", "provider": "whatsapp_cloud", "provider_config": CONFIG,
         "message_templates": MESSAGE_TEMPLATES, "reauthorization_required": True,
         "messaging_service_sid": "not-shown"},
        [("messaging_service_sid", None), ("phone_number", "+15550000005"), ("provider", "whatsapp_cloud"),
         ("message_templates", MESSAGE_TEMPLATES), ("provider_config", CONFIG, ADMIN_ONLY),
         ("reauthorization_required", True)]),
    "sms": (
        {"phone_number": "+15550000006", "provider": "bandwidth", "provider_config": CONFIG, "medium": "not-shown"},
        [("messaging_service_sid", None), ("phone_number", "+15550000006"), ("provider", "bandwidth")]),
    "email": (
        {"email": "help@example.test", "forward_to_email": "f0@inbound.example.test", "imap_login": "in-login",
         "imap_password": "in-secret", "imap_address": "imap.example.test", "imap_port": 993, "imap_enabled": True,
         "imap_enable_ssl": False, "provider": "microsoft", "reauthorization_required": True,
         "smtp_login": "out-login", "smtp_password": "out-secret", "smtp_address": "smtp.example.test",
         "smtp_port": 587, "smtp_enabled": True, "smtp_domain": "example.test", "smtp_enable_ssl_tls": True,
         "smtp_enable_starttls_auto": False, "smtp_openssl_verify_mode": "peer", "smtp_authentication": "plain",
         "phone_number": "+15550000008", "messaging_service_sid": "not-shown"},
        [("messaging_service_sid", None), ("phone_number", None), ("email", "help@example.test"),
         ("forwarding_enabled", True), ("forward_to_email", "f0@inbound.example.test"),
         *((key, value, ADMIN_ONLY) for key, value in (
             ("imap_login", "in-login"), ("imap_password", "in-secret"), ("imap_address", "imap.example.test"),
             ("imap_port", 993), ("imap_enabled", True), ("imap_enable_ssl", False),
             ("reauthorization_required", True), ("smtp_login", "out-login"), ("smtp_password", "out-secret"),
             ("smtp_address", "smtp.example.test"), ("smtp_port", 587), ("smtp_enabled", True),
             ("smtp_domain", "example.test"), ("smtp_enable_ssl_tls", True), ("smtp_enable_starttls_auto", False),
             ("smtp_openssl_verify_mode", "peer"), ("smtp_authentication", "plain"))),
         ("provider", "microsoft")]),
    "line": (
        {"line_channel_id": "1657000009", "line_channel_secret": "line-secret", "line_channel_token": "line-token",
         "phone_number": "+15550000007", "provider": "not-shown"},
        [("messaging_service_sid", None), ("phone_number", None), ("provider", None)]),
}

#: channel type -> its callback_webhook_url (digest §4.2 row 17): FRONTEND_URL and a per-type path.
CALLBACKS = {
    "twilio_sms": f"{FRONTEND}/twilio/callback",
    "sms": f"{FRONTEND}/webhooks/sms/15550000006",  # the number without its "+"
    "line": f"{FRONTEND}/webhooks/line/1657000009",
    "whatsapp": f"{FRONTEND}/webhooks/whatsapp/+15550000005",  # the number as stored
    "web_widget": None, "api": None, "telegram": None, "email": None,
}


def inbox(kind: str, channel: dict) -> Inbox:
    return Inbox(id=9, account_id=1, name=f"A {kind} inbox", kind=KINDS[kind], channel_id=3, channel=dict(channel),
                 attributes=dict(INBOX_DEFAULTS), working_hours=default_working_hours(),
                 created_at="2025-01-01T00:00:00Z")


def channel_rows(body: dict) -> list[tuple]:
    """The rows after `reply_time`, the last of the `channel.try` ones."""
    keys = list(body)
    return [(key, body[key]) for key in keys[keys.index("reply_time") + 1:]]


@pytest.mark.parametrize("admin", [True, False], ids=["administrator", "agent"])
@pytest.mark.parametrize("kind", list(ROWS))
def test_each_channel_types_rows_in_order_with_its_own_values(kind, admin):
    channel, rows = ROWS[kind]
    expected = [row[:2] for row in rows if admin or ADMIN_ONLY not in row]
    assert channel_rows(views.inbox_json(inbox(kind, channel), admin, URLS)) == expected


@pytest.mark.parametrize("kind", list(CALLBACKS))
def test_the_callback_url_is_the_frontend_url_and_the_channel_types_path(kind):
    channel = ROWS[kind][0]
    assert views.callback_webhook_url(inbox(kind, channel), FRONTEND) == CALLBACKS[kind]
    assert views.inbox_json(inbox(kind, channel), True, URLS)["callback_webhook_url"] == CALLBACKS[kind]


def test_an_sms_inbox_without_a_number_has_the_bare_callback_path():
    assert views.callback_webhook_url(inbox("sms", {"phone_number": None}), FRONTEND) == f"{FRONTEND}/webhooks/sms/"


#: The web widget's columns, each with a value of its own (none a default).
WIDGET_COLUMNS = {"allowed_domains": "example.test", "widget_color": "#000001", "website_url": "https://example.test",
                  "hmac_mandatory": True, "welcome_title": "Hello", "welcome_tagline": "We answer fast",
                  "website_token": "site-token", "selected_feature_flags": ["attachments"],
                  "reply_time": "in_a_day"}


@pytest.mark.parametrize("kind", [k for k in ROWS if k != "web_widget"])
def test_the_channel_try_rows_are_null_on_a_channel_type_without_those_columns(kind):
    # `channel.try(:x)` (digest §4.2 rows 24-33): null on a channel class without the attribute, even
    # when the record holds a value under that name (a channel dict given whole, as
    # ChatwootMock.add_inbox takes one); `hmac_mandatory` is also an API channel's column.
    body = views.inbox_json(inbox(kind, {**ROWS[kind][0], **WIDGET_COLUMNS}), True, URLS)
    expected = {key: None for key in WIDGET_COLUMNS} | {"web_widget_script": None}
    if kind == "api":
        expected["hmac_mandatory"] = True
    assert {key: body[key] for key in expected} == expected


def test_a_widget_inbox_script_loads_the_sdk_from_the_frontend_url_with_its_own_token():
    # `web_widget_script` (digest §4.2 row 30): BASE_URL is FRONTEND_URL, websiteToken the channel's.
    script = views.inbox_json(inbox("web_widget", ROWS["web_widget"][0]), False, URLS)["web_widget_script"]
    assert f'var BASE_URL="{FRONTEND}";' in script
    assert "websiteToken: 'site-token'," in script


def test_working_hour_rows_are_rendered_in_the_views_keys_and_order_with_null_for_a_missing_key():
    """A row as the mock makes it (the view's order) and one as a state document may give it
    (another order, a key missing, a key the view does not have) render alike: the view's keys."""
    made = {"day_of_week": 1, "closed_all_day": False, "open_hour": 9, "open_minutes": 0, "close_hour": 17,
            "close_minutes": 30, "open_all_day": False}
    given = {"open_all_day": True, "day_of_week": 2, "note": "not a column", "closed_all_day": False}
    record = inbox("api", {})
    record.working_hours = [made, given]
    rows = views.inbox_json(record, True, URLS)["working_hours"]
    assert [list(row.items()) for row in rows] == [
        [("day_of_week", 1), ("closed_all_day", False), ("open_hour", 9), ("open_minutes", 0), ("close_hour", 17),
         ("close_minutes", 30), ("open_all_day", False)],
        [("day_of_week", 2), ("closed_all_day", False), ("open_hour", None), ("open_minutes", None),
         ("close_hour", None), ("close_minutes", None), ("open_all_day", True)],
    ]
    assert rows[0] is not made  # a copy: the body never shares a row with the record


@pytest.mark.parametrize("admin", [True, False], ids=["administrator", "agent"])
@pytest.mark.parametrize("kind", list(ROWS))
def test_the_shared_view_is_the_same_body_and_only_the_copying_view_holds_copies(kind, admin):
    """`inbox_json_shared` (what the cache of rendered inboxes encodes) gives the body `inbox_json`
    gives, key for key in order; only `inbox_json`'s nested values and rows are copies."""
    record = inbox(kind, ROWS[kind][0])
    record.attributes["csat_config"] = {"display_type": "star"}
    record.working_hours = [*record.working_hours[:6], {"open_all_day": True, "day_of_week": 6}]  # one row out of order
    copying, shared = views.inbox_json(record, admin, URLS), views.inbox_json_shared(record, admin, URLS)
    assert list(shared.items()) == list(copying.items())
    assert [list(row.items()) for row in shared["working_hours"]] == [list(row.items())
                                                                        for row in copying["working_hours"]]
    nested = [key for key, value in copying.items() if isinstance(value, dict | list) and value]
    assert "csat_config" in nested and "working_hours" in nested
    assert all(copying[key] is not shared[key] for key in nested)
    assert copying["working_hours"][0] is not record.working_hours[0]
    assert shared["working_hours"][0] is record.working_hours[0]  # a row in the view's order, as it is
    assert shared["csat_config"] is record.attributes["csat_config"]
