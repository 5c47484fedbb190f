"""State round-trip, restarts (during grace, alarm, downtime) and live rule changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from custom_components.municipal_iot.supervision.events import EventKind
from custom_components.municipal_iot.supervision.rules import ApartmentRules
from custom_components.municipal_iot.supervision.state import SensorProblem, Status

TZ = ZoneInfo("Europe/Stockholm")
RULES = {
    "sensors": ["a", "b"],
    "continuous_minutes": 60,
    "windows": [{"start": "07:00", "end": "10:00"}],
    "policy": {"escalation_minutes": 5, "reminder_minutes": 5},
}


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


def iso(hour: int, minute: int) -> str:
    return local(2025, 1, 15, hour, minute).isoformat()


def kinds(events):
    return [event.kind for event in events]


def restart(sup, make, rules=RULES):
    """Save through JSON, as the Store would, and build a new instance."""
    state = json.loads(json.dumps(sup.to_dict()))
    return make(rules, state=state)


def test_round_trip_keeps_everything(clock, make):
    clock.set(local(2025, 1, 15, 8, 0))
    sup = make(RULES)
    sup.sensor_update("a", motion=True, available=True)
    clock.set(local(2025, 1, 15, 8, 30))
    sup.sensor_update("b", motion=None, available=False)
    sup.battery_update("a", low=True)
    clock.set(local(2025, 1, 15, 9, 10))
    sup.tick()  # b has a problem since 08:45, grace started 09:00, alarm 09:10
    sup.acknowledge("user-1")
    clock.set(local(2025, 1, 15, 9, 12))
    sup.pause(until=local(2025, 1, 15, 12, 0), reason="guests", user_id="user-1")
    assert sup.status is Status.ACKNOWLEDGED
    copy = restart(sup, make)
    assert copy.to_dict() == sup.to_dict()
    assert copy.status is Status.ACKNOWLEDGED
    assert copy.episode == sup.episode
    assert copy.paused == sup.paused
    assert copy.sensors == sup.sensors
    assert copy.sensors["b"].problem is SensorProblem.UNAVAILABLE
    assert copy.last_motion == local(2025, 1, 15, 8, 0)
    assert copy.next_deadline() == sup.next_deadline() == local(2025, 1, 15, 12, 0)


def test_restart_during_grace_continues(clock, make):
    clock.set(local(2025, 1, 15, 8, 0))
    sup = make(RULES)
    clock.set(local(2025, 1, 15, 9, 0))
    assert kinds(sup.tick()) == [EventKind.GRACE_STARTED]
    clock.set(local(2025, 1, 15, 9, 5))
    state = sup.to_dict()
    clock.set(local(2025, 1, 15, 9, 6))
    copy = make(RULES, state=json.loads(json.dumps(state)))
    assert copy.tick() == []
    assert copy.status is Status.GRACE
    assert copy.grace == sup.grace
    assert copy.next_deadline() == local(2025, 1, 15, 9, 10)
    clock.set(local(2025, 1, 15, 9, 10))
    events = copy.tick()
    assert kinds(events) == [EventKind.ALARM_RAISED]
    assert events[0].data["grace_started_at"] == iso(9, 0)


def test_restart_during_grace_then_motion_cancels(clock, make):
    clock.set(local(2025, 1, 15, 8, 0))
    sup = make(RULES)
    clock.set(local(2025, 1, 15, 9, 0))
    sup.tick()
    copy = restart(sup, make)
    clock.set(local(2025, 1, 15, 9, 4))
    assert kinds(copy.sensor_update("b", motion=True, available=True)) == [
        EventKind.GRACE_CANCELLED
    ]


def test_restart_during_alarm_continues(clock, make):
    clock.set(local(2025, 1, 15, 8, 0))
    sup = make(RULES)
    clock.set(local(2025, 1, 15, 9, 10))
    sup.tick()
    episode_id = sup.episode.episode_id
    clock.set(local(2025, 1, 15, 9, 12))
    copy = restart(sup, make)
    assert copy.status is Status.ALARM
    assert copy.next_deadline() == local(2025, 1, 15, 9, 15)
    clock.set(local(2025, 1, 15, 9, 15))
    assert kinds(copy.tick()) == [EventKind.ESCALATE, EventKind.REMIND]
    clock.set(local(2025, 1, 15, 9, 16))
    events = copy.acknowledge("user-4")
    assert events[0].data == {"episode_id": episode_id, "user_id": "user-4"}
    copy = restart(copy, make)
    clock.set(local(2025, 1, 15, 9, 30))
    events = copy.resolve("user-4", "visited_ok")
    assert kinds(events) == [EventKind.RESOLVED]
    assert events[0].data["acknowledged"] is True


def test_alarm_that_became_due_while_down_fires_on_first_tick(clock, make):
    clock.set(local(2025, 1, 15, 8, 0))
    sup = make(RULES)
    sup.sensor_update("a", motion=True, available=True)
    clock.set(local(2025, 1, 15, 8, 30))
    state = json.loads(json.dumps(sup.to_dict()))
    clock.set(local(2025, 1, 15, 12, 0))  # Home Assistant was down 08:30-12:00
    copy = make(RULES, state=state)
    events = copy.tick()
    assert [(e.kind, e.at) for e in events] == [
        (EventKind.GRACE_STARTED, local(2025, 1, 15, 12, 0)),
        (EventKind.ALARM_RAISED, local(2025, 1, 15, 12, 0)),
        (EventKind.CHECK_PASSED, local(2025, 1, 15, 12, 0)),
    ]
    assert events[0].data["due_at"] == iso(9, 0)
    assert events[1].data["due_at"] == iso(9, 10)
    assert events[1].data["still_since"] == iso(8, 0)
    assert events[1].data["still_minutes"] == 240
    assert events[2].data["last_activity"] == iso(8, 0)  # 07-10 window: motion at 08:00
    assert copy.status is Status.ALARM
    # Escalation and reminders count from when the alarm was actually raised.
    assert copy.next_deadline() == local(2025, 1, 15, 12, 5)


def test_grace_ending_while_down_raises_at_once(clock, make):
    clock.set(local(2025, 1, 15, 8, 0))
    sup = make({"sensors": ["a"], "continuous_minutes": 60})
    clock.set(local(2025, 1, 15, 9, 0))
    sup.tick()
    clock.set(local(2025, 1, 15, 9, 30))
    copy = restart(sup, make, {"sensors": ["a"], "continuous_minutes": 60})
    events = copy.tick()
    assert kinds(events) == [EventKind.ALARM_RAISED]
    assert events[0].data["due_at"] == iso(9, 10)
    assert events[0].at == local(2025, 1, 15, 9, 30)


def test_stale_sensor_from_persisted_last_update(clock, make):
    rules = {"sensors": ["a"], "continuous_minutes": 600, "sensor_interval_minutes": 60}
    clock.set(local(2025, 1, 15, 8, 0))
    sup = make(rules)
    sup.sensor_update("a", motion=True, available=True)
    clock.set(local(2025, 1, 15, 10, 0))
    copy = restart(sup, make, rules)
    events = copy.tick()
    assert kinds(events) == [EventKind.SENSOR_PROBLEM]
    assert events[0].data["problem"] == "stale"
    assert events[0].data["due_at"] == iso(9, 0)
    assert copy.status is Status.NOT_SUPERVISED


def test_unknown_state_version_is_rejected(clock, make):
    with pytest.raises(ValueError, match="version"):
        make(RULES, state={"version": 99})


def test_corrupt_state_time_is_rejected(clock, make):
    state = make(RULES).to_dict()
    with pytest.raises(TypeError, match="ISO 8601"):
        make(RULES, state={**state, "clock_start": 1736924400})


def test_apartment_id_and_rules_properties(clock, make):
    sup = make(RULES, apartment_id="house-3/apt-12")
    assert sup.apartment_id == "house-3/apt-12"
    assert sup.rules == ApartmentRules.from_dict(RULES)
    assert sup.to_dict()["apartment_id"] == "house-3/apt-12"


def test_update_rules_shorter_threshold_applies_live(clock, make):
    rules = {"sensors": ["a"], "bands": [{"start": "07:00", "end": "22:00", "minutes": 180}]}
    clock.set(local(2025, 1, 15, 8, 0))
    sup = make(rules)
    sup.sensor_update("a", motion=True, available=True)
    clock.set(local(2025, 1, 15, 9, 30))
    assert sup.tick() == []
    shorter = {"sensors": ["a"], "bands": [{"start": "07:00", "end": "22:00", "minutes": 60}]}
    events = sup.update_rules(ApartmentRules.from_dict(shorter))
    assert kinds(events) == [EventKind.GRACE_STARTED]
    assert events[0].data["due_at"] == iso(9, 0)
    assert events[0].data["ends_at"] == iso(9, 40)  # grace runs from the change
    assert events[0].data["threshold_minutes"] == 60
    assert sup.rules == ApartmentRules.from_dict(shorter)
    assert sup.next_deadline() == local(2025, 1, 15, 9, 40)


def test_update_rules_longer_threshold_moves_the_deadline(clock, make):
    rules = {"sensors": ["a"], "continuous_minutes": 60}
    clock.set(local(2025, 1, 15, 8, 0))
    sup = make(rules)
    assert sup.next_deadline() == local(2025, 1, 15, 9, 0)
    clock.set(local(2025, 1, 15, 8, 30))
    assert sup.update_rules(ApartmentRules.from_dict({**rules, "continuous_minutes": 240})) == []
    assert sup.next_deadline() == local(2025, 1, 15, 12, 0)


def test_update_rules_new_window_ignores_the_past(clock, make):
    clock.set(local(2025, 1, 15, 8, 0))
    sup = make({"sensors": ["a"]})
    clock.set(local(2025, 3, 1, 9, 0))  # weeks later
    events = sup.update_rules(
        ApartmentRules.from_dict(
            {"sensors": ["a"], "windows": [{"start": "08:00", "end": "10:00"}]}
        )
    )
    assert events == []
    assert sup.next_deadline() == local(2025, 3, 1, 10, 0)


def test_update_rules_sensor_changes(clock, make):
    clock.set(local(2025, 1, 15, 8, 0))
    sup = make({"sensors": ["a"], "continuous_minutes": 120})
    sup.sensor_update("a", motion=None, available=False)
    clock.set(local(2025, 1, 15, 8, 15))
    sup.tick()
    assert sup.status is Status.NOT_SUPERVISED
    clock.set(local(2025, 1, 15, 9, 0))
    events = sup.update_rules(
        ApartmentRules.from_dict({"sensors": ["c"], "continuous_minutes": 120})
    )
    assert events == []
    assert set(sup.sensors) == {"c"}
    assert sup.sensors["c"].last_update == local(2025, 1, 15, 9, 0)
    assert sup.status is Status.OK
    assert sup.still_since == local(2025, 1, 15, 9, 0)  # supervised again from now


def test_update_rules_changes_reminders_of_an_open_episode(clock, make):
    base = {"sensors": ["a"], "continuous_minutes": 60, "grace_minutes": 0}
    clock.set(local(2025, 1, 15, 8, 0))
    sup = make(base)
    clock.set(local(2025, 1, 15, 9, 0))
    assert kinds(sup.tick()) == [EventKind.ALARM_RAISED]
    assert sup.next_deadline() is None
    clock.set(local(2025, 1, 15, 9, 2))
    sup.update_rules(ApartmentRules.from_dict({**base, "policy": {"reminder_minutes": 3}}))
    assert sup.next_deadline() == local(2025, 1, 15, 9, 5)
    sup.update_rules(ApartmentRules.from_dict({**base, "policy": {"reminder_minutes": 10}}))
    assert sup.next_deadline() == local(2025, 1, 15, 9, 5)  # the pending reminder stays
    sup.update_rules(ApartmentRules.from_dict(base))
    assert sup.next_deadline() is None


def test_update_rules_keeps_a_running_grace(clock, make):
    clock.set(local(2025, 1, 15, 8, 0))
    sup = make({"sensors": ["a"], "continuous_minutes": 60})
    clock.set(local(2025, 1, 15, 9, 0))
    sup.tick()
    clock.set(local(2025, 1, 15, 9, 5))
    assert sup.update_rules(ApartmentRules.from_dict({"sensors": ["a"]})) == []
    assert sup.status is Status.GRACE
    clock.set(local(2025, 1, 15, 9, 10))
    assert kinds(sup.tick()) == [EventKind.ALARM_RAISED]


def test_motion_seen_before_supervision_is_shown_not_counted(clock, make):
    """A sensor's last change before the apartment was added is its last motion, for display."""
    clock.set(local(2025, 1, 15, 8, 0))
    sup = make(RULES)
    sup.seed_last_motion(local(2025, 1, 15, 7, 43))
    assert sup.last_motion == local(2025, 1, 15, 7, 43)
    assert sup.still_since == local(2025, 1, 15, 8, 0)  # nothing was watched before
    assert sup.last_activity is None
    sup.seed_last_motion(local(2025, 1, 15, 7, 10))  # an older change changes nothing
    sup.seed_last_motion(local(2025, 1, 15, 9, 0))  # a future one is capped at now
    assert sup.last_motion == local(2025, 1, 15, 8, 0)
    again = restart(sup, make)
    assert again.last_motion == local(2025, 1, 15, 8, 0)
    clock.set(local(2025, 1, 15, 8, 30))
    again.sensor_update("a", motion=True, available=True)
    again.seed_last_motion(local(2025, 1, 15, 8, 10))  # real motion since: not replaced
    assert again.last_motion == local(2025, 1, 15, 8, 30)
