"""Meter replacement records and continuous consumption across swaps.

A :class:`Replacement` records a swap: when it happened, the old meter's final
register value and the new meter's initial register value (plus the meter ids).

Consumption across swaps is counted per meter segment::

    (old_final - start) + (new_final_or_end - new_initial) + ...

and every segment that would be negative (a mistyped final reading, a register
that went backwards) counts as zero, so a swap never shows as negative use.

:func:`continuous_register` maps a raw register value onto one continuous
register (raw value plus the sum of ``old_final - new_initial`` of the earlier
swaps); feeding such values to :mod:`.history` keeps the statistics ``sum``
exact across a swap instead of treating it as a reset.

Which meter a reading belongs to: a reading whose ``meter_id`` matches a
recorded old or new meter id goes to that meter; otherwise time decides, and a
reading taken exactly at the swap time belongs to the old meter (its final
reading is taken then).
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from .model import Reading, RegisterReading, round_volume, to_utc


@dataclass(frozen=True, slots=True)
class Replacement:
    """One meter swap."""

    at: datetime
    old_final_m3: float
    new_initial_m3: float
    old_meter_id: str | None = None
    new_meter_id: str | None = None

    def __post_init__(self) -> None:
        """Validate the record."""
        to_utc(self.at)
        for value in (self.old_final_m3, self.new_initial_m3):
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"invalid register value {value!r}")

    @property
    def offset_m3(self) -> float:
        """Amount added to the new meter's register to continue the old one."""
        return self.old_final_m3 - self.new_initial_m3


@dataclass(frozen=True, slots=True)
class Consumption:
    """Consumption between two readings across swaps."""

    m3: float
    swaps: int  # replacements crossed
    clamped: bool  # a segment decreased and was counted as zero


def sorted_replacements(replacements: Iterable[Replacement]) -> list[Replacement]:
    """Return the replacements in time order."""
    return sorted(replacements, key=lambda item: to_utc(item.at))


def segment_of(
    at: datetime, replacements: Sequence[Replacement], meter_id: str | None = None
) -> int:
    """Return how many of the (time-ordered) swaps precede a reading."""
    if meter_id is not None:
        for index, swap in enumerate(replacements):
            if swap.old_meter_id == meter_id:
                return index
            if swap.new_meter_id == meter_id:
                return index + 1
    moment = to_utc(at)
    return sum(1 for swap in replacements if to_utc(swap.at) < moment)


def consumption_between(
    start: RegisterReading,
    end: RegisterReading,
    replacements: Iterable[Replacement],
    *,
    start_meter_id: str | None = None,
    end_meter_id: str | None = None,
) -> Consumption:
    """Return the consumption from ``start`` to ``end`` raw register readings."""
    swaps = sorted_replacements(replacements)
    first = segment_of(start.at, swaps, start_meter_id)
    last = segment_of(end.at, swaps, end_meter_id)
    if last < first:
        raise ValueError("end reading precedes start reading")
    pieces: list[float] = []
    begin = float(start.volume_m3)
    for swap in swaps[first:last]:
        pieces.append(swap.old_final_m3 - begin)
        begin = swap.new_initial_m3
    pieces.append(float(end.volume_m3) - begin)
    clamped = any(piece < 0 for piece in pieces)
    total = sum(max(piece, 0.0) for piece in pieces)
    return Consumption(m3=round_volume(total), swaps=last - first, clamped=clamped)


def continuous_register(
    at: datetime,
    raw_m3: float,
    replacements: Iterable[Replacement],
    meter_id: str | None = None,
) -> float:
    """Map a raw register value onto the continuous register across swaps."""
    swaps = sorted_replacements(replacements)
    segment = segment_of(at, swaps, meter_id)
    return round_volume(raw_m3 + sum(swap.offset_m3 for swap in swaps[:segment]))


def continuous_readings(
    readings: Iterable[RegisterReading],
    replacements: Iterable[Replacement],
    meter_id: str | None = None,
) -> list[Reading]:
    """Map raw readings (all from one meter id, if given) onto the continuous register."""
    swaps = sorted_replacements(replacements)
    return [
        Reading(
            at=reading.at,
            volume_m3=continuous_register(reading.at, reading.volume_m3, swaps, meter_id),
        )
        for reading in readings
    ]
