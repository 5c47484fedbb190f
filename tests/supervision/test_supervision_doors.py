"""Doors: an outing (away, "not back") and the night exit."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.municipal_iot.supervision.engine import ApartmentSupervisor
from custom_components.municipal_iot.supervision.events import EventKind
from custom_components.municipal_iot.supervision.rules import ApartmentRules, RulesError
from custom_components.municipal_iot.supervision.state import Status

TZ = ZoneInfo("Europe/Stockholm")
OUTING = {
    "sensors": ["pir", "door"],
    "doors": ["door"],
    "continuous_minutes": 60,
    "grace_minutes": 10,
    "outing": {"minutes": 10, "not_back": None},
}
NOT_BACK = OUTING | {
    "outing": {"minutes": 10, "not_back": {"start": "22:00", "end": "07:00", "minutes": 30}}
}
NIGHT = {
    "sensors": ["pir", "door"],
    "doors": ["door"],
    "continuous_minutes": 240,
    "night_exit": {"start": "22:00", "end": "06:00", "return_minutes": 2},
    "policy": {"escalation_minutes": 5, "reminder_minutes": None},
}


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


def kinds(events):
    return [event.kind for event in events]


def door(sup, clock, at, *, opened):
    clock.set(at)
    return sup.sensor_update("door", motion=opened, available=True)


def motion(sup, clock, at):
    """A motion report; the sensor clears at once (as a PIR with a short hold does)."""
    clock.set(at)
    events = sup.sensor_update("pir", motion=True, available=True)
    return events + sup.sensor_update("pir", motion=False, available=True)


def leave(sup, clock, at):
    """The door opens and closes a minute later."""
    events = door(sup, clock, at, opened=True)
    return events + door(sup, clock, at + timedelta(minutes=1), opened=False)


def test_rules_round_trip_and_validation():
    rules = ApartmentRules.from_dict(NOT_BACK | {"night_exit": NIGHT["night_exit"]})
    assert ApartmentRules.from_dict(json.loads(json.dumps(rules.to_dict()))) == rules
    assert rules.has_rules
    only_outing = ApartmentRules.from_dict(OUTING | {"continuous_minutes": None})
    assert not only_outing.has_rules  # an outing alone never raises an alarm
    with pytest.raises(RulesError, match="door sensor"):
        ApartmentRules.from_dict(OUTING | {"doors": ["elsewhere"]})
    with pytest.raises(RulesError, match="doors"):
        ApartmentRules.from_dict(OUTING | {"doors": "door"})
    with pytest.raises(RulesError, match="band needs"):
        ApartmentRules.from_dict(
            OUTING | {"outing": {"not_back": {"start": "22:00", "end": "07:00", "minutes": None}}}
        )


def test_outing_is_away_and_raises_no_inactivity_alarm(clock, make):
    clock.set(local(2025, 1, 15, 14, 0))
    sup = make(OUTING)
    motion(sup, clock, local(2025, 1, 15, 14, 5))
    assert leave(sup, clock, local(2025, 1, 15, 14, 20)) == []
    assert sup.next_deadline() == local(2025, 1, 15, 14, 31)  # closed 14:21 + 10 min
    clock.set(local(2025, 1, 15, 14, 31))
    events = sup.tick()
    assert kinds(events) == [EventKind.AWAY_STARTED]
    assert events[0].data == {
        "since": local(2025, 1, 15, 14, 21).isoformat(),
        "due_at": local(2025, 1, 15, 14, 31).isoformat(),
    }
    assert sup.status is Status.AWAY
    assert sup.next_deadline() is None
    assert sup.next_check is None
    # Five hours out: the 60-minute rule stays quiet.
    clock.set(local(2025, 1, 15, 19, 30))
    assert sup.tick() == []
    # Motion: back home, ok, the still time counts from the return.
    events = motion(sup, clock, local(2025, 1, 15, 19, 31))
    assert kinds(events) == [EventKind.AWAY_ENDED]
    assert events[0].data == {
        "since": local(2025, 1, 15, 14, 21).isoformat(),
        "minutes": 310,
        "reason": "motion",
    }
    assert sup.status is Status.OK
    assert sup.next_check == local(2025, 1, 15, 20, 31)


def test_door_alone_does_not_end_an_outing_door_then_motion_does(clock, make):
    clock.set(local(2025, 1, 15, 14, 0))
    sup = make(OUTING)
    leave(sup, clock, local(2025, 1, 15, 14, 0))
    clock.set(local(2025, 1, 15, 14, 11))
    assert kinds(sup.tick()) == [EventKind.AWAY_STARTED]
    # Someone opens and closes the door, nobody comes in: still away, no new outing.
    assert leave(sup, clock, local(2025, 1, 15, 16, 0)) == []
    clock.set(local(2025, 1, 15, 18, 0))
    assert sup.tick() == []
    assert sup.status is Status.AWAY
    assert sup.away is not None
    assert sup.away.since == local(2025, 1, 15, 14, 1)
    door(sup, clock, local(2025, 1, 15, 18, 30), opened=True)
    assert kinds(motion(sup, clock, local(2025, 1, 15, 18, 31))) == [EventKind.AWAY_ENDED]
    assert sup.status is Status.OK


def test_motion_after_the_door_means_no_outing(clock, make):
    clock.set(local(2025, 1, 15, 14, 0))
    sup = make(OUTING)
    leave(sup, clock, local(2025, 1, 15, 14, 0))
    motion(sup, clock, local(2025, 1, 15, 14, 5))  # someone came in, or never left
    clock.set(local(2025, 1, 15, 15, 5))
    assert kinds(sup.tick()) == [EventKind.GRACE_STARTED]  # the 60-minute rule as usual


def test_motion_sensor_still_on_is_not_an_outing(clock, make):
    clock.set(local(2025, 1, 15, 14, 0))
    sup = make(OUTING)
    clock.set(local(2025, 1, 15, 14, 0))
    sup.sensor_update("pir", motion=True, available=True)  # stays "on": someone keeps moving
    leave(sup, clock, local(2025, 1, 15, 14, 1))
    clock.set(local(2025, 1, 15, 14, 12))
    assert sup.tick() == []
    assert sup.status is Status.OK


def test_outing_cancels_a_running_grace_and_skips_check_windows(clock, make):
    rules = OUTING | {
        "continuous_minutes": 5,
        "windows": [{"start": "15:00", "end": "16:00"}],
    }
    clock.set(local(2025, 1, 15, 14, 0))
    sup = make(rules)
    leave(sup, clock, local(2025, 1, 15, 14, 0))
    clock.set(local(2025, 1, 15, 14, 11))
    assert kinds(sup.tick()) == [
        EventKind.GRACE_STARTED,
        EventKind.GRACE_CANCELLED,
        EventKind.AWAY_STARTED,
    ]
    clock.set(local(2025, 1, 15, 16, 0))
    events = sup.tick()
    assert kinds(events) == [EventKind.CHECK_SKIPPED]
    assert events[0].data["reason"] == "away"


def test_not_back_raises_its_own_alarm_inside_the_band(clock, make):
    clock.set(local(2025, 1, 15, 20, 0))
    sup = make(NOT_BACK | {"policy": {"escalation_minutes": 5, "reminder_minutes": None}})
    leave(sup, clock, local(2025, 1, 15, 21, 0))
    clock.set(local(2025, 1, 15, 21, 11))
    assert kinds(sup.tick()) == [EventKind.AWAY_STARTED]
    # The band counts from 22:00: 30 minutes later, no grace.
    assert sup.next_check == local(2025, 1, 15, 22, 30)
    assert sup.next_alarm == local(2025, 1, 15, 22, 30)
    clock.set(local(2025, 1, 15, 22, 30))
    events = sup.tick()
    assert kinds(events) == [EventKind.ALARM_RAISED]
    assert events[0].data["reason"] == "not_back"
    assert events[0].data["away_since"] == local(2025, 1, 15, 21, 1).isoformat()
    assert events[0].data["band"] == "22:00-07:00"
    assert events[0].data["grace_started_at"] is None
    assert sup.status is Status.ALARM
    clock.set(local(2025, 1, 15, 22, 35))
    assert kinds(sup.tick()) == [EventKind.ESCALATE]
    # Back home: the alarm's motion returns, the outing ends; staff close it.
    events = motion(sup, clock, local(2025, 1, 15, 22, 50))
    assert kinds(events) == [EventKind.AWAY_ENDED, EventKind.MOTION_RETURNED]
    clock.set(local(2025, 1, 15, 22, 55))
    events = sup.resolve("user-1", "visited_all_ok")
    assert kinds(events) == [EventKind.RESOLVED]
    assert sup.status is Status.OK


def test_resolving_while_still_away_ends_the_outing_and_raises_no_second_not_back(clock, make):
    clock.set(local(2025, 1, 15, 22, 0))
    sup = make(NOT_BACK)
    leave(sup, clock, local(2025, 1, 15, 22, 0))
    clock.set(local(2025, 1, 15, 23, 0))
    assert kinds(sup.tick()) == [EventKind.AWAY_STARTED, EventKind.ALARM_RAISED]
    events = sup.resolve("user-1", "visited_all_ok")
    assert kinds(events) == [EventKind.RESOLVED, EventKind.AWAY_ENDED]
    assert events[1].data["reason"] == "resolved"
    assert sup.status is Status.OK


def test_resolving_drops_a_door_closed_before_it(clock, make):
    # Found by the property test: a night exit's door closed, staff resolve 15 min later.
    clock.set(local(2025, 1, 15, 22, 0))
    sup = make(NOT_BACK | {"night_exit": NIGHT["night_exit"]})
    assert kinds(leave(sup, clock, local(2025, 1, 15, 22, 5))) == [EventKind.ALARM_RAISED]
    clock.set(local(2025, 1, 15, 22, 20))
    assert kinds(sup.resolve("u", "visited_all_ok")) == [EventKind.RESOLVED]
    assert sup.status is Status.OK  # staff were there: no outing from the old door


def test_away_outside_the_not_back_band_raises_nothing(clock, make):
    clock.set(local(2025, 1, 15, 8, 0))
    sup = make(NOT_BACK)
    leave(sup, clock, local(2025, 1, 15, 8, 0))
    clock.set(local(2025, 1, 15, 21, 59))
    assert kinds(sup.tick()) == [EventKind.AWAY_STARTED]
    assert sup.status is Status.AWAY


def test_outing_survives_a_restart_and_switching_the_rule_off_ends_it(clock, make):
    clock.set(local(2025, 1, 15, 14, 0))
    sup = make(NOT_BACK)
    leave(sup, clock, local(2025, 1, 15, 14, 0))
    clock.set(local(2025, 1, 15, 14, 11))
    sup.tick()
    state = json.loads(json.dumps(sup.to_dict()))
    again = make(NOT_BACK, state=state)
    assert again.status is Status.AWAY
    assert again.to_dict() == sup.to_dict()
    events = again.update_rules(ApartmentRules.from_dict(OUTING | {"outing": None}))
    assert kinds(events) == [EventKind.AWAY_ENDED]
    assert events[0].data["reason"] == "rules"
    assert again.status is Status.OK


def test_a_pause_drops_a_pending_outing(clock, make):
    clock.set(local(2025, 1, 15, 14, 0))
    sup = make(OUTING)
    leave(sup, clock, local(2025, 1, 15, 14, 0))
    sup.pause(until=local(2025, 1, 15, 14, 5), reason="guests", user_id="u")
    clock.set(local(2025, 1, 15, 14, 20))
    assert kinds(sup.tick()) == [EventKind.RESUMED]
    assert sup.status is Status.OK


def test_no_outing_without_a_working_motion_sensor(clock, make):
    clock.set(local(2025, 1, 15, 14, 0))
    sup = make(OUTING | {"sensor_unavailable_minutes": 1})
    sup.sensor_update("pir", motion=None, available=False)
    clock.set(local(2025, 1, 15, 14, 1))
    assert kinds(sup.tick()) == [EventKind.SENSOR_PROBLEM]
    leave(sup, clock, local(2025, 1, 15, 14, 2))
    assert sup.next_deadline() == local(2025, 1, 15, 15, 3)  # the 60-minute rule, no outing
    clock.set(local(2025, 1, 15, 14, 30))
    assert sup.tick() == []
    assert sup.status is Status.SENSOR_PROBLEM


# ----------------------------------------------------------------- night exit


def test_night_exit_raises_at_once_and_a_return_is_marked(clock, make):
    clock.set(local(2025, 1, 16, 1, 0))
    sup = make(NIGHT)
    events = door(sup, clock, local(2025, 1, 16, 3, 12), opened=True)
    assert kinds(events) == [EventKind.ALARM_RAISED]
    data = events[0].data
    assert data["reason"] == "night_exit"
    assert data["door_opened_at"] == local(2025, 1, 16, 3, 12).isoformat()
    assert data["sensor_id"] == "door"
    assert data["band"] == "22:00-06:00"
    assert data["grace_started_at"] is None
    door(sup, clock, local(2025, 1, 16, 3, 13), opened=False)
    events = motion(sup, clock, local(2025, 1, 16, 3, 14))
    assert kinds(events) == [EventKind.NIGHT_EXIT_RETURNED]
    assert events[0].data["returned_at"] == local(2025, 1, 16, 3, 14).isoformat()
    assert sup.episode is not None
    assert sup.episode.detail["returned_at"] == local(2025, 1, 16, 3, 14).isoformat()
    # Not cancelled: it still escalates until someone acknowledges.
    assert sup.status is Status.ALARM
    clock.set(local(2025, 1, 16, 3, 17))
    assert kinds(sup.tick()) == [EventKind.ESCALATE]
    assert motion(sup, clock, local(2025, 1, 16, 3, 18)) == []  # marked once
    events = sup.resolve("user-1", "visited_all_ok")
    assert events[0].data["motion_returned"] is True


def test_night_exit_motion_after_the_return_minutes_is_not_a_return(clock, make):
    clock.set(local(2025, 1, 15, 20, 0))
    sup = make(NIGHT)
    door(sup, clock, local(2025, 1, 15, 23, 0), opened=True)
    assert motion(sup, clock, local(2025, 1, 15, 23, 3)) == []
    events = sup.resolve("user-1", "visited_all_ok")
    assert events[0].data["motion_returned"] is False


def test_door_outside_the_night_band_is_only_activity(clock, make):
    clock.set(local(2025, 1, 16, 5, 0))
    sup = make(NIGHT)
    assert door(sup, clock, local(2025, 1, 16, 6, 0), opened=True) == []  # end exclusive
    assert sup.last_motion == local(2025, 1, 16, 6, 0)
    assert door(sup, clock, local(2025, 1, 16, 9, 59), opened=False) == []
    assert sup.status is Status.OK


def test_second_door_opening_during_an_alarm_is_logged_only(clock, make):
    clock.set(local(2025, 1, 15, 20, 0))
    sup = make(NIGHT)
    door(sup, clock, local(2025, 1, 15, 23, 0), opened=True)
    door(sup, clock, local(2025, 1, 15, 23, 1), opened=False)
    events = door(sup, clock, local(2025, 1, 15, 23, 4), opened=True)
    assert kinds(events) == [EventKind.NIGHT_DOOR]
    assert events[0].data["episode_id"] == sup.episode.episode_id
    # Held open: repeated reports are no new opening.
    assert door(sup, clock, local(2025, 1, 15, 23, 4, 30), opened=True) == []


def test_night_exit_is_not_armed_while_paused(clock, make):
    clock.set(local(2025, 1, 15, 22, 30))
    sup = make(NIGHT)
    sup.pause(until=local(2025, 1, 16, 8, 0), reason="guests", user_id="u")
    assert door(sup, clock, local(2025, 1, 16, 2, 0), opened=True) == []


def test_night_exit_cancels_a_grace_and_respects_weekdays(clock, make):
    rules = NIGHT | {
        "continuous_minutes": 30,
        "night_exit": {"start": "22:00", "end": "06:00", "weekdays": [2]},  # Wednesday nights
    }
    clock.set(local(2025, 1, 15, 22, 0))  # a Wednesday
    sup = make(rules)
    clock.set(local(2025, 1, 15, 22, 30))
    assert kinds(sup.tick()) == [EventKind.GRACE_STARTED]
    events = door(sup, clock, local(2025, 1, 15, 22, 35), opened=True)  # Wednesday's night
    assert kinds(events) == [EventKind.GRACE_CANCELLED, EventKind.ALARM_RAISED]
    sup.resolve("u", "visited_all_ok")
    door(sup, clock, local(2025, 1, 15, 22, 36), opened=False)
    clock.set(local(2025, 1, 16, 23, 0))
    sup.tick()
    sup.resolve("u", "visited_all_ok")  # the 30-minute rule's alarm meanwhile
    events = door(sup, clock, local(2025, 1, 16, 23, 0), opened=True)  # Thursday: off
    assert EventKind.ALARM_RAISED not in kinds(events)
    assert sup.episode is None


def test_night_exit_band_over_the_spring_forward_night(clock, make):
    # 2025-03-30 02:00-03:00 does not exist in Stockholm; the band 01:00-04:00 is 2 h long.
    rules = NIGHT | {"night_exit": {"start": "01:00", "end": "04:00"}}
    clock.set(local(2025, 3, 30, 1, 30))
    sup = make(rules)
    at = datetime(2025, 3, 30, 1, 59, tzinfo=UTC)  # 03:59 summer time: inside
    assert kinds(door(sup, clock, at, opened=True)) == [EventKind.ALARM_RAISED]
    sup.resolve("u", "visited_all_ok")
    door(sup, clock, at + timedelta(seconds=30), opened=False)
    assert door(sup, clock, at + timedelta(minutes=1), opened=True) == []  # 04:00: outside


# ------------------------------------------------------------------ properties

DOOR_ACTIONS = st.sampled_from(
    ["door_open", "door_close", "motion", "clear", "tick", "resolve", "restart"]
)
DOOR_STEPS = st.lists(st.tuples(st.integers(0, 90), DOOR_ACTIONS), max_size=50)
DOOR_RULES = ApartmentRules.from_dict(
    NOT_BACK | {"night_exit": NIGHT["night_exit"], "policy": NIGHT["policy"]}
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOOR_STEPS)
def test_random_door_walk_never_alarms_inactivity_while_away(steps):
    now = [datetime(2025, 3, 29, 18, 0, tzinfo=UTC)]
    sup = ApartmentSupervisor("apt", DOOR_RULES, tz=TZ, clock=lambda: now[0])
    for minutes, action in steps:
        now[0] += timedelta(minutes=minutes)
        away_before = sup.away is not None
        match action:
            case "door_open" | "door_close":
                events = sup.sensor_update("door", motion=action == "door_open", available=True)
            case "motion" | "clear":
                events = sup.sensor_update("pir", motion=action == "motion", available=True)
            case "resolve":
                events = sup.resolve("u", "visited_all_ok")
            case "restart":
                state = json.loads(json.dumps(sup.to_dict()))
                sup = ApartmentSupervisor(
                    "apt", DOOR_RULES, tz=TZ, clock=lambda: now[0], state=state
                )
                events = sup.tick()
            case _:
                events = sup.tick()
        for event in events:
            if event.kind in {EventKind.GRACE_STARTED, EventKind.ALARM_RAISED}:
                assert not (away_before and event.data["reason"] == "inactivity")
            if event.kind is EventKind.AWAY_STARTED:
                assert not away_before
            json.dumps(dict(event.data))
        if sup.away is not None:
            assert sup.status in {Status.AWAY, Status.ALARM, Status.ACKNOWLEDGED, Status.GRACE}
            assert sup.grace is None
        deadline = sup.next_deadline()
        assert deadline is None or deadline > now[0]
        assert sup.tick() == []
        copy = ApartmentSupervisor(
            "apt", DOOR_RULES, tz=TZ, clock=lambda: now[0], state=sup.to_dict()
        )
        assert copy.to_dict() == sup.to_dict()
        assert copy.next_deadline() == deadline
