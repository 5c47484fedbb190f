"""Inverse compact profiles (EN 13757-3:2018 Annex F): a register's history in one record.

An LVAR record with VIFE ``0x13`` carries a control byte (mode, time unit, element size),
a spacing byte and the elements: the differences between consecutive values, newest
first. Expanding it walks back from a base value and base time, both taken from other
records of the same frame, one step per element.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum

from ..base import DecodeError
from .coding import scale, signed, unsigned

type Points = tuple[tuple[datetime, float], ...]


class ProfileMode(IntEnum):
    """How inverse compact profile elements relate to the base value."""

    INCREMENTS = 1  # value one step earlier = value - element
    DECREMENTS = 2  # value one step earlier = value + element
    SIGNED_DIFFERENCES = 3  # value one step earlier = value - element (element signed)


@dataclass(frozen=True, slots=True)
class CompactProfile:
    """Inverse compact profile (EN 13757-3:2018 Annex F) of one record."""

    mode: ProfileMode
    unit: int  # 0 s, 1 min, 2 h, 3 days (or months with spacing 254)
    spacing: int
    element_size: int
    elements: tuple[int | None, ...]  # None marks an invalid element


def parse_profile(body: bytes) -> CompactProfile:
    """Parse the LVAR body of a compact profile record (at least two bytes)."""
    control, spacing = body[0], body[1]
    size = control & 0x0F
    mode = control >> 6
    if not 1 <= size <= 4:
        raise DecodeError(f"compact profile element size {size} is not 1-4")
    if mode == 0:
        raise DecodeError("compact profile with absolute values is not supported")
    profile_mode = ProfileMode(mode)
    read = signed if profile_mode is ProfileMode.SIGNED_DIFFERENCES else unsigned
    data = body[2:]
    count = len(data) // size
    elements = tuple(read(data[i * size : (i + 1) * size]) for i in range(count))
    return CompactProfile(profile_mode, (control >> 4) & 0x03, spacing, size, elements)


_MONTH_STEPS = {3: 1, 2: 3, 1: 6}  # spacing value 254: unit -> months per step
_MAX_SPACING = 250
_MONTH_SPACING = 254


def _months_back(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def step_back(moment: datetime, unit: int, spacing: int) -> datetime | None:
    """Return the time one profile step before ``moment``; ``None`` for invalid spacing."""
    if 1 <= spacing <= _MAX_SPACING:
        seconds = (1, 60, 3600, 86400)[unit]
        return moment - timedelta(seconds=seconds * spacing)
    if spacing == _MONTH_SPACING and unit in _MONTH_STEPS:
        return _months_back(moment, _MONTH_STEPS[unit])
    return None


def walk_back(  # the base value, its time and how to read the elements
    profile: CompactProfile,
    value: float,
    moment: datetime,
    *,
    exponent: int,
    volume: bool,
    warnings: list[str],
) -> Points:
    """Return the profile's values from the base ``value`` at ``moment`` back, oldest first.

    The points include the base value at its time; the walk stops with a warning at an
    invalid element or spacing, and, for a ``volume``, before the value would turn negative.
    """
    points = [(moment, scale(value, exponent))]
    for element in profile.elements:
        earlier = step_back(moment, profile.unit, profile.spacing)
        if element is None or earlier is None:
            warnings.append("invalid value among compact profile values or their times")
            break
        value = value + element if profile.mode is ProfileMode.DECREMENTS else value - element
        if volume and value < 0:
            warnings.append("compact profile walks below zero volume")
            break
        moment = earlier
        points.append((moment, scale(value, exponent)))
    points.reverse()
    return tuple(points)
