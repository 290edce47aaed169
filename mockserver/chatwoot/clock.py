"""Timestamps as Chatwoot writes them: ISO 8601 in UTC with milliseconds, or Unix seconds."""

from __future__ import annotations

from datetime import UTC, datetime


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def epoch_seconds(iso: str) -> int:
    """`created_at.to_i`, as the assignment policy views render their timestamps."""
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


def iso_from_epoch(seconds: int) -> str:
    """The inverse of `epoch_seconds` (a recorded policy's timestamps come as Unix seconds)."""
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
