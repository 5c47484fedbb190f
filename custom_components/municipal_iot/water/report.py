"""Meter report for a period ``[start, end)`` from hourly statistics rows.

Rows per meter are what the recorder's ``statistics_during_period`` returns for
``types={"state", "sum"}``: mappings with ``start`` (epoch seconds or an aware
datetime), ``sum`` and optionally ``state``, **sorted by start, one row per
hour** (as the recorder returns them; not checked, to stay fast). A row starting
at ``S`` holds the register/sum at ``S + 1 h``. Query from at least
``start - 1 h`` (the row holding the reading at ``start``) to ``end``; add a
margin on both sides (up to ``max_interpolation_gap``) when boundary readings
should be interpolated over missing rows. Rows outside the period are used
only as boundary neighbours.

Boundary readings (period start and end alike):

* a row ending exactly at the boundary: measured;
* otherwise the nearest rows before and after, at most ``max_interpolation_gap``
  apart: linear interpolation of ``sum`` at the boundary, flagged ``estimated``;
  the state is the earlier row's state plus the interpolated ``sum`` increase;
* otherwise the first (start) or last (end) row inside the period, with its own
  timestamp: measured but covering less than the period, flagged ``partial``
  (a meter added or removed mid-period). Readings are never extrapolated beyond
  the data: water after the last row is not guessed.

A meter without any row inside the period (at most the reading at its start)
has no consumption (``None``) and is flagged ``no_data``.

Consumption is the difference of ``sum`` between the two boundary readings, so
resets and replacements that the statistics already absorbed stay continuous;
it is never negative (a decreasing ``sum`` is clamped to zero and flagged). A
reset shows as a state difference that disagrees with the ``sum`` difference.

Completeness is the number of rows starting inside the period divided by the
number of real UTC hours in it (743 or 745 for the DST months in
Europe/Stockholm). Each meter costs a few binary searches, independent of the
number of rows.

Large reports need not load every row: pass only the rows around the two
boundaries (for each of ``start - 1 h`` and ``end - 1 h``: the valid row starting
there, else the nearest valid rows before and after it) and give the number of
rows starting inside the period in ``rows_in_period``; the result is the same.
"""

import heapq
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any

from .model import HOUR_S, round_volume, to_utc
from .replacement import Replacement

type Row = Mapping[str, Any]
type _Key = Callable[[Row], float]

NO_DATA = "no_data"
INCOMPLETE = "incomplete"
PARTIAL = "partial"
ESTIMATED = "estimated"
RESET = "reset"
REPLACEMENT = "replacement"
NEGATIVE_CLAMPED = "negative_clamped"
LEAK = "leak"
ALARM = "alarm"
ZERO_CONSUMPTION = "zero_consumption"
FLAG_ORDER = (
    NO_DATA,
    INCOMPLETE,
    PARTIAL,
    ESTIMATED,
    RESET,
    NEGATIVE_CLAMPED,
    LEAK,
    ALARM,
    ZERO_CONSUMPTION,
    REPLACEMENT,
)
# A state difference that disagrees with the sum difference by more than half a
# litre means the register was reset or replaced inside the period.
_RESET_TOLERANCE_M3 = 0.0005


@dataclass(frozen=True, slots=True)
class MeterMeta:
    """What the report needs to know about a meter besides its rows."""

    entity_id: str
    name: str
    area: str | None = None
    statistic_id: str | None = None  # key in ``rows_by_meter``; entity_id when None
    replacements: tuple[Replacement, ...] = ()  # swaps inside the period
    alarms: tuple[str, ...] = ()  # alarm codes seen during the period
    leak: bool = False

    @property
    def key(self) -> str:
        """Return the key of this meter's rows."""
        return self.statistic_id or self.entity_id


@dataclass(frozen=True, slots=True)
class BoundaryReading:
    """The register and sum at a period boundary (or the nearest row inside)."""

    at: datetime
    state_m3: float | None
    sum_m3: float
    estimated: bool = False


@dataclass(frozen=True, slots=True)
class MeterReport:
    """One meter's line of the report."""

    entity_id: str
    name: str
    area: str | None
    start: BoundaryReading | None
    end: BoundaryReading | None
    consumption_m3: float | None
    hours_with_data: int
    hours_in_period: int
    flags: tuple[str, ...]  # in FLAG_ORDER
    alarms: tuple[str, ...] = ()
    leak: bool = False
    replacements: tuple[Replacement, ...] = ()

    @property
    def completeness(self) -> float:
        """Return the share of hours with data, 0..1."""
        return self.hours_with_data / self.hours_in_period

    @property
    def estimated(self) -> bool:
        """Return True when a boundary reading was interpolated."""
        return ESTIMATED in self.flags


@dataclass(frozen=True, slots=True)
class Totals:
    """Totals for one area (``None``: meters without an area, or the overall total)."""

    area: str | None
    meters: int
    meters_with_data: int
    consumption_m3: float
    hours_with_data: int
    hours_expected: int
    estimated: int
    leaks: int

    @property
    def completeness(self) -> float:
        """Return the share of meter-hours with data, 0..1."""
        return self.hours_with_data / self.hours_expected if self.hours_expected else 0.0


