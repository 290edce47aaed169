"""`chatwoot.channels`: what a new channel gets generated (digest §2.3, §5.3), the model validations
that need no other record, and the documents' spellings. Expected values are the digest's; written to
kill the survivors of `make mutation` in chatwoot/channels."""

from __future__ import annotations

import re

import pytest

from mockserver import Profile
from mockserver.chatwoot import channels
from mockserver.chatwoot.channels import KINDS

BASE58 = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{24}$")  # has_secure_token: 24 base58 characters
DOMAIN = "inbound.test"
GENERATED = ("hmac_token", "website_token", "identifier", "forward_to_email", "bot_name")


def new(key: str, params: dict | None = None, profile: Profile = Profile.CHATWOOT) -> dict:
    return channels.new_channel_attributes(KINDS[key], params or {}, inbound_email_domain=DOMAIN, profile=profile)


def test_a_secure_token_is_24_base58_characters():
    tokens = {channels.secure_token() for _ in range(20)}
    assert len(tokens) == 20
    assert all(BASE58.match(token) for token in tokens), tokens
    # Every character is drawn: no position is the same in all 20 (odds 58**-19 a position).
    assert all(len({token[i] for token in tokens}) > 1 for i in range(24)), tokens


@pytest.mark.parametrize(("key", "generated"), [
    # §2.3 / §5.3 "Generated fields".
    ("web_widget", {"hmac_token", "website_token"}),
    ("api", {"hmac_token", "identifier"}),
    ("email", {"forward_to_email"}),
    ("telegram", {"bot_name"}),
    ("line", set()),
    ("whatsapp", set()),
    ("sms", set()),
])
def test_each_channel_type_gets_its_generated_values_and_no_other(key, generated):
    params = {"bot_token": "123456:ABC"} if key == "telegram" else {}
    attrs = new(key, params)
    assert {name for name in GENERATED if name in attrs} == generated
    for name in generated & {"hmac_token", "website_token", "identifier"}:
        assert BASE58.match(attrs[name]), (name, attrs[name])


def test_the_forward_to_email_is_32_hex_digits_at_the_inbound_domain():
    address = new("email", {"email": "help@acme.test"})["forward_to_email"]
    assert re.fullmatch(r"[0-9a-f]{32}@inbound\.test", address), address


def test_values_a_state_document_gives_are_kept():
    given = {"hmac_token": "h" * 24, "website_token": "w" * 24, "identifier": "i" * 24,
             "forward_to_email": "kept@x.test", "bot_name": "kept_bot"}
    for key in ("web_widget", "api", "email", "telegram"):
        attrs = dict(given)
        channels.fill_generated(KINDS[key], attrs, DOMAIN)
        assert attrs == given, key


@pytest.mark.parametrize(("token", "name"), [
    ("123456:ABC-def", "mock_bot_123456"),
    ("12:ab:cd", "mock_bot_12"),  # the bot id is what comes before the first colon
    (":abc", "mock_bot_"),
    ("no-colon", None),
    (None, None),
    (123, None),
])
def test_a_telegram_bot_is_named_after_its_token(token, name):
    assert channels.stub_telegram_bot_name(token) == name
    assert new("telegram", {"bot_token": token})["bot_name"] == name


def test_new_channels_share_no_default_with_each_other():
    first = new("api")
    first["additional_attributes"]["x"] = 1
    assert new("api")["additional_attributes"] == {}
    widget = new("web_widget")
    widget["selected_feature_flags"].append("use_inbox_avatar_for_bot")
    assert new("web_widget")["selected_feature_flags"] == ["attachments", "emoji_picker", "end_conversation"]


def test_permitted_channel_params_share_nothing_with_the_request():
    sent = {"provider_config": {"api_key": "k", "nested": {"a": 1}}, "phone_number": "+15550001"}
    permitted = channels.permitted_channel_params(KINDS["whatsapp"], sent, Profile.CHATWOOT)
    sent["provider_config"]["nested"]["a"] = 2
    assert permitted == {"provider_config": {"api_key": "k", "nested": {"a": 1}}, "phone_number": "+15550001"}


def test_the_documents_sms_with_an_auth_token_alone_is_twilio():
    kind = channels.resolve_creation_kind({"type": "sms", "auth_token": "t"}, Profile.DOCS)
    assert kind.class_name == "Channel::TwilioSms"


def test_the_documents_whatsapp_api_key_joins_the_provider_config_sent():
    params = {"api_key": "k", "provider_config": {"phone_number_id": "1"}}
    permitted = channels.permitted_channel_params(KINDS["whatsapp"], params, Profile.DOCS)
    assert permitted == {"provider_config": {"phone_number_id": "1", "api_key": "k"}}
    # A provider_config that already names a key keeps its own.
    params = {"api_key": "k", "provider_config": {"api_key": "own"}}
    assert channels.permitted_channel_params(KINDS["whatsapp"], params, Profile.DOCS) == {
        "provider_config": {"api_key": "own"}}


