"""The record validations and normalisers that need no other record: the Inbox model's validations,
the avatar's, WorkingHour's, and `format_csat_config` (digest §2.4, §5.1).

Pure functions of values: the store calls them and raises `RecordInvalid` with what they find.
Rules that need other records (uniqueness across inboxes) stay in the store, which has the index.
"""

from __future__ import annotations

import copy
import functools
import zoneinfo
from collections.abc import Iterable, Mapping
from typing import Any

from mockserver.chatwoot.channels import blank, humanize
from mockserver.chatwoot.errors import FieldProblem
from mockserver.chatwoot.models import WORKING_HOUR_KEYS, Avatar

TEXT_LIMIT = 10_000
AVATAR_MAX_BYTES = 15 * 1024 * 1024
AVATAR_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}
#: All avatars together may hold this much memory unless the store is told otherwise (issue 9.11):
#: one administrator could otherwise add about 230 MB a second.
DEFAULT_AVATAR_MEMORY_BYTES = 256 * 1024 * 1024
#: `ActiveStorage::Filename#sanitized` turns these into "-".
_FILENAME_UNSAFE = str.maketrans({c: "-" for c in "\u202e%$|:;/\t\r\n\\"})


@functools.cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


#: Every attribute `inbox_problems` validates.
_VALIDATED = frozenset({"name", "timezone", "out_of_office_message", "greeting_message", "lock_to_single_conversation",
                        "allow_messages_after_resolved", "sender_name_type", "auto_assignment_config"})


def inbox_problems(values: Mapping[str, Any], only: Iterable[str] | None = None) -> list[FieldProblem]:
    """The Inbox model's validations (digest §5.1), in declaration order; `only` limits them to the
    attributes a request changes."""
    # A set's own membership test, not a closure: eight checks a write, each a Python call before.
    wanted = (_VALIDATED if only is None else set(only)).__contains__
    problems = []
    if wanted("name") and blank(values.get("name")):
        problems.append(FieldProblem("name", "Name can't be blank"))
    if wanted("timezone") and values.get("timezone") not in _timezones():
        problems.append(FieldProblem("timezone", "Timezone is not included in the list"))
    for attribute in ("out_of_office_message", "greeting_message"):
        text = values.get(attribute)
        if wanted(attribute) and isinstance(text, str) and len(text) > TEXT_LIMIT:
            problems.append(FieldProblem(
                attribute, f"{humanize(attribute)} is too long (maximum is {TEXT_LIMIT} characters)"))
    for attribute in ("lock_to_single_conversation", "allow_messages_after_resolved", "sender_name_type"):
        # NOT NULL columns: Chatwoot answers 500 for a null; the mock a clean 422.
        if wanted(attribute) and values.get(attribute) is None:
            problems.append(FieldProblem(attribute, f"{humanize(attribute)} can't be blank"))
    config = values.get("auto_assignment_config")
    # A dict first: Mapping's isinstance is a Python call of the ABC.
    limit = config.get("max_assignment_limit") if type(config) is dict or isinstance(config, Mapping) else None
    if wanted("auto_assignment_config") and limit is not None and (not isinstance(limit, int) or limit <= 0):
        problems.append(FieldProblem(
            "auto_assignment_config", "Auto assignment config max_assignment_limit must be greater than 0"))
    return problems


def avatar_problems(avatar: Avatar | None) -> list[FieldProblem]:
    if avatar is None:
        return []
    problems = []
    if avatar.content_type not in AVATAR_TYPES:
        problems.append(FieldProblem("avatar", "Avatar filetype not supported"))
    if len(avatar.data) > AVATAR_MAX_BYTES:
        problems.append(FieldProblem("avatar", "Avatar size is too big"))
    return problems


def sanitized_filename(filename: str) -> str:
    """`ActiveStorage::Filename#sanitized`: stripped, and the characters that would break a path
    or a header (`/`, `\\`, `%`, `$`, `|`, `:`, `;`, tabs, newlines, RTL override) become "-"."""
    cleaned = filename.encode("utf-8", "replace").decode("utf-8", "replace").strip().translate(_FILENAME_UNSAFE)
    return cleaned.replace("\x00", "-") or "avatar"


def avatar_memory_problems(stored: int, replaced: int, avatar: Avatar | None, limit: int) -> list[FieldProblem]:
    """The mock's own limit (Chatwoot has none; it keeps files in object storage): all avatars
    together stay under `limit` bytes; `replaced` is the size of the avatar this one replaces."""
    if avatar is None or stored - replaced + len(avatar.data) <= limit:
        return []
    return [FieldProblem("avatar", f"Avatar storage of the mock is full (all avatars together may hold "
                                   f"{limit // (1024 * 1024)} MB; delete some, or start it with a larger "
                                   f"--avatar-memory)")]


def format_csat_config(config: Any) -> dict:
    """`format_csat_config`: fixed keys and defaults; a missing, null or false value takes the
    default, anything else (an empty string too) is kept (digest §2.4)."""
    config = config if isinstance(config, Mapping) else {}

    def given(value: Any, default: Any) -> Any:
        return default if value is None or value is False else value

    rules = config.get("survey_rules") if isinstance(config.get("survey_rules"), Mapping) else {}
    formatted = {
        "display_type": given(config.get("display_type"), "emoji"),
        "message": given(config.get("message"), ""),
        "survey_rules": {
            "operator": given(rules.get("operator"), "contains"),
            "values": given(rules.get("values"), []),
        },
        "button_text": given(config.get("button_text"), "Please rate us"),
        "language": given(config.get("language"), "en"),
    }
    if not blank(config.get("template")):
        formatted["template"] = copy.deepcopy(config["template"])
    return formatted


def update_working_hours(hours: list[dict[str, Any]], changes: list[Mapping[str, Any]]) -> None:
    """`update_working_hours`: only the days listed and only the keys given change; a row that
    would break WorkingHour's validations stays as it was (Chatwoot uses non-bang `update`).
    A changed row is replaced in `hours`, never changed in place: inboxes share equal rows
    (`Tables._shared_hours`)."""
    by_day = {row["day_of_week"]: index for index, row in enumerate(hours)}
    for change in changes:
        index = by_day.get(change.get("day_of_week"))
        if index is None:
            continue
        candidate = {**hours[index], **{k: change[k] for k in WORKING_HOUR_KEYS if k in change}}
        if candidate.get("open_all_day"):
            # `ensure_open_all_day_hours` runs before validation.
            candidate.update(open_hour=0, open_minutes=0, close_hour=23, close_minutes=59)
        if working_hour_valid(candidate):
            hours[index] = candidate


def working_hour_valid(row: Mapping[str, Any]) -> bool:
    if row.get("open_all_day") and row.get("closed_all_day"):
        return False
    if row.get("closed_all_day"):
        return True
    values = [row.get(k) for k in ("open_hour", "open_minutes", "close_hour", "close_minutes")]
    if any(not isinstance(v, int) or isinstance(v, bool) for v in values):
        return False
    open_hour, open_minutes, close_hour, close_minutes = values
    if not (0 <= open_hour <= 23 and 0 <= close_hour <= 23 and 0 <= open_minutes <= 59 and 0 <= close_minutes <= 59):
        return False
    return (open_hour, open_minutes) < (close_hour, close_minutes)
