"""Planned checks ("tillsynstillfällen"): a documented check at set local times.

The individual's decision says "tillsyn kl 23, 02 och 05". At each planned time
the engine documents the check (event ``planned_check``, see :mod:`.events`):

* activity (motion, or a door while the resident is home) within the look-back
  before the time: ``done_digital``, with the evidence time;
* staff closed an alarm within the look-back (they were there): ``done_visit``;
* paused: ``not_done_paused`` with the pause reason; away: ``not_done_away``
  with the time the outing began; every sensor faulty: ``not_done_sensor``
  (the sensor fault is its own alert and asks for a physical visit);
* otherwise ``planned_check_missed``: the check is *pending* and a grace period
  starts (the apartment's grace minutes: the "new look" of camera tillsyn).
  Motion during the grace documents it ``done_digital`` (evidence: that
  motion); a pause or an outing documents it as not done; when the grace ends,
  the alarm (reason ``planned_check``) carries the check, and closing the alarm
  documents it ``done_visit`` with who closed it and the closing outcome.
  A check that fails while an alarm is already open joins that alarm.

Times are local wall-clock times; the weekday is that of the calendar day of
the time itself (02:00 on Tuesday morning is Tuesday). Daylight saving time
(the same rule as :mod:`.schedule`): a time that does not exist on the
spring-forward night (02:00-02:59 in Europe/Stockholm) is checked when the
clock jumps, at 03:00 (02:30 becomes 03:30); a time that occurs twice on the
fall-back night is checked once, at its first occurrence (summer time). The
look-back is real elapsed minutes before that instant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .planned_rules import PlannedChecks, PlannedTime
from .schedule import SCAN_DAYS, local_to_utc
from .timeutil import iso, parse_iso

REASON_PLANNED = "planned_check"
DONE_DIGITAL = "done_digital"
DONE_VISIT = "done_visit"
NOT_DONE_PAUSED = "not_done_paused"
NOT_DONE_AWAY = "not_done_away"
NOT_DONE_SENSOR = "not_done_sensor"
PLANNED_OUTCOMES = (DONE_DIGITAL, DONE_VISIT, NOT_DONE_PAUSED, NOT_DONE_AWAY, NOT_DONE_SENSOR)
_ONE_DAY = timedelta(days=1)


def instants(item: PlannedTime, tz: ZoneInfo, day: date, days: int) -> list[datetime]:
    """Return the UTC instants of ``item`` on ``days`` local days from ``day``."""
    return [
        local_to_utc(day + _ONE_DAY * offset, item.at, tz)
        for offset in range(days)
        if (day + _ONE_DAY * offset).weekday() in item.weekdays
    ]


def next_planned(checks: PlannedChecks, after: datetime, tz: ZoneInfo) -> datetime:
    """Return the first planned instant strictly after ``after``."""
    day = after.astimezone(tz).date() - _ONE_DAY
    return min(
        at for item in checks.times for at in instants(item, tz, day, SCAN_DAYS) if at > after
    )


def due_at(checks: PlannedChecks, at: datetime, tz: ZoneInfo) -> list[PlannedTime]:
    """Return the planned times whose instant is ``at`` (two can meet on the DST night)."""
    day = at.astimezone(tz).date() - _ONE_DAY
    return [item for item in checks.times if at in instants(item, tz, day, 3)]


def check_record(at: datetime, item: PlannedTime) -> dict[str, Any]:
    """Return the data every event of one planned check carries."""
    return {"planned_at": iso(at), "planned": item.label}


@dataclass(frozen=True, slots=True)
class Situation:
    """What the engine knows at a planned time."""

    pause_reason: str | None  # None: not paused
    away_since: datetime | None  # None: not away
    sensor_ok: bool
    last_motion: datetime | None
    confirmed_at: datetime | None  # staff closed an alarm (they were there)


def conclude(at: datetime, lookback: timedelta, now: Situation) -> dict[str, Any] | None:
    """Return the outcome data of a check at ``at``, or None: no sign of activity."""
    if now.pause_reason is not None:
        return {"outcome": NOT_DONE_PAUSED, "pause_reason": now.pause_reason}
    if now.away_since is not None:
        return {"outcome": NOT_DONE_AWAY, "away_since": iso(now.away_since)}
    if not now.sensor_ok:
        return {"outcome": NOT_DONE_SENSOR}
    since = at - lookback
    if now.last_motion is not None and since <= now.last_motion <= at:
        return {"outcome": DONE_DIGITAL, "evidence_at": iso(now.last_motion)}
    if now.confirmed_at is not None and since <= now.confirmed_at <= at:
        return {"outcome": DONE_VISIT, "evidence_at": iso(now.confirmed_at)}
    return None


class PlannedTracker:
    """Which planned checks are done (a cursor) and which wait for an outcome."""

    def __init__(self, cursor: datetime) -> None:
        """Start with every planned time up to ``cursor`` done."""
        self.cursor = cursor
        self.pending: list[dict[str, Any]] = []  # check records waiting for an outcome
        self._cache: tuple[datetime, PlannedChecks, datetime] | None = None

    def next_due(self, checks: PlannedChecks | None, tz: ZoneInfo) -> datetime | None:
        """Return the next planned instant (cached until the cursor or the rule changes)."""
        if checks is None:
            return None
        cache = self._cache
        if cache is None or cache[0] != self.cursor or cache[1] is not checks:
            cache = self._cache = (self.cursor, checks, next_planned(checks, self.cursor, tz))
        return cache[2]

    def take_due(
        self, checks: PlannedChecks | None, at: datetime, tz: ZoneInfo
    ) -> list[dict[str, Any]]:
        """Return the check records due at ``at`` and mark them done."""
        self.cursor = max(self.cursor, at)
        if checks is None:  # pragma: no cover - only due while a rule exists
            return []
        return [check_record(at, item) for item in due_at(checks, at, tz)]

    def take_pending(self) -> list[dict[str, Any]]:
        """Return the pending checks and forget them (they got their outcome)."""
        pending, self.pending = self.pending, []
        return pending

    def to_dict(self) -> dict[str, Any]:
        """Return the persisted form."""
        return {"cursor": iso(self.cursor), "pending": [dict(item) for item in self.pending]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlannedTracker:
        """Rebuild from the persisted form."""
        tracker = cls(parse_iso(data["cursor"]))
        tracker.pending = [dict(item) for item in data.get("pending") or ()]
        return tracker