def fields(problems):
    return [(p.attribute, p.message) for p in problems]


def test_presence_problems_name_each_blank_attribute():
    # §2.3 "Line channel can't be blank", etc.; the model's declaration order.
    assert fields(channels.presence_problems(KINDS["line"], {"line_channel_secret": " "})) == [
        ("line_channel_id", "Line channel can't be blank"),
        ("line_channel_secret", "Line channel secret can't be blank"),
        ("line_channel_token", "Line channel token can't be blank")]


def test_presence_then_inclusion():
    # §2.3 whatsapp: "Provider is not included in the list".
    assert fields(channels.presence_problems(KINDS["whatsapp"], {"provider": "twilio"})) == [
        ("phone_number", "Phone number can't be blank"), ("provider", "Provider is not included in the list")]
    assert channels.presence_problems(KINDS["whatsapp"], {"provider": "whatsapp_cloud", "phone_number": "+1"}) == []


def test_an_api_channels_webhook_url_is_at_most_2048_characters():
    # §5.3: validates :webhook_url, length: { maximum: Limits::URL_LENGTH_LIMIT }.
    assert channels.presence_problems(KINDS["api"], {"webhook_url": "h" * 2048}) == []
    assert fields(channels.presence_problems(KINDS["api"], {"webhook_url": "h" * 2049})) == [
        ("webhook_url", "Webhook url is too long (maximum is 2048 characters)")]


def test_a_telegram_token_getme_would_refuse_is_an_invalid_token_on_create():
    # §2.3: getMe fails -> "Bot token invalid token".
    token = "123456:" + "A" * 35
    assert channels.creation_problems(KINDS["telegram"], {"bot_token": token}) == []
    assert fields(channels.creation_problems(KINDS["telegram"], {"bot_token": "123456-no-secret"})) == [
        ("bot_token", "Bot token invalid token")]


def test_unknown_feature_flags_are_kept_once_after_the_known():
    assert channels.selected_feature_flags(["x", "emoji_picker", "x", "y", "attachments"]) == [
        "attachments", "emoji_picker", "x", "y"]


def test_a_whatsapp_cloud_channel_gets_a_webhook_verify_token_and_keeps_its_own():
    # §2.3: for whatsapp_cloud, provider_config['webhook_verify_token'] is generated.
    attrs = {"provider": "whatsapp_cloud", "provider_config": {"api_key": "k"}}
    channels.normalise(KINDS["whatsapp"], attrs)
    assert re.fullmatch(r"[0-9a-f]{16}", attrs["provider_config"]["webhook_verify_token"])
    own = {"provider": "whatsapp_cloud", "provider_config": {"webhook_verify_token": "mine"}}
    channels.normalise(KINDS["whatsapp"], own)
    assert own["provider_config"] == {"webhook_verify_token": "mine"}
    default = {"provider": "default", "provider_config": {"api_key": "k"}}
    channels.normalise(KINDS["whatsapp"], default)
    assert default["provider_config"] == {"api_key": "k"}


DEFAULT_PRE_CHAT = {  # §4.3
    "pre_chat_message": "Share your queries or comments here.",
    "pre_chat_fields": [
        {"field_type": "standard", "label": "Email Id", "name": "emailAddress", "type": "email", "required": True,
         "enabled": False},
        {"field_type": "standard", "label": "Full name", "name": "fullName", "type": "text", "required": False,
         "enabled": False},
        {"field_type": "standard", "label": "Phone number", "name": "phoneNumber", "type": "text",
         "required": False, "enabled": False},
    ],
}


@pytest.mark.parametrize("options", [None, {}, {"pre_chat_message": "Hi"}, {"pre_chat_message": "Hi",
                                                                            "pre_chat_fields": []}, "text"])
def test_pre_chat_options_without_fields_are_reset_message_and_all(options):
    attrs = {"pre_chat_form_options": options}
    channels.normalise(KINDS["web_widget"], attrs)
    assert attrs["pre_chat_form_options"] == DEFAULT_PRE_CHAT


def test_pre_chat_options_with_fields_are_kept():
    options = {"pre_chat_message": "Hi", "pre_chat_fields": [{"name": "order", "type": "text"}]}
    attrs = {"pre_chat_form_options": options}
    channels.normalise(KINDS["web_widget"], attrs)
    assert attrs["pre_chat_form_options"] == {"pre_chat_message": "Hi",
                                              "pre_chat_fields": [{"name": "order", "type": "text"}]}


def test_the_default_pre_chat_options_are_a_fresh_copy_each_time():
    attrs = {"pre_chat_form_options": None}
    channels.normalise(KINDS["web_widget"], attrs)
    attrs["pre_chat_form_options"]["pre_chat_fields"][0]["enabled"] = True
    again = {"pre_chat_form_options": None}
    channels.normalise(KINDS["web_widget"], again)
    assert again["pre_chat_form_options"] == DEFAULT_PRE_CHAT
