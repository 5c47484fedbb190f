"""Scheduled meter reports: on time with the freezer, catch-up after downtime, failures."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)

from custom_components.municipal_iot.meter.journal import async_get_journal
from tests.meter import import_entity_statistics, report_entry, set_water_sensor, utc

pytestmark = pytest.mark.usefixtures("recorder_mock")

HOUR = timedelta(hours=1)
METER = "sensor.flat_1"


@pytest.fixture(autouse=True)
async def stockholm(hass: HomeAssistant, tmp_path: Path) -> None:
    """Swedish time zone, reports to a temporary config directory, one meter with data."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    hass.config.config_dir = str(tmp_path)
    set_water_sensor(hass, METER, 10.0)


def _reports(tmp_path: Path) -> list[str]:
    folder = tmp_path / "municipal_iot" / "reports"
    return sorted(path.name for path in folder.glob("*.csv")) if folder.exists() else []


async def _rows(hass: HomeAssistant, first: str, hours: int) -> None:
    start = utc(first)
    # One litre every other hour: never a leak by the continuous-flow rule.
    await import_entity_statistics(
        hass, METER, [(start + HOUR * k, 10 + k // 2 / 1000, k // 2 / 1000) for k in range(hours)]
    )


async def _setup(hass: HomeAssistant, **data: Any) -> MockConfigEntry:
    entry = report_entry("Kv Eken", meters=[METER], recipients=["notify.staff"], **data)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_monthly_report_runs_on_the_first_at_six(
    hass: HomeAssistant, freezer: Any, tmp_path: Path
) -> None:
    """Day 1 at 06:00 local: the November report is written and sent, once."""
    freezer.move_to("2026-11-30T12:00:00+00:00")
    await _rows(hass, "2026-10-31T20:00:00+00:00", 24 * 31)
    notify = async_mock_service(hass, "notify", "staff")
    entry = await _setup(hass)
    assert _reports(tmp_path) == []  # a new entry does not report a past period

    freezer.move_to("2026-12-01T04:59:59+00:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _reports(tmp_path) == []

    freezer.move_to("2026-12-01T05:00:00+00:00")  # 06:00 in Stockholm
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _reports(tmp_path) == ["Kv_Eken_2026-11-01_2026-11-30.csv"]
    assert len(notify) == 1
    assert "Total 0.360 m³ from 1 of 1 meters" in notify[0].data["message"]
    journal = await async_get_journal(hass)
    assert journal.last_report_end(entry.entry_id) == utc("2026-11-30T23:00:00+00:00")

    freezer.move_to("2026-12-01T05:30:00+00:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert len(notify) == 1


async def test_missed_run_is_caught_up_at_startup(
    hass: HomeAssistant, freezer: Any, tmp_path: Path
) -> None:
    """HA was down on the run day: the report for the period that ended runs at setup."""
    freezer.move_to("2026-11-26T10:15:00+00:00")
    await _rows(hass, "2026-09-30T20:00:00+00:00", 24 * 32)
    journal = await async_get_journal(hass)
    entry = report_entry("Kv Eken", meters=[METER])
    journal.set_last_report_end(entry.entry_id, utc("2026-09-30T22:00:00+00:00"))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert _reports(tmp_path) == ["Kv_Eken_2026-10-01_2026-10-31.csv"]
    assert journal.last_report_end(entry.entry_id) == utc("2026-10-31T23:00:00+00:00")


@pytest.mark.parametrize(
    ("data", "now", "run_at", "name"),
    [
        (
            {"frequency": "weekly", "weekday": "0", "time": "07:30:00"},
            "2026-11-26T10:15:00+00:00",  # Thursday
            "2026-11-30T06:30:00+00:00",  # Monday 07:30 CET
            "Kv_Eken_2026-11-23_2026-11-29.csv",
        ),
        (
            {"frequency": "daily", "time": "00:15:00"},
            "2026-11-26T10:15:00+00:00",
            "2026-11-26T23:15:00+00:00",
            "Kv_Eken_2026-11-26.csv",
        ),
        (
            {"frequency": "monthly", "day": "last", "time": "23:00:00"},
            "2026-11-26T10:15:00+00:00",
            "2026-11-30T22:00:00+00:00",
            "Kv_Eken_2026-10-31_2026-11-29.csv",
        ),
    ],
)
async def test_weekly_daily_and_last_day_schedules(
    hass: HomeAssistant,
    freezer: Any,
    tmp_path: Path,
    data: dict[str, str],
    now: str,
    run_at: str,
    name: str,
) -> None:
    """Each schedule runs at its local time and reports the period that just ended."""
    freezer.move_to(now)
    await _rows(hass, "2026-10-30T00:00:00+00:00", 24 * 33)
    await _setup(hass, **data)
    freezer.move_to(run_at)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _reports(tmp_path) == [name]


async def test_failed_run_is_logged_and_retried_next_time(
    hass: HomeAssistant, freezer: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A failing run is logged, not marked done, and the next run is still scheduled."""
    freezer.move_to("2026-11-25T10:00:00+00:00")
    entry = await _setup(hass, frequency="daily", time="06:00:00")
    journal = await async_get_journal(hass)
    done = journal.last_report_end(entry.entry_id)
    with patch(
        "custom_components.municipal_iot.meter.entry.async_create_report",
        side_effect=HomeAssistantError("disk full"),
    ):
        freezer.move_to("2026-11-26T05:00:00+00:00")
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert "Scheduled meter report Kv Eken failed" in caplog.text
    assert journal.last_report_end(entry.entry_id) == done
    freezer.move_to("2026-11-27T05:00:00+00:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _reports(tmp_path) == ["Kv_Eken_2026-11-26.csv"]


async def test_unloaded_entry_does_not_run(
    hass: HomeAssistant, freezer: Any, tmp_path: Path
) -> None:
    """Unloading cancels the next run."""
    freezer.move_to("2026-11-25T10:00:00+00:00")
    entry = await _setup(hass, frequency="daily", time="06:00:00")
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
    freezer.move_to("2026-11-26T05:00:00+00:00")
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _reports(tmp_path) == []
