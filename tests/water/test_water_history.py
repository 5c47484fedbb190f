"""Meter history to hourly statistics rows."""

import math
from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.municipal_iot.water.history import build_hourly_rows
from custom_components.municipal_iot.water.model import Reading, StatRow

H = timedelta(hours=1)


def utc(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2021, 7, day, hour, minute, second, tzinfo=UTC)


def hourly(first: datetime, litres: list[int]) -> list[Reading]:
    return [Reading(first + H * i, value / 1000) for i, value in enumerate(litres)]


def test_axioma_history_rows_belong_to_the_hour_before_the_reading() -> None:
    # Axioma W1 example: log 12:00 at 103415 L, deltas 30, 4, 15; current 103470 L at 15:51:27.
    readings = [
        *hourly(utc(8, 12), [103415, 103445, 103449, 103464]),
        Reading(utc(8, 15, 51, 27), 103.470),
    ]
    result = build_hourly_rows(readings)
    assert result.rows == (
        StatRow(utc(8, 11), 103.415, 0.0),
        StatRow(utc(8, 12), 103.445, 0.03),
        StatRow(utc(8, 13), 103.449, 0.034),
        StatRow(utc(8, 14), 103.464, 0.049),
    )
    # The latest reading (15:51) is not put into a partial-hour row.
    assert result.interpolated == ()
    assert result.resets == ()
    assert (result.ignored, result.rejected, result.conflicts) == (0, 0, ())


def test_row_end_is_the_reading_time() -> None:
    row = build_hourly_rows([Reading(utc(8, 13), 5.0)]).rows[0]
    assert row.start == utc(8, 12)
    assert row.end == utc(8, 13)


def test_other_time_zones_are_converted_to_utc() -> None:
    cest = timezone(timedelta(hours=2))
    result = build_hourly_rows([Reading(datetime(2021, 7, 8, 15, tzinfo=cest), 1.0)])
    assert result.rows == (StatRow(utc(8, 12), 1.0, 0.0),)
    assert result.rows[0].start.tzinfo is UTC


def test_continues_from_the_last_imported_row() -> None:
    last = StatRow(utc(8, 11), 103.415, 5.0)
    readings = hourly(utc(8, 12), [103415, 103445, 103449, 103464])
    result = build_hourly_rows(readings, last)
    assert result.rows == (
        StatRow(utc(8, 12), 103.445, 5.03),
        StatRow(utc(8, 13), 103.449, 5.034),
        StatRow(utc(8, 14), 103.464, 5.049),
    )
    assert result.ignored == 1  # the 12:00 reading is the end of the last row


def test_importing_the_same_history_twice_is_idempotent() -> None:
    readings = hourly(utc(8, 0), [1000, 1010, 1025, 1025, 1040])
    first = build_hourly_rows(readings)
    assert build_hourly_rows(readings) == first
    # Order and repetition of the input do not matter.
    assert build_hourly_rows([*reversed(readings), *readings]) == first
    again = build_hourly_rows(readings, first.rows[-1])
    assert again.rows == ()
    assert again.ignored == 5


def test_overlapping_uplinks_never_double_count() -> None:
    litres = [2000, 2010, 2030, 2031, 2050, 2090, 2100, 2100, 2120, 2125, 2160]
    all_readings = hourly(utc(8, 0), litres)
    first = build_hourly_rows(all_readings[:7])
    second = build_hourly_rows(all_readings[4:], first.rows[-1])
    assert second.ignored == 3
    assert first.rows + second.rows == build_hourly_rows(all_readings).rows
    assert second.rows[-1] == StatRow(utc(8, 9), 2.16, 0.16)


def test_a_gap_stays_a_gap_and_its_water_lands_after_it() -> None:
    readings = [
        Reading(utc(8, 0), 10.0),
        Reading(utc(8, 1), 10.1),
        Reading(utc(8, 5), 10.9),
        Reading(utc(8, 6), 11.0),
    ]
    result = build_hourly_rows(readings)
    assert result.rows == (
        StatRow(utc(7, 23), 10.0, 0.0),
        StatRow(utc(8, 0), 10.1, 0.1),
        StatRow(utc(8, 4), 10.9, 0.9),
        StatRow(utc(8, 5), 11.0, 1.0),
    )


def test_no_interpolation_over_a_gap() -> None:
    result = build_hourly_rows([Reading(utc(8, 0, 30), 10.0), Reading(utc(8, 2, 30), 10.2)])
    assert result.rows == ()


def test_late_older_history_does_not_rewrite_imported_rows() -> None:
    newer = [
        Reading(utc(8, 0), 10.0),
        Reading(utc(8, 1), 10.1),
        Reading(utc(8, 5), 10.9),
    ]
    imported = build_hourly_rows(newer)
    late = [Reading(utc(8, 2), 10.3), Reading(utc(8, 3), 10.5), Reading(utc(8, 4), 10.7)]
    result = build_hourly_rows(late, imported.rows[-1])
    assert result.rows == ()
    assert result.ignored == 3
    # Later data continues from the last row; the gap's water was counted once.
    follow = build_hourly_rows([*late, Reading(utc(8, 6), 11.0)], imported.rows[-1])
    assert follow.rows == (StatRow(utc(8, 5), 11.0, 1.0),)


