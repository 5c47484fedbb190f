"""Inverse compact profiles (EN 13757-3:2018 Annex F): a register's history in one record.

An LVAR record with VIFE ``0x13`` carries a control byte (mode, time unit, element size),
a spacing byte and the elements: the differences between consecutive values, newest
first. Expanding it walks back from a base value and base time, both taken from other
records of the same frame, one step per element.
"""

from __future__ import annotations

import struct
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
    elements = _elements(body[2:], size, is_signed=profile_mode is ProfileMode.SIGNED_DIFFERENCES)
    return CompactProfile(profile_mode, (control >> 4) & 0x03, spacing, size, elements)


# element size -> struct codes (signed, unsigned), little-endian; 3 bytes has none
_ELEMENT_CODES = {1: "bB", 2: "hH", 4: "iI"}


def _elements(data: bytes, size: int, *, is_signed: bool) -> tuple[int | None, ...]:
    """Read the elements as :func:`.coding.signed` or :func:`.coding.unsigned` would."""
    count = len(data) // size
    codes = _ELEMENT_CODES.get(size)
    if codes is None:
        read = signed if is_signed else unsigned
        return tuple(read(data[i * size : (i + 1) * size]) for i in range(count))
    numbers: tuple[int, ...] = struct.unpack_from(f"<{count}{codes[not is_signed]}", data)
    invalid = -(1 << (8 * size - 1)) if is_signed else (1 << (8 * size)) - 1
    return tuple(None if number == invalid else number for number in numbers)


_MONTH_STEPS = {3: 1, 2: 3, 1: 6}  # spacing value 254: unit -> months per step
_MAX_SPACING = 250
_MONTH_SPACING = 254


def _months_back(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _step(unit: int, spacing: int) -> timedelta | int | None:
    """Return one profile step: a duration, a number of months, or ``None`` (invalid)."""
    if 1 <= spacing <= _MAX_SPACING:
        return timedelta(seconds=(1, 60, 3600, 86400)[unit] * spacing)
    if spacing == _MONTH_SPACING and unit in _MONTH_STEPS:
        return _MONTH_STEPS[unit]
    return None


def _back(moment: datetime, step: timedelta | int) -> datetime:
    return moment - step if isinstance(step, timedelta) else _months_back(moment, step)


def step_back(moment: datetime, unit: int, spacing: int) -> datetime | None:
    """Return the time one profile step before ``moment``; ``None`` for invalid spacing."""
    step = _step(unit, spacing)
    return None if step is None else _back(moment, step)


def walk_back(  # noqa: PLR0913 - the base value, its time and how to read the elements
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
    step = _step(profile.unit, profile.spacing)  # the same for every element
    decrements = profile.mode is ProfileMode.DECREMENTS
    power: int = 10 ** abs(exponent)  # as in scale(), computed once
    points = [(moment, scale(value, exponent))]
    for element in profile.elements:
        if element is None or step is None:
            warnings.append("invalid value among compact profile values or their times")
            break
        value = value + element if decrements else value - element
        if volume and value < 0:
            warnings.append("compact profile walks below zero volume")
            break
        moment = moment - step if isinstance(step, timedelta) else _months_back(moment, step)
        points.append((moment, value / power if exponent < 0 else float(value * power)))
    points.reverse()
    return tuple(points)
