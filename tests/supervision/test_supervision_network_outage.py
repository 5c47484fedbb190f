"""Network outage: many sensors offline together give one unit fault, not one per apartment."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custom_components.municipal_iot.supervision.engine import ApartmentSupervisor
from custom_components.municipal_iot.supervision.events import Event, EventKind
from custom_components.municipal_iot.supervision.network_outage import (
    CHANGED,
    ENDED,
    HOLD,
    LINK,
    STARTED,
    NetworkOutageWatch,
    Offline,
    OutageChange,
    largest_group,
    threshold,
)
from custom_components.municipal_iot.supervision.rules import ApartmentRules
from custom_components.municipal_iot.supervision.state import SensorProblem

from .conftest import STOCKHOLM, FakeClock

T0 = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)


class Unit:
    """Twenty apartments with one motion sensor each, driven through the real engine."""

    def __init__(self, clock: FakeClock, apartments: int = 20, share: int = 50) -> None:
        rules = {"continuous_minutes": 240, "sensor_unavailable_minutes": 15}
        self.clock = clock
        self.supervisors = {
            f"apt{n}": ApartmentSupervisor(
                f"apt{n}",
                ApartmentRules.from_dict(rules | {"sensors": [f"s{n}"]}),
                tz=STOCKHOLM,
                clock=clock,
            )
            for n in range(1, apartments + 1)
        }
        self.watch = NetworkOutageWatch(share)
        self.watch.size = (apartments, apartments)
        self.told: list[Event] = []  # per-apartment fault pushes that went out
        self.changes: list[OutageChange] = []

    def offline(self) -> dict[str, Offline]:
        found = {}
        for apt, supervisor in self.supervisors.items():
            for sensor, health in supervisor.sensors.items():
                if health.problem is not None:
                    since = health.last_update
                    if health.problem is SensorProblem.UNAVAILABLE and health.unavailable_since:
                        since = health.unavailable_since
                    found[sensor] = Offline(since, frozenset({apt}))
        return found

    def handle(self, events: list[Event]) -> None:
        """What the adapter does after an engine call: evaluate, then screen new faults."""
        now = self.clock()
        checked = {EventKind.SENSOR_PROBLEM, EventKind.SENSOR_RECOVERED}
        if any(e.kind in checked for e in events) and (
            change := self.watch.evaluate(self.offline(), now)
        ):
            self.changes.append(change)
        for event in events:
            if event.kind is EventKind.SENSOR_PROBLEM:
                fault = {"event": event}
                if self.watch.screen(str(event.data["sensor_id"]), fault, now):
                    self.told.append(event)

    def at(self, when: datetime) -> None:
        """Move the clock, tick every engine and release the holds that ended."""
        self.clock.set(when)
        for supervisor in self.supervisors.values():
            self.handle(supervisor.tick())
        self.watch.evaluate(self.offline(), when)
        self.told += [fault["event"] for fault in self.watch.due(when)]

    def report(self, number: int, *, available: bool) -> None:
        supervisor = self.supervisors[f"apt{number}"]
        self.handle(supervisor.sensor_update(f"s{number}", motion=None, available=available))


@pytest.fixture
def unit(clock: FakeClock) -> Unit:
    clock.set(T0)
    return Unit(clock)


def test_fifteen_of_twenty_sensors_give_one_unit_fault_and_no_apartment_pushes(unit: Unit):
    for number in range(1, 16):  # the gateway fails: 15 sensors go unavailable within 7 min
        unit.clock.set(T0 + timedelta(seconds=30 * number))
        unit.report(number, available=False)
    unit.at(T0 + timedelta(minutes=30))  # each has been unavailable for 15 min: faults
    unit.at(T0 + timedelta(minutes=30) + HOLD)  # every hold has ended
    assert unit.told == []
    # The tenth fault starts it (50 % of 20); the five after it join it.
    assert [change.kind for change in unit.changes] == [STARTED, *[CHANGED] * 5]
    assert len(unit.changes[0].outage.sensors) == 10
    outage = unit.watch.outage
    assert outage is not None
    assert outage.sensors == {f"s{n}" for n in range(1, 16)}
    assert outage.apartments == {f"apt{n}" for n in range(1, 16)}
    assert outage.since == T0 + timedelta(seconds=30)
    assert unit.watch.held == {}
    # The apartments still show their own sensor problem (not supervised).
    assert all(unit.supervisors[f"apt{n}"].sensors[f"s{n}"].problem for n in range(1, 16))

    # The gateway is back: sensors report one by one; the outage ends with the last one.
    unit.clock.set(T0 + timedelta(minutes=50))
    for number in range(1, 16):
        unit.report(number, available=True)
    assert [change.kind for change in unit.changes] == [STARTED, *[CHANGED] * 19, ENDED]
    assert unit.changes[-1].outage.peak_apartments == 15
    assert unit.watch.outage is None
    assert unit.told == []


def test_the_rule_counts_from_the_tenth_sensor_and_holds_the_first_nine(unit: Unit):
    """With 50 % of 20 the tenth fault starts the outage; the nine held before are dropped."""
    for number in range(1, 10):
        unit.report(number, available=False)
    unit.at(T0 + timedelta(minutes=15))
    assert unit.watch.outage is None
    assert len(unit.watch.held) == 9
    unit.clock.set(T0 + timedelta(minutes=8))
    unit.report(10, available=False)
    unit.at(T0 + timedelta(minutes=23))  # its fault, before the first nine holds end
    assert [change.kind for change in unit.changes] == [STARTED]
    assert unit.watch.held == {}
    unit.at(T0 + timedelta(minutes=60))
    assert unit.told == []


def test_nine_of_twenty_are_each_told_after_the_hold(unit: Unit):
    for number in range(1, 10):
        unit.report(number, available=False)
    unit.at(T0 + timedelta(minutes=15))
    unit.at(T0 + timedelta(minutes=15) + HOLD - timedelta(seconds=1))
    assert unit.told == []
    unit.at(T0 + timedelta(minutes=15) + HOLD)
    assert sorted(str(event.data["sensor_id"]) for event in unit.told) == sorted(
        f"s{n}" for n in range(1, 10)
    )
    assert unit.changes == []


def test_a_sensor_back_within_the_hold_is_never_told(unit: Unit):
    unit.report(1, available=False)
    unit.at(T0 + timedelta(minutes=15))
    assert len(unit.watch.held) == 1
    unit.clock.set(T0 + timedelta(minutes=20))
    unit.report(1, available=True)
    unit.at(T0 + timedelta(minutes=40))
    assert unit.told == []
    assert unit.watch.held == {}


def test_a_unit_with_one_sensor_tells_its_fault_at_once(clock: FakeClock):
    clock.set(T0)
    unit = Unit(clock, apartments=1)
    unit.report(1, available=False)
    unit.clock.set(T0 + timedelta(minutes=15))
    unit.handle(unit.supervisors["apt1"].tick())
    assert [event.data["sensor_id"] for event in unit.told] == ["s1"]
    assert not unit.watch.possible()


def test_one_apartment_with_two_sensors_is_never_a_network_outage():
    watch = NetworkOutageWatch(50)
    watch.size = (2, 1)
    both = {sensor: Offline(T0, frozenset({"apt1"})) for sensor in ("s1", "s2")}
    assert not watch.possible()
    assert watch.screen("s1", {}, T0)  # told at once: nothing to wait for
    assert watch.evaluate(both, T0) is None
    watch.size = (2, 2)
    shared = {"s1": Offline(T0, frozenset({"apt1", "apt2"}))}
    assert watch.evaluate(shared, T0) is None  # one sensor two apartments share


def test_the_spreading_failure_joins_and_a_later_unrelated_fault_is_its_own():
    watch = NetworkOutageWatch(50)
    watch.size = (10, 10)
    old = Offline(T0 - timedelta(days=2), frozenset({"apt0"}))
    offline = {"s0": old} | {
        f"s{n}": Offline(T0 + timedelta(minutes=n), frozenset({f"apt{n}"})) for n in range(1, 6)
    }
    change = watch.evaluate(offline, T0 + timedelta(minutes=20))
    assert change is not None
    assert change.kind == STARTED
    assert watch.covers("s1")
    assert not watch.covers("s0")  # silent for two days: its own fault, told long ago
    # 9 minutes after the latest onset (s5): the same failure spreading, it joins.
    offline["s6"] = Offline(T0 + timedelta(minutes=14), frozenset({"apt6"}))
    change = watch.evaluate(offline, T0 + timedelta(minutes=29))
    assert change is not None
    assert change.kind == CHANGED
    assert watch.covers("s6")
    assert not watch.screen("s6", {}, T0 + timedelta(minutes=29))
    assert watch.held == {}
    # An hour later, unlinked: its own fault (held, then told) although the outage lasts.
    offline["s7"] = Offline(T0 + timedelta(hours=1), frozenset({"apt7"}))
    assert watch.evaluate(offline, T0 + timedelta(hours=1, minutes=15)) is None
    assert not watch.covers("s7")
    assert not watch.screen("s7", {"s": 7}, T0 + timedelta(hours=1, minutes=15))
    assert watch.due(T0 + timedelta(hours=1, minutes=15) + HOLD) == [{"s": 7}]
    assert watch.outage is not None
    assert watch.outage.last_onset == T0 + timedelta(minutes=14)


def test_chains_and_gaps():
    """Onsets each within 10 min of the next form one group; a longer gap splits it."""
    spread = {
        f"s{n}": Offline(T0 + timedelta(minutes=6 * n), frozenset({f"apt{n}"})) for n in range(10)
    }
    assert largest_group(spread) == set(spread)  # 54 minutes in steps of 6
    late = Offline(T0 + timedelta(minutes=54) + LINK + timedelta(seconds=1), frozenset({"x"}))
    assert largest_group(spread | {"late": late}) == set(spread)
    assert threshold(20, 50) == 10
    assert threshold(3, 50) == 2
    assert threshold(20, 75) == 15


def test_the_outage_and_the_held_faults_are_stored():
    watch = NetworkOutageWatch(50)
    watch.size = (4, 4)
    offline = {f"s{n}": Offline(T0, frozenset({f"apt{n}"})) for n in range(3)}
    watch.screen("s9", {"apartment": "apt9"}, T0, key="apt9 s9")
    watch.evaluate(offline | {"s9": Offline(T0 - timedelta(days=1), frozenset({"apt9"}))}, T0)
    restored = NetworkOutageWatch(50)
    restored.load(watch.to_dict())
    assert restored.outage == watch.outage
    assert restored.held == {"apt9 s9": ("s9", {"apartment": "apt9"}, T0 + HOLD)}
    with pytest.raises(TypeError):
        restored.load({"held": ["s1"]})
    bad = watch.to_dict()
    bad["outage"]["sensors"] = "s1"
    with pytest.raises(TypeError):
        restored.load(bad)


onsets = st.lists(st.integers(min_value=0, max_value=180), min_size=0, max_size=30)


@given(minutes=onsets, share=st.integers(min_value=10, max_value=100))
def test_group_is_a_maximal_chain_and_the_outage_follows_the_threshold(
    minutes: list[int], share: int
):
    offline = {
        f"s{i}": Offline(T0 + timedelta(minutes=m), frozenset({f"apt{i}"}))
        for i, m in enumerate(minutes)
    }
    group = largest_group(offline)
    times = sorted(offline[sensor].since for sensor in group)
    assert all(later - earlier <= LINK for earlier, later in itertools.pairwise(times))
    outside = [item.since for sensor, item in offline.items() if sensor not in group]
    if times:
        assert not any(times[0] - LINK <= at <= times[-1] + LINK for at in outside)
    watch = NetworkOutageWatch(share)
    watch.size = (30, 30)
    change = watch.evaluate(offline, T0 + timedelta(hours=4))
    started = len(group) >= threshold(30, share)
    assert (change is not None) is started
    assert (watch.outage is not None) is started
    if started:
        assert watch.outage is not None
        assert watch.outage.sensors == group
