"""Report schedules."""

from datetime import UTC, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custom_components.municipal_iot.water.schedule import Frequency, MonthDay, ReportSchedule

TZ = ZoneInfo("Europe/Stockholm")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


MONTHLY = ReportSchedule(Frequency.MONTHLY, at=time(6, 0), day=1)


def test_monthly_next_run() -> None:
    assert MONTHLY.next_run(utc(2025, 10, 15), TZ) == utc(2025, 11, 1, 5)  # 06:00 CET
    assert MONTHLY.next_run(utc(2025, 11, 1, 5), TZ) == utc(2025, 12, 1, 5)
    assert MONTHLY.next_run(utc(2025, 3, 1, 4), TZ) == utc(2025, 3, 1, 5)
    assert MONTHLY.next_run(utc(2025, 4, 1, 3, 59), TZ) == utc(2025, 4, 1, 4)  # 06:00 CEST
    assert MONTHLY.next_run(utc(2025, 12, 1, 6), TZ) == utc(2026, 1, 1, 5)


def test_monthly_period_is_the_previous_month() -> None:
    start, end = MONTHLY.period_for_run(utc(2025, 11, 1, 5), TZ)
    assert (start, end) == (utc(2025, 9, 30, 22), utc(2025, 10, 31, 23))
    assert end - start == timedelta(hours=745)
    start, end = MONTHLY.period_for_run(utc(2025, 4, 1, 4), TZ)
    assert (start, end) == (utc(2025, 2, 28, 23), utc(2025, 3, 31, 22))
    assert end - start == timedelta(hours=743)
    # January run: December of the year before.
    assert MONTHLY.period_for_run(utc(2026, 1, 1, 5), TZ) == (
        utc(2025, 11, 30, 23),
        utc(2025, 12, 31, 23),
    )


def test_late_run_still_reports_the_period_that_ended() -> None:
    assert MONTHLY.period_for_run(utc(2025, 11, 3, 12), TZ) == (
        utc(2025, 9, 30, 22),
        utc(2025, 10, 31, 23),
    )


def test_monthly_on_day_25() -> None:
    schedule = ReportSchedule(Frequency.MONTHLY, at=time(8, 15), day=25)
    assert schedule.next_run(utc(2025, 10, 25, 6, 15), TZ) == utc(2025, 11, 25, 7, 15)
    assert schedule.next_run(utc(2025, 10, 25, 6, 14), TZ) == utc(2025, 10, 25, 6, 15)
    assert schedule.period_for_run(utc(2025, 10, 25, 6, 15), TZ) == (
        utc(2025, 9, 24, 22),
        utc(2025, 10, 24, 22),
    )
    # Before the 25th: the period that ended on the 25th of the month before.
    assert schedule.period_for_run(utc(2025, 10, 20), TZ) == (
        utc(2025, 8, 24, 22),
        utc(2025, 9, 24, 22),
    )


def test_monthly_on_the_last_day() -> None:
    schedule = ReportSchedule(Frequency.MONTHLY, at=time(6, 0), day="last")
    assert schedule.next_run(utc(2024, 2, 10), TZ) == utc(2024, 2, 29, 5)
    # 2024-03-31 is the spring-forward day: 06:00 CEST.
    assert schedule.next_run(utc(2024, 2, 29, 5), TZ) == utc(2024, 3, 31, 4)
    assert schedule.next_run(utc(2025, 2, 27), TZ) == utc(2025, 2, 28, 5)
    assert schedule.period_for_run(utc(2024, 2, 29, 5), TZ) == (
        utc(2024, 1, 30, 23),
        utc(2024, 2, 28, 23),
    )
    assert schedule.period_for_run(utc(2024, 2, 28, 12), TZ) == (
        utc(2023, 12, 30, 23),
        utc(2024, 1, 30, 23),
    )
    assert schedule.period_for_run(utc(2024, 4, 30, 4), TZ) == (
        utc(2024, 3, 30, 23),
        utc(2024, 4, 29, 22),
    )


