"""Planned checks ("tillsynstillfällen") as the engine's deadlines (see :mod:`.planned`).

Planned checks document themselves at their times; a missed one starts a grace
(or joins the open alarm, whose closure documents it).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from . import planned as plan
from .engine_episodes import EpisodeRules
from .events import Event, EventKind
from .timeutil import iso_or_none


class PlannedRules(EpisodeRules):
    """The planned-check deadline."""

    def _planned_checks(self, at: datetime, now: datetime) -> list[Event]:
        """Document the planned checks due at ``at`` (see :mod:`.planned`)."""
        rule, events = self._rules.planned, []
        if rule is None:  # pragma: no cover - only due while the rule exists
            return []
        pause, away = self._pause, self._away
        situation = plan.Situation(
            pause_reason=None if pause is None else pause.reason,
            away_since=None if away is None else away.since,
            sensor_ok=self._sensor_ok,
            last_motion=self.last_motion,
            confirmed_at=self._confirmed_at,
        )
        for check in self._planned.take_due(rule, at, self._tz):
            if (outcome := plan.conclude(at, rule.lookback, situation)) is not None:
                events.append(self._event(EventKind.PLANNED_CHECK, now, **check, **outcome))
                continue
            missed = {**check, "lookback_minutes": rule.lookback_minutes}
            missed["last_motion"] = iso_or_none(self.last_motion)
            if (episode := self._episode) is not None:  # the open alarm's closure documents it
                attached = [*episode.detail.get("planned_checks", ()), check]
                self._episode = replace(
                    episode, detail={**episode.detail, "planned_checks": attached}
                )
                missed["episode_id"] = episode.episode_id
            else:
                self._planned.pending.append(check)
            events.append(self._event(EventKind.PLANNED_CHECK_MISSED, now, **missed))
            if self._episode is None and self._grace is None:
                events.extend(self._start_grace(plan.REASON_PLANNED, at, now, dict(check)))
        return events
