"""Door rules: doors as activity, the outing ("away"), "not back" and night exit.

With the outing rule, a door that opened and closed followed by no fresh motion
for its minutes means ``away``; a night exit raises an alarm at once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from . import planned as plan
from .engine_core import REASON_NIGHT_EXIT, REASON_NOT_BACK
from .engine_inactivity import InactivityRules
from .events import Event, EventKind
from .rules import DEFAULT_RETURN_MINUTES
from .schedule import InactivityDue, band_deadline, occurrence_at
from .state import AwayInfo
from .timeutil import iso


class DoorRules(InactivityRules):
    """The door sensors' rules."""

    def _door(
        self, sensor_id: str, motion: bool | None, *, was_open: bool, now: datetime
    ) -> list[Event]:
        events: list[Event] = []
        if motion is True and not was_open:
            self._door_closed_at = None
            events.extend(self._night_exit(sensor_id, now))
        elif motion is False and was_open and self._rules.outing and self._away is None:
            self._door_closed_at = now
        if self._away is None and (motion is True or (motion is False and was_open)):
            events.extend(self._activity(now))
        return events

    def _fresh_motion(self, now: datetime) -> list[Event]:
        """End an outing, and mark a night exit "returned" (a motion sensor saw motion)."""
        self._door_closed_at = None
        events = [] if self._away is None else [self._end_away("motion", now)]
        episode = self._episode
        if (
            episode is not None
            and episode.reason == REASON_NIGHT_EXIT
            and "returned_at" not in episode.detail
        ):
            minutes = int(episode.detail.get("return_minutes", DEFAULT_RETURN_MINUTES))
            if now - episode.due_at <= timedelta(minutes=minutes):
                self._episode = replace(episode, detail={**episode.detail, "returned_at": iso(now)})
                events.append(
                    self._event(
                        EventKind.NIGHT_EXIT_RETURNED,
                        now,
                        episode_id=episode.episode_id,
                        door_opened_at=iso(episode.due_at),
                        returned_at=iso(now),
                    )
                )
        return events

    def _night_exit(self, sensor_id: str, now: datetime) -> list[Event]:
        rule = self._rules.night_exit
        if rule is None or self._pause is not None:
            return []
        if occurrence_at(rule, now, self._tz) is None:
            return []
        episode = self._episode
        if episode is not None:
            return [
                self._event(
                    EventKind.NIGHT_DOOR,
                    now,
                    sensor_id=sensor_id,
                    band=rule.label,
                    episode_id=episode.episode_id,
                )
            ]
        events = [] if self._grace is None else [self._cancel_grace(REASON_NIGHT_EXIT, now)]
        detail = {
            "door_opened_at": iso(now),
            "sensor_id": sensor_id,
            "band": rule.label,
            "return_minutes": rule.return_minutes,
        }
        still = self.still_since
        events.append(
            self._raise(REASON_NIGHT_EXIT, now, now, still, detail, grace_started_at=None)
        )
        return events

    def _start_away(self, at: datetime, now: datetime) -> list[Event]:
        closed = self._door_closed_at
        self._door_closed_at = None
        if closed is None:  # pragma: no cover - OUTING is only due after a door closed
            raise RuntimeError("outing deadline without a closed door")
        if any(health.motion_on for sid, health in self._sensors.items() if sid not in self._doors):
            return []  # a motion sensor still shows motion: someone is inside
        self._away = AwayInfo(since=closed, detected_at=now)
        events = [] if self._grace is None else [self._cancel_grace("away", now)]
        away = {"away_since": iso(closed)}
        events.extend(
            self._planned_done(now, self._planned.take_pending(), plan.NOT_DONE_AWAY, **away)
        )
        events.append(self._event(EventKind.AWAY_STARTED, now, since=iso(closed), due_at=iso(at)))
        return events

    def _end_away(self, reason: str, now: datetime) -> Event:
        away = self._away
        if away is None:  # pragma: no cover - callers check
            raise RuntimeError("no outing to end")
        self._away = None
        return self._event(
            EventKind.AWAY_ENDED,
            now,
            since=iso(away.since),
            minutes=int((now - away.since).total_seconds() // 60),
            reason=reason,
        )

    def _not_back(self, at: datetime, now: datetime) -> Event:
        due, away = self._not_back_due(), self._away
        if due is None or away is None or due.band is None or due.occurrence is None:
            raise RuntimeError("not-back deadline without an outing")  # pragma: no cover
        self._away = replace(away, not_back_at=now)
        detail = {
            "away_since": iso(away.since),
            "band": due.band.label,
            "band_start": iso(due.occurrence.start),
            "band_end": iso(due.occurrence.end),
            "threshold_minutes": due.minutes,
        }
        return self._raise(REASON_NOT_BACK, at, now, away.since, detail, grace_started_at=None)

    def _outing_due(self) -> datetime | None:
        outing, closed = self._rules.outing, self._door_closed_at
        if outing is None or closed is None or self._away is not None or self._episode:
            return None
        sensors = self._sensors.items()
        if not any(health.problem is None for sid, health in sensors if sid not in self._doors):
            return None  # no working motion sensor: "no motion" proves nothing
        return closed + timedelta(minutes=outing.minutes)

    def _not_back_due(self) -> InactivityDue | None:
        away, outing = self._away, self._rules.outing
        if away is None or outing is None or outing.not_back is None:
            return None
        if away.not_back_at is not None or self._episode is not None:
            return None
        cache = self._not_back_cache
        if cache is None or cache[0] != away.since:
            due = band_deadline(outing.not_back, away.since, self._tz)
            cache = self._not_back_cache = (away.since, due)
        return cache[1]
