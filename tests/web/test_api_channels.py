"""The docs page's channel spellings (seed "Channel Types" and the e-mail example).

The docs profile honours them (`imap_email`/`smtp_email`, a top-level `api_key` for WhatsApp, Twilio's
`account_sid`/`auth_token` for SMS); the chatwoot profile accepts the same requests and ignores those keys,
as Chatwoot's permitted parameters drop them (digest §2.2).
"""

from __future__ import annotations

import pytest
from conftest import ApiClient

# The seed's e-mail example, with a real address in place of the page's "[email protected]".
EMAIL_BODY = {
    "name": "Support Email",
    "channel": {
        "type": "email", "email": "help@example.com",
        "imap_enabled": True, "imap_address": "imap.gmail.com", "imap_port": 993,
        "imap_email": "help@example.com", "imap_password": "app_password",
        "smtp_enabled": True, "smtp_address": "smtp.gmail.com", "smtp_port": 587,
        "smtp_email": "help@example.com", "smtp_password": "app_password",
    },
}
# The seed's WhatsApp parameters: phone_number, provider, api_key.
WHATSAPP_BODY = {"name": "WhatsApp", "channel": {"type": "whatsapp", "phone_number": "+15550123456",
                                                 "provider": "whatsapp_cloud", "api_key": "EAAG-documented-key"}}
# The seed's SMS parameters ("SMS messaging via Twilio"): phone_number, account_sid, auth_token.
SMS_BODY = {"name": "Twilio SMS", "channel": {"type": "sms", "phone_number": "+15550154321",
                                              "account_sid": "AC0123456789abcdef0123456789abcdef",
                                              "auth_token": "twilio-auth-token"}}


def create(client: ApiClient, body: dict) -> dict:
    response = client.post("/inboxes", json=body)
    assert response.status_code == 200, response.get_json()
    created = response.get_json()
    assert client.get(f"/inboxes/{created['id']}").get_json() == created
    return created


def test_docs_email_login_spellings(docs_admin):
    body = create(docs_admin, EMAIL_BODY)
    assert body["channel_type"] == "Channel::Email"
    assert (body["imap_login"], body["smtp_login"]) == ("help@example.com", "help@example.com")
    assert (body["imap_password"], body["smtp_password"]) == ("app_password", "app_password")
    assert (body["imap_address"], body["imap_port"], body["smtp_port"]) == ("imap.gmail.com", 993, 587)
    assert "imap_email" not in body and "smtp_email" not in body


def test_docs_whatsapp_api_key(docs_admin):
    body = create(docs_admin, WHATSAPP_BODY)
    assert body["channel_type"] == "Channel::Whatsapp"
    assert body["provider_config"]["api_key"] == "EAAG-documented-key"
    assert "api_key" not in body


def test_docs_sms_with_twilio_credentials(docs_admin):
    body = create(docs_admin, SMS_BODY)
    # Digest §4.2: a Twilio inbox is Channel::TwilioSms with medium, admin-only credentials, Twilio callback.
    assert body["channel_type"] == "Channel::TwilioSms"
    assert body["medium"] == "sms"
    assert body["account_sid"] == "AC0123456789abcdef0123456789abcdef"
    assert body["auth_token"] == "twilio-auth-token"
    assert body["phone_number"] == "+15550154321"
    assert body["callback_webhook_url"].endswith("/twilio/callback")
    assert body["messaging_service_sid"] is None
    # §4.2 rows 45: `auth_token` and `account_sid` are for administrators only.
    assert docs_admin.post("/inbox_members", json={"inbox_id": body["id"], "user_ids": [2]}).status_code == 200
    seen = docs_admin.as_("demo-agent-token").get(f"/inboxes/{body['id']}").get_json()
    assert seen["channel_type"] == "Channel::TwilioSms" and seen["medium"] == "sms"
    assert "account_sid" not in seen and "auth_token" not in seen


@pytest.mark.parametrize("blank", ["", " "])
@pytest.mark.parametrize("field", ["account_sid", "auth_token"])
def test_blank_twilio_credentials_are_refused_by_the_spec(admin, field, blank):
    # Found by the contract suite: the spec took a blank `account_sid`, which the Twilio model then
    # refused (422 `Account sid can't be blank`), so a schema-valid request was rejected. The spec now
    # refuses blanks itself, naming the field, in both profiles; nothing is created.
    before = admin.get("/inboxes").get_json()["payload"]
    body = {**SMS_BODY, "channel": {**SMS_BODY["channel"], field: blank}}
    response = admin.post("/inboxes", json=body)
    assert response.status_code == 422
    assert response.get_json()["attributes"] == [field]
    assert "can't be blank" in response.get_json()["message"]
    assert admin.get("/inboxes").get_json()["payload"] == before


def test_chatwoot_ignores_documented_spellings(chatwoot_admin):
    email = create(chatwoot_admin, EMAIL_BODY)
    # §2.2: `imap_email`/`smtp_email` are not EDITABLE_ATTRS; logins keep their "" default (§4.2 row 51).
    assert (email["imap_login"], email["smtp_login"]) == ("", "")
    assert (email["imap_password"], email["imap_address"], email["imap_port"]) == ("app_password",
                                                                                   "imap.gmail.com", 993)
    whatsapp = create(chatwoot_admin, WHATSAPP_BODY)
    assert whatsapp["channel_type"] == "Channel::Whatsapp"
    assert "api_key" not in whatsapp["provider_config"]
    sms = create(chatwoot_admin, SMS_BODY)
    # §2.2: `sms` is Channel::Sms; account_sid/auth_token are not among its attributes.
    assert sms["channel_type"] == "Channel::Sms"
    assert sms["provider"] == "default"
    assert not {"account_sid", "auth_token", "medium"} & set(sms)
    assert sms["callback_webhook_url"].endswith("/webhooks/sms/15550154321")
