"""`chatwoot.rules` at its edges: the exact limits (avatar size, the mock's avatar memory, working-hour
ranges), an update that names only the name, the avatar's file name as ActiveStorage cleans it, and
the formatted CSAT config sharing nothing with the request. Expected values are the digest's (§N) or
the mock's own documented wording; written to kill the survivors of `make mutation` in chatwoot/rules."""

from __future__ import annotations

import pytest

from mockserver.chatwoot.models import Avatar, default_working_hours
from mockserver.chatwoot.rules import (
    avatar_memory_problems,
    avatar_problems,
    format_csat_config,
    inbox_problems,
    sanitized_filename,
    update_working_hours,
    working_hour_valid,
)

MB = 1024 * 1024
CSAT_DEFAULTS = {"display_type": "emoji", "message": "", "survey_rules": {"operator": "contains", "values": []},
                 "button_text": "Please rate us", "language": "en"}  # §2.4 table


def fields(problems):
    return [(p.attribute, p.message) for p in problems]


def test_an_update_of_the_name_alone_is_checked_for_blank():
    # PATCH {"name": ""}: only the attributes sent are validated, and the name is one of them (§5.1).
    assert fields(inbox_problems({"name": ""}, only=["name"])) == [("name", "Name can't be blank")]
    assert fields(inbox_problems({"name": "", "timezone": "Nowhere"}, only={"timezone"})) == [
        ("timezone", "Timezone is not included in the list")]


def test_an_update_checks_each_attribute_it_names():
    assert fields(inbox_problems({"sender_name_type": None}, only=["sender_name_type"])) == [
        ("sender_name_type", "Sender name type can't be blank")]
    assert fields(inbox_problems({"auto_assignment_config": {"max_assignment_limit": 0}},
                                 only=["auto_assignment_config"])) == [
        ("auto_assignment_config", "Auto assignment config max_assignment_limit must be greater than 0")]


@pytest.mark.parametrize(("config", "problem"), [
    # §5.1 [EE]: max_assignment_limit, when present, must be greater than 0.
    ({"max_assignment_limit": 1}, False),
    ({"max_assignment_limit": 0}, True),
    ({"max_assignment_limit": -1}, True),
    ({"max_assignment_limit": None}, False),
    ({}, False),
    (None, False),
])
def test_max_assignment_limit_from_1_up(config, problem):
    assert bool(inbox_problems({"auto_assignment_config": config}, only=["auto_assignment_config"])) is problem


def test_an_avatar_of_exactly_15_mb_is_accepted():
    # §2.4: "≤ 15 MB".
    assert avatar_problems(Avatar("k", "a.png", "image/png", bytes(15 * MB))) == []
    assert fields(avatar_problems(Avatar("k", "a.png", "image/png", bytes(15 * MB + 1)))) == [
        ("avatar", "Avatar size is too big")]


def test_the_avatar_memory_may_be_filled_exactly():
    avatar = Avatar("k", "a.png", "image/png", bytes(1024))
    assert avatar_memory_problems(3 * MB - 1024, 0, avatar, 3 * MB) == []
    assert avatar_memory_problems(3 * MB, 1024, avatar, 3 * MB) == []  # replaces one of the same size
    assert avatar_memory_problems(0, 0, None, 0) == []
    assert fields(avatar_memory_problems(3 * MB - 1023, 0, avatar, 3 * MB)) == [
        ("avatar", "Avatar storage of the mock is full (all avatars together may hold 3 MB; delete some, "
                   "or start it with a larger --avatar-memory)")]


@pytest.mark.parametrize(("sent", "stored"), [
    ("a\ud800b.png", "a?b.png"),  # a lone surrogate (a multipart name may carry one) becomes "?"
    ("a\x00b.png", "a-b.png"),
    ("  ", "avatar"),  # nothing left: a name still
    ("", "avatar"),
    (" in/voice|1:2.png ", "in-voice-1-2.png"),
])
def test_an_avatar_file_name_as_active_storage_cleans_it(sent, stored):
    assert sanitized_filename(sent) == stored


def test_a_csat_config_that_is_no_object_formats_as_the_defaults():
    assert format_csat_config(None) == CSAT_DEFAULTS
    assert format_csat_config("emoji") == CSAT_DEFAULTS


def test_the_formatted_csat_template_shares_nothing_with_the_request():
    sent = {"template": {"name": "csat", "language": {"code": "en"}}}
    formatted = format_csat_config(sent)
    sent["template"]["language"]["code"] = "changed"
    assert formatted["template"] == {"name": "csat", "language": {"code": "en"}}


def test_a_day_that_is_not_a_row_is_skipped_and_the_rest_applied():
    hours = default_working_hours()
    update_working_hours(hours, [{"day_of_week": 9, "open_hour": 8}, {"open_hour": 8},
                                 {"day_of_week": 2, "open_hour": 8}])
    assert [row["open_hour"] for row in hours] == [None, 9, 8, 9, 9, 9, None]


def test_open_all_day_is_midnight_to_23_59_whatever_was_there():
    # §5.2 ensure_open_all_day_hours: 0:00 and 23:59, the minutes too.
    hours = default_working_hours()
    update_working_hours(hours, [{"day_of_week": 1, "open_hour": 9, "open_minutes": 30}])
    update_working_hours(hours, [{"day_of_week": 1, "open_all_day": True}])
    assert hours[1] == {"day_of_week": 1, "closed_all_day": False, "open_hour": 0, "open_minutes": 0,
                        "close_hour": 23, "close_minutes": 59, "open_all_day": True}


def row(open_hour, open_minutes, close_hour, close_minutes):
    return {"day_of_week": 1, "closed_all_day": False, "open_all_day": False, "open_hour": open_hour,
            "open_minutes": open_minutes, "close_hour": close_hour, "close_minutes": close_minutes}


@pytest.mark.parametrize(("times", "valid"), [
    # §5.2: hours in 0..23, minutes in 0..59, closing after opening.
    ((23, 0, 23, 59), True),
    ((0, 0, 0, 30), True),
    ((9, 59, 10, 0), True),
    ((9, 0, 17, 59), True),
    ((9, 0, 24, 0), False),
    ((9, 60, 11, 0), False),
    ((9, 0, 10, 60), False),
    ((-1, 0, 10, 0), False),
    ((9, -1, 10, 0), False),
    ((9, 0, 10, -1), False),
    ((9, 0, 9, 0), False),
])
def test_working_hour_ranges_at_their_edges(times, valid):
    assert working_hour_valid(row(*times)) is valid
