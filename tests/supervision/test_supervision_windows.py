"""Check windows: motion expected between two local times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from custom_components.municipal_iot.supervision.events import EventKind
from custom_components.municipal_iot.supervision.state import Status

TZ = ZoneInfo("Europe/Stockholm")
MORNING = {"sensors": ["a"], "windows": [{"start": "07:00", "end": "10:00"}]}


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


def kinds(events):
    return [event.kind for event in events]


def window_data(start: datetime, end: datetime, label: str = "07:00-10:00") -> dict[str, str]:
    return {"window": label, "window_start": start.isoformat(), "window_end": end.isoformat()}


def test_missed_window_grace_then_alarm(clock, make):
    sup = make(MORNING)  # 06:00
    assert sup.next_deadline() == local(2025, 1, 15, 10, 0)
    assert sup.next_check == local(2025, 1, 15, 10, 0)
    clock.set(local(2025, 1, 15, 10, 0))
    events = sup.tick()
    assert kinds(events) == [EventKind.CHECK_MISSED, EventKind.GRACE_STARTED]
    detail = window_data(local(2025, 1, 15, 7, 0), local(2025, 1, 15, 10, 0))
    assert events[0].data == {
        **detail,
        "due_at": local(2025, 1, 15, 10, 0).isoformat(),
        "last_activity": None,
    }
    assert events[1].data == {
        "reason": "check_window",
        "still_since": local(2025, 1, 15, 6, 0).isoformat(),
        "ends_at": local(2025, 1, 15, 10, 10).isoformat(),
        "due_at": local(2025, 1, 15, 10, 0).isoformat(),
        **detail,
    }
    clock.set(local(2025, 1, 15, 10, 10))
    events = sup.tick()
    assert kinds(events) == [EventKind.ALARM_RAISED]
    assert events[0].data["reason"] == "check_window"
    assert events[0].data["window"] == "07:00-10:00"
    assert events[0].data["still_minutes"] == 250


def test_motion_inside_window_passes(clock, make):
    sup = make(MORNING)
    clock.set(local(2025, 1, 15, 8, 0))
    assert sup.sensor_update("a", motion=True, available=True) == []
    assert sup.next_check == local(2025, 1, 16, 10, 0)  # today's window is satisfied
    clock.set(local(2025, 1, 15, 10, 0))
    events = sup.tick()
    assert kinds(events) == [EventKind.CHECK_PASSED]
    assert events[0].data["last_activity"] == local(2025, 1, 15, 8, 0).isoformat()
    assert sup.next_deadline() == local(2025, 1, 16, 10, 0)


def test_motion_exactly_at_window_end_counts(clock, make):
    sup = make(MORNING)
    clock.set(local(2025, 1, 15, 10, 0))
    events = sup.sensor_update("a", motion=True, available=True)
    assert kinds(events) == [EventKind.CHECK_PASSED]
    assert sup.status is Status.OK


def test_motion_exactly_at_window_start_counts(clock, make):
    sup = make(MORNING)
    clock.set(local(2025, 1, 15, 7, 0))
    sup.sensor_update("a", motion=True, available=True)
    clock.set(local(2025, 1, 15, 10, 0))
    assert kinds(sup.tick()) == [EventKind.CHECK_PASSED]


def test_motion_just_before_window_start_does_not_count(clock, make):
    sup = make(MORNING)
    clock.set(local(2025, 1, 15, 7, 0) - timedelta(seconds=1))
    sup.sensor_update("a", motion=True, available=True)
    clock.set(local(2025, 1, 15, 10, 0))
    assert kinds(sup.tick()) == [EventKind.CHECK_MISSED, EventKind.GRACE_STARTED]


def test_late_motion_is_processed_after_the_window_it_missed(clock, make):
    sup = make(MORNING)
    clock.set(local(2025, 1, 15, 10, 0) + timedelta(seconds=1))
    events = sup.sensor_update("a", motion=True, available=True)
    assert kinds(events) == [
        EventKind.CHECK_MISSED,
        EventKind.GRACE_STARTED,
        EventKind.GRACE_CANCELLED,
    ]


def test_overlapping_windows_are_evaluated_independently(clock, make):
    rules = {
        "sensors": ["a"],
        "windows": [{"start": "07:00", "end": "10:00"}, {"start": "09:00", "end": "11:00"}],
    }
    sup = make(rules)
    clock.set(local(2025, 1, 15, 9, 30))  # inside the overlap
    sup.sensor_update("a", motion=True, available=True)
    clock.set(local(2025, 1, 15, 10, 0))
    events = sup.tick()
    assert kinds(events) == [EventKind.CHECK_PASSED]
    assert events[0].data["window"] == "07:00-10:00"
    assert sup.tick() == []  # never evaluated twice
    clock.set(local(2025, 1, 15, 11, 0))
    events = sup.tick()
    assert kinds(events) == [EventKind.CHECK_PASSED]
    assert events[0].data["window"] == "09:00-11:00"
    clock.set(local(2025, 1, 15, 11, 5))
    assert sup.tick() == []


def test_overlapping_windows_motion_only_in_first(clock, make):
    rules = {
        "sensors": ["a"],
        "windows": [{"start": "07:00", "end": "10:00"}, {"start": "09:00", "end": "11:00"}],
    }
    sup = make(rules)
    clock.set(local(2025, 1, 15, 8, 0))
    sup.sensor_update("a", motion=True, available=True)
    clock.set(local(2025, 1, 15, 10, 0))
    assert kinds(sup.tick()) == [EventKind.CHECK_PASSED]
    clock.set(local(2025, 1, 15, 11, 0))
    events = sup.tick()
    assert kinds(events) == [EventKind.CHECK_MISSED, EventKind.GRACE_STARTED]
    assert events[1].data["still_since"] == local(2025, 1, 15, 8, 0).isoformat()
    assert events[1].data["window"] == "09:00-11:00"


def test_two_windows_ending_together_start_one_grace(clock, make):
    rules = {
        "sensors": ["a"],
        "windows": [{"start": "07:00", "end": "10:00"}, {"start": "09:00", "end": "10:00"}],
    }
    sup = make(rules)
    clock.set(local(2025, 1, 15, 10, 0))
    assert kinds(sup.tick()) == [
        EventKind.CHECK_MISSED,
        EventKind.GRACE_STARTED,
        EventKind.CHECK_MISSED,
    ]


def test_weekday_selection(clock, make):
    rules = {
        "sensors": ["a"],
        "windows": [{"start": "07:00", "end": "10:00", "weekdays": [5, 6]}],
    }
    sup = make(rules)  # Wednesday
    assert sup.next_deadline() == local(2025, 1, 18, 10, 0)  # Saturday


def test_window_crossing_midnight(clock, make):
    rules = {"sensors": ["a"], "windows": [{"start": "22:00", "end": "06:00"}]}
    clock.set(local(2025, 1, 15, 21, 0))
    sup = make(rules)
    assert sup.next_deadline() == local(2025, 1, 16, 6, 0)
    clock.set(local(2025, 1, 15, 23, 30))
    sup.sensor_update("a", motion=True, available=True)
    clock.set(local(2025, 1, 16, 6, 0))
    events = sup.tick()
    assert kinds(events) == [EventKind.CHECK_PASSED]
    assert events[0].data["window_start"] == local(2025, 1, 15, 22, 0).isoformat()


def test_window_already_running_at_start_is_evaluated_with_motion_from_then(clock, make):
    clock.set(local(2025, 1, 15, 9, 0))
    sup = make(MORNING)
    assert sup.next_deadline() == local(2025, 1, 15, 10, 0)
    clock.set(local(2025, 1, 15, 9, 30))
    sup.sensor_update("a", motion=True, available=True)
    clock.set(local(2025, 1, 15, 10, 0))
    assert kinds(sup.tick()) == [EventKind.CHECK_PASSED]


def test_dst_march_window_with_nonexistent_start(clock, make):
    # 02:30 does not exist on 2025-03-30; the window starts at 03:30 CEST instead.
    rules = {"sensors": ["a"], "windows": [{"start": "02:30", "end": "04:00", "weekdays": [6]}]}
    clock.set(local(2025, 3, 29, 12, 0))
    sup = make(rules)
    assert sup.next_deadline() == datetime(2025, 3, 30, 2, 0, tzinfo=UTC)  # 04:00 CEST
    clock.set(datetime(2025, 3, 30, 1, 20, tzinfo=UTC))  # 03:20 CEST: before the start
    sup.sensor_update("a", motion=True, available=True)
    clock.set(datetime(2025, 3, 30, 2, 0, tzinfo=UTC))
    events = sup.tick()
    assert kinds(events) == [EventKind.CHECK_MISSED, EventKind.GRACE_STARTED]
    assert events[0].data["window_start"] == "2025-03-30T01:30:00+00:00"


def test_dst_march_window_motion_at_shifted_start_counts(clock, make):
    rules = {"sensors": ["a"], "windows": [{"start": "02:30", "end": "04:00", "weekdays": [6]}]}
    clock.set(local(2025, 3, 29, 12, 0))
    sup = make(rules)
    clock.set(datetime(2025, 3, 30, 1, 30, tzinfo=UTC))  # 03:30 CEST
    sup.sensor_update("a", motion=True, available=True)
    clock.set(datetime(2025, 3, 30, 2, 0, tzinfo=UTC))
    assert kinds(sup.tick()) == [EventKind.CHECK_PASSED]


def test_dst_october_window_with_ambiguous_end_uses_first_occurrence(clock, make):
    # 01:00-02:30 on 2025-10-26 ends at the first 02:30 (CEST, 00:30 UTC).
    rules = {"sensors": ["a"], "windows": [{"start": "01:00", "end": "02:30", "weekdays": [6]}]}
    clock.set(local(2025, 10, 25, 12, 0))
    sup = make(rules)
    assert sup.next_deadline() == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    clock.set(datetime(2025, 10, 26, 0, 30, tzinfo=UTC))
    assert kinds(sup.tick()) == [EventKind.CHECK_MISSED, EventKind.GRACE_STARTED]
    clock.set(datetime(2025, 10, 26, 1, 10, tzinfo=UTC))  # 02:10 CET, the second pass
    events = sup.sensor_update("a", motion=True, available=True)
    assert kinds(events) == [EventKind.ALARM_RAISED, EventKind.MOTION_RETURNED]


def test_dst_october_window_over_the_repeated_hour(clock, make):
    # 02:30 (first, CEST) to 03:00 (CET) is 90 real minutes; 02:15 CET is inside.
    rules = {"sensors": ["a"], "windows": [{"start": "02:30", "end": "03:00", "weekdays": [6]}]}
    clock.set(local(2025, 10, 25, 12, 0))
    sup = make(rules)
    assert sup.next_deadline() == datetime(2025, 10, 26, 2, 0, tzinfo=UTC)
    clock.set(datetime(2025, 10, 26, 1, 15, tzinfo=UTC))
    sup.sensor_update("a", motion=True, available=True)
    clock.set(datetime(2025, 10, 26, 2, 0, tzinfo=UTC))
    events = sup.tick()
    assert kinds(events) == [EventKind.CHECK_PASSED]
    assert events[0].data["window_start"] == "2025-10-26T00:30:00+00:00"
