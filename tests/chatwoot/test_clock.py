"""The clock: `Clock.now_iso` writes the time as Rails renders a timestamp (UTC, milliseconds, a Z),
formatting the date and time once a second: a new second must never keep the last one's text."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mockserver.chatwoot import clock


def stopped_at(monkeypatch: pytest.MonkeyPatch, *instants_ns: int) -> None:
    readings = iter(instants_ns)
    monkeypatch.setattr(clock, "time", SimpleNamespace(time_ns=lambda: next(readings)))


def test_now_is_written_in_utc_with_milliseconds_cut_not_rounded_and_a_z(monkeypatch):
    stopped_at(monkeypatch, 1_700_000_000_999_999_999, 1_700_000_001_000_000_000, 1_700_000_001_007_400_000,
               1_700_000_001_120_000_000, 1_700_003_661_050_000_000, 946_684_799_999_000_000)
    stamps = clock.Clock()
    assert [stamps.now_iso() for _ in range(6)] == [
        "2023-11-14T22:13:20.999Z",
        "2023-11-14T22:13:21.000Z",  # the next second: its own text, not the last one's
        "2023-11-14T22:13:21.007Z",
        "2023-11-14T22:13:21.120Z",  # the same second again
        "2023-11-14T23:14:21.050Z",
        "1999-12-31T23:59:59.999Z",  # back in time (a clock set back): formatted anew too
    ]


def test_now_agrees_with_the_system_clock():
    from datetime import UTC, datetime

    before = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    stamp = clock.Clock().now_iso()
    after = datetime.now(UTC).replace(tzinfo=None)
    assert before <= datetime.fromisoformat(stamp.removesuffix("Z")) <= after


def test_each_clock_keeps_its_own_second(monkeypatch):
    """Two stores' clocks: one's formatted second is never the other's text."""
    stopped_at(monkeypatch, 1_700_000_000_500_000_000, 946_684_799_999_000_000, 1_700_000_000_600_000_000)
    first, second = clock.Clock(), clock.Clock()
    assert first.now_iso() == "2023-11-14T22:13:20.500Z"
    assert second.now_iso() == "1999-12-31T23:59:59.999Z"
    assert first.now_iso() == "2023-11-14T22:13:20.600Z"


@pytest.mark.parametrize(("seconds", "iso"), [(0, "1970-01-01T00:00:00.000Z"),
                                              (1_700_000_000, "2023-11-14T22:13:20.000Z"),
                                              (946_684_799, "1999-12-31T23:59:59.000Z")])
def test_a_unix_second_is_written_as_rails_writes_it_and_read_back(seconds, iso):
    assert clock.iso_from_epoch(seconds) == iso
    assert clock.epoch_seconds(iso) == seconds
