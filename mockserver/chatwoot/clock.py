"""Timestamps as Chatwoot writes them: ISO 8601 in UTC with milliseconds, or Unix seconds."""

from __future__ import annotations

import time
from datetime import UTC, datetime

#: The last second `now_iso` formatted, and its text up to the milliseconds ("2026-12-02T13:40:05.").
_formatted_second: tuple[int, str] = (-1, "")


def now_iso() -> str:
    """Now, as `datetime.now(UTC).isoformat(timespec="milliseconds")` with a Z. The date and time
    are formatted once a second: every create stamps its records (formatting it whole was 4 us)."""
    global _formatted_second
    second, milliseconds = divmod(time.time_ns() // 1_000_000, 1000)
    formatted, prefix = _formatted_second
    if formatted != second:
        prefix = datetime.fromtimestamp(second, UTC).isoformat(timespec="seconds").removesuffix("+00:00") + "."
        _formatted_second = (second, prefix)  # one tuple: a thread reads a whole pair or the one before
    return f"{prefix}{milliseconds:03d}Z"


def epoch_seconds(iso: str) -> int:
    """`created_at.to_i`, as the assignment policy views render their timestamps."""
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def iso_from_epoch(seconds: int) -> str:
    """The inverse of `epoch_seconds` (a recorded policy's timestamps come as Unix seconds)."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
