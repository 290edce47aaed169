"""`mockserver.chatwoot.channels` (what each channel type permits) and `mockserver.chatwoot.params`
(form fields read the Rails way). Expected values come from the behaviour digest (cited as §N) and the docs page."""

from __future__ import annotations

import pytest

from mockserver import Profile
from mockserver.chatwoot import channels
from mockserver.chatwoot import params as rails_params

# §2.2: channel.type -> class.
CLASSES = {
    "web_widget": "Channel::WebWidget", "api": "Channel::Api", "email": "Channel::Email", "line": "Channel::Line",
    "telegram": "Channel::Telegram", "whatsapp": "Channel::Whatsapp", "sms": "Channel::Sms",
}
PROFILES = [Profile.DOCS, Profile.CHATWOOT]


# ----------------------------------------------------------------------------------------------- channels


@pytest.mark.parametrize(("attribute", "human"), [
    ("line_channel_id", "Line channel"),  # §2.3 "Line channel can't be blank"
    ("website_url", "Website url"),  # §2.3 "Website url can't be blank"
    ("email", "Email"),  # §2.3 "Email has already been taken"
    ("greeting_message", "Greeting message"),  # §5.1
    ("out_of_office_message", "Out of office message"),  # §5.1
    ("phone_number", "Phone number"),
])
def test_humanize(attribute, human):
    assert channels.humanize(attribute) == human


def test_blank():
    # Rails' blank?: nil, false, empty or whitespace-only strings, empty collections.
    for value in (None, False, "", "   ", "\n\t", "\u3000\x85\u00a0\u2028", [], {}, ()):
        assert channels.blank(value) is True, repr(value)
    # Ruby's [[:space:]] is Unicode's White_Space: the information separators are not in it (Python's
    # str.strip takes them), so Rails keeps a name of "\x1c" (a contract run's finding).
    for value in ("a", " a ", 0, 0.0, True, [None], {"a": None}, "false", "\x1c", " \x1f "):
        assert channels.blank(value) is False, repr(value)


@pytest.mark.parametrize("profile", PROFILES, ids=["docs", "chatwoot"])
def test_resolve_creation_kind(profile):
    for key, class_name in CLASSES.items():
        assert channels.resolve_creation_kind({"type": key}, profile).class_name == class_name
    # §2.3: any other type, or none, creates nothing. Twilio inboxes are made elsewhere (§1.2).
    for params in ({}, {"type": None}, {"type": ""}, {"type": "facebook"}, {"type": "twilio_sms"},
                   {"type": "Web_Widget"}, {"type": ["api"]}):
        assert channels.resolve_creation_kind(params, profile) is None, params


def test_resolve_creation_kind_sms_with_twilio_credentials():
    # Docs page: "SMS messaging via Twilio" with account_sid and auth_token -> Channel::TwilioSms (docs profile);
    # Chatwoot's `sms` is always Channel::Sms (§2.2).
    for params in ({"type": "sms", "account_sid": "AC1", "auth_token": "t"}, {"type": "sms", "account_sid": "AC1"}):
        assert channels.resolve_creation_kind(params, Profile.DOCS).class_name == "Channel::TwilioSms"
        assert channels.resolve_creation_kind(params, Profile.CHATWOOT).class_name == "Channel::Sms"
    assert channels.resolve_creation_kind({"type": "sms"}, Profile.DOCS).class_name == "Channel::Sms"


@pytest.mark.parametrize("profile", PROFILES, ids=["docs", "chatwoot"])
def test_permitted_channel_params_drops_unknown_keys(profile):
    kinds = channels.KINDS
    sent = {"type": "api", "webhook_url": "https://h.test", "hmac_mandatory": True, "additional_attributes": {"a": 1},
            "selected_feature_flags": [], "website_url": "https://w.test", "identifier": "x", "hmac_token": "y"}
    # §2.2 EDITABLE_ATTRS of Channel::Api; `type` and generated tokens are not editable.
    assert channels.permitted_channel_params(kinds["api"], sent, profile) == {
        "webhook_url": "https://h.test", "hmac_mandatory": True, "additional_attributes": {"a": 1}}
    assert channels.permitted_channel_params(kinds["telegram"], {"bot_token": "1:a", "bot_name": "n"}, profile) == {
        "bot_token": "1:a"}
    # §2.2: `provider` is not editable for sms.
    assert channels.permitted_channel_params(
        kinds["sms"], {"phone_number": "+1", "provider": "twilio", "provider_config": {}}, profile) == {
        "phone_number": "+1", "provider_config": {}}
    line = {"line_channel_id": "1", "line_channel_secret": "s", "line_channel_token": "t", "foo": "bar"}
    assert channels.permitted_channel_params(kinds["line"], line, profile) == {
        "line_channel_id": "1", "line_channel_secret": "s", "line_channel_token": "t"}
    # §2.2: Channel::TwilioSms edits account_sid and auth_token.
    twilio = {"account_sid": "AC1", "auth_token": "t", "medium": "whatsapp"}
    assert channels.permitted_channel_params(kinds["twilio_sms"], twilio, profile) == {
        "account_sid": "AC1", "auth_token": "t"}


