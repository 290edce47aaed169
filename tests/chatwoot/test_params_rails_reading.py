"""Form fields read as Rails reads them, attribute by attribute, and the permitted parameters of an
inbox (digest §2.2, §5.1). Written to kill the survivors of `make mutation` in chatwoot/params: each
expected value is the digest's, listed here, never computed from the model's own tables."""

from __future__ import annotations

import pytest

from mockserver.chatwoot import params as rails_params

# §2.2 inbox_attributes that are boolean columns (§5.1 "Column defaults"), sent as top-level fields.
INBOX_BOOLEANS = ("greeting_enabled", "enable_email_collect", "csat_survey_enabled", "enable_auto_assignment",
                  "working_hours_enabled", "allow_messages_after_resolved", "lock_to_single_conversation")
# §2.2 EDITABLE_ATTRS that are boolean columns, per channel type, sent as channel[...] fields.
CHANNEL_BOOLEANS = {
    "web_widget": ("pre_chat_form_enabled", "continuity_via_email", "hmac_mandatory"),
    "api": ("hmac_mandatory",),
    "email": ("imap_enabled", "imap_enable_ssl", "smtp_enabled", "smtp_enable_starttls_auto",
              "smtp_enable_ssl_tls", "verified_for_sending"),
}
# Integer columns: the inbox's portal_id, the e-mail channel's ports.
INBOX_INTEGERS = ("portal_id",)
CHANNEL_INTEGERS = {"email": ("imap_port", "smtp_port")}

CHANNEL_BOOLEAN_CASES = [(kind, name) for kind, names in CHANNEL_BOOLEANS.items() for name in names]
CHANNEL_INTEGER_CASES = [(kind, name) for kind, names in CHANNEL_INTEGERS.items() for name in names]


@pytest.mark.parametrize("attribute", INBOX_BOOLEANS)
def test_every_inbox_boolean_form_field_is_read_as_a_boolean(attribute):
    assert rails_params.nest([(attribute, "false")]) == {attribute: False}
    assert rails_params.nest([(attribute, "off")]) == {attribute: False}
    assert rails_params.nest([(attribute, "1")]) == {attribute: True}
    assert rails_params.nest([(attribute, "")]) == {attribute: None}


@pytest.mark.parametrize(("kind", "attribute"), CHANNEL_BOOLEAN_CASES)
def test_every_channel_boolean_form_field_is_read_as_a_boolean(kind, attribute):
    fields = [("channel[type]", kind), (f"channel[{attribute}]", "f"), (f"channel[{attribute}2]", "f")]
    # The attribute is cast; a name that is no column of any channel (attribute + "2") stays text.
    assert rails_params.nest(fields) == {"channel": {"type": kind, attribute: False, f"{attribute}2": "f"}}
    assert rails_params.nest([(f"channel[{attribute}]", "true")]) == {"channel": {attribute: True}}


@pytest.mark.parametrize("attribute", INBOX_INTEGERS)
def test_every_inbox_integer_form_field_is_read_as_an_integer(attribute):
    assert rails_params.nest([(attribute, "7")]) == {attribute: 7}
    assert rails_params.nest([(attribute, "-3")]) == {attribute: -3}
    assert rails_params.nest([(attribute, "")]) == {attribute: None}


@pytest.mark.parametrize(("kind", "attribute"), CHANNEL_INTEGER_CASES)
def test_every_channel_integer_form_field_is_read_as_an_integer(kind, attribute):
    assert rails_params.nest([("channel[type]", kind), (f"channel[{attribute}]", "993")]) == {
        "channel": {"type": kind, attribute: 993}}
    assert rails_params.nest([(f"channel[{attribute}]", "")]) == {"channel": {attribute: None}}


@pytest.mark.parametrize(("field", "value"), [
    ("name", "0"), ("greeting_message", "false"), ("timezone", "1"), ("channel[phone_number]", "15550001"),
    ("channel[website_url]", "off"), ("channel[webhook_url]", ""),
])
def test_text_columns_keep_the_string_sent(field, value):
    nested = rails_params.nest([(field, value)])
    leaf = nested["channel"] if field.startswith("channel[") else nested
    assert list(leaf.values()) == [value]


def test_top_level_empty_brackets_make_a_list():
    # `x[]=a&x[]=b` -> {"x": ["a", "b"]}, at the top level as well as nested.
    assert rails_params.nest([("user_ids[]", "1"), ("user_ids[]", "2")], typed=False) == {"user_ids": ["1", "2"]}
    # Typed (the docs profile's form reading): the documented integer ids become integers.
    assert rails_params.nest([("user_ids[]", "1"), ("user_ids[]", "2")]) == {"user_ids": [1, 2]}
    assert rails_params.nest([("tags[]", "")]) == {"tags": [""]}


def test_csat_template_keeps_its_permitted_keys_only():
    # §2.2: template is an object with scalar name, template_id, friendly_name, content_sid, approval_sid,
    # created_at, language and status; anything else is dropped.
    template = {"name": "csat", "template_id": "t1", "friendly_name": "CSAT", "content_sid": "HX1",
                "approval_sid": "AP1", "created_at": "2026-01-01", "language": "en", "status": "approved"}
    config = {"display_type": "star", "template": {**template, "colour": "red", "body": "x"}, "other": 1}
    assert rails_params.permit_csat_config(config) == {"display_type": "star", "template": template}
    assert rails_params.permitted_inbox_params({"csat_config": config}) == {
        "csat_config": {"display_type": "star", "template": template}}
    # A template that is no object is dropped, as Rails' permit drops a scalar where it expects a hash.
    assert rails_params.permit_csat_config({"template": "csat"}) == {}


def test_permitted_params_share_nothing_with_the_request():
    # What the store keeps must not change when the caller (an in-process test, the pytest plugin)
    # later changes the dict it sent.
    request = {"name": "Inbox", "csat_config": {"survey_rules": {"operator": "contains", "values": ["vip"]}},
               "auto_assignment_config": {"max_assignment_limit": 3}, "business_name": "Acme"}
    permitted = rails_params.permitted_inbox_params(request, with_name=True)
    request["csat_config"]["survey_rules"]["values"].append("changed")
    request["csat_config"]["survey_rules"]["operator"] = "changed"
    request["auto_assignment_config"]["max_assignment_limit"] = 99
    assert permitted == {"name": "Inbox", "business_name": "Acme",
                         "csat_config": {"survey_rules": {"operator": "contains", "values": ["vip"]}},
                         "auto_assignment_config": {"max_assignment_limit": 3}}
