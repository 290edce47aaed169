"""Timestamps as Chatwoot writes them: ISO 8601 in UTC with milliseconds, or Unix seconds."""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    """Now, as a store stamps its records. Each store owns one (no module-level state): it keeps
    the text of the last second it formatted, since every create stamps its records and
    formatting the time whole was 4 us of it."""

    __slots__ = ("_formatted_second",)

    def __init__(self) -> None:
        #: The last second formatted, and its text up to the milliseconds ("2026-12-02T13:40:05.").
        self._formatted_second: tuple[int, str] = (-1, "")

    def now_iso(self) -> str:
        """Now, as `datetime.now(UTC).isoformat(timespec="milliseconds")` with a Z."""
        second, milliseconds = divmod(time.time_ns() // 1_000_000, 1000)
        formatted, prefix = self._formatted_second
        if formatted != second:
            prefix = _second_prefix(second)
            self._formatted_second = (second, prefix)  # one tuple: a thread reads a whole pair or the one before
        return f"{prefix}{milliseconds:03d}Z"


def _second_prefix(second: int) -> str:
    """A Unix second's ISO text up to its milliseconds: "2026-12-02T13:40:05."."""
    return datetime.fromtimestamp(second, UTC).isoformat(timespec="seconds").removesuffix("+00:00") + "."


def epoch_seconds(iso: str) -> int:
    """`created_at.to_i`, as the assignment policy views render their timestamps."""
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def iso_from_epoch(seconds: int) -> str:
    """The inverse of `epoch_seconds` (a recorded policy's timestamps come as Unix seconds)."""
    return f"{_second_prefix(seconds)}000Z"
