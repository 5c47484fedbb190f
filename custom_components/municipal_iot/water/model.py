"""Value types and time helpers shared by the water modules.

A *register reading* is a meter's volume register (m³) at a meter-clock time.
Any object with ``at`` (aware datetime) and ``volume_m3`` attributes fits
:class:`RegisterReading`, so the decoders' ``VolumeReading`` can be passed as is.

A :class:`StatRow` is one Home Assistant long-term statistics row: it describes
the hour ``[start, start + 1 h)``; ``state`` is the register at the END of that
hour and ``sum`` the cumulative consumption since the series began.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

HOUR = timedelta(hours=1)
HOUR_S = 3600
# Volumes are rounded to 1e-6 m³ (1 mL) so float noise never accumulates in sums.
VOLUME_DIGITS = 6


class RegisterReading(Protocol):
    """A register value at a time; structural, matches ``VolumeReading``."""

    @property
    def at(self) -> datetime:
        """Meter-clock time, timezone-aware."""
        ...

    @property
    def volume_m3(self) -> float:
        """Register value in m³."""
        ...


@dataclass(frozen=True, slots=True)
class Reading:
    """A concrete :class:`RegisterReading`."""

    at: datetime
    volume_m3: float


@dataclass(frozen=True, slots=True)
class StatRow:
    """One hourly statistics row for the hour ``[start, start + 1 h)``."""

    start: datetime  # UTC, top of the hour
    state: float  # register value (m³) at start + 1 h
    sum: float  # cumulative consumption (m³) at start + 1 h

    @property
    def end(self) -> datetime:
        """Time the row's ``state`` and ``sum`` refer to."""
        return self.start + HOUR


def to_utc(value: datetime) -> datetime:
    """Return ``value`` in UTC; reject naive datetimes."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime not allowed: {value!r}")
    return value.astimezone(UTC)


def is_top_of_hour(value: datetime) -> bool:
    """Return True when a UTC datetime lies exactly on an hour boundary."""
    return value.minute == 0 and value.second == 0 and value.microsecond == 0


def floor_hour(value: datetime) -> datetime:
    """Return the start of the UTC hour containing ``value``."""
    return to_utc(value).replace(minute=0, second=0, microsecond=0)


def round_volume(value: float) -> float:
    """Round a volume to :data:`VOLUME_DIGITS` decimals (and turn -0.0 into 0.0)."""
    return round(value, VOLUME_DIGITS) + 0.0
