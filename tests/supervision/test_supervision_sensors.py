"""Sensor health (unavailable, stale), supervision status and low battery."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from custom_components.municipal_iot.supervision.events import EventKind
from custom_components.municipal_iot.supervision.state import SensorProblem, Status

TZ = ZoneInfo("Europe/Stockholm")
TWO = {"sensors": ["a", "b"], "continuous_minutes": 120}


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


def iso(hour: int, minute: int) -> str:
    return local(2025, 1, 15, hour, minute).isoformat()


def kinds(events):
    return [event.kind for event in events]


def test_unavailable_too_long_is_a_sensor_problem_and_recovers(clock, make):
    clock.set(local(2025, 1, 15, 7, 30))
    sup = make(TWO)
    sup.sensor_update("a", motion=True, available=True)
    clock.set(local(2025, 1, 15, 8, 0))
    assert sup.sensor_update("a", motion=None, available=False) == []
    assert sup.next_deadline() == local(2025, 1, 15, 8, 15)
    clock.set(local(2025, 1, 15, 8, 15))
    events = sup.tick()
    assert kinds(events) == [EventKind.SENSOR_PROBLEM]
    assert events[0].data == {
        "sensor_id": "a",
        "problem": "unavailable",
        "since": iso(8, 0),
        "due_at": iso(8, 15),
        "paused": False,
    }
    assert sup.status is Status.SENSOR_PROBLEM
    assert sup.sensors["a"].problem is SensorProblem.UNAVAILABLE
    # Supervision continues with sensor b: the stopwatch is unchanged.
    assert sup.next_deadline() == local(2025, 1, 15, 9, 30)
    clock.set(local(2025, 1, 15, 8, 30))
    events = sup.sensor_update("a", motion=False, available=True)
    assert kinds(events) == [EventKind.SENSOR_RECOVERED]
    assert events[0].data == {
        "sensor_id": "a",
        "problem": "unavailable",
        "problem_since": iso(8, 15),
    }
    assert sup.status is Status.OK
    assert sup.last_motion == local(2025, 1, 15, 7, 30)  # unavailable -> off is not motion


def test_short_unavailability_is_no_problem(clock, make):
    clock.set(local(2025, 1, 15, 7, 50))
    sup = make(TWO)
    clock.set(local(2025, 1, 15, 8, 0))
    sup.sensor_update("a", motion=None, available=False)
    clock.set(local(2025, 1, 15, 8, 10))
    sup.sensor_update("a", motion=None, available=False)  # still unavailable: same start
    clock.set(local(2025, 1, 15, 8, 14))
    assert sup.sensor_update("a", motion=None, available=True) == []
    clock.set(local(2025, 1, 15, 8, 30))
    assert sup.tick() == []
    assert sup.status is Status.OK


def test_unavailable_sensor_in_motion_state_is_not_activity(clock, make):
    clock.set(local(2025, 1, 15, 7, 0))
    sup = make(TWO)
    sup.sensor_update("a", motion=True, available=True)
    clock.set(local(2025, 1, 15, 7, 5))
    sup.sensor_update("a", motion=None, available=False)
    clock.set(local(2025, 1, 15, 7, 6))
    sup.sensor_update("a", motion=False, available=True)
    assert sup.last_motion == local(2025, 1, 15, 7, 0)


def test_every_sensor_with_a_problem_means_not_supervised(clock, make):
    clock.set(local(2025, 1, 15, 7, 30))
    sup = make(TWO)
    sup.sensor_update("b", motion=True, available=True)
    clock.set(local(2025, 1, 15, 8, 0))
    sup.sensor_update("a", motion=None, available=False)
    sup.sensor_update("b", motion=None, available=False)
    clock.set(local(2025, 1, 15, 8, 15))
    assert kinds(sup.tick()) == [EventKind.SENSOR_PROBLEM, EventKind.SENSOR_PROBLEM]
    assert sup.status is Status.NOT_SUPERVISED
    assert sup.next_deadline() is None  # offline is never read as "no motion"
    assert sup.next_check is None
    clock.set(local(2025, 1, 15, 12, 0))
    assert sup.tick() == []
    events = sup.sensor_update("b", motion=None, available=True)
    assert kinds(events) == [EventKind.SENSOR_RECOVERED]
    assert sup.status is Status.SENSOR_PROBLEM
    # Supervision restarts from the recovery, not from the 07:30 motion.
    assert sup.still_since == local(2025, 1, 15, 12, 0)
    assert sup.next_deadline() == local(2025, 1, 15, 14, 0)


def test_stale_sensor(clock, make):
    rules = {**TWO, "sensor_interval_minutes": 60}
    clock.set(local(2025, 1, 15, 7, 0))
    sup = make(rules)
    clock.set(local(2025, 1, 15, 7, 20))
    sup.sensor_update("a", motion=None, available=True)  # a heartbeat
    clock.set(local(2025, 1, 15, 7, 50))
    sup.sensor_update("b", motion=True, available=True)
    assert sup.next_deadline() == local(2025, 1, 15, 8, 20)
    clock.set(local(2025, 1, 15, 8, 20))
    events = sup.tick()
    assert [(e.kind, e.data["sensor_id"], e.data["problem"], e.data["since"]) for e in events] == [
        (EventKind.SENSOR_PROBLEM, "a", "stale", iso(7, 20))
    ]
    assert sup.status is Status.SENSOR_PROBLEM


def test_one_event_per_problem_episode(clock, make):
    rules = {**TWO, "sensor_interval_minutes": 60}
    clock.set(local(2025, 1, 15, 7, 0))
    sup = make(rules)
    clock.set(local(2025, 1, 15, 7, 30))
    sup.sensor_update("b", motion=True, available=True)
    clock.set(local(2025, 1, 15, 8, 0))
    assert kinds(sup.tick()) == [EventKind.SENSOR_PROBLEM]  # a: stale since 07:00
    clock.set(local(2025, 1, 15, 8, 10))
    sup.sensor_update("a", motion=None, available=False)
    sup.sensor_update("b", motion=None, available=True)
    clock.set(local(2025, 1, 15, 8, 30))
    assert sup.tick() == []  # the unavailable threshold does not raise a second alert
    assert sup.sensors["a"].problem is SensorProblem.STALE


def test_motion_from_a_problem_sensor_recovers_it_and_counts(clock, make):
    clock.set(local(2025, 1, 15, 7, 0))
    sup = make({"sensors": ["a"], "continuous_minutes": 120})
    sup.sensor_update("a", motion=None, available=False)
    clock.set(local(2025, 1, 15, 7, 15))
    assert kinds(sup.tick()) == [EventKind.SENSOR_PROBLEM]
    assert sup.status is Status.NOT_SUPERVISED
    clock.set(local(2025, 1, 15, 7, 40))
    assert kinds(sup.sensor_update("a", motion=True, available=True)) == [
        EventKind.SENSOR_RECOVERED
    ]
    assert sup.last_motion == local(2025, 1, 15, 7, 40)
    assert sup.status is Status.OK


def test_sensor_unavailable_during_window_single_sensor_skips_the_check(clock, make):
    sup = make({"sensors": ["a"], "windows": [{"start": "07:00", "end": "10:00"}]})
    clock.set(local(2025, 1, 15, 8, 0))
    sup.sensor_update("a", motion=None, available=False)
    clock.set(local(2025, 1, 15, 8, 15))
    assert kinds(sup.tick()) == [EventKind.SENSOR_PROBLEM]
    clock.set(local(2025, 1, 15, 10, 0))
    events = sup.tick()
    assert kinds(events) == [EventKind.CHECK_SKIPPED]
    assert events[0].data["reason"] == "sensor_problem"
    assert events[0].data["window"] == "07:00-10:00"
    assert sup.status is Status.NOT_SUPERVISED
    assert sup.grace is None


def test_sensor_unavailable_during_window_other_sensor_still_supervises(clock, make):
    sup = make({"sensors": ["a", "b"], "windows": [{"start": "07:00", "end": "10:00"}]})
    clock.set(local(2025, 1, 15, 8, 0))
    sup.sensor_update("a", motion=None, available=False)
    clock.set(local(2025, 1, 15, 10, 0))
    assert kinds(sup.tick()) == [
        EventKind.SENSOR_PROBLEM,
        EventKind.CHECK_MISSED,
        EventKind.GRACE_STARTED,
    ]
    assert sup.status is Status.GRACE  # grace outranks the sensor problem


def test_unassigned_sensor_is_ignored(clock, make):
    sup = make(TWO)
    clock.set(local(2025, 1, 15, 7, 0))
    assert sup.sensor_update("zzz", motion=True, available=True) == []
    assert sup.battery_update("zzz", low=True) == []
    assert sup.last_motion is None
    assert set(sup.sensors) == {"a", "b"}


def test_no_sensor_assigned_means_not_supervised(clock, make):
    sup = make({"continuous_minutes": 60})
    assert sup.status is Status.NOT_SUPERVISED
    assert sup.next_deadline() is None


def test_low_battery_at_most_once_a_day(clock, make):
    sup = make({"sensors": ["a", "b"]})
    clock.set(local(2025, 1, 15, 8, 0))
    events = sup.battery_update("a", low=True)
    assert [(e.kind, dict(e.data)) for e in events] == [(EventKind.LOW_BATTERY, {"sensor_id": "a"})]
    clock.set(local(2025, 1, 15, 9, 0))
    assert sup.battery_update("a", low=True) == []
    assert kinds(sup.battery_update("b", low=True)) == [EventKind.LOW_BATTERY]  # per sensor
    clock.set(local(2025, 1, 15, 10, 0))
    assert sup.battery_update("a", low=False) == []
    assert sup.sensors["a"].battery_low is False
    clock.set(local(2025, 1, 16, 7, 59))
    assert sup.battery_update("a", low=True) == []
    clock.set(local(2025, 1, 16, 8, 0))
    assert kinds(sup.battery_update("a", low=True)) == [EventKind.LOW_BATTERY]
    assert sup.sensors["a"].problem is None  # low battery is not a sensor problem
    assert sup.sensors["a"].low_battery_notified_at == local(2025, 1, 16, 8, 0)


def test_sensor_problem_while_paused_is_still_reported(clock, make):
    sup = make(TWO)
    clock.set(local(2025, 1, 15, 8, 0))
    sup.pause(until=None, reason="hospital", user_id="user-1")
    sup.sensor_update("a", motion=None, available=False)
    clock.set(local(2025, 1, 15, 8, 15))
    events = sup.tick()
    assert kinds(events) == [EventKind.SENSOR_PROBLEM]
    assert events[0].data["paused"] is True
    assert sup.status is Status.PAUSED
