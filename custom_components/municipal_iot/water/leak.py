"""Leak rules for one water meter.

Inputs (all optional, all timezone-aware):

* hourly consumption: :class:`HourlyConsumption` values (``start`` of the UTC
  hour, m³ used in that hour); build them from statistics rows with
  :func:`hourly_consumption`;
* flow samples: :class:`FlowSample` (instantaneous flow, m³/h);
* register readings (:class:`~.model.RegisterReading`), used for the burst rule
  when no flow samples exist;
* the meter's own alarm codes (``"leak"``, ``"burst"``, ``"backflow"``, ``"dry"``,
  ``"tamper"``, ``"freeze"``, ``"low_battery"``, ...); ``None`` when the last frame
  carried no alarm status.

Rules (:class:`LeakConfig` holds the parameters and defaults):

* ``continuous_flow``: every one of the last 24 complete hours has consumption
  (Kamstrup LEAK: no full hour without flow in a day). ``since`` is the start of
  the uninterrupted run of hours with consumption.
* ``night_flow``: consumption in the local window (default 02:00-05:00) of the
  most recent night whose window has ended is above a threshold (default 10 L).
  The window is built from local wall times with :mod:`zoneinfo`, so it is 2 h
  long on the spring-forward night and 4 h on the fall-back night (02:00 means its
  first occurrence). ``since`` is the window start.
* ``burst``: flow above a threshold (default 0.5 m³/h, 20 % of a Q3 2.5 meter) for
  at least 30 minutes without interruption. ``since`` is the start of the run.
* ``meter_leak`` / ``meter_burst``: the meter reports the ``leak``/``burst`` code.

Missing data. A gap is not consumption and cannot prove that water stood still:
when the data needed to decide is missing, a rule returns ``known=False`` and
carries the previous result's ``active`` and ``since`` unchanged (inactive when
there is no previous result). So a gap never raises a leak and never clears one
silently. Definite evidence decides even with gaps: one hour without consumption
clears ``continuous_flow``; known night consumption above the threshold raises
``night_flow``; a flow sample at or below the threshold clears ``burst``.

Each :class:`RuleResult` carries ``active``, ``since``, ``known`` and ``detail``
numbers; :meth:`LeakStatus.changed` lists the rules whose ``active`` flipped, so
the HA layer can fire events only on change.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import pairwise

from .model import HOUR, RegisterReading, floor_hour, to_utc

LITRES_PER_M3 = 1000.0
CONTINUOUS_FLOW = "continuous_flow"
NIGHT_FLOW = "night_flow"
BURST = "burst"
METER_LEAK = "meter_leak"
METER_BURST = "meter_burst"
# Every rule, in the order they are listed to users.
ALL_RULES = (CONTINUOUS_FLOW, NIGHT_FLOW, BURST, METER_LEAK, METER_BURST)


@dataclass(frozen=True, slots=True)
class LeakConfig:
    """Rule parameters."""

    continuous_hours: int = 24
    continuous_min_litres: float = 0.0  # an hour "has consumption" above this
    night_start: time = time(2, 0)
    night_end: time = time(5, 0)
    night_threshold_litres: float = 10.0
    burst_flow_m3h: float = 0.5
    burst_duration: timedelta = timedelta(minutes=30)
    max_sample_gap: timedelta = timedelta(
        minutes=15
    )  # longer gaps between flow samples break a run
    max_reading_gap: timedelta = HOUR  # same for register readings


DEFAULT_CONFIG = LeakConfig()


@dataclass(frozen=True, slots=True)
class HourlyConsumption:
    """Consumption in the UTC hour ``[start, start + 1 h)``."""

    start: datetime
    m3: float


@dataclass(frozen=True, slots=True)
class FlowSample:
    """Instantaneous flow at a time."""

    at: datetime
    m3h: float


@dataclass(frozen=True, slots=True)
class RuleResult:
    """Outcome of one rule."""

    active: bool
    since: datetime | None = None
    known: bool = True  # False: data missing, active/since carried over
    detail: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LeakStatus:
    """All rule results of one meter."""

    continuous_flow: RuleResult
    night_flow: RuleResult
    burst: RuleResult
    meter_leak: RuleResult
    meter_burst: RuleResult
    meter_alarms: frozenset[str] = frozenset()

    @property
    def rules(self) -> dict[str, RuleResult]:
        """Return the results by rule name."""
        return {
            CONTINUOUS_FLOW: self.continuous_flow,
            NIGHT_FLOW: self.night_flow,
            BURST: self.burst,
            METER_LEAK: self.meter_leak,
            METER_BURST: self.meter_burst,
        }

    @property
    def leak(self) -> bool:
        """Return True when any rule is active."""
        return any(result.active for result in self.rules.values())

    def changed(self, previous: LeakStatus | None) -> tuple[str, ...]:
        """Return the names of rules whose ``active`` differs from ``previous``."""
        before = previous.rules if previous is not None else {}
        return tuple(
            name
            for name, result in self.rules.items()
            if result.active != (before[name].active if name in before else False)
        )


def _carry(previous: RuleResult | None, detail: Mapping[str, float]) -> RuleResult:
    if previous is None:
        return RuleResult(active=False, known=False, detail=detail)
    return RuleResult(active=previous.active, since=previous.since, known=False, detail=detail)


def _run_since(run_start: datetime, open_start: bool, previous: RuleResult | None) -> datetime:
    """Keep the earlier ``since`` of a still-active rule when the data cannot see the run start."""
    if open_start and previous is not None and previous.active and previous.since is not None:
        return min(previous.since, run_start)
    return run_start


def hourly_consumption(rows: Iterable[tuple[datetime, float]]) -> list[HourlyConsumption]:
    """Return hourly consumption from ``(start, sum)`` pairs in time order.

    An hour gets a value only when the row of the hour before exists: the first
    row and the row after a gap span an unknown number of hours. A decreasing
    ``sum`` (corrupt statistics) gives no value either.
    """
    out: list[HourlyConsumption] = []
    prev_start: datetime | None = None
    prev_sum = 0.0
    for raw_start, total in rows:
        start = to_utc(raw_start)
        if prev_start is not None and start - prev_start == HOUR and total >= prev_sum:
            out.append(HourlyConsumption(start=start, m3=total - prev_sum))
        prev_start, prev_sum = start, total
    return out


def continuous_flow_rule(
    hours: Iterable[HourlyConsumption],
    now: datetime,
    config: LeakConfig = DEFAULT_CONFIG,
    previous: RuleResult | None = None,
) -> RuleResult:
    """Evaluate "no hour without consumption" over the complete hours before ``now``."""
    litres = {to_utc(hour.start): hour.m3 * LITRES_PER_M3 for hour in hours}
    window_end = floor_hour(now)
    window = [window_end - HOUR * k for k in range(config.continuous_hours, 0, -1)]
    present = [litres[start] for start in window if start in litres]
    dry = sum(1 for value in present if value <= config.continuous_min_litres)
    detail: dict[str, float] = {
        "hours_with_data": len(present),
        "hours_without_consumption": dry,
    }
    if present:
        detail["min_litres"] = min(present)
    if dry:
        return RuleResult(active=False, detail=detail)
    if len(present) < len(window):
        return _carry(previous, detail)
    run_start = window[-1]
    while run_start - HOUR in litres and litres[run_start - HOUR] > config.continuous_min_litres:
        run_start -= HOUR
    # The run is open when it ends at missing data rather than at a dry hour.
    open_start = run_start - HOUR not in litres
    return RuleResult(active=True, since=_run_since(run_start, open_start, previous), detail=detail)


def night_window(
    night_of: date, tz: tzinfo, config: LeakConfig = DEFAULT_CONFIG
) -> tuple[datetime, datetime]:
    """Return the UTC window of the night ending on local date ``night_of``."""
    start_day = night_of if config.night_start < config.night_end else night_of - timedelta(days=1)
    start = to_utc(datetime.combine(start_day, config.night_start, tzinfo=tz))
    end = to_utc(datetime.combine(night_of, config.night_end, tzinfo=tz))
    return start, end


def night_flow_rule(
    hours: Iterable[HourlyConsumption],
    now: datetime,
    tz: tzinfo,
    config: LeakConfig = DEFAULT_CONFIG,
    previous: RuleResult | None = None,
) -> RuleResult:
    """Evaluate the night-window consumption of the latest night that has ended."""
    moment = to_utc(now)
    night_of = moment.astimezone(tz).date()
    start, end = night_window(night_of, tz, config)
    if end > moment:
        start, end = night_window(night_of - timedelta(days=1), tz, config)
    litres = {to_utc(hour.start): hour.m3 * LITRES_PER_M3 for hour in hours}
    expected = 0
    present: list[float] = []
    slot = floor_hour(start)
    while slot < end:
        expected += 1
        if slot in litres:
            present.append(litres[slot])
        slot += HOUR
    total = sum(present)
    detail: dict[str, float] = {
        "litres": total,
        "hours_with_data": len(present),
        "hours_expected": expected,
    }
    if total > config.night_threshold_litres:
        return RuleResult(active=True, since=start, detail=detail)
    if len(present) < expected:
        return _carry(previous, detail)
    return RuleResult(active=False, detail=detail)


# A segment is a stretch of time where flow was above the threshold (True), not
# above it (False) or unknown because of missing data (None).
type _Segment = tuple[datetime, datetime, bool | None, float]


def _burst_from_segments(
    segments: Sequence[_Segment], config: LeakConfig, previous: RuleResult | None
) -> RuleResult:
    if not segments or segments[-1][2] is None:
        return _carry(previous, {"run_minutes": 0.0})
    if segments[-1][2] is False:
        return RuleResult(active=False, detail={"run_minutes": 0.0})
    index = len(segments) - 1
    peak = 0.0
    while index >= 0 and segments[index][2] is True:
        peak = max(peak, segments[index][3])
        index -= 1
    run_start = segments[index + 1][0]
    run = segments[-1][1] - run_start
    detail = {"run_minutes": run / timedelta(minutes=1), "max_flow_m3h": peak}
    open_start = index < 0 or segments[index][2] is None
    if run >= config.burst_duration:
        return RuleResult(
            active=True, since=_run_since(run_start, open_start, previous), detail=detail
        )
    if open_start:
        return _carry(previous, detail)
    return RuleResult(active=False, detail=detail)


def burst_rule_from_flow(
    samples: Iterable[FlowSample],
    config: LeakConfig = DEFAULT_CONFIG,
    previous: RuleResult | None = None,
) -> RuleResult:
    """Evaluate the burst rule on instantaneous flow samples."""
    flows: dict[datetime, float] = {}
    for sample in samples:
        at = to_utc(sample.at)
        flows[at] = max(sample.m3h, flows.get(at, sample.m3h))  # duplicates: keep the highest
    ordered = sorted(flows.items())
    limit = config.burst_flow_m3h
    if ordered and ordered[-1][1] <= limit:
        return RuleResult(
            active=False, detail={"run_minutes": 0.0, "last_flow_m3h": ordered[-1][1]}
        )
    segments: list[_Segment] = []
    for (start, flow_a), (end, flow_b) in pairwise(ordered):
        above: bool | None = None
        if end - start <= config.max_sample_gap:
            above = flow_a > limit and flow_b > limit
        segments.append((start, end, above, max(flow_a, flow_b)))
    return _burst_from_segments(segments, config, previous)


def burst_rule_from_readings(
    readings: Iterable[RegisterReading],
    config: LeakConfig = DEFAULT_CONFIG,
    previous: RuleResult | None = None,
) -> RuleResult:
    """Evaluate the burst rule on the average flow between register readings."""
    volumes = {to_utc(reading.at): float(reading.volume_m3) for reading in readings}
    ordered = sorted(volumes.items())
    segments: list[_Segment] = []
    for (start, vol_a), (end, vol_b) in pairwise(ordered):
        flow = (vol_b - vol_a) / ((end - start) / HOUR)
        above: bool | None = None
        if end - start <= config.max_reading_gap and vol_b >= vol_a:
            above = flow > config.burst_flow_m3h
        segments.append((start, end, above, flow))
    return _burst_from_segments(segments, config, previous)


def normalise_codes(codes: Iterable[str]) -> frozenset[str]:
    """Return alarm codes lower-cased and stripped."""
    return frozenset(code.strip().lower() for code in codes if code.strip())


def meter_code_rule(
    codes: Iterable[str] | None,
    code: str,
    now: datetime,
    previous: RuleResult | None = None,
) -> RuleResult:
    """Reflect one meter alarm code; ``codes=None`` means no alarm status was reported."""
    if codes is None:
        return _carry(previous, {})
    if code not in normalise_codes(codes):
        return RuleResult(active=False)
    if previous is not None and previous.active and previous.since is not None:
        return RuleResult(active=True, since=previous.since)
    return RuleResult(active=True, since=to_utc(now))


def evaluate(  # noqa: PLR0913 - every input is an independent, optional data source
    now: datetime,
    tz: tzinfo,
    *,
    hours: Sequence[HourlyConsumption] = (),
    flow: Sequence[FlowSample] = (),
    readings: Sequence[RegisterReading] = (),
    alarm_codes: Iterable[str] | None = None,
    config: LeakConfig = DEFAULT_CONFIG,
    previous: LeakStatus | None = None,
) -> LeakStatus:
    """Evaluate every rule for one meter.

    The burst rule uses ``flow`` when given, else ``readings``.
    """
    prev = previous.rules if previous is not None else {}
    if flow:
        burst = burst_rule_from_flow(flow, config, prev.get(BURST))
    else:
        burst = burst_rule_from_readings(readings, config, prev.get(BURST))
    codes = list(alarm_codes) if alarm_codes is not None else None
    if codes is not None:
        alarms = normalise_codes(codes)
    else:
        alarms = previous.meter_alarms if previous is not None else frozenset()
    return LeakStatus(
        continuous_flow=continuous_flow_rule(hours, now, config, prev.get(CONTINUOUS_FLOW)),
        night_flow=night_flow_rule(hours, now, tz, config, prev.get(NIGHT_FLOW)),
        burst=burst,
        meter_leak=meter_code_rule(codes, "leak", now, prev.get(METER_LEAK)),
        meter_burst=meter_code_rule(codes, "burst", now, prev.get(METER_BURST)),
        meter_alarms=alarms,
    )
