"""The deadline loop: which deadline is next, processing them in time order.

Also the end of a pause (``_resume``), which is both a deadline and an input.

Within one input, deadlines before its instant fire first, then the input, then
the deadlines at that instant (:meth:`DeadlineRules._input`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from .engine_core import Due, DueItem
from .engine_doors import DoorRules
from .events import Event, EventKind
from .timeutil import iso

_MAX_STEPS = 100_000  # guard against a deadline that fails to advance (a bug)


class DeadlineRules(DoorRules):
    """Every rule family's deadlines, merged into one time-ordered loop."""

    def _input(
        self, apply: Callable[[datetime], list[Event]], now: datetime | None = None
    ) -> list[Event]:
        """Apply one input at ``now`` (default: the clock) between the deadlines.

        Deadlines before ``now`` fire first, then ``apply(now)``, then the deadlines
        at ``now``: motion exactly at a window end still counts for the window.
        """
        if now is None:
            now = self._now()
        events = self._advance(now, inclusive=False)
        events.extend(apply(now))
        events.extend(self._advance(now, inclusive=True))
        return events

    def _next_due(self) -> DueItem | None:  # noqa: C901 - one line per rule
        items: list[DueItem] = []
        pause = self._pause
        if pause is not None and pause.until is not None:
            items.append((pause.until, Due.PAUSE_END, ""))
        self._sensor_deadlines(items)
        if self._grace is not None:
            items.append((self._grace.ends_at, Due.GRACE_END, ""))
        if self._episode is not None:
            self._episode_deadlines(self._episode, items)
        if pause is None:
            if self._away is not None:
                not_back = self._not_back_due()
                if not_back is not None:
                    items.append((not_back.at, Due.NOT_BACK, ""))
            elif self._grace is None and self._episode is None and self._sensor_ok:
                due = self._inactivity_due()
                if due is not None:
                    items.append((due.at, Due.INACTIVITY, ""))
            if (outing := self._outing_due()) is not None:
                items.append((outing, Due.OUTING, ""))
            items.extend((occ.end, Due.WINDOW, "") for _, occ in self._pending_windows())
        if (planned := self.next_planned_check) is not None:  # paused too: documented as not done
            items.append((planned, Due.PLANNED, ""))
        return min(items) if items else None

    def _advance(self, now: datetime, *, inclusive: bool) -> list[Event]:
        """Process due deadlines in time order (before ``now``, or up to it if inclusive)."""
        events: list[Event] = []
        for _ in range(_MAX_STEPS):
            due = self._next_due()
            if due is None or due[0] > now or (due[0] == now and not inclusive):
                return events
            events.extend(self._fire(due[0], due[1], due[2], now))
        raise RuntimeError("supervision deadlines do not advance")  # pragma: no cover

    def _fire(self, at: datetime, kind: Due, key: str, now: datetime) -> list[Event]:  # noqa: C901
        # One case per kind of deadline.
        match kind:
            case Due.PAUSE_END:
                event = self._resume(at, now, user_id=None, automatic=True)
            case Due.SENSOR_UNAVAILABLE | Due.SENSOR_STALE:
                event = self._sensor_problem(key, kind, at, now)
            case Due.GRACE_END:
                event = self._raise_from_grace(at, now)
            case Due.ESCALATE:
                event = self._escalate(at, now)
            case Due.REMIND:
                event = self._remind(at, now)
            case Due.OUTING:
                return self._start_away(at, now)
            case Due.NOT_BACK:
                event = self._not_back(at, now)
            case Due.INACTIVITY:
                return self._inactivity_failed(at, now)
            case Due.WINDOW:
                return self._windows_end(at, now)
            case Due.PLANNED:
                return self._planned_checks(at, now)
        return [event]

    def _resume(
        self, at: datetime, now: datetime, *, user_id: str | None, automatic: bool
    ) -> Event:
        pause = self._pause
        self._pause = None
        self._clock_start = max(self._clock_start, at)
        self._window_cursor = max(self._window_cursor, at)
        data: dict[str, Any] = {
            "user_id": user_id,
            "automatic": automatic,
            "paused_since": None if pause is None else iso(pause.since),
        }
        if automatic:
            data["due_at"] = iso(at)
        return self._event(EventKind.RESUMED, now, **data)
