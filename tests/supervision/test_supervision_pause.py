"""Pause and resume (per-night opt-out, supervision switch off)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from custom_components.municipal_iot.supervision.events import EventKind
from custom_components.municipal_iot.supervision.state import PauseInfo, Status

TZ = ZoneInfo("Europe/Stockholm")
RULES = {
    "sensors": ["a"],
    "bands": [
        {"start": "07:00", "end": "22:00", "minutes": 180},
        {"start": "22:00", "end": "07:00", "minutes": 480},
    ],
    "windows": [{"start": "21:00", "end": "23:00"}, {"start": "07:00", "end": "10:00"}],
}


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


def kinds(events):
    return [event.kind for event in events]


def test_pause_across_midnight_with_automatic_resume(clock, make):
    clock.set(local(2025, 1, 15, 20, 0))
    sup = make(RULES)
    sup.sensor_update("a", motion=True, available=True)
    clock.set(local(2025, 1, 15, 20, 30))
    events = sup.pause(until=local(2025, 1, 16, 8, 0), reason="guests", user_id="user-1")
    assert kinds(events) == [EventKind.PAUSED]
    assert events[0].data == {
        "until": local(2025, 1, 16, 8, 0).isoformat(),
        "reason": "guests",
        "user_id": "user-1",
    }
    assert sup.status is Status.PAUSED
    assert sup.paused == PauseInfo(
        local(2025, 1, 15, 20, 30), local(2025, 1, 16, 8, 0), "guests", "user-1"
    )
    assert sup.next_check is None
    # Neither the 21-23 window nor the night band (06:00) is evaluated while paused.
    assert sup.next_deadline() == local(2025, 1, 16, 8, 0)
    clock.set(local(2025, 1, 16, 8, 0))
    events = sup.tick()
    assert kinds(events) == [EventKind.RESUMED]
    assert events[0].data == {
        "user_id": None,
        "automatic": True,
        "paused_since": local(2025, 1, 15, 20, 30).isoformat(),
        "due_at": local(2025, 1, 16, 8, 0).isoformat(),
    }
    assert sup.status is Status.OK
    assert sup.still_since == local(2025, 1, 16, 8, 0)
    # The 07-10 window straddles the resume and is evaluated; the day band counts from 08:00.
    assert sup.next_deadline() == local(2025, 1, 16, 10, 0)
    clock.set(local(2025, 1, 16, 10, 0))
    assert kinds(sup.tick()) == [EventKind.CHECK_MISSED, EventKind.GRACE_STARTED]


def test_motion_during_pause_is_recorded(clock, make):
    clock.set(local(2025, 1, 15, 20, 0))
    sup = make(RULES)
    sup.pause(until=local(2025, 1, 16, 8, 0), reason="guests", user_id=None)
    clock.set(local(2025, 1, 16, 7, 30))
    assert sup.sensor_update("a", motion=True, available=True) == []
    assert sup.last_motion == local(2025, 1, 16, 7, 30)
    clock.set(local(2025, 1, 16, 10, 0))
    assert kinds(sup.tick()) == [EventKind.RESUMED, EventKind.CHECK_PASSED]


def test_pause_cancels_grace(clock, make):
    clock.set(local(2025, 1, 15, 7, 30))
    sup = make(RULES)
    clock.set(local(2025, 1, 15, 10, 0))
    assert kinds(sup.tick()) == [EventKind.CHECK_MISSED, EventKind.GRACE_STARTED]
    clock.set(local(2025, 1, 15, 10, 5))
    events = sup.pause(until=None, reason="day_activity", user_id="user-1")
    assert kinds(events) == [EventKind.GRACE_CANCELLED, EventKind.PAUSED]
    assert events[0].data == {"reason": "paused", "grace_reason": "check_window"}
    assert events[1].data["until"] is None
    assert sup.grace is None
    assert sup.next_deadline() is None  # paused indefinitely
    clock.set(local(2025, 1, 16, 12, 0))
    assert sup.tick() == []


def test_pause_keeps_an_open_alarm_episode(clock, make):
    clock.set(local(2025, 1, 15, 7, 30))
    sup = make({**RULES, "policy": {"reminder_minutes": 5}})
    clock.set(local(2025, 1, 15, 10, 10))
    assert kinds(sup.tick()) == [
        EventKind.CHECK_MISSED,
        EventKind.GRACE_STARTED,
        EventKind.ALARM_RAISED,
    ]
    clock.set(local(2025, 1, 15, 10, 12))
    sup.pause(until=None, reason="switch_off", user_id="user-1")
    assert sup.status is Status.ALARM  # never silently lost
    clock.set(local(2025, 1, 15, 10, 15))
    assert kinds(sup.tick()) == [EventKind.REMIND]


def test_manual_resume_restarts_clock_and_skips_windows_ended_during_pause(clock, make):
    clock.set(local(2025, 1, 15, 20, 0))
    sup = make(RULES)
    sup.pause(until=None, reason="switch_off", user_id="user-1")
    clock.set(local(2025, 1, 16, 11, 0))
    events = sup.resume("user-2")
    assert [(e.kind, dict(e.data)) for e in events] == [
        (
            EventKind.RESUMED,
            {
                "user_id": "user-2",
                "automatic": False,
                "paused_since": local(2025, 1, 15, 20, 0).isoformat(),
            },
        )
    ]
    assert sup.still_since == local(2025, 1, 16, 11, 0)
    assert sup.next_deadline() == local(2025, 1, 16, 14, 0)  # band, not the missed windows


def test_window_ending_exactly_at_resume_is_not_evaluated(clock, make):
    clock.set(local(2025, 1, 16, 6, 0))
    sup = make(RULES)
    sup.pause(until=local(2025, 1, 16, 10, 0), reason="guests", user_id=None)
    clock.set(local(2025, 1, 16, 10, 0))
    assert kinds(sup.tick()) == [EventKind.RESUMED]
    assert sup.next_deadline() == local(2025, 1, 16, 13, 0)


def test_resume_without_pause_is_a_no_op(clock, make):
    sup = make(RULES)
    assert sup.resume("user-1") == []


def test_pause_again_changes_until_and_keeps_since(clock, make):
    clock.set(local(2025, 1, 15, 20, 0))
    sup = make(RULES)
    sup.pause(until=local(2025, 1, 16, 8, 0), reason="guests", user_id="user-1")
    clock.set(local(2025, 1, 15, 21, 0))
    sup.pause(until=local(2025, 1, 16, 12, 0), reason="hospital", user_id="user-2")
    assert sup.paused == PauseInfo(
        local(2025, 1, 15, 20, 0), local(2025, 1, 16, 12, 0), "hospital", "user-2"
    )
    assert sup.next_deadline() == local(2025, 1, 16, 12, 0)


def test_pause_end_must_be_in_the_future(clock, make):
    sup = make(RULES)
    with pytest.raises(ValueError, match="future"):
        sup.pause(until=clock.now, reason="x", user_id=None)
    with pytest.raises(ValueError, match="naive"):
        sup.pause(until=datetime(2030, 1, 1), reason="x", user_id=None)  # noqa: DTZ001
    assert sup.paused is None
