"""The hooks that make positive data valid for the state keep it valid for the spec too."""

from __future__ import annotations

import re

from contract_tests.harness import _DemoIds, _make_unique
from mockserver import resources

SCHEMAS = resources.load_spec()["components"]["schemas"]


def test_unique_values_get_a_marker_and_keep_their_patterns():
    body = {"channel": {"type": "telegram", "bot_token": "12345:" + "a" * 30, "phone_number": "+1",
                        "email": "a@b.example", "line_channel_id": "x"}}
    _make_unique(body, 7)
    channel = body["channel"]
    assert re.search(SCHEMAS["TelegramChannelFields"]["properties"]["bot_token"]["pattern"], channel["bot_token"])
    assert channel["bot_token"] == "10007:" + "a" * 30
    assert channel["phone_number"] == "+1-u7"
    assert channel["email"] == "u7-a@b.example"
    assert channel["line_channel_id"] == "x-u7"


def test_form_fields_are_marked_and_blank_values_left_alone():
    body = {"channel[phone_number]": "5", "channel[email]": " "}
    _make_unique(body, 3)
    assert body == {"channel[phone_number]": "5-u3", "channel[email]": " "}


def test_user_ids_map_onto_existing_users_once_each():
    demo = _DemoIds.read()
    mapped = demo.existing_users([0, 3, 1000, -2, "x"])
    assert set(mapped) <= set(demo.user_ids)
    assert len(mapped) == len(set(mapped))
    assert demo.pick_inbox(123456) in demo.inbox_ids
