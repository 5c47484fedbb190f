"""Meter replacement and continuous consumption."""

from datetime import UTC, datetime

import pytest

from custom_components.municipal_iot.water.history import build_hourly_rows
from custom_components.municipal_iot.water.model import Reading
from custom_components.municipal_iot.water.replacement import (
    Consumption,
    Replacement,
    consumption_between,
    continuous_readings,
    continuous_register,
)


def utc(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


SWAP = Replacement(
    at=utc(2, 1, 10),
    old_final_m3=112.5,
    new_initial_m3=0.02,
    old_meter_id="OLD-1",
    new_meter_id="NEW-2",
)


def test_consumption_across_one_swap() -> None:
    result = consumption_between(Reading(utc(1, 1), 100.0), Reading(utc(3, 1), 3.52), [SWAP])
    assert result == Consumption(m3=16.0, swaps=1, clamped=False)  # 12.5 + 3.5


def test_consumption_without_swap() -> None:
    result = consumption_between(Reading(utc(1, 1), 100.0), Reading(utc(1, 20), 104.25), [SWAP])
    assert result == Consumption(m3=4.25, swaps=0, clamped=False)
    after = consumption_between(Reading(utc(2, 2), 0.5), Reading(utc(3, 1), 3.52), [SWAP])
    assert after == Consumption(m3=3.02, swaps=0, clamped=False)


def test_consumption_across_two_swaps_in_any_order() -> None:
    second = Replacement(at=utc(2, 20), old_final_m3=2.02, new_initial_m3=0.0)
    result = consumption_between(Reading(utc(1, 1), 100.0), Reading(utc(3, 1), 1.0), [second, SWAP])
    assert result == Consumption(m3=15.5, swaps=2, clamped=False)  # 12.5 + 2.0 + 1.0


def test_decreasing_segment_never_counts_negative() -> None:
    wrong_final = Replacement(at=utc(2, 1), old_final_m3=99.0, new_initial_m3=0.0)
    result = consumption_between(Reading(utc(1, 1), 100.0), Reading(utc(3, 1), 2.5), [wrong_final])
    assert result == Consumption(m3=2.5, swaps=1, clamped=True)


def test_reading_at_the_swap_time_belongs_to_the_old_meter() -> None:
    result = consumption_between(Reading(utc(1, 1), 100.0), Reading(SWAP.at, 112.5), [SWAP])
    assert result == Consumption(m3=12.5, swaps=0, clamped=False)


def test_meter_id_decides_over_time() -> None:
    # The new meter's first reading, stamped at the swap time.
    result = consumption_between(
        Reading(utc(1, 1), 100.0), Reading(SWAP.at, 0.07), [SWAP], end_meter_id="NEW-2"
    )
    assert result == Consumption(m3=12.55, swaps=1, clamped=False)
    old = consumption_between(
        Reading(utc(1, 1), 100.0), Reading(utc(3, 1), 112.5), [SWAP], end_meter_id="OLD-1"
    )
    assert old == Consumption(m3=12.5, swaps=0, clamped=False)


def test_end_before_start_is_an_error() -> None:
    with pytest.raises(ValueError, match="precedes"):
        consumption_between(Reading(utc(3, 1), 1.0), Reading(utc(1, 1), 100.0), [SWAP])


def test_continuous_register() -> None:
    assert continuous_register(utc(1, 5), 105.0, [SWAP]) == 105.0
    assert continuous_register(utc(2, 5), 1.02, [SWAP]) == 113.5
    assert continuous_register(SWAP.at, 0.02, [SWAP], meter_id="NEW-2") == 112.5
    # An unknown meter id falls back to time.
    assert continuous_register(utc(2, 5), 1.02, [SWAP], meter_id="OTHER") == 113.5


def test_continuous_readings_keep_statistics_continuous() -> None:
    swap = Replacement(at=utc(1, 1, 11, 30), old_final_m3=100.4, new_initial_m3=0.0)
    raw = [
        Reading(utc(1, 1, 10), 100.0),
        Reading(utc(1, 1, 11), 100.3),
        Reading(utc(1, 1, 12), 0.1),
        Reading(utc(1, 1, 13), 0.25),
    ]
    mapped = continuous_readings(raw, [swap])
    assert [item.volume_m3 for item in mapped] == [100.0, 100.3, 100.5, 100.65]
    history = build_hourly_rows(mapped)
    assert [row.sum for row in history.rows] == [0.0, 0.3, 0.5, 0.65]
    assert history.resets == ()
    # Without the swap record the step is a reset and its water is lost.
    unmapped = build_hourly_rows(raw)
    assert [row.sum for row in unmapped.rows] == [0.0, 0.3, 0.3, 0.45]
    assert unmapped.resets == (utc(1, 1, 11),)


def test_replacement_validation() -> None:
    assert SWAP.offset_m3 == 112.48
    with pytest.raises(ValueError, match="invalid register"):
        Replacement(at=utc(1, 1), old_final_m3=-1.0, new_initial_m3=0.0)
    with pytest.raises(ValueError, match="invalid register"):
        Replacement(at=utc(1, 1), old_final_m3=1.0, new_initial_m3=float("nan"))
    with pytest.raises(ValueError, match="naive"):
        Replacement(at=datetime(2025, 1, 1), old_final_m3=1.0, new_initial_m3=0.0)  # noqa: DTZ001