def test_permitted_channel_params_documented_spellings():
    kinds = channels.KINDS
    email = {"email": "a@b.test", "imap_email": "imap@b.test", "smtp_email": "smtp@b.test"}
    assert channels.permitted_channel_params(kinds["email"], email, Profile.DOCS) == {
        "email": "a@b.test", "imap_login": "imap@b.test", "smtp_login": "smtp@b.test"}
    assert channels.permitted_channel_params(kinds["email"], email, Profile.CHATWOOT) == {"email": "a@b.test"}
    whatsapp = {"phone_number": "+1", "api_key": "k"}
    assert channels.permitted_channel_params(kinds["whatsapp"], whatsapp, Profile.DOCS) == {
        "phone_number": "+1", "provider_config": {"api_key": "k"}}
    assert channels.permitted_channel_params(kinds["whatsapp"], whatsapp, Profile.CHATWOOT) == {"phone_number": "+1"}


# ----------------------------------------------------------------------------------------------- forms


def test_nest():
    fields = [
        ("name", "Website"),
        ("channel[type]", "web_widget"),
        ("channel[website_url]", "https://w.test"),
        ("channel[selected_feature_flags][]", "attachments"),
        ("channel[selected_feature_flags][]", "emoji_picker"),
        ("csat_config[survey_rules][operator]", "contains"),
        ("csat_config[survey_rules][values][]", "vip"),
        ("greeting_enabled", "true"),
    ]
    assert rails_params.nest(fields) == {
        "name": "Website",
        "channel": {"type": "web_widget", "website_url": "https://w.test",
                    "selected_feature_flags": ["attachments", "emoji_picker"]},
        "csat_config": {"survey_rules": {"operator": "contains", "values": ["vip"]}},
        "greeting_enabled": True,
    }
    assert rails_params.nest([]) == {}


def test_nest_casts_nested_values_by_their_attribute():
    params = rails_params.nest([("channel[type]", "email"), ("channel[imap_port]", "993"),
                         ("channel[imap_enabled]", "1"), ("channel[smtp_enable_ssl_tls]", "false")])
    assert params == {"channel": {"type": "email", "imap_port": 993, "imap_enabled": True,
                                  "smtp_enable_ssl_tls": False}}


@pytest.mark.parametrize(("value", "expected"), [
    # §5.1: Rails booleans.
    ("true", True), ("1", True), ("t", True), ("on", True),
    ("false", False), ("0", False), ("f", False), ("off", False),
    ("", None),
])
def test_cast_boolean(value, expected):
    assert rails_params.cast("greeting_enabled", value) is expected
    assert rails_params.cast("hmac_mandatory", value) is expected  # a channel boolean


@pytest.mark.parametrize("value", ["yes", "no", "maybe"])
def test_cast_boolean_other_text_is_true(value):
    # §5.1: "any other non-false string" becomes true.
    assert rails_params.cast("working_hours_enabled", value) is True


def test_cast_integers_and_text():
    assert rails_params.cast("imap_port", "993") == 993
    assert rails_params.cast("portal_id", "12") == 12
    assert rails_params.cast("imap_port", "") is None
    assert rails_params.cast("name", "true") == "true"  # a text attribute stays text
    assert rails_params.cast("name", "42") == "42"
    assert rails_params.cast("timezone", "") == ""


def test_selected_feature_flags_read_back_as_chatwoots_bit_field():
    # Each flag once, in bit order, as flag_shih_tzu reads `feature_flags` back (digest §4.2 field 32).
    assert channels.selected_feature_flags(["end_conversation", "attachments", "attachments"]) == [
        "attachments", "end_conversation"]
    attrs = {"selected_feature_flags": ["emoji_picker", "emoji_picker"], "pre_chat_form_options": None}
    channels.normalise(channels.KINDS["web_widget"], attrs)
    assert attrs["selected_feature_flags"] == ["emoji_picker"]


def test_whatsapp_cloud_keeps_a_webhook_verify_token_through_updates():
    # `ensure_webhook_verify_token` runs before every validation, so a replaced provider_config gets one.
    attrs = {"provider": "whatsapp_cloud", "provider_config": {"api_key": "k"}}
    channels.normalise(channels.KINDS["whatsapp"], attrs)
    assert set(attrs["provider_config"]) == {"api_key", "webhook_verify_token"}


# ----------------------------------------------------------------- survivors of `make mutation` (params)
def test_a_key_that_is_not_rails_bracketed_is_kept_as_it_came():
    assert rails_params.nest([("weird]key", "v"), ("name", "Web")]) == {"weird]key": "v", "name": "Web"}


def test_only_a_top_level_null_string_means_null():
    # digest §2.2 (CW-1567): "null" at the top level is null; other text, and nested values, stay.
    assert rails_params.null_strings_to_none({"greeting_message": "null", "name": "nullable", "timezone": "UTC"}) == {
        "greeting_message": None, "name": "nullable", "timezone": "UTC"}


def test_csat_survey_rules_keep_their_operator_and_values_only():
    config = {"display_type": "emoji", "survey_rules": {"operator": "contains", "values": ["vip", "bug"], "x": 1},
              "template": {"colour": "red"}}
    assert rails_params.permit_csat_config(config)["survey_rules"] == {"operator": "contains", "values": ["vip", "bug"]}
    assert rails_params.permit_csat_config("not a mapping") == {}
