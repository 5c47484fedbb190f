"""Local-time band and window occurrences, converted to UTC.

Schedules are written in local wall-clock time; everything else in the engine is
UTC, so durations are real elapsed time. Conversion rules (the same as
``zoneinfo`` with ``fold=0``):

* a local time that does not exist (spring forward, e.g. 02:30 on the last
  Sunday of March in Europe/Stockholm) is shifted forward by the gap (03:30);
* an ambiguous local time (fall back, 02:30 on the last Sunday of October) means
  its first occurrence (summer time).

An occurrence belongs to the local date on which it starts (the weekday filter
uses that date). If the end is not after the start on the clock face, the
occurrence ends on the next day. If DST makes the UTC end fall before the UTC
start, the occurrence is clamped to zero length at its start.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from .rules import CheckWindow, TimeBand

_ONE_DAY = timedelta(days=1)
# Days scanned after the day before the reference time: enough for any weekday filter.
SCAN_DAYS = 9


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence of a band or window, in UTC."""

    start: datetime
    end: datetime

    def contains(self, at: datetime) -> bool:
        """Return True if ``start <= at <= end``."""
        return self.start <= at <= self.end


def local_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Return the UTC instant of local ``day`` ``at`` (gap: forward, overlap: first)."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


class DailySpan(Protocol):
    """A daily local-time span: a band or a window."""

    @property
    def start(self) -> time:
        """Local start time."""
        ...

    @property
    def end(self) -> time:
        """Local end time (not after the start: the next day)."""
        ...

    @property
    def weekdays(self) -> frozenset[int]:
        """Weekdays (0=Mon) on which an occurrence starts."""
        ...


def occurrences(
    span: DailySpan, tz: ZoneInfo, since: datetime, days: int = SCAN_DAYS
) -> Iterator[Occurrence]:
    """Yield occurrences in start order, from the one starting the local day before ``since``.

    The caller skips the ones that ended before the time it cares about.
    """
    start, end, weekdays = span.start, span.end, span.weekdays
    day = since.astimezone(tz).date() - _ONE_DAY
    crosses = end <= start
    for _ in range(days + 1):
        if day.weekday() in weekdays:
            begin = local_to_utc(day, start, tz)
            finish = local_to_utc(day + _ONE_DAY if crosses else day, end, tz)
            yield Occurrence(begin, max(begin, finish))
        day += _ONE_DAY


@dataclass(frozen=True, slots=True)
class InactivityDue:
    """When an inactivity rule fires for a given start of still time."""

    at: datetime
    minutes: int
    band: TimeBand | None  # None: the continuous rule
    occurrence: Occurrence | None


def band_deadline(band: TimeBand, still_since: datetime, tz: ZoneInfo) -> InactivityDue | None:
    """Return when ``band`` fires if nothing moves after ``still_since``.

    Still time inside an occurrence starts at ``max(still_since, occurrence.start)``;
    the band fires when it reaches ``band.minutes`` no later than the occurrence end.
    """
    if band.minutes is None:
        return None
    threshold = timedelta(minutes=band.minutes)
    for occ in occurrences(band, tz, still_since):
        if occ.end < still_since:
            continue
        at = max(still_since, occ.start) + threshold
        if at <= occ.end:
            return InactivityDue(at, band.minutes, band, occ)
    return None  # pragma: no cover - validated bands fit into a week of occurrences


def inactivity_deadline(
    still_since: datetime,
    bands: Iterable[TimeBand],
    continuous_minutes: int | None,
    tz: ZoneInfo,
) -> InactivityDue | None:
    """Return the earliest inactivity rule to fire if nothing moves after ``still_since``.

    Ties go to the continuous rule, then to the first band listed.
    """
    best: InactivityDue | None = None
    if continuous_minutes is not None:
        best = InactivityDue(
            still_since + timedelta(minutes=continuous_minutes), continuous_minutes, None, None
        )
    for band in bands:
        due = band_deadline(band, still_since, tz)
        if due is not None and (best is None or due.at < best.at):
            best = due
    return best


def occurrence_at(span: DailySpan, at: datetime, tz: ZoneInfo) -> Occurrence | None:
    """Return the occurrence of ``span`` running at ``at`` (start inclusive, end exclusive)."""
    for occ in occurrences(span, tz, at, days=1):
        if occ.start <= at < occ.end:
            return occ
    return None


def next_window_occurrence(window: CheckWindow, after: datetime, tz: ZoneInfo) -> Occurrence:
    """Return the first occurrence of ``window`` that ends strictly after ``after``."""
    for occ in occurrences(window, tz, after):
        if occ.end > after:
            return occ
    # A validated (non-empty) weekday set always matches within the scanned days.
    raise RuntimeError("no window occurrence found")  # pragma: no cover
