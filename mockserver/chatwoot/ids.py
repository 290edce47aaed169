"""How Rails reads a record id from a path or a parameter: shared by the store (the mock's own
lookups) and the guarded client (deciding which inbox a request to a deployment would touch)."""

from __future__ import annotations

from typing import Any

#: The largest value a database id column holds (PostgreSQL bigint). Rails' `find` answers "not
#: found" for anything larger (ActiveModel::RangeError is rescued), and so does the mock.
MAX_ID = 2**63 - 1
_MAX_DIGITS = len(str(MAX_ID))


def record_id(value: Any) -> int | None:
    """An id as Rails' `find` reads it: a number or a string of digits that a database id column
    can hold; anything else (5,000 digits too: `int()` refuses those) finds nothing."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_ID else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value.lstrip("0")) <= _MAX_DIGITS:
        found = int(value.lstrip("0") or "0")
        return found if found <= MAX_ID else None
    return None
