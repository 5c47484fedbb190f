"""Test alarm (provlarm): scheduled in Stockholm time, answered or escalated after 30 min."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custom_components.municipal_iot.supervision.rules import RulesError
from custom_components.municipal_iot.supervision.test_alarm import (
    ANSWER_WITHIN,
    DAILY,
    OFF,
    RECEIVED,
    SENT,
    UNANSWERED,
    WEEKLY,
    AlarmTestClock,
    AlarmTestSchedule,
)

from .conftest import STOCKHOLM

T0 = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # Thursday 07:00 in Stockholm
DAILY_9 = AlarmTestSchedule(DAILY, time(9, 0))


def test_daily_and_weekly_instants_in_stockholm_time():
    assert DAILY_9.next_after(T0, STOCKHOLM) == datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    at_nine = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert DAILY_9.next_after(at_nine, STOCKHOLM) == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    monday = AlarmTestSchedule(WEEKLY, time(9, 0), weekday=0)
    assert monday.next_after(T0, STOCKHOLM) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    summer = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
    assert DAILY_9.next_after(summer, STOCKHOLM) == datetime(2026, 6, 1, 7, 0, tzinfo=UTC)
    assert AlarmTestSchedule().next_after(T0, STOCKHOLM) is None  # off


def test_spring_forward_night_runs_after_the_gap_and_fall_back_night_runs_once():
    night = AlarmTestSchedule(DAILY, time(2, 30))
    before = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    # 02:30 does not exist on 29 March: the instant is 01:30 UTC (03:30 summer time).
    spring = night.next_after(before, STOCKHOLM)
    assert spring == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert night.next_after(spring, STOCKHOLM) == datetime(2026, 3, 30, 0, 30, tzinfo=UTC)
    # 02:30 happens twice on 25 October: only the first (summer time, 00:30 UTC) runs.
    autumn = night.next_after(datetime(2026, 10, 24, 12, 0, tzinfo=UTC), STOCKHOLM)
    assert autumn == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert night.next_after(autumn, STOCKHOLM) == datetime(2026, 10, 26, 1, 30, tzinfo=UTC)


def test_sent_then_unanswered_after_30_minutes():
    clock = AlarmTestClock(DAILY_9, STOCKHOLM, T0)
    due = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    assert clock.next_deadline() == due
    assert clock.tick(due - timedelta(seconds=1)) == []
    (sent,) = clock.tick(due)
    assert (sent.kind, sent.test_id) == (SENT, "test-20261126T080000Z")
    assert clock.next_deadline() == due + ANSWER_WITHIN
    assert clock.tick(due + ANSWER_WITHIN - timedelta(seconds=1)) == []
    (unanswered,) = clock.tick(due + ANSWER_WITHIN)
    assert unanswered.kind == UNANSWERED
    assert unanswered.test_id == sent.test_id
    assert unanswered.data == {
        "sent_at": "2026-11-26T08:00:00+00:00",
        "due_at": "2026-11-26T08:30:00+00:00",
    }
    assert clock.pending is None
    assert clock.next_deadline() == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    # A late tap is journaled as received late; a second tap or a foreign id is nothing.
    late = clock.received(sent.test_id, "user-1", due + timedelta(minutes=40))
    assert late is not None
    assert late.data == {"user_id": "user-1", "late": True}
    assert clock.received(sent.test_id, "user-2", due + timedelta(minutes=41)) is None
    assert clock.received("test-other", "user-2", due + timedelta(minutes=41)) is None


def test_received_in_time_is_not_escalated():
    clock = AlarmTestClock(DAILY_9, STOCKHOLM, T0)
    due = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    (sent,) = clock.tick(due)
    answer = clock.received(sent.test_id, "user-1", due + timedelta(minutes=3))
    assert answer is not None
    assert (answer.kind, answer.data) == (
        RECEIVED,
        {"user_id": "user-1", "late": False, "seconds": 180},
    )
    assert (
        clock.received(sent.test_id, "user-2", due + timedelta(minutes=4)) is None
    )  # the first tap
    assert clock.tick(due + timedelta(hours=1)) == []


def test_downtime_sends_a_missed_test_once_and_an_expired_one_is_unanswered():
    clock = AlarmTestClock(DAILY_9, STOCKHOLM, T0)
    due = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    (sent,) = clock.tick(due)
    stored = clock.to_dict()
    # Down from 08:10 until three days later, 12:00: the open test is unanswered, the
    # three tests that fell due are one late test.
    later = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    restarted = AlarmTestClock(DAILY_9, STOCKHOLM, later)
    restarted.load(stored, later)
    events = restarted.tick(later)
    assert [(event.kind, event.test_id) for event in events] == [
        (UNANSWERED, sent.test_id),
        (SENT, "test-20261129T120000Z"),
    ]
    assert events[1].data == {"due_at": "2026-11-27T08:00:00+00:00"}
    assert restarted.next_deadline() == later + ANSWER_WITHIN


def test_a_restart_before_the_test_keeps_it_and_a_new_schedule_applies():
    clock = AlarmTestClock(DAILY_9, STOCKHOLM, T0)
    restarted = AlarmTestClock(DAILY_9, STOCKHOLM, T0 + timedelta(minutes=5))
    restarted.load(clock.to_dict(), T0 + timedelta(minutes=5))
    assert restarted.next_at == clock.next_at
    restarted.reschedule(AlarmTestSchedule(WEEKLY, time(9, 0), weekday=4), T0)
    assert restarted.next_at == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    restarted.reschedule(AlarmTestSchedule(OFF), T0)
    assert restarted.next_deadline() is None
    with pytest.raises(TypeError):
        restarted.load({"pending": "x"}, T0)


def test_a_test_still_open_at_the_next_one_is_unanswered():
    every_day = AlarmTestClock(AlarmTestSchedule(DAILY, time(9, 0)), STOCKHOLM, T0)
    (first,) = every_day.tick(datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    every_day.pending = (first.test_id, datetime(2026, 11, 27, 7, 50, tzinfo=UTC))  # as if late
    events = every_day.tick(datetime(2026, 11, 27, 8, 0, tzinfo=UTC))
    assert [event.kind for event in events] == [UNANSWERED, SENT]


def test_bad_options_are_refused():
    with pytest.raises(RulesError):
        AlarmTestSchedule.from_values("hourly", "09:00", 0)
    with pytest.raises(RulesError):
        AlarmTestSchedule.from_values(WEEKLY, "09:00", 7)
    assert AlarmTestSchedule.from_values(WEEKLY, "21:15:00", "3") == AlarmTestSchedule(
        WEEKLY, time(21, 15), 3
    )


@given(
    after=st.datetimes(
        min_value=datetime(2026, 1, 1),  # noqa: DTZ001 - hypothesis takes naive bounds
        max_value=datetime(2028, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    weekday=st.integers(0, 6),
    weekly=st.booleans(),
)
def test_next_instant_is_the_first_after(
    after: datetime, hour: int, minute: int, weekday: int, weekly: bool
):
    schedule = AlarmTestSchedule(WEEKLY if weekly else DAILY, time(hour, minute), weekday)
    at = schedule.next_after(after, STOCKHOLM)
    assert at is not None
    assert after < at <= after + timedelta(days=8 if weekly else 2)
    local = at.astimezone(STOCKHOLM)
    # The local time is the chosen one, or shifted forward by the spring gap.
    assert (local.hour, local.minute) in {(hour, minute), (hour + 1, minute)}
    if weekly:
        assert local.weekday() == weekday
    # Nothing in between: the instant before it gives the same one.
    assert schedule.next_after(at - timedelta(seconds=1), STOCKHOLM) == at
