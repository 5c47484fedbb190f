"""Inactivity by time band and the continuous stopwatch, with grace."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from custom_components.municipal_iot.supervision.events import EventKind
from custom_components.municipal_iot.supervision.state import Status

TZ = ZoneInfo("Europe/Stockholm")
DAY_NIGHT = {
    "sensors": ["a", "b"],
    "bands": [
        {"start": "07:00", "end": "22:00", "minutes": 180},
        {"start": "22:00", "end": "07:00", "minutes": 480},
    ],
}


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


def kinds(events):
    return [event.kind for event in events]


def test_no_wake_up_alarm_still_time_restarts_at_band_start(clock, make):
    clock.set(local(2025, 1, 14, 21, 0))
    sup = make(DAY_NIGHT)
    clock.set(local(2025, 1, 15, 5, 50))
    assert sup.sensor_update("a", motion=True, available=True) == []
    # Night band: 05:50 + 8 h is after 07:00 -> nothing. Day band counts from 07:00.
    assert sup.next_check == local(2025, 1, 15, 10, 0)
    assert sup.next_deadline() == local(2025, 1, 15, 10, 0)
    clock.set(local(2025, 1, 15, 9, 59))
    assert sup.tick() == []
    clock.set(local(2025, 1, 15, 10, 0))
    events = sup.tick()
    assert kinds(events) == [EventKind.GRACE_STARTED]
    assert events[0].at == local(2025, 1, 15, 10, 0)
    assert events[0].data == {
        "reason": "inactivity",
        "still_since": local(2025, 1, 15, 5, 50).isoformat(),
        "ends_at": local(2025, 1, 15, 10, 10).isoformat(),
        "due_at": local(2025, 1, 15, 10, 0).isoformat(),
        "band": "07:00-22:00",
        "band_start": local(2025, 1, 15, 7, 0).isoformat(),
        "band_end": local(2025, 1, 15, 22, 0).isoformat(),
        "threshold_minutes": 180,
    }
    assert sup.status is Status.GRACE


def test_band_ending_before_threshold_raises_nothing(clock, make):
    clock.set(local(2025, 1, 15, 19, 0))
    sup = make(DAY_NIGHT)
    clock.set(local(2025, 1, 15, 20, 0))
    sup.sensor_update("b", motion=True, available=True)
    # Day band would need until 23:00; the night band counts from 22:00.
    assert sup.next_deadline() == local(2025, 1, 16, 6, 0)
    clock.set(local(2025, 1, 15, 23, 30))
    assert sup.tick() == []
    assert sup.status is Status.OK


def test_band_crossing_midnight_raises_alarm_after_grace(clock, make):
    clock.set(local(2025, 1, 15, 21, 0))
    sup = make(DAY_NIGHT)
    sup.sensor_update("a", motion=True, available=True)
    clock.set(local(2025, 1, 16, 6, 0))
    assert kinds(sup.tick()) == [EventKind.GRACE_STARTED]
    assert sup.next_deadline() == local(2025, 1, 16, 6, 10)
    assert sup.next_alarm == local(2025, 1, 16, 6, 10)
    clock.set(local(2025, 1, 16, 6, 10))
    events = sup.tick()
    assert kinds(events) == [EventKind.ALARM_RAISED]
    assert events[0].data == {
        "episode_id": "apt-1-20250116T051000Z",
        "reason": "inactivity",
        "still_since": local(2025, 1, 15, 21, 0).isoformat(),
        "still_minutes": 550,
        "due_at": local(2025, 1, 16, 6, 10).isoformat(),
        "grace_started_at": local(2025, 1, 16, 6, 0).isoformat(),
        "band": "22:00-07:00",
        "band_start": local(2025, 1, 15, 22, 0).isoformat(),
        "band_end": local(2025, 1, 16, 7, 0).isoformat(),
        "threshold_minutes": 480,
    }
    assert sup.status is Status.ALARM


def test_night_band_off(clock, make):
    rules = {
        "sensors": ["a"],
        "bands": [
            {"start": "07:00", "end": "22:00", "minutes": 180},
            {"start": "22:00", "end": "07:00", "minutes": None},
        ],
    }
    clock.set(local(2025, 1, 15, 21, 0))
    sup = make(rules)
    assert sup.next_deadline() == local(2025, 1, 16, 10, 0)


def test_motion_during_grace_cancels_it(clock, make):
    clock.set(local(2025, 1, 15, 7, 0))
    sup = make(DAY_NIGHT)
    clock.set(local(2025, 1, 15, 10, 0))
    assert kinds(sup.tick()) == [EventKind.GRACE_STARTED]
    clock.set(local(2025, 1, 15, 10, 5))
    events = sup.sensor_update("b", motion=True, available=True)
    assert kinds(events) == [EventKind.GRACE_CANCELLED]
    assert events[0].data == {"reason": "motion", "grace_reason": "inactivity"}
    assert sup.status is Status.OK
    assert sup.grace is None
    assert sup.next_deadline() == local(2025, 1, 15, 13, 5)


def test_motion_exactly_at_grace_end_cancels_it(clock, make):
    clock.set(local(2025, 1, 15, 7, 0))
    sup = make(DAY_NIGHT)
    clock.set(local(2025, 1, 15, 10, 0))
    sup.tick()
    clock.set(local(2025, 1, 15, 10, 10))
    assert kinds(sup.sensor_update("a", motion=True, available=True)) == [EventKind.GRACE_CANCELLED]
    assert sup.episode is None


def test_motion_exactly_at_threshold_prevents_grace(clock, make):
    clock.set(local(2025, 1, 15, 7, 0))
    sup = make(DAY_NIGHT)
    clock.set(local(2025, 1, 15, 10, 0))
    assert sup.sensor_update("a", motion=True, available=True) == []
    assert sup.status is Status.OK


def test_either_of_two_sensors_counts(clock, make):
    clock.set(local(2025, 1, 15, 7, 0))
    sup = make(DAY_NIGHT)
    clock.set(local(2025, 1, 15, 8, 0))
    sup.sensor_update("a", motion=True, available=True)
    assert sup.next_deadline() == local(2025, 1, 15, 11, 0)
    clock.set(local(2025, 1, 15, 9, 0))
    sup.sensor_update("b", motion=True, available=True)
    assert sup.next_deadline() == local(2025, 1, 15, 12, 0)
    assert sup.last_motion == local(2025, 1, 15, 9, 0)
    clock.set(local(2025, 1, 15, 11, 30))
    assert sup.tick() == []


def test_motion_clearing_counts_but_reports_without_motion_do_not(clock, make):
    clock.set(local(2025, 1, 15, 7, 0))
    sup = make(DAY_NIGHT)
    clock.set(local(2025, 1, 15, 8, 0))
    sup.sensor_update("a", motion=True, available=True)
    clock.set(local(2025, 1, 15, 8, 30))
    sup.sensor_update("a", motion=False, available=True)  # moving until now
    assert sup.last_motion == local(2025, 1, 15, 8, 30)
    clock.set(local(2025, 1, 15, 9, 0))
    sup.sensor_update("a", motion=False, available=True)  # still clear: not motion
    sup.sensor_update("a", motion=None, available=True)  # e.g. a battery frame
    assert sup.last_motion == local(2025, 1, 15, 8, 30)
    assert sup.next_deadline() == local(2025, 1, 15, 11, 30)


def test_repeated_motion_reports_each_count(clock, make):
    clock.set(local(2025, 1, 15, 7, 0))
    sup = make(DAY_NIGHT)
    for minute in (0, 10, 20):
        clock.set(local(2025, 1, 15, 8, minute))
        sup.sensor_update("a", motion=True, available=True)
    assert sup.next_deadline() == local(2025, 1, 15, 11, 20)


def test_continuous_stopwatch(clock, make):
    clock.set(local(2025, 1, 15, 8, 0))
    sup = make({"sensors": ["a"], "continuous_minutes": 720})
    assert sup.next_deadline() == local(2025, 1, 15, 20, 0)
    clock.set(local(2025, 1, 15, 20, 0))
    events = sup.tick()
    assert kinds(events) == [EventKind.GRACE_STARTED]
    assert events[0].data["threshold_minutes"] == 720
    assert "band" not in events[0].data


def test_fresh_supervisor_counts_from_its_start(clock, make):
    clock.set(local(2025, 1, 15, 12, 0))
    sup = make(DAY_NIGHT)
    assert sup.last_motion is None
    assert sup.still_since == local(2025, 1, 15, 12, 0)
    assert sup.next_check == local(2025, 1, 15, 15, 0)
    assert sup.next_alarm == local(2025, 1, 15, 15, 10)


def test_dst_march_band_uses_real_elapsed_time(clock, make):
    # Night of 29-30 March 2025: 22:00 CET to 07:00 CEST is only 8 real hours.
    clock.set(local(2025, 3, 29, 21, 0))
    sup = make(DAY_NIGHT)
    sup.sensor_update("a", motion=True, available=True)
    assert sup.next_deadline() == datetime(2025, 3, 30, 5, 0, tzinfo=UTC)
    assert sup.next_deadline() == local(2025, 3, 30, 7, 0)  # exactly the band end
    clock.set(local(2025, 3, 30, 7, 0))
    events = sup.tick()
    assert kinds(events) == [EventKind.GRACE_STARTED]
    assert events[0].data["band_end"] == "2025-03-30T05:00:00+00:00"


def test_dst_october_band_uses_real_elapsed_time(clock, make):
    # Night of 25-26 October 2025 is 10 real hours: 8 h after 22:00 CEST is 05:00 CET.
    clock.set(local(2025, 10, 25, 21, 0))
    sup = make(DAY_NIGHT)
    sup.sensor_update("a", motion=True, available=True)
    assert sup.next_deadline() == datetime(2025, 10, 26, 4, 0, tzinfo=UTC)
    assert sup.next_deadline().astimezone(TZ).strftime("%H:%M %Z") == "05:00 CET"


def test_no_rules_means_not_supervised_and_no_deadline(clock, make):
    sup = make({"sensors": ["a"]})
    assert sup.status is Status.NOT_SUPERVISED
    assert sup.next_deadline() is None
    assert sup.next_check is None
    assert sup.next_alarm is None
