"""Reports from boundary rows equal reports from every row of the period."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.core import HomeAssistant

from custom_components.municipal_iot.meter.journal import async_get_journal
from custom_components.municipal_iot.meter.recorder import async_run
from custom_components.municipal_iot.meter.report import async_build_report
from custom_components.municipal_iot.meter.sources import MeterSource
from custom_components.municipal_iot.water.report import MeterMeta, compute_report
from tests.meter import import_entity_statistics, utc

pytestmark = pytest.mark.usefixtures("recorder_mock", "frozen_clock")

HOUR = timedelta(hours=1)
START = utc("2026-06-01T00:00:00+00:00")


def _series(rng: random.Random) -> list[tuple[object, float, float]]:
    """About three weeks of rows with random gaps (some long), consumption and a late start."""
    rows = []
    state = total = 0.0
    at = START + HOUR * rng.choice([0, 0, 30, 200])
    end = START + HOUR * rng.choice([500, 520, 300])
    while at < end:
        step = rng.choice([0.0, 0.0, 0.001, 0.004, 0.02])
        state += step
        total += step
        if rng.random() < 0.04:
            at += HOUR * rng.choice([3, 20, 90, 200])  # a gap
            continue
        rows.append((at, round(state, 6), round(total, 6)))
        at += HOUR
    return rows


@pytest.mark.parametrize("seed", range(4))
async def test_boundary_rows_give_the_full_report(hass: HomeAssistant, seed: int) -> None:
    """For random gaps and periods, the SQL boundary rows reproduce the full-row report."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security
    sources = []
    for index in range(12):
        entity_id = f"sensor.meter_{index}"
        hass.states.async_set(
            entity_id,
            "0",
            {
                "device_class": "water",
                "state_class": "total_increasing",
                "unit_of_measurement": "m³",
            },
        )
        await import_entity_statistics(hass, entity_id, _series(rng))
        sources.append(MeterSource(entity_id=entity_id, name=entity_id))
    journal = await async_get_journal(hass)
    ids = {source.entity_id for source in sources}
    every_row = await async_run(hass, hourly_sums_with_state, hass, ids)
    flags: set[str] = set()
    for _ in range(5):
        first = START + HOUR * rng.randrange(-50, 400)
        last = first + HOUR * rng.randrange(1, 400)
        fast = (await async_build_report(hass, sources, first, last, journal)).report
        full = compute_report(
            first,
            last,
            [MeterMeta(entity_id=s.entity_id, name=s.name) for s in sources],
            every_row,
        )
        assert fast == full
        flags.update(flag for line in full.meters for flag in line.flags)
    # The random cases reach every kind of boundary.
    assert {"estimated", "partial", "no_data"} <= flags


def hourly_sums_with_state(hass: HomeAssistant, ids: set[str]) -> dict[str, list[dict[str, float]]]:
    """Every row (start, state, sum) of the statistics, in the report's row format."""
    stats = statistics_during_period(
        hass, START - 400 * HOUR, None, ids, "hour", None, {"state", "sum"}
    )
    return {
        key: [{"start": row["start"], "state": row["state"], "sum": row["sum"]} for row in rows]
        for key, rows in stats.items()
    }
