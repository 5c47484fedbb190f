"""Meter report from hourly statistics rows."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from custom_components.municipal_iot.water.replacement import Replacement
from custom_components.municipal_iot.water.report import (
    Anomaly,
    BoundaryReading,
    MeterMeta,
    ReportOptions,
    Totals,
    compute_report,
    hours_between,
    meter_report,
)

TZ = ZoneInfo("Europe/Stockholm")
H = timedelta(hours=1)
OCT_START = datetime(2025, 10, 1, tzinfo=TZ)  # 2025-09-30 22:00 UTC
OCT_END = datetime(2025, 11, 1, tzinfo=TZ)  # 2025-10-31 23:00 UTC
META = MeterMeta(entity_id="sensor.water_a", name="Lgh 1001", area="Hus A")


def utc(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=UTC)


def make_rows(
    first_end: datetime,
    registers: Sequence[int | None],
    *,
    as_datetime: bool = False,
    with_state: bool = True,
) -> list[dict[str, Any]]:
    """Rows ending at first_end + i h; registers in litres, None = no row.

    The sum follows HA's rule for total_increasing: a decrease starts a new cycle.
    """
    rows: list[dict[str, Any]] = []
    total = 0
    previous: int | None = None
    for index, register in enumerate(registers):
        if register is None:
            continue
        if previous is not None:
            total += register - previous if register >= previous else register
        previous = register
        start = first_end + H * (index - 1)
        row: dict[str, Any] = {
            "start": start if as_datetime else start.timestamp(),
            "sum": total / 1000,
        }
        if with_state:
            row["state"] = register / 1000
        rows.append(row)
    return rows


def steady(count: int, litres_per_hour: int = 10, base: int = 100_000) -> list[int | None]:
    return [base + litres_per_hour * i for i in range(count)]


def october(registers: Sequence[int | None], **kwargs: Any) -> list[dict[str, Any]]:
    return make_rows(utc(9, 30, 22), registers, **kwargs)


def test_full_dst_month_has_745_hours() -> None:
    line = meter_report(META, october(steady(746)), OCT_START, OCT_END)
    assert line.start == BoundaryReading(at=utc(9, 30, 22), state_m3=100.0, sum_m3=0.0)
    assert line.end == BoundaryReading(at=utc(10, 31, 23), state_m3=107.45, sum_m3=7.45)
    assert line.consumption_m3 == 7.45
    assert (line.hours_with_data, line.hours_in_period, line.completeness) == (745, 745, 1.0)
    assert line.flags == ()
    assert not line.estimated


def test_march_has_743_hours() -> None:
    start = datetime(2025, 3, 1, tzinfo=TZ)
    end = datetime(2025, 4, 1, tzinfo=TZ)
    rows = make_rows(utc(2, 28, 23), steady(744))
    line = meter_report(META, rows, start, end)
    assert (line.hours_with_data, line.hours_in_period) == (743, 743)
    assert line.consumption_m3 == 7.43
    assert line.end is not None
    assert line.end.at == utc(3, 31, 22)


def test_datetime_starts_give_the_same_result() -> None:
    registers = steady(746)
    as_float = meter_report(META, october(registers), OCT_START, OCT_END)
    as_dt = meter_report(META, october(registers, as_datetime=True), OCT_START, OCT_END)
    assert as_dt == as_float


def test_empty_period() -> None:
    line = meter_report(META, [], OCT_START, OCT_END)
    assert (line.start, line.end, line.consumption_m3) == (None, None, None)
    assert (line.hours_with_data, line.completeness) == (0, 0.0)
    assert line.flags == ("no_data",)


def test_rows_only_before_the_period_are_no_data() -> None:
    rows = make_rows(utc(9, 1), steady(48))
    line = meter_report(META, rows, OCT_START, OCT_END)
    assert line.consumption_m3 is None
    assert line.flags == ("no_data",)


def test_only_the_start_reading_is_no_data() -> None:
    rows = october([100_000])  # one row ending exactly at the period start
    line = meter_report(META, rows, OCT_START, OCT_END)
    # The start reading is shown, but without a reading inside the period there is no use.
    assert line.start == BoundaryReading(at=utc(9, 30, 22), state_m3=100.0, sum_m3=0.0)
    assert (line.end, line.consumption_m3) == (None, None)
    assert line.flags == ("no_data",)


def test_meter_added_mid_period() -> None:
    first_end = utc(10, 10, 1)
    rows = make_rows(first_end, steady(527, base=5_000))
    line = meter_report(META, rows, OCT_START, OCT_END)
    assert line.start == BoundaryReading(at=first_end, state_m3=5.0, sum_m3=0.0)
    assert line.end == BoundaryReading(at=utc(10, 31, 23), state_m3=10.26, sum_m3=5.26)
    assert line.consumption_m3 == 5.26
    assert line.hours_with_data == 527
    assert line.flags == ("incomplete", "partial")


def test_meter_stopped_mid_period() -> None:
    registers = steady(100)  # last row ends 10-05 01:00
    line = meter_report(META, october(registers), OCT_START, OCT_END)
    assert line.end == BoundaryReading(at=utc(10, 5, 1), state_m3=100.99, sum_m3=0.99)
    assert line.consumption_m3 == 0.99
    assert line.flags == ("incomplete", "partial")


def test_single_row_at_the_end() -> None:
    rows = make_rows(utc(10, 31, 23), [7_000])
    line = meter_report(META, rows, OCT_START, OCT_END)
    assert line.start == line.end == BoundaryReading(at=utc(10, 31, 23), state_m3=7.0, sum_m3=0.0)
    assert line.consumption_m3 == 0.0
    assert line.flags == ("incomplete", "partial")


def test_missing_days_lower_completeness_not_consumption() -> None:
    registers = steady(746)
    two_days = [None if 100 <= i < 148 else value for i, value in enumerate(registers)]
    line = meter_report(META, october(two_days), OCT_START, OCT_END)
    assert (line.hours_with_data, line.consumption_m3, line.flags) == (697, 7.45, ())
    four_days = [None if 100 <= i < 196 else value for i, value in enumerate(registers)]
    line = meter_report(META, october(four_days), OCT_START, OCT_END)
    assert (line.hours_with_data, line.consumption_m3, line.flags) == (649, 7.45, ("incomplete",))
    assert line.completeness == 649 / 745


def test_missing_boundary_row_is_interpolated() -> None:
    registers: list[int | None] = [50_000, None, 50_030, *[50_030 + 10 * i for i in range(1, 745)]]
    rows = make_rows(utc(9, 30, 21), registers)
    line = meter_report(META, rows, OCT_START, OCT_END)
    assert line.start == BoundaryReading(
        at=utc(9, 30, 22), state_m3=50.015, sum_m3=0.015, estimated=True
    )
    assert line.end == BoundaryReading(at=utc(10, 31, 23), state_m3=57.47, sum_m3=7.47)
    assert line.consumption_m3 == 7.455
    assert line.flags == ("estimated",)
    assert line.estimated


def test_boundary_row_without_sum_is_interpolated_over() -> None:
    rows = october(steady(746))
    rows[-1]["sum"] = None  # the row ending at the period end
    rows.append({"start": utc(11, 1).timestamp(), "sum": 7.47, "state": 107.47})
    line = meter_report(META, rows, OCT_START, OCT_END)
    assert line.end == BoundaryReading(
        at=utc(10, 31, 23), state_m3=107.45, sum_m3=7.45, estimated=True
    )
    assert line.flags == ("estimated",)


def test_rows_without_sum_are_skipped_when_searching_neighbours() -> None:
    rows = october(steady(746))
    rows[0]["sum"] = None  # the start row: interpolate
    rows.insert(0, {"start": utc(9, 30, 19).timestamp(), "sum": None, "state": None})
    rows.insert(0, {"start": utc(9, 30, 18).timestamp(), "sum": -0.04, "state": 99.96})
    line = meter_report(META, rows, OCT_START, OCT_END)
    # Neighbours: the row ending 19:00 (-0.04) and the row ending 23:00 (0.01).
    assert line.start == BoundaryReading(
        at=utc(9, 30, 22), state_m3=99.9975, sum_m3=-0.0025, estimated=True
    )
    assert line.consumption_m3 == 7.4525


def test_interpolation_gap_is_limited() -> None:
    rows = [
        *make_rows(utc(9, 20), [1_000]),
        *make_rows(utc(10, 1, 3), [None, 2_000, 2_010]),
    ]
    rows[1]["sum"], rows[2]["sum"] = 1.0, 1.01
    line = meter_report(META, rows, OCT_START, OCT_END)
    assert line.start == BoundaryReading(at=utc(10, 1, 4), state_m3=2.0, sum_m3=1.0)
    assert line.flags == ("incomplete", "partial")
    wide = meter_report(
        META, rows, OCT_START, OCT_END, ReportOptions(max_interpolation_gap=timedelta(days=12))
    )
    assert wide.start is not None
    assert wide.start.estimated


def test_day_without_rows_is_estimated_from_neighbours() -> None:
    rows = [
        {"start": utc(10, 9, 11).timestamp(), "state": 10.0, "sum": 1.0},
        {"start": utc(10, 11, 11).timestamp(), "state": 10.48, "sum": 1.48},
    ]
    day_start = datetime(2025, 10, 10, tzinfo=TZ)
    line = meter_report(META, rows, day_start, day_start + timedelta(days=1))
    assert line.start == BoundaryReading(
        at=utc(10, 9, 22), state_m3=10.1, sum_m3=1.1, estimated=True
    )
    assert line.end == BoundaryReading(
        at=utc(10, 10, 22), state_m3=10.34, sum_m3=1.34, estimated=True
    )
    assert line.consumption_m3 == 0.24
    assert (line.hours_with_data, line.hours_in_period) == (0, 24)
    assert line.flags == ("incomplete", "estimated")


def test_reset_inside_the_period_is_flagged_and_continuous() -> None:
    registers = [100_000 + 10 * i if i < 300 else 500 + 10 * (i - 300) for i in range(746)]
    line = meter_report(META, october(registers), OCT_START, OCT_END)
    # 299 hours of 10 L, the new cycle's first 500 L, then 445 hours of 10 L.
    assert line.consumption_m3 == 7.94
    assert line.end is not None
    assert line.end.state_m3 == 4.95
    assert line.flags == ("reset",)


def test_replacement_inside_the_period() -> None:
    registers = [100_000 + 10 * i if i < 300 else 500 + 10 * (i - 300) for i in range(746)]
    swap = Replacement(at=utc(10, 13, 10), old_final_m3=102.99, new_initial_m3=0.5)
    meta = MeterMeta(entity_id="sensor.water_a", name="Lgh 1001", replacements=(swap,))
    line = meter_report(meta, october(registers), OCT_START, OCT_END)
    assert line.consumption_m3 == 7.94
    assert line.flags == ("replacement",)
    assert line.replacements == (swap,)


def test_rows_without_state() -> None:
    registers = [100_000 + 10 * i if i < 300 else 500 + 10 * (i - 300) for i in range(746)]
    line = meter_report(META, october(registers, with_state=False), OCT_START, OCT_END)
    assert line.start == BoundaryReading(at=utc(9, 30, 22), state_m3=None, sum_m3=0.0)
    assert line.consumption_m3 == 7.94
    assert line.flags == ()  # no state: a reset cannot be seen


def test_decreasing_sum_is_clamped() -> None:
    rows = october(steady(746))
    rows[-1]["sum"] = -1.0
    line = meter_report(META, rows, OCT_START, OCT_END)
    assert line.consumption_m3 == 0.0
    assert "negative_clamped" in line.flags


def test_zero_consumption_over_a_full_period() -> None:
    rows = october([4_000] * 746)
    line = meter_report(META, rows, OCT_START, OCT_END)
    assert (line.consumption_m3, line.flags) == (0.0, ("zero_consumption",))
    quiet = meter_report(META, rows, OCT_START, OCT_END, ReportOptions(flag_zero_consumption=False))
    assert quiet.flags == ()


def test_leak_and_alarm_flags() -> None:
    meta = MeterMeta(entity_id="sensor.w", name="W", leak=True, alarms=("leak", "low_battery"))
    line = meter_report(meta, october(steady(746)), OCT_START, OCT_END)
    assert line.flags == ("leak", "alarm")
    assert (line.leak, line.alarms) == (True, ("leak", "low_battery"))


def test_period_must_not_be_empty() -> None:
    with pytest.raises(ValueError, match="after"):
        meter_report(META, [], OCT_END, OCT_START)


def test_hours_between_counts_real_utc_hours() -> None:
    assert hours_between(OCT_START.timestamp(), OCT_END.timestamp()) == 745
    kolkata = ZoneInfo("Asia/Kolkata")  # UTC+05:30: local midnight is not an UTC hour
    day = datetime(2025, 10, 1, tzinfo=kolkata)
    assert hours_between(day.timestamp(), (day + timedelta(days=1)).timestamp()) == 24


def test_half_hour_zone_boundaries_are_interpolated() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    day = datetime(2025, 10, 1, tzinfo=kolkata)  # 2025-09-30 18:30 UTC
    rows = make_rows(utc(9, 30, 18), steady(26))
    line = meter_report(META, rows, day, day + timedelta(days=1))
    assert line.start == BoundaryReading(
        at=datetime(2025, 9, 30, 18, 30, tzinfo=UTC), state_m3=100.005, sum_m3=0.005, estimated=True
    )
    assert line.consumption_m3 == 0.24
    assert (line.hours_with_data, line.hours_in_period) == (24, 24)


def test_compute_report_totals_top_and_anomalies() -> None:
    full = steady(746)
    metas = [
        MeterMeta(entity_id="sensor.a", name="A", area="Hus B"),
        MeterMeta(entity_id="sensor.b", name="B", area="hus a", leak=True),
        MeterMeta(entity_id="sensor.c", name="C", area=None, statistic_id="municipal_iot:c"),
        MeterMeta(entity_id="sensor.d", name="D", area="Hus B"),
        MeterMeta(entity_id="sensor.e", name="E", area="hus a"),
    ]
    rows = {
        "sensor.a": october(full),  # 7.45
        "sensor.b": october(steady(746, litres_per_hour=20)),  # 14.9
        "municipal_iot:c": october(steady(746, litres_per_hour=1)),  # 0.745
        "sensor.d": [],
        "sensor.e": october([None if 10 <= i < 200 else v for i, v in enumerate(full)]),
    }
    report = compute_report(OCT_START, OCT_END, metas, rows, ReportOptions(top_n=2))
    assert report.period_start == utc(9, 30, 22)
    assert report.period_end == utc(10, 31, 23)
    assert report.hours_in_period == 745
    assert [line.entity_id for line in report.meters] == [
        "sensor.a",
        "sensor.b",
        "sensor.c",
        "sensor.d",
        "sensor.e",
    ]
    assert [line.entity_id for line in report.top] == ["sensor.b", "sensor.a"]
    assert report.areas == (
        Totals(
            area="hus a",
            meters=2,
            meters_with_data=2,
            consumption_m3=22.35,
            hours_with_data=745 + 555,
            hours_expected=1490,
            estimated=0,
            leaks=1,
        ),
        Totals(
            area="Hus B",
            meters=2,
            meters_with_data=1,
            consumption_m3=7.45,
            hours_with_data=745,
            hours_expected=1490,
            estimated=0,
            leaks=0,
        ),
        Totals(
            area=None,
            meters=1,
            meters_with_data=1,
            consumption_m3=0.745,
            hours_with_data=745,
            hours_expected=745,
            estimated=0,
            leaks=0,
        ),
    )
    assert report.total == Totals(
        area=None,
        meters=5,
        meters_with_data=4,
        consumption_m3=30.545,
        hours_with_data=2790,
        hours_expected=3725,
        estimated=0,
        leaks=1,
    )
    assert report.total.completeness == 2790 / 3725
    assert report.anomalies == (
        Anomaly(entity_id="sensor.d", name="D", kind="no_data"),
        Anomaly(entity_id="sensor.e", name="E", kind="incomplete"),
        Anomaly(entity_id="sensor.b", name="B", kind="leak"),
    )


def test_empty_report() -> None:
    report = compute_report(OCT_START, OCT_END, [], {})
    assert (report.meters, report.top, report.areas, report.anomalies) == ((), (), (), ())
    assert report.total.completeness == 0.0


def test_replacement_is_no_anomaly_by_default() -> None:
    swap = Replacement(at=utc(10, 13), old_final_m3=1.0, new_initial_m3=0.0)
    metas = [MeterMeta(entity_id="sensor.a", name="A", replacements=(swap,))]
    rows = {"sensor.a": october(steady(746))}
    assert compute_report(OCT_START, OCT_END, metas, rows).anomalies == ()
    options = ReportOptions(anomaly_kinds=("replacement",))
    assert compute_report(OCT_START, OCT_END, metas, rows, options).anomalies == (
        Anomaly(entity_id="sensor.a", name="A", kind="replacement"),
    )
