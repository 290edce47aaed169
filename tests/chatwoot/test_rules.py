"""The record rules that need no other record (`chatwoot.rules`) and parameter permitting
(`chatwoot.params`): CSAT formatting, working hours, the Inbox and avatar validations.

Expected values come from the behaviour digest (cited as §N).
"""

from __future__ import annotations

import copy

import pytest

from mockserver.chatwoot.models import Avatar, default_working_hours
from mockserver.chatwoot.params import permitted_inbox_params
from mockserver.chatwoot.rules import (
    AVATAR_MAX_BYTES,
    avatar_problems,
    format_csat_config,
    inbox_problems,
    update_working_hours,
)

# ----------------------------------------------------------------------------------------------- format_csat_config

CSAT_DEFAULTS = {"display_type": "emoji", "message": "", "survey_rules": {"operator": "contains", "values": []},
                 "button_text": "Please rate us", "language": "en"}  # §2.4 table


def test_format_csat_config_defaults():
    assert format_csat_config({}) == CSAT_DEFAULTS
    assert list(format_csat_config({})) == ["display_type", "message", "survey_rules", "button_text", "language"]
    # §2.4: missing, null or false take the default ...
    nulls = {"display_type": None, "message": False, "button_text": None, "language": False,
             "survey_rules": {"operator": None, "values": None}}
    assert format_csat_config(nulls) == CSAT_DEFAULTS
    # ... anything else, an empty string too, is kept (Ruby's `||`).
    assert format_csat_config({"message": "", "button_text": ""})["button_text"] == ""


def test_format_csat_config_keeps_sent_values_and_drops_other_keys():
    sent = {"display_type": "star", "message": "Rate us", "button_text": "Go", "language": "fr",
            "survey_rules": {"operator": "does_not_contain", "values": ["vip"], "extra": 1}, "colour": "red"}
    assert format_csat_config(sent) == {
        "display_type": "star", "message": "Rate us", "survey_rules": {"operator": "does_not_contain",
                                                                       "values": ["vip"]},
        "button_text": "Go", "language": "fr"}


def test_format_csat_config_template_only_when_present():
    template = {"name": "csat", "template_id": "7", "status": "APPROVED"}
    formatted = format_csat_config({"template": template})
    assert formatted == {**CSAT_DEFAULTS, "template": template}
    assert list(formatted)[-1] == "template"  # added last
    for blank_template in (None, {}, ""):  # §2.4: only when present (not blank)
        assert "template" not in format_csat_config({"template": blank_template})


# ----------------------------------------------------------------------------------------------- working hours

CLOSED = {"closed_all_day": True, "open_hour": None, "open_minutes": None, "close_hour": None,
          "close_minutes": None, "open_all_day": False}
NINE_TO_FIVE = {"closed_all_day": False, "open_hour": 9, "open_minutes": 0, "close_hour": 17, "close_minutes": 0,
                "open_all_day": False}
DEFAULT_HOURS = [{"day_of_week": d, **(CLOSED if d in (0, 6) else NINE_TO_FIVE)} for d in range(7)]  # §4.3


def test_default_working_hours():
    assert default_working_hours() == DEFAULT_HOURS


def test_update_working_hours_changes_only_the_listed_keys():
    hours = default_working_hours()
    update_working_hours(hours, [
        {"day_of_week": 1, "close_hour": 18, "close_minutes": 30},
        {"day_of_week": 0, "open_hour": 9},  # closed: validations skipped, the key is stored (§2.4)
        {"day_of_week": 6, "closed_all_day": False, "open_hour": 10, "open_minutes": 0, "close_hour": 14,
         "close_minutes": 0},
        {"day_of_week": 5, "open_all_day": True},  # §5.2 ensure_open_all_day_hours
    ])
    expected = copy.deepcopy(DEFAULT_HOURS)
    expected[1].update(close_hour=18, close_minutes=30)
    expected[0]["open_hour"] = 9
    expected[6].update(closed_all_day=False, open_hour=10, open_minutes=0, close_hour=14, close_minutes=0)
    expected[5].update(open_all_day=True, open_hour=0, open_minutes=0, close_hour=23, close_minutes=59)
    assert hours == expected


@pytest.mark.parametrize("change", [
    {"day_of_week": 2, "open_all_day": True, "closed_all_day": True},  # §5.2 both flags
    {"day_of_week": 2, "open_hour": 17},  # opening at the closing time (§5.2: at or after)
    {"day_of_week": 2, "open_hour": 18},  # opening after closing
    {"day_of_week": 2, "close_minutes": 60},  # minutes in 0..59
    {"day_of_week": 2, "open_hour": 24},  # hours in 0..23
    {"day_of_week": 0, "closed_all_day": False},  # open, but no hours
], ids=["both_flags", "open_equals_close", "open_after_close", "minutes_60", "hour_24", "no_hours"])
def test_update_working_hours_leaves_an_invalid_row_unchanged(change):
    hours = default_working_hours()
    update_working_hours(hours, [change, {"day_of_week": 3, "open_hour": 8}])
    expected = copy.deepcopy(DEFAULT_HOURS)
    expected[3]["open_hour"] = 8  # the valid row of the same call is still applied
    assert hours == expected


# ----------------------------------------------------------------------------------------------- validations


def fields(problems):
    return [(p.attribute, p.message) for p in problems]


def test_inbox_problems_in_declaration_order_and_only_for_what_changes():
    values = {"name": " ", "timezone": "Mars/Olympus", "greeting_message": "x" * 10_001,
              "sender_name_type": None, "auto_assignment_config": {"max_assignment_limit": 0}}
    assert fields(inbox_problems(values)) == [
        ("name", "Name can't be blank"),
        ("timezone", "Timezone is not included in the list"),
        ("greeting_message", "Greeting message is too long (maximum is 10000 characters)"),
        ("lock_to_single_conversation", "Lock to single conversation can't be blank"),
        ("allow_messages_after_resolved", "Allow messages after resolved can't be blank"),
        ("sender_name_type", "Sender name type can't be blank"),
        ("auto_assignment_config", "Auto assignment config max_assignment_limit must be greater than 0"),
    ]
    assert fields(inbox_problems(values, only=["timezone"])) == [("timezone", "Timezone is not included in the list")]


def test_avatar_problems():
    assert avatar_problems(None) == []
    assert avatar_problems(Avatar("k", "a.png", "image/png", b"png")) == []
    too_big = Avatar("k", "a.svg", "image/svg+xml", b"x" * (AVATAR_MAX_BYTES + 1))
    assert fields(avatar_problems(too_big)) == [("avatar", "Avatar filetype not supported"),
                                                ("avatar", "Avatar size is too big")]


def test_permitted_inbox_params_drops_what_chatwoot_does_not_permit():
    sent = {"name": "n", "timezone": "UTC", "channel": {"type": "api"}, "id": 9,
            "csat_config": {"message": "m", "colour": "red", "survey_rules": {"operator": "contains", "x": 1}},
            "auto_assignment_config": {"max_assignment_limit": 2, "other": True}}
    assert permitted_inbox_params(sent) == {
        "timezone": "UTC", "csat_config": {"message": "m", "survey_rules": {"operator": "contains"}},
        "auto_assignment_config": {"max_assignment_limit": 2}}
    assert permitted_inbox_params(sent, with_name=True)["name"] == "n"
    assert permitted_inbox_params({"auto_assignment_config": {"other": 1}}) == {"auto_assignment_config": {}}
