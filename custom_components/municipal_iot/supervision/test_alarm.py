"""Test alarm ("provlarm"): a scheduled test push that staff must answer (pure).

A unit can send a test push daily or weekly at a local time. Someone taps
"received" within :data:`ANSWER_WITHIN` (30 min), or the test is *unanswered*
and the adapter escalates ("check the staff phones"). Every step is an event the
adapter journals: the municipality's proof that the alarm chain was tested.

Scheduling is in local wall-clock time (``Europe/Stockholm`` in practice), as
:mod:`.schedule` converts it: a time that does not exist on the spring-forward
night (02:30) runs at the same instant shifted forward by the gap (03:30); an
ambiguous time on the fall-back night runs once, at its first occurrence.
After downtime a test that fell due is sent once, late (never a burst), and a
test whose answer time ran out meanwhile is unanswered. Nothing here reads the
clock: ``now`` is passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .rules import RulesError, parse_hhmm
from .schedule import local_to_utc
from .timeutil import iso, iso_or_none, parse_iso, parse_iso_or_none

ANSWER_WITHIN = timedelta(minutes=30)
OFF = "off"
DAILY = "daily"
WEEKLY = "weekly"
FREQUENCIES = (OFF, DAILY, WEEKLY)

SENT = "test_alarm_sent"
RECEIVED = "test_alarm_received"
UNANSWERED = "test_alarm_unanswered"


@dataclass(frozen=True, slots=True)
class AlarmTestSchedule:
    """When the unit's test alarm runs: off, daily at ``at``, or weekly on ``weekday``."""

    frequency: str = OFF
    at: time = time(10, 0)
    weekday: int = 0  # 0 = Monday (weekly only)

    def __post_init__(self) -> None:
        """Refuse an unknown frequency or weekday."""
        if self.frequency not in FREQUENCIES:
            raise RulesError(f"test alarm frequency must be one of {FREQUENCIES}")
        if not 0 <= self.weekday <= 6:
            raise RulesError("test alarm weekday must be 0..6")

    @classmethod
    def from_values(cls, frequency: object, at: object, weekday: object) -> AlarmTestSchedule:
        """Parse stored option values (``at`` as ``"HH:MM"`` or ``"HH:MM:SS"``)."""
        text = str(at or "10:00")[:5]
        return cls(str(frequency or OFF), parse_hhmm(text), int(str(weekday or 0)))

    def next_after(self, after: datetime, tz: ZoneInfo) -> datetime | None:
        """Return the first test instant strictly after ``after`` (None when off)."""
        if self.frequency == OFF:
            return None
        day = after.astimezone(tz).date() - timedelta(days=1)
        for _ in range(9):
            if self.frequency == DAILY or day.weekday() == self.weekday:
                at = local_to_utc(day, self.at, tz)
                if at > after:
                    return at
            day += timedelta(days=1)
        raise RuntimeError("no test alarm instant within 9 days")  # pragma: no cover


NO_TEST_ALARM = AlarmTestSchedule()


@dataclass(frozen=True, slots=True)
class AlarmTestEvent:
    """One step of a test alarm: sent, received or unanswered."""

    kind: str
    test_id: str
    at: datetime
    data: Mapping[str, Any]


class AlarmTestClock:
    """The unit's test alarm: when the next one is due and which one waits for an answer."""

    def __init__(self, schedule: AlarmTestSchedule, tz: ZoneInfo, now: datetime) -> None:
        """Schedule the first test after ``now``."""
        self._schedule = schedule
        self._tz = tz
        self.next_at = schedule.next_after(now, tz)
        self.pending: tuple[str, datetime] | None = None  # (test id, sent at)
        self.last_unanswered: str | None = None  # a late tap still counts as received

    def reschedule(self, schedule: AlarmTestSchedule, now: datetime) -> None:
        """Apply a new schedule from ``now`` on; a test waiting for its answer still waits."""
        if schedule != self._schedule:
            self._schedule = schedule
            self.next_at = schedule.next_after(now, self._tz)

    def next_deadline(self) -> datetime | None:
        """Return when :meth:`tick` must run next."""
        times = [self.next_at]
        if self.pending is not None:
            times.append(self.pending[1] + ANSWER_WITHIN)
        return min((at for at in times if at is not None), default=None)

    def tick(self, now: datetime) -> list[AlarmTestEvent]:
        """Run what fell due by ``now``: an unanswered test, then a test to send."""
        events: list[AlarmTestEvent] = []
        if self.pending is not None and now >= self.pending[1] + ANSWER_WITHIN:
            test_id, sent_at = self.pending
            self.pending = None
            self.last_unanswered = test_id
            events.append(
                AlarmTestEvent(
                    UNANSWERED,
                    test_id,
                    now,
                    {"sent_at": iso(sent_at), "due_at": iso(sent_at + ANSWER_WITHIN)},
                )
            )
        if self.next_at is not None and now >= self.next_at:
            due = self.next_at
            self.next_at = self._schedule.next_after(now, self._tz)
            if self.pending is not None:  # the previous one is still open: it is replaced
                events.append(self._unanswered_replaced(now))
            test_id = f"test-{now:%Y%m%dT%H%M%SZ}"
            self.pending = (test_id, now)
            events.append(AlarmTestEvent(SENT, test_id, now, {"due_at": iso(due)}))
        return events

    def _unanswered_replaced(self, now: datetime) -> AlarmTestEvent:
        assert self.pending is not None  # noqa: S101 - callers check
        test_id, sent_at = self.pending
        self.last_unanswered = test_id
        return AlarmTestEvent(
            UNANSWERED, test_id, now, {"sent_at": iso(sent_at), "due_at": iso(now)}
        )

    def received(self, test_id: str, user_id: str | None, now: datetime) -> AlarmTestEvent | None:
        """Record a "received" tap (None: ``test_id`` is not the open or last unanswered test)."""
        if self.pending is not None and self.pending[0] == test_id:
            sent_at = self.pending[1]
            self.pending = None
            late = False
        elif test_id == self.last_unanswered:
            sent_at, late = None, True
        else:
            return None
        if late:
            self.last_unanswered = None
        data: dict[str, Any] = {"user_id": user_id, "late": late}
        if sent_at is not None:
            data["seconds"] = int((now - sent_at).total_seconds())
        return AlarmTestEvent(RECEIVED, test_id, now, data)

    # ------------------------------------------------------------ persistence

    def to_dict(self) -> dict[str, Any]:
        """Return the persisted form (the schedule comes from the options)."""
        return {
            "next_at": iso_or_none(self.next_at),
            "pending": None if self.pending is None else [self.pending[0], iso(self.pending[1])],
            "last_unanswered": self.last_unanswered,
        }

    def load(self, data: Mapping[str, Any], now: datetime) -> None:
        """Restore :meth:`to_dict`'s form (``TypeError``/``ValueError`` when unreadable).

        A stored next instant is kept when it is due or still matches the
        schedule, so a test that fell due during downtime is sent at start.
        """
        stored_next = parse_iso_or_none(data.get("next_at"))
        pending = data.get("pending")
        if pending is not None:
            if not isinstance(pending, list) or len(pending) != 2:
                raise TypeError("pending must be [test id, sent at]")
            self.pending = (str(pending[0]), parse_iso(pending[1]))
        last = data.get("last_unanswered")
        self.last_unanswered = None if last is None else str(last)
        if stored_next is not None and self._schedule.frequency != OFF:
            scheduled = self._schedule.next_after(stored_next - timedelta(seconds=1), self._tz)
            if scheduled == stored_next and (stored_next <= now or stored_next == self.next_at):
                self.next_at = stored_next
