"""Local-time occurrence math, including both DST transitions in Europe/Stockholm."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from itertools import islice
from zoneinfo import ZoneInfo

from custom_components.municipal_iot.supervision.rules import CheckWindow, TimeBand
from custom_components.municipal_iot.supervision.schedule import (
    Occurrence,
    band_deadline,
    inactivity_deadline,
    local_to_utc,
    next_window_occurrence,
    occurrences,
)

TZ = ZoneInfo("Europe/Stockholm")


def z(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_local_to_utc_normal_winter_and_summer():
    assert local_to_utc(date(2025, 1, 15), time(7), TZ) == z(2025, 1, 15, 6)
    assert local_to_utc(date(2025, 7, 15), time(7), TZ) == z(2025, 7, 15, 5)


def test_local_to_utc_nonexistent_time_shifts_forward():
    # 2025-03-30 02:30 does not exist (02:00 -> 03:00): it becomes 03:30 CEST.
    assert local_to_utc(date(2025, 3, 30), time(2, 30), TZ) == z(2025, 3, 30, 1, 30)
    assert z(2025, 3, 30, 1, 30).astimezone(TZ).strftime("%H:%M") == "03:30"


def test_local_to_utc_ambiguous_time_uses_first_occurrence():
    # 2025-10-26 02:30 happens twice; the first one is CEST (UTC+2).
    assert local_to_utc(date(2025, 10, 26), time(2, 30), TZ) == z(2025, 10, 26, 0, 30)


def test_occurrences_cross_midnight_and_start_the_day_before():
    band = TimeBand(time(22), time(7), 480)
    occs = list(islice(occurrences(band, TZ, z(2025, 1, 15, 12)), 3))
    assert occs == [
        Occurrence(z(2025, 1, 14, 21), z(2025, 1, 15, 6)),
        Occurrence(z(2025, 1, 15, 21), z(2025, 1, 16, 6)),
        Occurrence(z(2025, 1, 16, 21), z(2025, 1, 17, 6)),
    ]


def test_occurrences_follow_weekdays_of_the_start_day():
    window = CheckWindow(time(23), time(1), frozenset({5}))  # Saturday night
    occs = list(occurrences(window, TZ, z(2025, 1, 15, 12)))
    assert occs == [Occurrence(z(2025, 1, 18, 22), z(2025, 1, 19, 0))]


def test_occurrence_lengths_follow_dst():
    night = TimeBand(time(22), time(7), 480)
    march = next(o for o in occurrences(night, TZ, z(2025, 3, 29, 22)) if o.end > z(2025, 3, 30))
    assert march == Occurrence(z(2025, 3, 29, 21), z(2025, 3, 30, 5))  # 8 real hours
    october = next(
        o for o in occurrences(night, TZ, z(2025, 10, 25, 22)) if o.end > z(2025, 10, 26)
    )
    assert october == Occurrence(z(2025, 10, 25, 20), z(2025, 10, 26, 6))  # 10 real hours


def test_occurrence_made_negative_by_dst_is_clamped_to_zero_length():
    window = CheckWindow(time(2, 30), time(3), frozenset({6}))
    occ = next_window_occurrence(window, z(2025, 3, 29, 12), TZ)
    assert occ == Occurrence(z(2025, 3, 30, 1, 30), z(2025, 3, 30, 1, 30))


def test_occurrence_contains_is_inclusive():
    occ = Occurrence(z(2025, 1, 15, 6), z(2025, 1, 15, 9))
    assert occ.contains(z(2025, 1, 15, 6))
    assert occ.contains(z(2025, 1, 15, 9))
    assert not occ.contains(z(2025, 1, 15, 9, 0, 1))


def test_band_deadline_counts_from_band_start_not_from_earlier_motion():
    day = TimeBand(time(7), time(22), 180)
    due = band_deadline(day, z(2025, 1, 15, 4, 50), TZ)  # motion 05:50 local
    assert due is not None
    assert due.at == z(2025, 1, 15, 9)  # 07:00 local + 3 h
    assert due.occurrence == Occurrence(z(2025, 1, 15, 6), z(2025, 1, 15, 21))


def test_band_deadline_skips_an_occurrence_that_ends_before_the_threshold():
    day = TimeBand(time(7), time(22), 180)
    due = band_deadline(day, z(2025, 1, 15, 19), TZ)  # motion 20:00 local
    assert due is not None
    assert due.at == z(2025, 1, 16, 9)  # next day 10:00 local


def test_band_deadline_exactly_at_band_end_fires():
    day = TimeBand(time(7), time(22), 180)
    due = band_deadline(day, z(2025, 1, 15, 18), TZ)  # motion 19:00 local
    assert due is not None
    assert due.at == z(2025, 1, 15, 21)


def test_band_deadline_with_nonexistent_start():
    band = TimeBand(time(2, 30), time(6), 60, frozenset({6}))
    due = band_deadline(band, z(2025, 3, 29, 12), TZ)
    assert due is not None
    assert due.at == z(2025, 3, 30, 2, 30)  # 03:30 CEST + 1 h


def test_band_deadline_with_ambiguous_start():
    band = TimeBand(time(2, 30), time(5), 150, frozenset({6}))
    due = band_deadline(band, z(2025, 10, 25, 12), TZ)
    # 02:30 CEST (00:30 UTC) to 05:00 CET (04:00 UTC) is 210 real minutes, so
    # 150 real minutes end at 04:00 local, not at the band end as on other days.
    assert due is not None
    assert due.at == z(2025, 10, 26, 3, 0)
    assert due.occurrence == Occurrence(z(2025, 10, 26, 0, 30), z(2025, 10, 26, 4))


def test_band_deadline_off():
    assert band_deadline(TimeBand(time(7), time(22), None), z(2025, 1, 15), TZ) is None


def test_inactivity_deadline_takes_the_earliest_rule():
    day = TimeBand(time(7), time(22), 180)
    night = TimeBand(time(22), time(7), 480)
    since = z(2025, 1, 15, 20)  # 21:00 local
    due = inactivity_deadline(since, [day, night], None, TZ)
    assert due is not None
    assert (due.at, due.band, due.minutes) == (z(2025, 1, 16, 5), night, 480)
    due = inactivity_deadline(since, [day, night], 120, TZ)
    assert due is not None
    assert (due.at, due.band, due.occurrence) == (z(2025, 1, 15, 22), None, None)


def test_inactivity_deadline_tie_goes_to_continuous():
    day = TimeBand(time(7), time(22), 60)
    due = inactivity_deadline(z(2025, 1, 15, 8), [day], 60, TZ)
    assert due is not None
    assert due.band is None


def test_inactivity_deadline_without_rules():
    assert inactivity_deadline(z(2025, 1, 15), [], None, TZ) is None


def test_next_window_occurrence_is_strictly_after():
    window = CheckWindow(time(7), time(10))
    assert next_window_occurrence(window, z(2025, 1, 15, 8), TZ) == Occurrence(
        z(2025, 1, 15, 6), z(2025, 1, 15, 9)
    )
    assert next_window_occurrence(window, z(2025, 1, 15, 9), TZ) == Occurrence(
        z(2025, 1, 16, 6), z(2025, 1, 16, 9)
    )