def test_register_decrease_keeps_sum_and_is_flagged() -> None:
    readings = [
        Reading(utc(8, 0), 100.0),
        Reading(utc(8, 1), 100.2),
        Reading(utc(8, 2), 0.05),
        Reading(utc(8, 3), 0.1),
    ]
    result = build_hourly_rows(readings)
    assert [row.sum for row in result.rows] == [0.0, 0.2, 0.2, 0.25]
    assert [row.state for row in result.rows] == [100.0, 100.2, 0.05, 0.1]
    assert result.resets == (utc(8, 1),)


def test_decrease_against_the_last_imported_row_is_flagged() -> None:
    result = build_hourly_rows([Reading(utc(8, 2), 0.5)], StatRow(utc(8, 0), 7.0, 3.0))
    assert result.rows == (StatRow(utc(8, 1), 0.5, 3.0),)
    assert result.resets == (utc(8, 1),)


def test_unaligned_hourly_history_is_interpolated_to_the_hour() -> None:
    # Sensus iPERL history walks back in 60-minute steps from 13:42.
    readings = [
        Reading(utc(8, 12, 42), 10.0),
        Reading(utc(8, 13, 42), 10.06),
        Reading(utc(8, 14, 42), 10.12),
    ]
    result = build_hourly_rows(readings)
    assert result.rows == (
        StatRow(utc(8, 12), 10.018, 0.0),
        StatRow(utc(8, 13), 10.078, 0.06),
    )
    assert result.interpolated == (utc(8, 12), utc(8, 13))
    assert build_hourly_rows(readings, max_interpolation_span=None).rows == ()


def test_no_interpolation_across_a_decrease() -> None:
    readings = [Reading(utc(8, 12, 42), 10.0), Reading(utc(8, 13, 42), 9.0)]
    assert build_hourly_rows(readings).rows == ()


def test_last_row_end_anchors_interpolation() -> None:
    last = StatRow(utc(8, 12), 10.0, 1.0)  # register 10.0 at 13:00
    reading = [Reading(utc(8, 14, 30), 10.09)]
    assert build_hourly_rows(reading, last).rows == ()  # 90 min apart: too far by default
    result = build_hourly_rows(reading, last, max_interpolation_span=2 * H)
    assert result.rows == (StatRow(utc(8, 13), 10.06, 1.06),)
    assert result.interpolated == (utc(8, 13),)


def test_wider_span_interpolates_every_boundary_inside() -> None:
    readings = [Reading(utc(8, 0, 30), 1.0), Reading(utc(8, 3, 30), 1.3)]
    result = build_hourly_rows(readings, max_interpolation_span=4 * H)
    assert result.rows == (
        StatRow(utc(8, 0), 1.05, 0.0),
        StatRow(utc(8, 1), 1.15, 0.1),
        StatRow(utc(8, 2), 1.25, 0.2),
    )


def test_daily_history_gives_daily_rows() -> None:
    readings = [Reading(utc(day), 50 + day * 0.25) for day in (5, 6, 7)]
    result = build_hourly_rows(readings)
    assert result.rows == (
        StatRow(utc(4, 23), 51.25, 0.0),
        StatRow(utc(5, 23), 51.5, 0.25),
        StatRow(utc(6, 23), 51.75, 0.5),
    )


def test_conflicting_values_keep_the_highest_in_any_order() -> None:
    a = Reading(utc(8, 1), 3.5)
    b = Reading(utc(8, 1), 3.4)
    base = Reading(utc(8, 0), 3.0)
    forward = build_hourly_rows([base, a, b])
    backward = build_hourly_rows([b, a, base])
    assert forward == backward
    assert forward.rows[-1] == StatRow(utc(8, 0), 3.5, 0.5)
    assert forward.conflicts == (utc(8, 1),)


def test_invalid_volumes_are_rejected() -> None:
    readings = [
        Reading(utc(8, 0), math.nan),
        Reading(utc(8, 1), -1.0),
        Reading(utc(8, 2), math.inf),
        Reading(utc(8, 3), 4.0),
    ]
    result = build_hourly_rows(readings)
    assert result.rows == (StatRow(utc(8, 2), 4.0, 0.0),)
    assert result.rejected == 3


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        build_hourly_rows([Reading(datetime(2021, 7, 8, 12), 1.0)])  # noqa: DTZ001


@settings(max_examples=200, deadline=None)
@given(
    steps=st.lists(st.integers(min_value=-50, max_value=400), min_size=1, max_size=40),
    cuts=st.lists(st.integers(min_value=0, max_value=40), max_size=4),
    overlap=st.integers(min_value=0, max_value=5),
)
def test_split_imports_equal_one_import(steps: list[int], cuts: list[int], overlap: int) -> None:
    litres = [10_000]
    for step in steps:
        litres.append(max(litres[-1] + step, 0))
    readings = hourly(utc(8), litres)
    whole = build_hourly_rows(readings).rows

    rows: list[StatRow] = []
    bounds = sorted({0, *(min(cut, len(readings)) for cut in cuts), len(readings)})
    for lo, hi in pairwise(bounds):
        part = readings[max(lo - overlap, 0) : hi]
        rows.extend(build_hourly_rows(part, rows[-1] if rows else None).rows)

    assert tuple(rows) == whole
    sums = [row.sum for row in whole]
    assert sums == sorted(sums)
    increases = sum(max(b - a, 0) for a, b in pairwise(litres))
    assert whole[-1].sum == pytest.approx(increases / 1000, abs=1e-9)
