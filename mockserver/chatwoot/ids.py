"""How Rails reads a record id from a path or a parameter: shared by the store (the mock's own
lookups) and the guarded client (deciding which inbox a request to a deployment would touch)."""

from __future__ import annotations

from typing import Any


def record_id(value: Any) -> int | None:
    """An id as Rails' `find` reads it: a number or a string of digits; anything else finds nothing."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None
