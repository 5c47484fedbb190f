"""Activity, inactivity (continuous stopwatch and bands) and check windows.

Bands count still time only inside the band; check windows are evaluated once,
at their end (``check_passed`` / ``check_missed`` / ``check_skipped``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from . import planned as plan
from .engine_core import REASON_CHECK_WINDOW, REASON_INACTIVITY, REASON_NIGHT_EXIT
from .engine_planned import PlannedRules
from .events import Event, EventKind
from .rules import CheckWindow
from .schedule import InactivityDue, Occurrence, inactivity_deadline, next_window_occurrence
from .timeutil import iso, iso_or_none


class InactivityRules(PlannedRules):
    """Motion as activity, the inactivity deadline and the check windows."""

    def _inactivity_due(self) -> InactivityDue | None:
        since = self.still_since
        cache = self._inactivity_cache
        if cache is None or cache[0] != since:
            rules = self._rules
            due = inactivity_deadline(since, rules.active_bands, rules.continuous_minutes, self._tz)
            cache = self._inactivity_cache = (since, due)
        return cache[1]

    def _pending_windows(self) -> list[tuple[CheckWindow, Occurrence]]:
        cursor = self._window_cursor
        cache = self._window_cache
        if cache is None or cache[0] != cursor:
            pending = [
                (window, next_window_occurrence(window, cursor, self._tz))
                for window in self._rules.windows
            ]
            cache = self._window_cache = (cursor, pending)
        return cache[1]

    def _activity(self, now: datetime) -> list[Event]:
        self._last_motion = now
        events: list[Event] = []
        if self._grace is not None:
            events.append(self._cancel_grace("motion", now))
        pending = self._planned.take_pending()
        events.extend(self._planned_done(now, pending, plan.DONE_DIGITAL, evidence_at=iso(now)))
        episode = self._episode
        if (
            episode is not None
            and episode.motion_returned_at is None
            and episode.reason != REASON_NIGHT_EXIT  # motion is how a night exit starts
        ):
            self._episode = replace(episode, motion_returned_at=now, next_reminder_at=None)
            events.append(
                self._event(EventKind.MOTION_RETURNED, now, episode_id=episode.episode_id)
            )
        return events

    def _inactivity_failed(self, at: datetime, now: datetime) -> list[Event]:
        due = self._inactivity_due()
        if due is None:  # pragma: no cover - INACTIVITY is only due when a rule fires
            raise RuntimeError("inactivity deadline without a rule")
        detail: dict[str, Any] = {}
        if due.band is not None and due.occurrence is not None:
            detail = {
                "band": due.band.label,
                "band_start": iso(due.occurrence.start),
                "band_end": iso(due.occurrence.end),
            }
        detail["threshold_minutes"] = due.minutes
        return self._start_grace(REASON_INACTIVITY, at, now, detail)

    def _windows_end(self, at: datetime, now: datetime) -> list[Event]:
        events: list[Event] = []
        activity = self.last_activity
        for window, occ in self._pending_windows():
            if occ.end != at:
                continue
            detail = {
                "window": window.label,
                "window_start": iso(occ.start),
                "window_end": iso(occ.end),
            }
            data = {**detail, "due_at": iso(at), "last_activity": iso_or_none(activity)}
            if self._away is not None:
                events.append(self._event(EventKind.CHECK_SKIPPED, now, **data, reason="away"))
            elif not self._sensor_ok:
                events.append(
                    self._event(EventKind.CHECK_SKIPPED, now, **data, reason="sensor_problem")
                )
            elif activity is not None and occ.contains(activity):
                events.append(self._event(EventKind.CHECK_PASSED, now, **data))
            else:
                events.append(self._event(EventKind.CHECK_MISSED, now, **data))
                if self._grace is None and self._episode is None:
                    events.extend(self._start_grace(REASON_CHECK_WINDOW, at, now, detail))
        self._window_cursor = at
        return events