@dataclass(frozen=True, slots=True)
class Anomaly:
    """A meter that needs a look, and why."""

    entity_id: str
    name: str
    kind: str  # one of the flag names


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """Report parameters."""

    top_n: int = 10
    incomplete_below: float = 0.9
    max_interpolation_gap: timedelta = timedelta(days=7)
    flag_zero_consumption: bool = True  # zero use over a fully covered period
    anomaly_kinds: tuple[str, ...] = FLAG_ORDER[:-1]  # a recorded swap is no anomaly


DEFAULT_OPTIONS = ReportOptions()


@dataclass(frozen=True, slots=True)
class Report:
    """The whole report."""

    period_start: datetime  # UTC
    period_end: datetime  # UTC, exclusive
    hours_in_period: int
    meters: tuple[MeterReport, ...]  # input order
    areas: tuple[Totals, ...]  # by area name; meters without an area last
    total: Totals
    top: tuple[MeterReport, ...]  # largest consumption first
    anomalies: tuple[Anomaly, ...]  # grouped by kind in FLAG_ORDER, then meter order


def hours_between(start_ts: float, end_ts: float) -> int:
    """Return the number of whole UTC hours starting in ``[start_ts, end_ts)``."""
    return -(-int(end_ts) // HOUR_S) - -(-int(start_ts) // HOUR_S)


def _start_key(rows: Sequence[Row]) -> _Key:
    if isinstance(rows[0]["start"], datetime):
        return lambda row: float(row["start"].timestamp())
    return itemgetter("start")


def _locate(rows: Sequence[Row], key: _Key, at: float) -> tuple[int | None, int | None, int | None]:
    """Return (exact, before, after) indexes of valid rows ending at/around ``at``."""
    target = at - HOUR_S
    size = len(rows)
    index = bisect_left(rows, target, key=key)
    if index < size and key(rows[index]) == target and rows[index].get("sum") is not None:
        return index, None, None
    before = index - 1
    while before >= 0 and rows[before].get("sum") is None:
        before -= 1
    after = index
    while after < size and (rows[after].get("sum") is None or key(rows[after]) <= target):
        after += 1
    return None, (before if before >= 0 else None), (after if after < size else None)


def _measured(row: Row, at: float) -> BoundaryReading:
    state = row.get("state")
    return BoundaryReading(
        at=datetime.fromtimestamp(at, UTC),
        state_m3=None if state is None else float(state),
        sum_m3=float(row["sum"]),
    )


def _interpolated(before: Row, after: Row, key: _Key, at: float) -> BoundaryReading:
    # Row keys are hour starts; the values hold at the hour ends.
    share = (at - HOUR_S - key(before)) / (key(after) - key(before))
    sum_before = float(before["sum"])
    total = sum_before + (float(after["sum"]) - sum_before) * share
    state = before.get("state")
    return BoundaryReading(
        at=datetime.fromtimestamp(at, UTC),
        state_m3=None if state is None else round_volume(float(state) + total - sum_before),
        sum_m3=round_volume(total),
        estimated=True,
    )


def _boundary(
    rows: Sequence[Row], key: _Key, at: float, max_gap: float
) -> tuple[BoundaryReading | None, int | None, int | None]:
    """Return the measured or interpolated reading at ``at`` and the neighbours."""
    exact, before, after = _locate(rows, key, at)
    if exact is not None:
        return _measured(rows[exact], at), None, None
    if before is not None and after is not None and key(rows[after]) - key(rows[before]) <= max_gap:
        return _interpolated(rows[before], rows[after], key, at), None, None
    return None, before, after


@dataclass(frozen=True, slots=True)
class _Readings:
    start: BoundaryReading | None = None
    end: BoundaryReading | None = None
    count: int = 0
    partial: bool = False


def _readings(  # noqa: PLR0913 - the period, its size and an optional precomputed count
    rows: Sequence[Row], t0: float, t1: float, hours: int, max_gap: float, *, known: int | None
) -> _Readings:
    """Find the boundary readings and count the rows inside the period."""
    if not rows:
        return _Readings()
    key = _start_key(rows)
    if known is None:
        known = bisect_left(rows, t1, key=key) - bisect_left(rows, t0, key=key)
    count = min(known, hours)
    partial = False
    start, _, after = _boundary(rows, key, t0, max_gap)
    if start is None and after is not None and key(rows[after]) + HOUR_S <= t1:
        start = _measured(rows[after], key(rows[after]) + HOUR_S)
        partial = True
    end, before, _ = _boundary(rows, key, t1, max_gap)
    if end is None and before is not None and start is not None:
        before_end = key(rows[before]) + HOUR_S
        if before_end > t0:  # a row inside the period, not just the start reading
            end = _measured(rows[before], before_end)
            partial = True
    return _Readings(start=start, end=end, count=count, partial=partial)


def _data_flags(
    found: _Readings, hours: int, meta: MeterMeta, options: ReportOptions
) -> tuple[float | None, set[str]]:
    """Return the consumption and the flags that depend on the data."""
    start, end = found.start, found.end
    if start is None or end is None:
        return None, {NO_DATA}
    flags = {PARTIAL} if found.partial else set()
    delta = end.sum_m3 - start.sum_m3
    if delta < 0:
        flags.add(NEGATIVE_CLAMPED)
    consumption = round_volume(max(delta, 0.0))
    if start.estimated or end.estimated:
        flags.add(ESTIMATED)
    # A state difference that disagrees with the sum difference is a reset,
    # unless a swap recorded in the period explains it.
    if (
        not meta.replacements
        and start.state_m3 is not None
        and end.state_m3 is not None
        and abs(end.state_m3 - start.state_m3 - delta) > _RESET_TOLERANCE_M3
    ):
        flags.add(RESET)
    if found.count / hours < options.incomplete_below:
        flags.add(INCOMPLETE)
    if options.flag_zero_consumption and consumption == 0 and found.count == hours:
        flags.add(ZERO_CONSUMPTION)
    return consumption, flags


def meter_report(  # noqa: PLR0913 - keyword-only precomputed count
    meta: MeterMeta,
    rows: Sequence[Row],
    period_start: datetime,
    period_end: datetime,
    options: ReportOptions = DEFAULT_OPTIONS,
    *,
    rows_in_period: int | None = None,
) -> MeterReport:
    """Compute one meter's report line.

    ``rows_in_period`` is the number of rows starting inside the period when
    ``rows`` holds only the rows around the boundaries (see the module docstring).
    """
    t0 = to_utc(period_start).timestamp()
    t1 = to_utc(period_end).timestamp()
    hours = hours_between(t0, t1)
    if hours <= 0:
        raise ValueError("period_end must be after period_start")
    gap = options.max_interpolation_gap.total_seconds()
    found = _readings(rows, t0, t1, hours, gap, known=rows_in_period)
    consumption, flags = _data_flags(found, hours, meta, options)
    if meta.replacements:
        flags.add(REPLACEMENT)
    if meta.leak:
        flags.add(LEAK)
    if meta.alarms:
        flags.add(ALARM)
    return MeterReport(
        entity_id=meta.entity_id,
        name=meta.name,
        area=meta.area,
        start=found.start,
        end=found.end,
        consumption_m3=consumption,
        hours_with_data=found.count,
        hours_in_period=hours,
        flags=tuple(flag for flag in FLAG_ORDER if flag in flags),
        alarms=meta.alarms,
        leak=meta.leak,
        replacements=meta.replacements,
    )


def _totals(area: str | None, lines: Sequence[MeterReport]) -> Totals:
    return Totals(
        area=area,
        meters=len(lines),
        meters_with_data=sum(1 for line in lines if line.consumption_m3 is not None),
        consumption_m3=round_volume(sum(line.consumption_m3 or 0.0 for line in lines)),
        hours_with_data=sum(line.hours_with_data for line in lines),
        hours_expected=sum(line.hours_in_period for line in lines),
        estimated=sum(1 for line in lines if line.estimated),
        leaks=sum(1 for line in lines if line.leak),
    )


def compute_report(  # noqa: PLR0913 - keyword-only precomputed counts
    period_start: datetime,
    period_end: datetime,
    meters: Iterable[MeterMeta],
    rows_by_meter: Mapping[str, Sequence[Row]],
    options: ReportOptions = DEFAULT_OPTIONS,
    *,
    rows_in_period: Mapping[str, int] | None = None,
) -> Report:
    """Compute the report for all meters; rows are looked up by ``MeterMeta.key``.

    ``rows_in_period`` (by key) is given when the rows are only those around the
    boundaries; see the module docstring.
    """
    start = to_utc(period_start)
    end = to_utc(period_end)
    counts = rows_in_period or {}
    lines = tuple(
        meter_report(
            meta,
            rows_by_meter.get(meta.key, ()),
            start,
            end,
            options,
            rows_in_period=counts.get(meta.key) if rows_in_period is not None else None,
        )
        for meta in meters
    )
    by_area: dict[str | None, list[MeterReport]] = {}
    for line in lines:
        by_area.setdefault(line.area, []).append(line)
    areas = tuple(
        _totals(area, by_area[area])
        for area in sorted(by_area, key=lambda name: (name is None, (name or "").casefold()))
    )
    with_data = [line for line in lines if line.consumption_m3 is not None]
    top = heapq.nlargest(options.top_n, with_data, key=lambda line: line.consumption_m3 or 0.0)
    anomalies = tuple(
        Anomaly(entity_id=line.entity_id, name=line.name, kind=kind)
        for kind in FLAG_ORDER
        if kind in options.anomaly_kinds
        for line in lines
        if kind in line.flags
    )
    return Report(
        period_start=start,
        period_end=end,
        hours_in_period=hours_between(start.timestamp(), end.timestamp()),
        meters=lines,
        areas=areas,
        total=_totals(None, lines),
        top=tuple(top),
        anomalies=anomalies,
    )
