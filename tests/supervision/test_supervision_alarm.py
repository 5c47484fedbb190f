"""Alarm episodes: acknowledge, escalation, reminders, motion returning, resolve."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from custom_components.municipal_iot.supervision.events import EventKind
from custom_components.municipal_iot.supervision.state import Status

TZ = ZoneInfo("Europe/Stockholm")
EPISODE = "apt-1-20250115T081000Z"  # raised 09:10 local


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ).astimezone(UTC)


def kinds(events):
    return [event.kind for event in events]


def rules(escalation: int | None = 5, reminder: int | None = 5, **extra):
    return {
        "sensors": ["a"],
        "continuous_minutes": 60,
        "policy": {"escalation_minutes": escalation, "reminder_minutes": reminder},
        **extra,
    }


@pytest.fixture
def alarmed(clock, make):
    """A supervisor started 08:00 whose alarm was raised at 09:10."""

    def factory(**kwargs):
        clock.set(local(2025, 1, 15, 8, 0))
        sup = make(rules(**kwargs))
        clock.set(local(2025, 1, 15, 9, 0))
        assert kinds(sup.tick()) == [EventKind.GRACE_STARTED]
        clock.set(local(2025, 1, 15, 9, 10))
        assert kinds(sup.tick()) == [EventKind.ALARM_RAISED]
        return sup

    return factory


def test_escalation_and_reminders_until_acknowledged(clock, alarmed):
    sup = alarmed(escalation=12, reminder=5)
    assert sup.status is Status.ALARM
    assert sup.episode is not None
    assert sup.episode.episode_id == EPISODE
    seen = []
    for minute in (15, 20, 22, 25):
        assert sup.next_deadline() == local(2025, 1, 15, 9, minute)
        clock.set(local(2025, 1, 15, 9, minute))
        seen.append([(event.kind, dict(event.data)) for event in sup.tick()])
    assert seen == [
        [(EventKind.REMIND, {"episode_id": EPISODE, "count": 1, "due_at": iso(9, 15)})],
        [(EventKind.REMIND, {"episode_id": EPISODE, "count": 2, "due_at": iso(9, 20)})],
        [
            (
                EventKind.ESCALATE,
                {"episode_id": EPISODE, "raised_at": iso(9, 10), "due_at": iso(9, 22)},
            )
        ],
        [(EventKind.REMIND, {"episode_id": EPISODE, "count": 3, "due_at": iso(9, 25)})],
    ]
    clock.set(local(2025, 1, 15, 9, 27))
    events = sup.acknowledge("user-7")
    assert kinds(events) == [EventKind.ACKNOWLEDGED]
    assert events[0].data == {"episode_id": EPISODE, "user_id": "user-7"}
    assert sup.status is Status.ACKNOWLEDGED
    assert sup.episode.acknowledged_by == "user-7"
    assert sup.next_deadline() is None  # no more reminders; inactivity waits for resolve
    clock.set(local(2025, 1, 15, 12, 0))
    assert sup.tick() == []


def iso(hour: int, minute: int) -> str:
    return local(2025, 1, 15, hour, minute).isoformat()


def test_escalation_and_first_reminder_at_the_same_instant(clock, alarmed):
    sup = alarmed()
    clock.set(local(2025, 1, 15, 9, 15))
    assert kinds(sup.tick()) == [EventKind.ESCALATE, EventKind.REMIND]
    clock.set(local(2025, 1, 15, 9, 20))
    assert kinds(sup.tick()) == [EventKind.REMIND]  # escalation only once
    assert sup.episode.reminders_sent == 2


def test_acknowledge_before_escalation_prevents_it(clock, alarmed):
    sup = alarmed()
    clock.set(local(2025, 1, 15, 9, 14))
    assert kinds(sup.acknowledge(None)) == [EventKind.ACKNOWLEDGED]
    clock.set(local(2025, 1, 15, 10, 0))
    assert sup.tick() == []
    assert sup.episode.escalated_at is None


def test_no_escalation_or_reminders_without_policy(clock, alarmed):
    sup = alarmed(escalation=None, reminder=None)
    assert sup.next_deadline() is None


def test_motion_returned_stops_reminders_but_keeps_episode_open(clock, alarmed):
    sup = alarmed()
    clock.set(local(2025, 1, 15, 9, 12))
    events = sup.sensor_update("a", motion=True, available=True)
    assert kinds(events) == [EventKind.MOTION_RETURNED]
    assert events[0].data == {"episode_id": EPISODE}
    assert sup.status is Status.ALARM
    assert sup.next_deadline() is None
    clock.set(local(2025, 1, 15, 9, 13))
    assert sup.sensor_update("a", motion=True, available=True) == []  # only once
    clock.set(local(2025, 1, 15, 9, 30))
    events = sup.resolve("user-2", "visited_ok")
    assert kinds(events) == [EventKind.RESOLVED]
    assert events[0].data == {
        "episode_id": EPISODE,
        "user_id": "user-2",
        "outcome": "visited_ok",
        "motion_returned": True,
        "acknowledged": False,
    }
    assert sup.status is Status.OK
    assert sup.episode is None
    # Resolve is a confirmed check: the clock counts from 09:30, not from 09:13.
    assert sup.next_deadline() == local(2025, 1, 15, 10, 30)


def test_acknowledged_alarm_still_reports_motion_returned(clock, alarmed):
    sup = alarmed()
    clock.set(local(2025, 1, 15, 9, 11))
    sup.acknowledge("user-1")
    clock.set(local(2025, 1, 15, 9, 12))
    assert kinds(sup.sensor_update("a", motion=True, available=True)) == [EventKind.MOTION_RETURNED]
    assert sup.status is Status.ACKNOWLEDGED


def test_resolve_without_motion_restarts_the_clock(clock, alarmed):
    sup = alarmed(escalation=None, reminder=None)
    clock.set(local(2025, 1, 15, 9, 40))
    events = sup.resolve("user-3", "asleep")
    assert events[0].data["motion_returned"] is False
    assert sup.last_motion is None
    assert sup.last_activity == local(2025, 1, 15, 9, 40)
    assert sup.next_check == local(2025, 1, 15, 10, 40)


def test_no_duplicate_alarm_during_an_open_episode(clock, alarmed):
    sup = alarmed(escalation=None, reminder=None, windows=[{"start": "07:00", "end": "10:00"}])
    clock.set(local(2025, 1, 15, 10, 0))
    events = sup.tick()
    assert kinds(events) == [EventKind.CHECK_MISSED]  # logged, but no new grace or alarm
    assert sup.episode.episode_id == EPISODE
    assert sup.next_deadline() == local(2025, 1, 16, 10, 0)  # inactivity waits for resolve
    clock.set(local(2025, 1, 15, 23, 0))
    assert sup.tick() == []
    assert sup.status is Status.ALARM


def test_resolve_during_window_counts_as_the_check(clock, alarmed):
    sup = alarmed(escalation=None, reminder=None, windows=[{"start": "09:00", "end": "11:00"}])
    clock.set(local(2025, 1, 15, 9, 30))
    sup.resolve("user-1", "visited_ok")
    clock.set(local(2025, 1, 15, 10, 30))
    assert kinds(sup.tick()) == [EventKind.GRACE_STARTED]  # 60 min after the resolve
    clock.set(local(2025, 1, 15, 11, 0))
    events = sup.tick()
    # The new alarm is due at 10:40; the window still counts the 09:30 staff check.
    assert kinds(events) == [EventKind.ALARM_RAISED, EventKind.CHECK_PASSED]
    assert events[0].data["due_at"] == iso(10, 40)
    assert events[1].data["last_activity"] == iso(9, 30)


def test_acknowledge_and_resolve_without_episode_are_no_ops(clock, make):
    sup = make(rules())
    assert sup.acknowledge("user-1") == []
    assert sup.resolve("user-1", "visited_ok") == []
    assert sup.status is Status.OK


def test_second_acknowledge_is_ignored(clock, alarmed):
    sup = alarmed()
    clock.set(local(2025, 1, 15, 9, 11))
    sup.acknowledge("user-1")
    clock.set(local(2025, 1, 15, 9, 12))
    assert sup.acknowledge("user-2") == []
    assert sup.episode.acknowledged_by == "user-1"
    assert sup.episode.acknowledged_at == local(2025, 1, 15, 9, 11)


def test_grace_zero_raises_alarm_at_once(clock, make):
    clock.set(local(2025, 1, 15, 8, 0))
    sup = make(rules(grace_minutes=0))
    clock.set(local(2025, 1, 15, 9, 0))
    events = sup.tick()
    assert kinds(events) == [EventKind.ALARM_RAISED]
    assert events[0].data["grace_started_at"] is None
    assert events[0].data["episode_id"] == "apt-1-20250115T080000Z"


def test_late_reminders_are_not_replayed_in_a_burst(clock, alarmed):
    sup = alarmed()
    clock.set(local(2025, 1, 15, 10, 0))  # the adapter was not called for 50 minutes
    events = sup.tick()
    assert kinds(events) == [EventKind.ESCALATE, EventKind.REMIND]
    assert events[1].data == {"episode_id": EPISODE, "count": 1, "due_at": iso(9, 15)}
    assert events[1].at == local(2025, 1, 15, 10, 0)
    assert sup.next_deadline() == local(2025, 1, 15, 10, 5)


def test_reminder_slightly_late_keeps_the_cadence(clock, alarmed):
    sup = alarmed(escalation=None)
    clock.set(local(2025, 1, 15, 9, 16))
    assert kinds(sup.tick()) == [EventKind.REMIND]
    assert sup.next_deadline() == local(2025, 1, 15, 9, 20)
