"""Meter history to hourly long-term statistics rows.

Input: the register readings of one uplink (the latest value plus past hourly or
daily values, meter-clock UTC times, possibly late or repeated) and the last row
already imported for the meter (``None`` for a new series).
Output: :class:`HistoryImport` with new :class:`~.model.StatRow` rows, oldest
first, ready for ``async_import_statistics``.

Bucketing. A row starting at ``S`` describes the hour ``[S, S + 1 h)`` and holds
the register at ``S + 1 h``, so a value read at 13:00 becomes the row starting
12:00. This is what makes the Energy dashboard show each hour's own consumption
(it plots ``sum`` differences between consecutive rows). Rows come from

* readings exactly on an hour boundary (measured), and
* linear interpolation between two consecutive readings that straddle a boundary
  and are at most ``max_interpolation_span`` apart (default 1 h). This serves
  meters whose history is not aligned to the hour (Sensus iPERL: 12:42, 13:42, ...)
  while keeping any error inside that one hour. The register must not decrease
  across the pair. Pass ``None`` to accept exact boundaries only.

The latest reading (for example 03:51) is never put into a partial-hour bucket:
it only serves as the right-hand side of an interpolation. The live value belongs
to the HA sensor state, not to long-term statistics.

Gaps stay gaps: no row is invented for an hour with no reading. The register
difference across a gap is counted in the first row after it, so ``sum`` stays
equal to the real consumption (and period reports stay right); the dashboard
shows that water in the hour after the gap.

Idempotence and late data. Readings at or before the end of ``last``
(``last.start + 1 h``) are ignored: rows up to ``last`` are never re-emitted or
rewritten, and new rows continue from ``last.state``/``last.sum``. Importing the
same uplink twice therefore adds nothing the second time, and overlapping uplinks
never double count. Older history that arrives after newer rows (filling a gap
that is already imported) is dropped; its consumption is already contained in
the row after the gap, so totals are unaffected and no later ``sum`` changes.
With ``last=None`` the output depends only on the set of readings, not on their
order or repetition.

Resets. A register decrease (meter reset or replacement without a recorded
swap) keeps ``sum`` unchanged for that step and lists the row start in
``resets``; counting continues from the new register value. Record swaps with
:mod:`.replacement` and map raw readings through
:func:`~.replacement.continuous_readings` to keep consumption exact.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .model import HOUR, RegisterReading, StatRow, is_top_of_hour, round_volume, to_utc


@dataclass(frozen=True, slots=True)
class HistoryImport:
    """Rows to import plus what was noticed on the way."""

    rows: tuple[StatRow, ...]
    resets: tuple[datetime, ...] = ()  # starts of rows where the register decreased
    interpolated: tuple[datetime, ...] = ()  # starts of rows whose state was interpolated
    ignored: int = 0  # readings at or before the end of the last imported row
    rejected: int = 0  # readings with a negative or non-finite volume
    conflicts: tuple[datetime, ...] = ()  # times with two different volumes (highest kept)


@dataclass(frozen=True, slots=True)
class _Point:
    at: datetime
    volume: float
    anchor: bool = False  # the end of the last imported row: never emitted again


def build_hourly_rows(
    readings: Iterable[RegisterReading],
    last: StatRow | None = None,
    *,
    max_interpolation_span: timedelta | None = HOUR,
) -> HistoryImport:
    """Turn register readings into new hourly statistics rows after ``last``."""
    last_end = to_utc(last.start) + HOUR if last is not None else None
    volumes: dict[datetime, float] = {}
    conflicts: set[datetime] = set()
    ignored = rejected = 0
    for reading in readings:
        at = to_utc(reading.at)
        volume = float(reading.volume_m3)
        if not math.isfinite(volume) or volume < 0:
            rejected += 1
            continue
        if last_end is not None and at <= last_end:
            ignored += 1
            continue
        known = volumes.get(at)
        if known is not None and known != volume:
            conflicts.add(at)
            volume = max(known, volume)
        volumes[at] = volume

    points = [_Point(at, volumes[at]) for at in sorted(volumes)]
    if last is not None and last_end is not None:
        points.insert(0, _Point(last_end, last.state, anchor=True))

    boundaries = _boundary_values(points, max_interpolation_span)
    return _rows_from_boundaries(
        boundaries,
        last,
        ignored=ignored,
        rejected=rejected,
        conflicts=tuple(sorted(conflicts)),
    )


def _boundary_values(
    points: list[_Point], span: timedelta | None
) -> list[tuple[datetime, float, bool]]:
    """Return (boundary time, register, interpolated) in time order."""
    out: list[tuple[datetime, float, bool]] = []
    for index, point in enumerate(points):
        if not point.anchor and is_top_of_hour(point.at):
            out.append((point.at, point.volume, False))
        if span is None or index + 1 == len(points):
            continue
        after = points[index + 1]
        width = after.at - point.at
        if width > span or after.volume < point.volume:
            continue
        boundary = point.at.replace(minute=0, second=0, microsecond=0) + HOUR
        while boundary < after.at:
            share = (boundary - point.at) / width
            out.append((boundary, point.volume + (after.volume - point.volume) * share, True))
            boundary += HOUR
    return out


def _rows_from_boundaries(
    boundaries: list[tuple[datetime, float, bool]],
    last: StatRow | None,
    *,
    ignored: int,
    rejected: int,
    conflicts: tuple[datetime, ...],
) -> HistoryImport:
    rows: list[StatRow] = []
    resets: list[datetime] = []
    interpolated: list[datetime] = []
    prev_state = last.state if last is not None else None
    prev_sum = last.sum if last is not None else None
    for at, volume, estimated in boundaries:
        start = at - HOUR
        state = round_volume(volume)
        if prev_state is None or prev_sum is None:
            total = 0.0  # the first value of a series is its zero point
        elif state < prev_state:
            resets.append(start)
            total = prev_sum
        else:
            total = round_volume(prev_sum + state - prev_state)
        if estimated:
            interpolated.append(start)
        rows.append(StatRow(start=start, state=state, sum=total))
        prev_state, prev_sum = state, total
    return HistoryImport(
        rows=tuple(rows),
        resets=tuple(resets),
        interpolated=tuple(interpolated),
        ignored=ignored,
        rejected=rejected,
        conflicts=conflicts,
    )
