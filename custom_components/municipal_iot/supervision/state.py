"""Status values and the persisted records of one apartment's supervision.

All records are frozen; the engine replaces them on change. Each has a
JSON-serialisable ``to_dict`` and a ``from_dict`` for the Home Assistant Store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from .timeutil import iso, iso_or_none, parse_iso, parse_iso_or_none


class Status(StrEnum):
    """Apartment status, most important first (an open alarm outranks everything)."""

    ALARM = "alarm"
    ACKNOWLEDGED = "acknowledged"
    GRACE = "grace"
    PAUSED = "paused"
    NOT_SUPERVISED = "not_supervised"  # no rule, no sensor, or every sensor has a problem
    AWAY = "away"  # the resident is out (door opened, closed, then no motion)
    SENSOR_PROBLEM = "sensor_problem"  # some sensors have a problem; the rest supervise
    OK = "ok"


class SensorProblem(StrEnum):
    """Why a sensor cannot be trusted."""

    UNAVAILABLE = "unavailable"  # unavailable/unknown in HA for too long
    STALE = "stale"  # no update within the expected interval


@dataclass(frozen=True, slots=True)
class SensorHealth:
    """What the engine knows about one assigned sensor."""

    last_update: datetime  # last available update (assignment time until the first one)
    available: bool = True
    unavailable_since: datetime | None = None
    problem: SensorProblem | None = None
    problem_since: datetime | None = None
    motion_on: bool = False
    battery_low: bool = False
    low_battery_notified_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the persisted form."""
        return {
            "last_update": iso(self.last_update),
            "available": self.available,
            "unavailable_since": iso_or_none(self.unavailable_since),
            "problem": None if self.problem is None else str(self.problem),
            "problem_since": iso_or_none(self.problem_since),
            "motion_on": self.motion_on,
            "battery_low": self.battery_low,
            "low_battery_notified_at": iso_or_none(self.low_battery_notified_at),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SensorHealth:
        """Rebuild from the persisted form."""
        problem = data.get("problem")
        return cls(
            last_update=parse_iso(data["last_update"]),
            available=bool(data.get("available", True)),
            unavailable_since=parse_iso_or_none(data.get("unavailable_since")),
            problem=None if problem is None else SensorProblem(problem),
            problem_since=parse_iso_or_none(data.get("problem_since")),
            motion_on=bool(data.get("motion_on", False)),
            battery_low=bool(data.get("battery_low", False)),
            low_battery_notified_at=parse_iso_or_none(data.get("low_battery_notified_at")),
        )


@dataclass(frozen=True, slots=True)
class GraceInfo:
    """A running grace period (a check failed; motion now cancels it)."""

    reason: str  # "inactivity" | "check_window"
    started_at: datetime
    due_at: datetime  # when the rule fired
    ends_at: datetime
    still_since: datetime
    detail: Mapping[str, Any] = field(default_factory=dict)  # band/window info (JSON)

    def to_dict(self) -> dict[str, Any]:
        """Return the persisted form."""
        return {
            "reason": self.reason,
            "started_at": iso(self.started_at),
            "due_at": iso(self.due_at),
            "ends_at": iso(self.ends_at),
            "still_since": iso(self.still_since),
            "detail": dict(self.detail),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GraceInfo:
        """Rebuild from the persisted form."""
        return cls(
            reason=str(data["reason"]),
            started_at=parse_iso(data["started_at"]),
            due_at=parse_iso(data["due_at"]),
            ends_at=parse_iso(data["ends_at"]),
            still_since=parse_iso(data["still_since"]),
            detail=dict(data.get("detail") or {}),
        )


@dataclass(frozen=True, slots=True)
class EpisodeInfo:
    """An open alarm episode: raised once, closed only by staff (resolve)."""

    episode_id: str
    reason: str
    raised_at: datetime
    due_at: datetime
    still_since: datetime
    detail: Mapping[str, Any] = field(default_factory=dict)
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None
    motion_returned_at: datetime | None = None
    escalated_at: datetime | None = None
    reminders_sent: int = 0
    next_reminder_at: datetime | None = None

    @property
    def acknowledged(self) -> bool:
        """Return True once someone acknowledged the alarm."""
        return self.acknowledged_at is not None

    @property
    def needs_attention(self) -> bool:
        """Return True while escalation and reminders still apply."""
        return self.acknowledged_at is None and self.motion_returned_at is None

    def to_dict(self) -> dict[str, Any]:
        """Return the persisted form."""
        return {
            "episode_id": self.episode_id,
            "reason": self.reason,
            "raised_at": iso(self.raised_at),
            "due_at": iso(self.due_at),
            "still_since": iso(self.still_since),
            "detail": dict(self.detail),
            "acknowledged_at": iso_or_none(self.acknowledged_at),
            "acknowledged_by": self.acknowledged_by,
            "motion_returned_at": iso_or_none(self.motion_returned_at),
            "escalated_at": iso_or_none(self.escalated_at),
            "reminders_sent": self.reminders_sent,
            "next_reminder_at": iso_or_none(self.next_reminder_at),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EpisodeInfo:
        """Rebuild from the persisted form."""
        return cls(
            episode_id=str(data["episode_id"]),
            reason=str(data["reason"]),
            raised_at=parse_iso(data["raised_at"]),
            due_at=parse_iso(data["due_at"]),
            still_since=parse_iso(data["still_since"]),
            detail=dict(data.get("detail") or {}),
            acknowledged_at=parse_iso_or_none(data.get("acknowledged_at")),
            acknowledged_by=data.get("acknowledged_by"),
            motion_returned_at=parse_iso_or_none(data.get("motion_returned_at")),
            escalated_at=parse_iso_or_none(data.get("escalated_at")),
            reminders_sent=int(data.get("reminders_sent", 0)),
            next_reminder_at=parse_iso_or_none(data.get("next_reminder_at")),
        )


@dataclass(frozen=True, slots=True)
class PauseInfo:
    """Supervision is paused (``until`` None: until resumed by hand)."""

    since: datetime
    until: datetime | None
    reason: str
    user_id: str | None

    def to_dict(self) -> dict[str, Any]:
        """Return the persisted form."""
        return {
            "since": iso(self.since),
            "until": iso_or_none(self.until),
            "reason": self.reason,
            "user_id": self.user_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PauseInfo:
        """Rebuild from the persisted form."""
        return cls(
            since=parse_iso(data["since"]),
            until=parse_iso_or_none(data.get("until")),
            reason=str(data.get("reason", "")),
            user_id=data.get("user_id"),
        )


@dataclass(frozen=True, slots=True)
class AwayInfo:
    """The resident is out: the door closed at ``since`` and nothing moved after."""

    since: datetime  # when the door closed
    detected_at: datetime  # when the outing rule concluded it
    not_back_at: datetime | None = None  # when the "not back" alarm was raised

    def to_dict(self) -> dict[str, Any]:
        """Return the persisted form."""
        return {
            "since": iso(self.since),
            "detected_at": iso(self.detected_at),
            "not_back_at": iso_or_none(self.not_back_at),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AwayInfo:
        """Rebuild from the persisted form."""
        return cls(
            since=parse_iso(data["since"]),
            detected_at=parse_iso(data["detected_at"]),
            not_back_at=parse_iso_or_none(data.get("not_back_at")),
        )
