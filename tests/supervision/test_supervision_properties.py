"""Property tests: random input sequences keep the engine's invariants."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.municipal_iot.supervision.engine import ApartmentSupervisor
from custom_components.municipal_iot.supervision.events import EventKind
from custom_components.municipal_iot.supervision.rules import ApartmentRules
from custom_components.municipal_iot.supervision.state import Status

TZ = ZoneInfo("Europe/Stockholm")
RULES = ApartmentRules.from_dict(
    {
        "sensors": ["a", "b"],
        "bands": [
            {"start": "07:00", "end": "22:00", "minutes": 90},
            {"start": "22:00", "end": "07:00", "minutes": 240},
        ],
        "windows": [{"start": "07:00", "end": "09:00"}, {"start": "08:30", "end": "10:00"}],
        "continuous_minutes": 600,
        "grace_minutes": 10,
        "sensor_interval_minutes": 120,
        "policy": {"escalation_minutes": 7, "reminder_minutes": 5},
    }
)
# Start just before the March DST change so the walk crosses it.
START = datetime(2025, 3, 29, 18, 0, tzinfo=UTC)

ACTIONS = st.sampled_from(
    [
        "motion_a",
        "motion_b",
        "clear_a",
        "unavailable_a",
        "unavailable_b",
        "heartbeat_b",
        "battery_a",
        "ack",
        "resolve",
        "pause",
        "pause_forever",
        "resume",
        "tick",
        "restart",
    ]
)
STEPS = st.lists(st.tuples(st.integers(min_value=0, max_value=180), ACTIONS), max_size=60)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def apply(sup: ApartmentSupervisor, clock: Clock, action: str):
    calls = {
        "motion_a": lambda: sup.sensor_update("a", motion=True, available=True),
        "motion_b": lambda: sup.sensor_update("b", motion=True, available=True),
        "clear_a": lambda: sup.sensor_update("a", motion=False, available=True),
        "unavailable_a": lambda: sup.sensor_update("a", motion=None, available=False),
        "unavailable_b": lambda: sup.sensor_update("b", motion=None, available=False),
        "heartbeat_b": lambda: sup.sensor_update("b", motion=None, available=True),
        "battery_a": lambda: sup.battery_update("a", low=True),
        "ack": lambda: sup.acknowledge("user-1"),
        "resolve": lambda: sup.resolve("user-1", "visited_ok"),
        "pause": lambda: sup.pause(
            until=clock.now + timedelta(hours=3), reason="guests", user_id="user-1"
        ),
        "pause_forever": lambda: sup.pause(until=None, reason="off", user_id="user-1"),
        "resume": lambda: sup.resume("user-1"),
        "tick": sup.tick,
    }
    return calls[action]()


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STEPS)
def test_random_walk_keeps_invariants(steps):
    clock = Clock()
    sup = ApartmentSupervisor("apt", RULES, tz=TZ, clock=clock)
    episode_open = False
    for minutes, action in steps:
        clock.now += timedelta(minutes=minutes)
        if action == "restart":
            state = json.loads(json.dumps(sup.to_dict()))
            sup = ApartmentSupervisor("apt", RULES, tz=TZ, clock=clock, state=state)
            events = sup.tick()
        else:
            events = apply(sup, clock, action)
        for event in events:
            assert event.at == clock.now
            if event.kind is EventKind.ALARM_RAISED:
                assert not episode_open, "a second alarm inside one episode"
                episode_open = True
            elif event.kind is EventKind.RESOLVED:
                assert episode_open
                episode_open = False
            json.dumps(dict(event.data))  # journal-ready
        assert (sup.episode is not None) == episode_open
        assert sup.status in {Status.ALARM, Status.ACKNOWLEDGED} or not episode_open
        deadline = sup.next_deadline()
        assert deadline is None or deadline > clock.now
        assert sup.tick() == []  # idempotent
        if sup.grace is not None:
            assert sup.status is Status.GRACE
            assert sup.paused is None
        copy = ApartmentSupervisor("apt", RULES, tz=TZ, clock=clock, state=sup.to_dict())
        assert copy.to_dict() == sup.to_dict()
        assert copy.next_deadline() == deadline
        assert copy.status is sup.status
