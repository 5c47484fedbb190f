"""The planned checks rule: times (by weekday) and a look-back; see :mod:`.planned`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

from .parsing import (
    ALL_WEEKDAYS,
    RulesError,
    format_hhmm,
    parse_hhmm,
    parse_minutes,
    parse_weekdays,
)

DEFAULT_LOOKBACK_MINUTES = 30
MAX_LOOKBACK_MINUTES = 240
MAX_PLANNED_TIMES = 24


@dataclass(frozen=True, slots=True)
class PlannedTime:
    """One planned check time on ``weekdays`` (0 = Monday)."""

    at: time
    weekdays: frozenset[int] = ALL_WEEKDAYS

    @property
    def label(self) -> str:
        """Return ``"HH:MM"``."""
        return format_hhmm(self.at)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlannedTime:
        """Build a time from its stored dict."""
        return cls(parse_hhmm(data.get("at")), parse_weekdays(data.get("weekdays")))

    def to_dict(self) -> dict[str, Any]:
        """Return the stored dict form."""
        return {"at": self.label, "weekdays": sorted(self.weekdays)}


@dataclass(frozen=True, slots=True)
class PlannedChecks:
    """The apartment's planned check times and the look-back before each."""

    times: tuple[PlannedTime, ...]
    lookback_minutes: int = DEFAULT_LOOKBACK_MINUTES

    def __post_init__(self) -> None:
        """Validate: 1 to 24 times, no time twice on a day, a look-back of 1-240 min."""
        if not self.times or len(self.times) > MAX_PLANNED_TIMES:
            raise RulesError(f"planned checks need 1 to {MAX_PLANNED_TIMES} times")
        seen: set[tuple[time, int]] = set()
        for item in self.times:
            if item.at.second or item.at.microsecond or item.at.tzinfo is not None:
                raise RulesError("a planned time must be a naive whole-minute time")
            if not item.weekdays or not item.weekdays <= ALL_WEEKDAYS:
                raise RulesError("planned weekdays must be a non-empty subset of 0..6")
            days = {(item.at, day) for day in item.weekdays}
            if days & seen:
                raise RulesError(f"planned time {item.label} is given twice for a day")
            seen |= days
        minutes = parse_minutes(self.lookback_minutes, "look-back minutes")
        if minutes > MAX_LOOKBACK_MINUTES:
            raise RulesError(f"look-back must be at most {MAX_LOOKBACK_MINUTES} minutes")

    @property
    def lookback(self) -> timedelta:
        """Return the look-back as a duration."""
        return timedelta(minutes=self.lookback_minutes)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlannedChecks:
        """Build the rule from its stored dict."""
        times = data.get("times")
        if not isinstance(times, list | tuple):
            raise RulesError("planned times must be a list")
        return cls(
            times=tuple(PlannedTime.from_dict(item) for item in times),
            lookback_minutes=parse_minutes(
                data.get("lookback_minutes", DEFAULT_LOOKBACK_MINUTES), "look-back minutes"
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the stored dict form."""
        return {
            "times": [item.to_dict() for item in self.times],
            "lookback_minutes": self.lookback_minutes,
        }
