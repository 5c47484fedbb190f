"""Alarm episodes: grace, raise, reminders, escalation and acknowledgement.

ok -> grace -> alarm: a failed rule starts a grace period that motion cancels;
at its end an alarm *episode* opens and stays open until staff resolve it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from .engine_core import Due, DueItem
from .engine_sensors import SensorRules
from .events import Event, EventKind
from .state import EpisodeInfo, GraceInfo
from .timeutil import iso, iso_or_none


class EpisodeRules(SensorRules):
    """The grace period and the alarm episode."""

    def _acknowledge(self, user_id: str | None, now: datetime) -> list[Event]:
        episode = self._episode
        if episode is None or episode.acknowledged:
            return []
        self._episode = replace(
            episode, acknowledged_at=now, acknowledged_by=user_id, next_reminder_at=None
        )
        return [
            self._event(EventKind.ACKNOWLEDGED, now, episode_id=episode.episode_id, user_id=user_id)
        ]

    def _episode_deadlines(self, episode: EpisodeInfo, items: list[DueItem]) -> None:
        if not episode.needs_attention:
            return
        escalation = self._rules.policy.escalation_minutes
        if escalation is not None and episode.escalated_at is None:
            items.append((episode.raised_at + timedelta(minutes=escalation), Due.ESCALATE, ""))
        if episode.next_reminder_at is not None:
            items.append((episode.next_reminder_at, Due.REMIND, ""))

    def _cancel_grace(self, reason: str, now: datetime) -> Event:
        grace = self._grace
        self._grace = None
        return self._event(
            EventKind.GRACE_CANCELLED,
            now,
            reason=reason,
            grace_reason=None if grace is None else grace.reason,
        )

    def _start_grace(
        self, reason: str, at: datetime, now: datetime, detail: dict[str, Any]
    ) -> list[Event]:
        still_since = self.still_since
        if self._rules.grace_minutes == 0:
            return [self._raise(reason, at, now, still_since, detail, grace_started_at=None)]
        start = at if self._grace_floor is None else max(at, self._grace_floor)
        ends_at = start + timedelta(minutes=self._rules.grace_minutes)
        self._grace = GraceInfo(reason, now, at, ends_at, still_since, detail)
        return [
            self._event(
                EventKind.GRACE_STARTED,
                now,
                reason=reason,
                still_since=iso(still_since),
                ends_at=iso(ends_at),
                due_at=iso(at),
                **detail,
            )
        ]

    def _raise_from_grace(self, at: datetime, now: datetime) -> Event:
        grace = self._grace
        if grace is None:  # pragma: no cover - GRACE_END is only due while a grace runs
            raise RuntimeError("grace deadline without a grace period")
        self._grace = None
        return self._raise(
            grace.reason,
            at,
            now,
            grace.still_since,
            dict(grace.detail),
            grace_started_at=grace.started_at,
        )

    def _raise(  # noqa: PLR0913 - the alarm record has this many parts
        self,
        reason: str,
        at: datetime,
        now: datetime,
        still_since: datetime,
        detail: dict[str, Any],
        *,
        grace_started_at: datetime | None,
    ) -> Event:
        episode_id = f"{self._apartment_id}-{now:%Y%m%dT%H%M%SZ}"
        if pending := self._planned.take_pending():  # the alarm's closure documents them
            detail = {**detail, "planned_checks": pending}
        interval = self._rules.policy.reminder_minutes
        self._episode = EpisodeInfo(
            episode_id=episode_id,
            reason=reason,
            raised_at=now,
            due_at=at,
            still_since=still_since,
            detail=detail,
            next_reminder_at=None if interval is None else now + timedelta(minutes=interval),
        )
        return self._event(
            EventKind.ALARM_RAISED,
            now,
            episode_id=episode_id,
            reason=reason,
            still_since=iso(still_since),
            still_minutes=int((now - still_since).total_seconds() // 60),
            due_at=iso(at),
            grace_started_at=iso_or_none(grace_started_at),
            **detail,
        )

    def _escalate(self, at: datetime, now: datetime) -> Event:
        episode = self._episode
        if episode is None:  # pragma: no cover - ESCALATE is only due during an episode
            raise RuntimeError("escalation without an episode")
        self._episode = replace(episode, escalated_at=now)
        return self._event(
            EventKind.ESCALATE,
            now,
            episode_id=episode.episode_id,
            raised_at=iso(episode.raised_at),
            due_at=iso(at),
        )

    def _remind(self, at: datetime, now: datetime) -> Event:
        episode = self._episode
        interval = self._rules.policy.reminder_minutes
        if episode is None or interval is None:  # pragma: no cover - see _next_due
            raise RuntimeError("reminder without an episode or interval")
        step = timedelta(minutes=interval)
        following = at + step
        if following <= now:  # late (Home Assistant was down): no burst, restart the cadence
            following = now + step
        count = episode.reminders_sent + 1
        self._episode = replace(episode, reminders_sent=count, next_reminder_at=following)
        return self._event(
            EventKind.REMIND, now, episode_id=episode.episode_id, count=count, due_at=iso(at)
        )
