"""Leak rules."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from custom_components.municipal_iot.water.leak import (
    FlowSample,
    HourlyConsumption,
    LeakConfig,
    RuleResult,
    burst_rule_from_flow,
    burst_rule_from_readings,
    continuous_flow_rule,
    evaluate,
    hourly_consumption,
    meter_code_rule,
    night_flow_rule,
    night_window,
    normalise_codes,
)
from custom_components.municipal_iot.water.model import Reading

TZ = ZoneInfo("Europe/Stockholm")
H = timedelta(hours=1)
M = timedelta(minutes=1)


def utc(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def hours(first: datetime, litres: list[float | None]) -> list[HourlyConsumption]:
    return [
        HourlyConsumption(first + H * i, value / 1000)
        for i, value in enumerate(litres)
        if value is not None
    ]


def flow(first: datetime, step_minutes: int, values: list[float]) -> list[FlowSample]:
    return [FlowSample(first + M * step_minutes * i, value) for i, value in enumerate(values)]


ACTIVE_BEFORE = RuleResult(active=True, since=utc(6, 1))

# --- hourly consumption from statistics rows ------------------------------------


def test_hourly_consumption_needs_the_previous_hour() -> None:
    rows = [
        (utc(6, 1, 0), 1.0),
        (utc(6, 1, 1), 1.002),
        (utc(6, 1, 2), 1.007),
        (utc(6, 1, 5), 1.5),  # after a gap: spans unknown hours
        (utc(6, 1, 6), 1.499),  # decreasing sum: no value
        (utc(6, 1, 7), 1.6),
    ]
    result = hourly_consumption(rows)
    assert [item.start for item in result] == [utc(6, 1, 1), utc(6, 1, 2), utc(6, 1, 7)]
    assert [round(item.m3, 6) for item in result] == [0.002, 0.005, 0.101]


# --- continuous flow ----------------------------------------------------------------

NOW = utc(6, 10, 12, 20)  # window: 06-09 12:00 .. 06-10 12:00


def test_continuous_flow_active_when_every_hour_has_consumption() -> None:
    result = continuous_flow_rule(hours(utc(6, 9, 12), [2.0] * 24), NOW)
    assert result.active
    assert result.known
    assert result.since == utc(6, 9, 12)
    assert result.detail == {
        "hours_with_data": 24,
        "hours_without_consumption": 0,
        "min_litres": 2.0,
    }


def test_continuous_flow_since_is_the_start_of_the_run() -> None:
    litres: list[float | None] = [3.0, 0.0, *[2.0] * 28]  # from 06-09 06:00; dry at 07:00
    result = continuous_flow_rule(hours(utc(6, 9, 6), litres), NOW)
    assert result.active
    assert result.since == utc(6, 9, 8)


def test_continuous_flow_keeps_an_earlier_since_when_the_run_start_is_not_visible() -> None:
    result = continuous_flow_rule(hours(utc(6, 9, 12), [2.0] * 24), NOW, previous=ACTIVE_BEFORE)
    assert result.since == utc(6, 1)


def test_one_dry_hour_clears_continuous_flow() -> None:
    litres: list[float | None] = [2.0] * 24
    litres[10] = 0.0
    result = continuous_flow_rule(hours(utc(6, 9, 12), litres), NOW, previous=ACTIVE_BEFORE)
    assert result == RuleResult(
        active=False,
        detail={"hours_with_data": 24, "hours_without_consumption": 1, "min_litres": 0.0},
    )


def test_dry_hour_clears_even_with_missing_hours() -> None:
    litres: list[float | None] = [2.0] * 24
    litres[3] = None
    litres[10] = 0.0
    result = continuous_flow_rule(hours(utc(6, 9, 12), litres), NOW, previous=ACTIVE_BEFORE)
    assert not result.active
    assert result.known


def test_missing_hour_neither_raises_nor_clears() -> None:
    litres: list[float | None] = [2.0] * 24
    litres[5] = None
    data = hours(utc(6, 9, 12), litres)
    fresh = continuous_flow_rule(data, NOW)
    assert (fresh.active, fresh.known, fresh.since) == (False, False, None)
    carried = continuous_flow_rule(data, NOW, previous=ACTIVE_BEFORE)
    assert (carried.active, carried.known, carried.since) == (True, False, utc(6, 1))
    assert carried.detail["hours_with_data"] == 23


def test_no_data_at_all_is_unknown() -> None:
    result = continuous_flow_rule([], NOW)
    assert result == RuleResult(
        active=False, known=False, detail={"hours_with_data": 0, "hours_without_consumption": 0}
    )


def test_continuous_flow_minimum_is_configurable() -> None:
    config = LeakConfig(continuous_min_litres=1.0)
    result = continuous_flow_rule(hours(utc(6, 9, 12), [1.0] * 24), NOW, config)
    assert not result.active
    assert result.detail["hours_without_consumption"] == 24


# --- night flow -------------------------------------------------------------------


def test_night_window_is_dst_correct() -> None:
    assert night_window(date(2025, 6, 10), TZ) == (utc(6, 10, 0), utc(6, 10, 3))
    assert night_window(date(2025, 1, 10), TZ) == (utc(1, 10, 1), utc(1, 10, 4))
    # Spring forward: 02:00 does not exist, the window is 2 h long.
    assert night_window(date(2025, 3, 30), TZ) == (utc(3, 30, 1), utc(3, 30, 3))
    # Fall back: from the first 02:00 (CEST) to 05:00 CET, 4 h.
    assert night_window(date(2025, 10, 26), TZ) == (utc(10, 26, 0), utc(10, 26, 4))


def test_night_window_across_midnight() -> None:
    config = LeakConfig(night_start=time(22), night_end=time(6))
    assert night_window(date(2025, 6, 10), TZ, config) == (utc(6, 9, 20), utc(6, 10, 4))


def test_night_flow_above_threshold() -> None:
    data = hours(utc(6, 9, 22), [40.0, 0.0, 5.0, 4.0, 3.0, 90.0])  # 22:00 .. 03:00 UTC
    result = night_flow_rule(data, utc(6, 10, 8), TZ)
    assert result == RuleResult(
        active=True,
        since=utc(6, 10, 0),
        detail={"litres": 12.0, "hours_with_data": 3, "hours_expected": 3},
    )


def test_night_flow_below_threshold() -> None:
    data = hours(utc(6, 10, 0), [3.0, 3.0, 3.0])
    result = night_flow_rule(data, utc(6, 10, 8), TZ, previous=ACTIVE_BEFORE)
    assert (result.active, result.known, result.detail["litres"]) == (False, True, 9.0)


def test_night_flow_uses_the_last_night_that_has_ended() -> None:
    data = hours(utc(6, 9, 0), [5.0, 5.0, 5.0])  # the night of 06-09
    # 04:30 local on 06-10: tonight's window is still open.
    result = night_flow_rule(data, utc(6, 10, 2, 30), TZ)
    assert result.active
    assert result.since == utc(6, 9, 0)


def test_night_flow_spring_forward_counts_two_hours() -> None:
    # 00:00 UTC is 01:00 CET and 03:00 UTC is 05:00 CEST: both outside the window.
    data = hours(utc(3, 30, 0), [50.0, 4.0, 4.0, 50.0])
    result = night_flow_rule(data, utc(3, 30, 10), TZ)
    assert result.detail == {"litres": 8.0, "hours_with_data": 2, "hours_expected": 2}
    assert not result.active


def test_night_flow_fall_back_counts_four_hours() -> None:
    data = hours(utc(10, 26, 0), [3.0, 3.0, 3.0, 3.0, 50.0])
    result = night_flow_rule(data, utc(10, 26, 10), TZ)
    assert result.detail == {"litres": 12.0, "hours_with_data": 4, "hours_expected": 4}
    assert result.active
    assert result.since == utc(10, 26, 0)


def test_night_flow_missing_hour_carries_the_previous_state() -> None:
    data = hours(utc(6, 10, 0), [3.0, None, 3.0])
    fresh = night_flow_rule(data, utc(6, 10, 8), TZ)
    assert (fresh.active, fresh.known) == (False, False)
    carried = night_flow_rule(data, utc(6, 10, 8), TZ, previous=ACTIVE_BEFORE)
    assert (carried.active, carried.known, carried.since) == (True, False, utc(6, 1))


def test_night_flow_known_excess_wins_over_missing_hours() -> None:
    data = hours(utc(6, 10, 0), [None, 25.0, None])
    result = night_flow_rule(data, utc(6, 10, 8), TZ)
    assert (result.active, result.known, result.detail["hours_with_data"]) == (True, True, 1)


# --- burst ------------------------------------------------------------------------


def test_burst_from_flow_after_thirty_minutes() -> None:
    samples = [FlowSample(utc(6, 10, 9, 55), 0.1), *flow(utc(6, 10, 10), 5, [0.8] * 7)]
    result = burst_rule_from_flow(samples)
    assert result == RuleResult(
        active=True, since=utc(6, 10, 10), detail={"run_minutes": 30.0, "max_flow_m3h": 0.8}
    )


def test_burst_run_too_short() -> None:
    samples = [
        FlowSample(utc(6, 10, 9, 55), 0.1),
        *flow(utc(6, 10, 10), 5, [0.8, 0.9, 0.8, 0.8, 0.8, 0.8]),
    ]
    result = burst_rule_from_flow(samples, previous=ACTIVE_BEFORE)
    assert result == RuleResult(active=False, detail={"run_minutes": 25.0, "max_flow_m3h": 0.9})


def test_burst_cleared_by_a_low_sample() -> None:
    samples = [*flow(utc(6, 10, 10), 5, [0.8] * 10), FlowSample(utc(6, 10, 10, 50), 0.5)]
    result = burst_rule_from_flow(samples, previous=ACTIVE_BEFORE)
    assert result == RuleResult(active=False, detail={"run_minutes": 0.0, "last_flow_m3h": 0.5})


def test_burst_open_run_keeps_the_previous_since() -> None:
    samples = flow(utc(6, 10, 10), 5, [0.8] * 8)
    assert burst_rule_from_flow(samples, previous=ACTIVE_BEFORE).since == utc(6, 1)


def test_burst_short_open_run_is_unknown() -> None:
    samples = flow(utc(6, 10, 10), 5, [0.8] * 3)
    fresh = burst_rule_from_flow(samples)
    assert (fresh.active, fresh.known) == (False, False)
    carried = burst_rule_from_flow(samples, previous=ACTIVE_BEFORE)
    assert (carried.active, carried.known, carried.since) == (True, False, utc(6, 1))


def test_burst_gap_between_samples_breaks_the_run() -> None:
    samples = [
        *flow(utc(6, 10, 10), 5, [0.8] * 5),  # 10:00 .. 10:20
        *flow(utc(6, 10, 10, 40), 5, [0.8] * 4),  # 10:40 .. 10:55, 20 min gap before
    ]
    result = burst_rule_from_flow(samples)
    assert (result.active, result.known, result.detail["run_minutes"]) == (False, False, 15.0)


def test_burst_without_samples_is_unknown() -> None:
    assert burst_rule_from_flow([], previous=ACTIVE_BEFORE) == RuleResult(
        active=True, since=utc(6, 1), known=False, detail={"run_minutes": 0.0}
    )
    single = burst_rule_from_flow([FlowSample(utc(6, 10), 3.0)])
    assert (single.active, single.known) == (False, False)


def test_burst_duplicate_sample_times_keep_the_highest_flow() -> None:
    samples = [
        FlowSample(utc(6, 10, 9, 55), 0.0),
        *flow(utc(6, 10, 10), 10, [0.8] * 4),
        FlowSample(utc(6, 10, 10, 30), 0.9),
        FlowSample(utc(6, 10, 10, 30), 0.4),
    ]
    config = LeakConfig(max_sample_gap=timedelta(minutes=10))
    for ordered in (samples, samples[::-1]):
        result = burst_rule_from_flow(ordered, config)
        assert result.active
        assert result.detail == {"run_minutes": 30.0, "max_flow_m3h": 0.9}


def test_burst_from_hourly_readings() -> None:
    readings = [
        Reading(utc(6, 10, 8), 100.0),
        Reading(utc(6, 10, 9), 100.1),  # 0.1 m³/h
        Reading(utc(6, 10, 10), 100.7),  # 0.6 m³/h
        Reading(utc(6, 10, 11), 101.4),  # 0.7 m³/h
    ]
    result = burst_rule_from_readings(readings)
    assert result.active
    assert result.since == utc(6, 10, 9)
    assert result.detail["run_minutes"] == 120.0
    assert round(result.detail["max_flow_m3h"], 6) == 0.7
    short = burst_rule_from_readings(readings, LeakConfig(burst_duration=3 * H))
    assert (short.active, short.known) == (False, True)


def test_burst_run_starts_after_a_low_stretch() -> None:
    just_started = [FlowSample(utc(6, 10, 10), 0.1), FlowSample(utc(6, 10, 10, 5), 0.8)]
    assert burst_rule_from_flow(just_started, previous=ACTIVE_BEFORE) == RuleResult(
        active=False, detail={"run_minutes": 0.0}
    )
    slowing = [
        Reading(utc(6, 10, 8), 100.0),
        Reading(utc(6, 10, 9), 101.0),
        Reading(utc(6, 10, 10), 101.2),
    ]
    assert burst_rule_from_readings(slowing, previous=ACTIVE_BEFORE) == RuleResult(
        active=False, detail={"run_minutes": 0.0}
    )


def test_burst_from_readings_needs_close_readings() -> None:
    far = [Reading(utc(6, 10, 8), 100.0), Reading(utc(6, 10, 10), 105.0)]
    assert burst_rule_from_readings(far, previous=ACTIVE_BEFORE).known is False
    reset = [Reading(utc(6, 10, 8), 100.0), Reading(utc(6, 10, 9), 0.0)]
    assert burst_rule_from_readings(reset).known is False


# --- meter codes and the combined status -------------------------------------------


def test_meter_codes() -> None:
    now = utc(6, 10, 12)
    assert normalise_codes([" LEAK", "low_battery", " "]) == {"leak", "low_battery"}
    assert meter_code_rule(["Leak"], "leak", now) == RuleResult(active=True, since=now)
    kept = meter_code_rule(["leak"], "leak", now, previous=ACTIVE_BEFORE)
    assert kept.since == utc(6, 1)
    assert meter_code_rule(["burst"], "leak", now, previous=ACTIVE_BEFORE) == RuleResult(
        active=False
    )
    unknown = meter_code_rule(None, "leak", now, previous=ACTIVE_BEFORE)
    assert (unknown.active, unknown.known) == (True, False)


def test_evaluate_combines_rules_and_reports_changes() -> None:
    now = utc(6, 10, 12, 20)
    first = evaluate(now, TZ, alarm_codes=["leak", "low_battery"])
    assert first.leak
    assert first.meter_leak.since == now
    assert first.meter_alarms == {"leak", "low_battery"}
    assert first.changed(None) == ("meter_leak",)

    # Same inputs later: nothing changes, since is kept.
    second = evaluate(now + H, TZ, alarm_codes=["leak", "low_battery"], previous=first)
    assert second.changed(first) == ()
    assert second.meter_leak.since == now

    # A frame without alarm status keeps the alarms; a burst raises the burst rule.
    samples = flow(utc(6, 10, 12), 5, [1.2] * 7)
    third = evaluate(now + 2 * H, TZ, flow=samples, previous=second)
    assert third.meter_alarms == {"leak", "low_battery"}
    assert third.meter_leak.active
    assert third.changed(second) == ("burst",)

    # The meter clears its code: only the meter rule changes.
    fourth = evaluate(now + 3 * H, TZ, flow=samples, alarm_codes=[], previous=third)
    assert fourth.changed(third) == ("meter_leak",)
    assert fourth.meter_alarms == frozenset()


def test_evaluate_uses_readings_when_no_flow_samples() -> None:
    readings = [Reading(utc(6, 10, 9), 1.0), Reading(utc(6, 10, 10), 2.0)]
    status = evaluate(utc(6, 10, 12), TZ, readings=readings)
    assert status.burst.active
    assert status.rules["burst"] is status.burst
    assert not status.meter_leak.active
    assert status.meter_leak.known is False
