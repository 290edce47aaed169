"""`copied`: a copy of a stored JSON value (dicts, lists and scalars, as a state document or a
request body holds them), so that a record, a default or a body never shares a mutable part with
another. `copy.deepcopy` does the same with a memo and a dispatch per value: it was half of a PATCH
(the undo log's copy of the inbox) and most of rendering one (cProfile, `bench/bench_inboxes.py`)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

_IMMUTABLE = frozenset({str, int, float, bool, type(None), bytes})


def copied(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        # Copied whole in C, then only the values that are not scalars copied again: most of a
        # record's values are scalars (a call each was half the cost of copying working hours;
        # rebuilding the dict key by key was 40% of copying the inbox defaults).
        result = value.copy()
        for key, item in value.items():
            if type(item) not in _IMMUTABLE:
                result[key] = copied(item)
        return result
    if kind is list:
        return [item if type(item) in _IMMUTABLE else copied(item) for item in value]
    if kind in _IMMUTABLE:
        return value
    return copy.deepcopy(value)  # anything else (a tuple, a record): the general copy


class Template:
    """A constant JSON object that new records start from (the inbox defaults, a channel kind's):
    `new()` is `copied(value)` as the value was when the template was made, its values that are
    not scalars found once instead of at every copy (testing the inbox defaults' fifteen values
    was most of copying them, on every create)."""

    __slots__ = ("_nested", "_value")

    def __init__(self, value: Mapping[str, Any]) -> None:
        self._value = copied(dict(value))
        self._nested = tuple(key for key, item in self._value.items() if type(item) not in _IMMUTABLE)

    def new(self) -> dict[str, Any]:
        result = self._value.copy()
        for key in self._nested:
            result[key] = copied(result[key])
        return result
