"""Report schedules and the billing period of a run.

A :class:`ReportSchedule` runs

* ``daily`` at ``at`` (local wall time),
* ``weekly`` on ``weekday`` (0 = Monday) at ``at``,
* ``monthly`` on ``day`` (1-28, or ``"last"`` for the last day of the month) at ``at``.

:meth:`ReportSchedule.next_run` gives the first run strictly after a moment, in
UTC. Wall times are resolved with :mod:`zoneinfo` rules: a time that does not
exist on a spring-forward day runs one hour later on the wall clock (02:30 ->
03:30 in Europe/Stockholm); a repeated time on a fall-back day runs once, at its
first occurrence.

:meth:`ReportSchedule.period_for_run` gives the period that most recently ended
at or before a run, as UTC ``(start, end)`` with ``end`` exclusive. Periods run
between local midnights of the anchor days: daily = the previous day, weekly =
the 7 days before the anchor weekday, monthly = previous anchor day to this
anchor day (``day=1``: the previous calendar month; ``"last"``: from the last
day of the month before to the last day of this month, both at 00:00). A late
run (HA was down on the anchor day) still gets the period that just ended.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Literal

from .model import to_utc

LAST_DAY = "last"
type MonthDay = int | Literal["last"]
_MIDNIGHT = time(0)
_DAY = timedelta(days=1)


class Frequency(StrEnum):
    """How often a report runs."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


def _local_to_utc(day: date, wall: time, tz: tzinfo) -> datetime:
    return to_utc(datetime.combine(day, wall, tzinfo=tz))


def _add_months(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    return index // 12, index % 12 + 1


@dataclass(frozen=True, slots=True)
class ReportSchedule:
    """When a report runs."""

    frequency: Frequency
    at: time = time(6, 0)
    day: MonthDay = 1  # monthly only
    weekday: int = 0  # weekly only, 0 = Monday

    def __post_init__(self) -> None:
        """Validate the schedule."""
        if self.at.tzinfo is not None:
            raise ValueError("at must be a naive local wall time")
        valid_day = (
            isinstance(self.day, int) and not isinstance(self.day, bool) and 1 <= self.day <= 28
        )
        if self.day != LAST_DAY and not valid_day:
            raise ValueError("day must be 1-28 or 'last'")
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")

    def anchor_in_month(self, year: int, month: int) -> date:
        """Return the monthly anchor day of a month."""
        if self.day == LAST_DAY:
            return date(year, month, calendar.monthrange(year, month)[1])
        return date(year, month, int(self.day))

    def _anchor_on_or_before(self, day: date) -> date:
        """Return the latest anchor date on or before a local date."""
        if self.frequency is Frequency.DAILY:
            return day
        if self.frequency is Frequency.WEEKLY:
            return day - timedelta(days=(day.weekday() - self.weekday) % 7)
        anchor = self.anchor_in_month(day.year, day.month)
        if anchor > day:
            anchor = self.anchor_in_month(*_add_months(day, -1))
        return anchor

    def _next_anchor(self, anchor: date) -> date:
        if self.frequency is Frequency.DAILY:
            return anchor + _DAY
        if self.frequency is Frequency.WEEKLY:
            return anchor + timedelta(days=7)
        return self.anchor_in_month(*_add_months(anchor, 1))

    def _previous_anchor(self, anchor: date) -> date:
        if self.frequency is Frequency.DAILY:
            return anchor - _DAY
        if self.frequency is Frequency.WEEKLY:
            return anchor - timedelta(days=7)
        return self.anchor_in_month(*_add_months(anchor, -1))

    def next_run(self, after: datetime, tz: tzinfo) -> datetime:
        """Return the first run strictly after ``after``, in UTC."""
        moment = to_utc(after)
        anchor = self._anchor_on_or_before(moment.astimezone(tz).date())
        run = _local_to_utc(anchor, self.at, tz)
        while run <= moment:
            anchor = self._next_anchor(anchor)
            run = _local_to_utc(anchor, self.at, tz)
        return run

    def period_for_run(self, run_at: datetime, tz: tzinfo) -> tuple[datetime, datetime]:
        """Return the UTC ``(start, end)`` of the period that ended at or before ``run_at``."""
        end_day = self._anchor_on_or_before(to_utc(run_at).astimezone(tz).date())
        start_day = self._previous_anchor(end_day)
        return _local_to_utc(start_day, _MIDNIGHT, tz), _local_to_utc(end_day, _MIDNIGHT, tz)