def test_weekly_across_fall_back() -> None:
    schedule = ReportSchedule(Frequency.WEEKLY, at=time(7, 0), weekday=0)
    assert schedule.next_run(utc(2025, 10, 22), TZ) == utc(2025, 10, 27, 6)  # Monday 07:00 CET
    assert schedule.next_run(utc(2025, 10, 27, 6), TZ) == utc(2025, 11, 3, 6)
    assert schedule.next_run(utc(2025, 10, 20, 4, 59), TZ) == utc(2025, 10, 20, 5)  # 07:00 CEST
    start, end = schedule.period_for_run(utc(2025, 10, 27, 6), TZ)
    assert (start, end) == (utc(2025, 10, 19, 22), utc(2025, 10, 26, 23))
    assert end - start == timedelta(hours=169)
    # Any day of the week reports the week that ended on the latest Monday.
    assert schedule.period_for_run(utc(2025, 10, 30, 12), TZ) == (start, end)


def test_daily_runs_once_across_dst() -> None:
    schedule = ReportSchedule(Frequency.DAILY, at=time(2, 30))
    # 02:30 does not exist on 2025-03-30: it runs at 03:30 CEST.
    assert schedule.next_run(utc(2025, 3, 29, 12), TZ) == utc(2025, 3, 30, 1, 30)
    assert schedule.next_run(utc(2025, 3, 30, 1, 30), TZ) == utc(2025, 3, 31, 0, 30)
    # 02:30 happens twice on 2025-10-26: only the first one runs.
    assert schedule.next_run(utc(2025, 10, 25, 12), TZ) == utc(2025, 10, 26, 0, 30)
    assert schedule.next_run(utc(2025, 10, 26, 0, 30), TZ) == utc(2025, 10, 27, 1, 30)


def test_daily_periods_have_23_and_25_hours_on_dst_days() -> None:
    schedule = ReportSchedule(Frequency.DAILY, at=time(0, 30))
    assert schedule.period_for_run(utc(2025, 3, 30, 22, 30), TZ) == (
        utc(2025, 3, 29, 23),
        utc(2025, 3, 30, 22),
    )
    assert schedule.period_for_run(utc(2025, 10, 26, 23, 30), TZ) == (
        utc(2025, 10, 25, 22),
        utc(2025, 10, 26, 23),
    )
    assert schedule.period_for_run(utc(2025, 6, 10, 12), TZ) == (
        utc(2025, 6, 8, 22),
        utc(2025, 6, 9, 22),
    )


def test_schedule_validation() -> None:
    for bad in (0, 29, "first", True):
        with pytest.raises(ValueError, match="day"):
            ReportSchedule(Frequency.MONTHLY, day=cast("Any", bad))
    with pytest.raises(ValueError, match="weekday"):
        ReportSchedule(Frequency.WEEKLY, weekday=7)
    with pytest.raises(ValueError, match="naive"):
        ReportSchedule(Frequency.DAILY, at=time(6, tzinfo=UTC))
    with pytest.raises(ValueError, match="naive"):
        MONTHLY.next_run(datetime(2025, 1, 1), TZ)  # noqa: DTZ001


@settings(max_examples=300, deadline=None)
@given(
    # hypothesis wants naive bounds; the test attaches UTC.
    moment=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)),  # noqa: DTZ001
    frequency=st.sampled_from(list(Frequency)),
    day=st.one_of(st.integers(min_value=1, max_value=28), st.just("last")),
    weekday=st.integers(min_value=0, max_value=6),
    at=st.times(),
)
def test_runs_and_periods_line_up(
    moment: datetime, frequency: Frequency, day: MonthDay, weekday: int, at: time
) -> None:
    schedule = ReportSchedule(frequency, at=at, day=day, weekday=weekday)
    after = moment.replace(tzinfo=UTC)
    run = schedule.next_run(after, TZ)
    assert run > after
    assert schedule.next_run(run - timedelta(microseconds=1), TZ) == run
    start, end = schedule.period_for_run(run, TZ)
    local_end = end.astimezone(TZ)
    assert start < end <= run
    assert local_end.time() == time(0)
    assert local_end.date() == run.astimezone(TZ).date()
    # Periods tile: the period of the next run starts where this one ended.
    following = schedule.next_run(run, TZ)
    assert schedule.period_for_run(following, TZ)[0] == end
