"""Parsers of the rules' stored values: ``"HH:MM"`` times, whole minutes, weekdays."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import time

ALL_WEEKDAYS: frozenset[int] = frozenset(range(7))

_HHMM = re.compile(r"(\d{1,2}):(\d{2})")


class RulesError(ValueError):
    """The rule configuration is invalid."""


def parse_hhmm(value: object) -> time:
    """Parse ``"HH:MM"`` into a time; ``"24:00"`` means midnight."""
    if not isinstance(value, str) or (match := _HHMM.fullmatch(value.strip())) is None:
        raise RulesError(f"time must be 'HH:MM', got {value!r}")
    hour, minute = int(match.group(1)), int(match.group(2))
    if (hour, minute) == (24, 0):
        return time(0, 0)
    if hour > 23 or minute > 59:
        raise RulesError(f"time out of range: {value!r}")
    return time(hour, minute)


def format_hhmm(value: time) -> str:
    """Format a time as ``"HH:MM"``."""
    return f"{value.hour:02d}:{value.minute:02d}"


def parse_minutes(value: object, name: str, *, minimum: int = 1) -> int:
    """Parse a whole number of minutes of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RulesError(f"{name} must be a number of minutes, got {value!r}")
    if isinstance(value, float) and not value.is_integer():
        raise RulesError(f"{name} must be whole minutes, got {value!r}")
    minutes = int(value)
    if minutes < minimum:
        raise RulesError(f"{name} must be at least {minimum}, got {minutes}")
    return minutes


def parse_weekdays(value: object) -> frozenset[int]:
    """Parse a weekday selection (ints 0=Mon..6=Sun); ``None`` means every day."""
    if value is None:
        return ALL_WEEKDAYS
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise RulesError(f"weekdays must be a list, got {value!r}")
    days: set[int] = set()
    for item in value:
        day = int(item) if isinstance(item, str) and item.isdigit() else item
        if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
            raise RulesError(f"weekday must be 0..6, got {item!r}")
        days.add(day)
    if not days:
        raise RulesError("at least one weekday must be selected")
    return frozenset(days)
