"""Planned checks ("tillsynstillfällen"): done digitally, by a visit, paused, away; DST."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.municipal_iot.supervision.engine import ApartmentSupervisor
from custom_components.municipal_iot.supervision.events import EventKind
from custom_components.municipal_iot.supervision.planned_rules import PlannedChecks, PlannedTime
from custom_components.municipal_iot.supervision.rules import ApartmentRules, RulesError
from custom_components.municipal_iot.supervision.state import Status

TZ = ZoneInfo("Europe/Stockholm")
PLANNED = {"times": [{"at": "23:00"}, {"at": "02:00"}, {"at": "05:00"}], "lookback_minutes": 30}
RULES = {
    "sensors": ["pir", "door"],
    "doors": ["door"],
    "grace_minutes": 10,
    "planned": PLANNED,
    "policy": {"escalation_minutes": 5, "reminder_minutes": None},
}


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


def of(events, kind):
    return [event for event in events if event.kind is kind]


def motion(sup, clock, at):
    clock.set(at)
    events = sup.sensor_update("pir", motion=True, available=True)
    return events + sup.sensor_update("pir", motion=False, available=True)


def at(sup, clock, when):
    clock.set(when)
    return sup.tick()


def test_rules_round_trip_and_validation():
    rules = ApartmentRules.from_dict(
        RULES | {"planned": PLANNED | {"times": [{"at": "02:00", "weekdays": [0, 6]}]}}
    )
    assert rules.planned is not None
    assert rules.planned.times[0].weekdays == frozenset({0, 6})
    assert ApartmentRules.from_dict(json.loads(json.dumps(rules.to_dict()))) == rules
    assert rules.has_rules  # planned checks alone raise alarms
    assert ApartmentRules.from_dict(RULES | {"planned": None}).planned is None
    bad = [
        ({"times": []}, "1 to 24"),
        ({"times": "02:00"}, "must be a list"),
        ({"times": [{"at": "25:00"}]}, "out of range"),
        ({"times": [{"at": "02:00"}, {"at": "02:00", "weekdays": [1]}]}, "twice"),
        ({"times": [{"at": "02:00"}], "lookback_minutes": 241}, "at most 240"),
        ({"times": [{"at": "02:00"}], "lookback_minutes": 0}, "at least 1"),
        ({"times": [{"at": "02:00", "weekdays": []}]}, "weekday"),
        (
            {"times": [{"at": f"{hour:02d}:00"} for hour in range(24)] + [{"at": "00:30"}]},
            "1 to 24",
        ),
    ]
    for planned, message in bad:
        with pytest.raises(RulesError, match=message):
            ApartmentRules.from_dict(RULES | {"planned": planned})
    # Built in code: whole minutes, naive, weekdays 0..6 only.
    for item in (
        PlannedTime(time(2, 0, 30)),
        PlannedTime(time(2, 0, tzinfo=UTC)),
        PlannedTime(time(2, 0), frozenset({7})),
        PlannedTime(time(2, 0), frozenset()),
    ):
        with pytest.raises(RulesError):
            PlannedChecks((item,))
    # The same time on different weekdays is allowed.
    PlannedChecks.from_dict(
        {"times": [{"at": "02:00", "weekdays": [0]}, {"at": "02:00", "weekdays": [1]}]}
    )


def test_done_digitally_with_the_motion_time(clock, make):
    clock.set(local(2025, 1, 15, 22, 0))
    sup = make(RULES)
    assert sup.next_planned_check == local(2025, 1, 15, 23, 0)
    motion(sup, clock, local(2025, 1, 15, 22, 40))
    motion(sup, clock, local(2025, 1, 15, 22, 52))
    events = at(sup, clock, local(2025, 1, 15, 23, 0))
    [check] = of(events, EventKind.PLANNED_CHECK)
    assert check.data == {
        "planned_at": local(2025, 1, 15, 23, 0).isoformat(),
        "planned": "23:00",
        "outcome": "done_digital",
        "evidence_at": local(2025, 1, 15, 22, 52).isoformat(),
    }
    assert sup.grace is None
    assert sup.episode is None
    assert sup.next_planned_check == local(2025, 1, 16, 2, 0)


def test_motion_before_the_look_back_is_no_sign(clock, make):
    clock.set(local(2025, 1, 15, 22, 0))
    sup = make(RULES)
    motion(sup, clock, local(2025, 1, 15, 22, 29))  # 31 min before the check
    events = at(sup, clock, local(2025, 1, 15, 23, 0))
    assert of(events, EventKind.PLANNED_CHECK) == []
    [missed] = of(events, EventKind.PLANNED_CHECK_MISSED)
    assert missed.data["last_motion"] == local(2025, 1, 15, 22, 29).isoformat()
    assert missed.data["lookback_minutes"] == 30
    assert sup.status is Status.GRACE
    assert sup.grace is not None
    assert sup.grace.reason == "planned_check"


def test_missed_check_raises_an_alarm_and_the_closure_documents_a_visit(clock, make):
    clock.set(local(2025, 1, 15, 22, 0))
    sup = make(RULES)
    events = at(sup, clock, local(2025, 1, 15, 23, 0))
    assert [event.kind for event in events] == [
        EventKind.PLANNED_CHECK_MISSED,
        EventKind.GRACE_STARTED,
    ]
    events = at(sup, clock, local(2025, 1, 15, 23, 10))
    [raised] = of(events, EventKind.ALARM_RAISED)
    assert raised.data["reason"] == "planned_check"
    assert raised.data["planned"] == "23:00"
    assert raised.data["planned_checks"] == [
        {"planned_at": local(2025, 1, 15, 23, 0).isoformat(), "planned": "23:00"}
    ]
    assert sup.status is Status.ALARM
    # Motion while the alarm is open does not document the check: staff close it.
    assert of(motion(sup, clock, local(2025, 1, 15, 23, 12)), EventKind.PLANNED_CHECK) == []
    clock.set(local(2025, 1, 15, 23, 20))
    events = sup.resolve("user-7", "visited_all_ok")
    [check] = of(events, EventKind.PLANNED_CHECK)
    assert check.data["outcome"] == "done_visit"
    assert check.data["user_id"] == "user-7"
    assert check.data["closed_outcome"] == "visited_all_ok"
    assert check.data["episode_id"] == raised.data["episode_id"]
    assert check.data["evidence_at"] == local(2025, 1, 15, 23, 20).isoformat()
    assert check.data["planned_at"] == local(2025, 1, 15, 23, 0).isoformat()


def test_without_grace_the_alarm_is_raised_at_the_check(clock, make):
    clock.set(local(2025, 1, 15, 22, 0))
    sup = make(RULES | {"grace_minutes": 0})
    events = at(sup, clock, local(2025, 1, 15, 23, 0))
    assert [event.kind for event in events] == [
        EventKind.PLANNED_CHECK_MISSED,
        EventKind.ALARM_RAISED,
    ]


def test_motion_during_the_grace_documents_the_check_digitally(clock, make):
    clock.set(local(2025, 1, 15, 22, 0))
    sup = make(RULES)
    at(sup, clock, local(2025, 1, 15, 23, 0))
    events = motion(sup, clock, local(2025, 1, 15, 23, 4))
    [check] = of(events, EventKind.PLANNED_CHECK)
    assert check.data["outcome"] == "done_digital"
    assert check.data["evidence_at"] == local(2025, 1, 15, 23, 4).isoformat()
    assert of(events, EventKind.GRACE_CANCELLED)
    assert at(sup, clock, local(2025, 1, 15, 23, 30)) == []  # no alarm follows


def test_paused_apartment_documents_not_done_with_the_reason(clock, make):
    clock.set(local(2025, 1, 15, 22, 0))
    sup = make(RULES)
    sup.pause(until=None, reason="guests", user_id="user-1")
    events = at(sup, clock, local(2025, 1, 15, 23, 0))
    [check] = of(events, EventKind.PLANNED_CHECK)
    assert check.data["outcome"] == "not_done_paused"
    assert check.data["pause_reason"] == "guests"
    assert sup.status is Status.PAUSED
    assert sup.next_planned_check == local(2025, 1, 16, 2, 0)  # still documented while paused


def test_pause_during_the_grace_documents_the_pending_check(clock, make):
    clock.set(local(2025, 1, 15, 22, 0))
    sup = make(RULES)
    at(sup, clock, local(2025, 1, 15, 23, 0))
    clock.set(local(2025, 1, 15, 23, 5))
    events = sup.pause(until=None, reason="hospital", user_id="user-1")
    [check] = of(events, EventKind.PLANNED_CHECK)
    assert check.data["outcome"] == "not_done_paused"
    assert check.data["pause_reason"] == "hospital"
    assert at(sup, clock, local(2025, 1, 15, 23, 30)) == []


def test_away_apartment_documents_not_done_with_the_times(clock, make):
    clock.set(local(2025, 1, 15, 21, 0))
    sup = make(RULES | {"outing": {"minutes": 10, "not_back": None}})
    clock.set(local(2025, 1, 15, 22, 0))
    sup.sensor_update("door", motion=True, available=True)
    clock.set(local(2025, 1, 15, 22, 1))
    sup.sensor_update("door", motion=False, available=True)
    assert of(at(sup, clock, local(2025, 1, 15, 22, 11)), EventKind.AWAY_STARTED)
    events = at(sup, clock, local(2025, 1, 15, 23, 0))
    [check] = of(events, EventKind.PLANNED_CHECK)
    assert check.data["outcome"] == "not_done_away"
    assert check.data["away_since"] == local(2025, 1, 15, 22, 1).isoformat()
    assert check.data["planned_at"] == local(2025, 1, 15, 23, 0).isoformat()


def test_sensor_fault_documents_not_done(clock, make):
    clock.set(local(2025, 1, 15, 22, 0))
    sup = make(RULES | {"sensors": ["pir"], "doors": []})
    clock.set(local(2025, 1, 15, 22, 10))
    sup.sensor_update("pir", motion=None, available=False)
    events = at(sup, clock, local(2025, 1, 15, 23, 0))
    assert of(events, EventKind.SENSOR_PROBLEM)
    [check] = of(events, EventKind.PLANNED_CHECK)
    assert check.data["outcome"] == "not_done_sensor"
    assert of(events, EventKind.ALARM_RAISED) == []


def test_check_during_an_open_alarm_joins_it(clock, make):
    clock.set(local(2025, 1, 15, 22, 0))
    sup = make(RULES | {"continuous_minutes": 30, "grace_minutes": 0})
    [raised] = of(at(sup, clock, local(2025, 1, 15, 22, 30)), EventKind.ALARM_RAISED)
    assert raised.data["reason"] == "inactivity"
    events = at(sup, clock, local(2025, 1, 15, 23, 0))
    [missed] = of(events, EventKind.PLANNED_CHECK_MISSED)
    assert missed.data["episode_id"] == raised.data["episode_id"]
    assert of(events, EventKind.ALARM_RAISED) == []  # one alarm, not two
    clock.set(local(2025, 1, 15, 23, 5))
    [check] = of(sup.resolve("user-2", "visited_all_ok"), EventKind.PLANNED_CHECK)
    assert check.data["outcome"] == "done_visit"
    assert check.data["user_id"] == "user-2"


def test_staff_visit_in_the_look_back_counts_as_done_by_a_visit(clock, make):
    clock.set(local(2025, 1, 15, 22, 0))
    sup = make(RULES | {"continuous_minutes": 20, "grace_minutes": 0})
    at(sup, clock, local(2025, 1, 15, 22, 20))
    clock.set(local(2025, 1, 15, 22, 45))
    sup.resolve("user-3", "visited_all_ok")
    [check] = of(at(sup, clock, local(2025, 1, 15, 23, 0)), EventKind.PLANNED_CHECK)
    assert check.data["outcome"] == "done_visit"
    assert check.data["evidence_at"] == local(2025, 1, 15, 22, 45).isoformat()


def test_weekdays_and_downtime(clock, make):
    # Wednesday 2025-01-15; the check is only on Fridays (4).
    clock.set(local(2025, 1, 15, 22, 0))
    planned = {"times": [{"at": "02:00", "weekdays": [4]}], "lookback_minutes": 30}
    sup = make(RULES | {"planned": planned})
    assert sup.next_planned_check == local(2025, 1, 17, 2, 0)
    motion(sup, clock, local(2025, 1, 17, 1, 45))
    state = json.loads(json.dumps(sup.to_dict()))
    # Home Assistant is down over the check; at start it is documented from what was known.
    clock.set(local(2025, 1, 17, 3, 0))
    restarted = make(RULES | {"planned": planned}, state=state)
    [check] = of(restarted.tick(), EventKind.PLANNED_CHECK)
    assert check.at == local(2025, 1, 17, 3, 0)
    assert check.data["planned_at"] == local(2025, 1, 17, 2, 0).isoformat()
    assert check.data["evidence_at"] == local(2025, 1, 17, 1, 45).isoformat()
    assert restarted.next_planned_check == local(2025, 1, 24, 2, 0)


def test_a_pending_check_survives_a_restart(clock, make):
    clock.set(local(2025, 1, 15, 22, 0))
    sup = make(RULES | {"grace_minutes": 15})
    at(sup, clock, local(2025, 1, 15, 23, 0))
    state = json.loads(json.dumps(sup.to_dict()))
    clock.set(local(2025, 1, 15, 23, 20))
    restarted = make(RULES | {"grace_minutes": 15}, state=state)
    [raised] = of(restarted.tick(), EventKind.ALARM_RAISED)
    assert [item["planned"] for item in raised.data["planned_checks"]] == ["23:00"]


def test_new_rules_do_not_document_times_already_past(clock, make):
    clock.set(local(2025, 1, 15, 22, 0))
    sup = make(RULES | {"planned": None})
    assert sup.next_planned_check is None
    clock.set(local(2025, 1, 15, 23, 30))
    events = sup.update_rules(ApartmentRules.from_dict(RULES))
    assert of(events, EventKind.PLANNED_CHECK_MISSED) == []
    assert sup.next_planned_check == local(2025, 1, 16, 2, 0)


# --------------------------------------------------------------------- DST nights


def test_spring_forward_02_00_is_checked_at_03_00(clock, make):
    # 2025-03-30: clocks go from 02:00 CET to 03:00 CEST; 02:00 and 02:30 do not exist.
    planned = {"times": [{"at": "02:00"}, {"at": "02:30"}, {"at": "03:00"}], "lookback_minutes": 30}
    clock.set(datetime(2025, 3, 29, 23, 0, tzinfo=UTC))  # 00:00 CET
    sup = make(RULES | {"planned": planned})
    jump = datetime(2025, 3, 30, 1, 0, tzinfo=UTC)  # 03:00 CEST
    assert sup.next_planned_check == jump
    motion(sup, clock, jump - timedelta(minutes=5))
    events = at(sup, clock, jump)
    # 02:00 and 03:00 meet at the jump; both are documented.
    assert sorted(e.data["planned"] for e in of(events, EventKind.PLANNED_CHECK)) == [
        "02:00",
        "03:00",
    ]
    assert sup.next_planned_check == jump + timedelta(minutes=30)  # 02:30 becomes 03:30 CEST
    motion(sup, clock, jump + timedelta(minutes=20))
    [late] = of(at(sup, clock, jump + timedelta(minutes=30)), EventKind.PLANNED_CHECK)
    assert late.data["planned"] == "02:30"
    assert late.data["evidence_at"] == (jump + timedelta(minutes=20)).isoformat()
    assert sup.next_planned_check == local(2025, 3, 31, 2, 0)


def test_fall_back_02_00_is_checked_once(clock, make):
    # 2025-10-26: 03:00 CEST goes back to 02:00 CET; 02:00 happens twice.
    planned = {"times": [{"at": "02:00"}], "lookback_minutes": 30}
    clock.set(datetime(2025, 10, 25, 22, 0, tzinfo=UTC))  # 00:00 CEST
    sup = make(RULES | {"planned": planned})
    first = datetime(2025, 10, 26, 0, 0, tzinfo=UTC)  # 02:00 CEST
    assert sup.next_planned_check == first
    motion(sup, clock, first - timedelta(minutes=10))
    [check] = of(at(sup, clock, first), EventKind.PLANNED_CHECK)
    assert check.data["planned_at"] == first.isoformat()
    # The second 02:00 (01:00 UTC, CET) is not a second check.
    assert at(sup, clock, first + timedelta(hours=1)) == []
    assert sup.next_planned_check == datetime(2025, 10, 27, 1, 0, tzinfo=UTC)


# ------------------------------------------------------------------ property test

WALK_RULES = ApartmentRules.from_dict(
    {
        "sensors": ["pir", "door"],
        "doors": ["door"],
        "continuous_minutes": 300,
        "grace_minutes": 10,
        "outing": {"minutes": 10, "not_back": None},
        "planned": {
            "times": [{"at": "23:00"}, {"at": "02:00"}, {"at": "02:30", "weekdays": [6]}],
            "lookback_minutes": 30,
        },
        "policy": {"escalation_minutes": 5, "reminder_minutes": 5},
    }
)
WALK_START = datetime(2025, 3, 28, 18, 0, tzinfo=UTC)  # the walk crosses the March DST night
WALK_ACTIONS = st.sampled_from(
    ["motion", "door_open", "door_close", "pause", "resume", "resolve", "tick", "restart"]
)


def expected_instants(start: datetime, end: datetime) -> set[str]:
    """Planned instants in (start, end], computed with zoneinfo directly."""
    found: set[str] = set()
    day = start.astimezone(TZ).date() - timedelta(days=1)
    while day <= end.astimezone(TZ).date() + timedelta(days=1):
        for item in WALK_RULES.planned.times:  # type: ignore[union-attr]
            if day.weekday() in item.weekdays:
                instant = datetime.combine(day, item.at, tzinfo=TZ).astimezone(UTC)
                if start < instant <= end:
                    found.add(instant.isoformat())
        day += timedelta(days=1)
    return found


class Clock:
    def __init__(self) -> None:
        self.now = WALK_START

    def __call__(self) -> datetime:
        return self.now


def walk_step(sup, clock, action):
    """Apply one action; a restart returns the new supervisor."""
    if action == "restart":
        state = json.loads(json.dumps(sup.to_dict()))
        sup = ApartmentSupervisor("apt", WALK_RULES, tz=TZ, clock=clock, state=state)
        return sup, sup.tick()
    calls = {
        "motion": lambda: sup.sensor_update("pir", motion=True, available=True),
        "door_open": lambda: sup.sensor_update("door", motion=True, available=True),
        "door_close": lambda: sup.sensor_update("door", motion=False, available=True),
        "pause": lambda: sup.pause(
            until=clock.now + timedelta(hours=2), reason="guests", user_id="u"
        ),
        "resume": lambda: sup.resume("u"),
        "resolve": lambda: sup.resolve("u", "visited_all_ok"),
        "tick": sup.tick,
    }
    return sup, calls[action]()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(min_value=0, max_value=240), WALK_ACTIONS), max_size=50))
def test_every_planned_check_is_documented_once(steps):
    clock = Clock()
    sup = ApartmentSupervisor("apt", WALK_RULES, tz=TZ, clock=clock)
    documented: dict[str, str] = {}  # planned_at -> outcome
    missed: set[str] = set()
    for minutes, action in steps:
        clock.now += timedelta(minutes=minutes)
        sup, events = walk_step(sup, clock, action)
        for event in events:
            json.dumps(dict(event.data))
            planned_at = event.data.get("planned_at")
            if event.kind is EventKind.PLANNED_CHECK_MISSED:
                assert planned_at not in missed
                assert planned_at not in documented
                missed.add(planned_at)
            elif event.kind is EventKind.PLANNED_CHECK:
                assert planned_at not in documented, "a check documented twice"
                if event.data["outcome"] == "done_visit" and "episode_id" in event.data:
                    assert planned_at in missed
                documented[planned_at] = event.data["outcome"]
        # A missed check waits only while a grace or an alarm can still conclude it.
        waiting = missed - documented.keys()
        if waiting:
            assert sup.grace is not None or sup.episode is not None
    assert missed | documented.keys() == expected_instants(WALK_START, clock.now)


def test_outing_concluded_inside_the_grace(clock, make):
    clock.set(local(2025, 1, 15, 22, 0))
    rules = RULES | {"outing": {"minutes": 10, "not_back": None}, "grace_minutes": 15}
    rules["planned"] = {"times": [{"at": "23:00"}], "lookback_minutes": 5}
    sup = make(rules)
    clock.set(local(2025, 1, 15, 22, 53))
    sup.sensor_update("door", motion=True, available=True)
    clock.set(local(2025, 1, 15, 22, 54))
    sup.sensor_update("door", motion=False, available=True)  # before the 5-min look-back
    events = at(sup, clock, local(2025, 1, 15, 23, 0))
    assert of(events, EventKind.PLANNED_CHECK_MISSED)
    assert sup.grace is not None
    events = at(sup, clock, local(2025, 1, 15, 23, 4))  # the outing rule concludes at 23:04
    [check] = of(events, EventKind.PLANNED_CHECK)
    assert check.data["outcome"] == "not_done_away"
    assert check.data["away_since"] == local(2025, 1, 15, 22, 54).isoformat()
    assert sup.grace is None
    assert sup.status is Status.AWAY
