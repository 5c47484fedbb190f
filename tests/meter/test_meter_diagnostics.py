"""Diagnostics of a meter-report entry."""

from __future__ import annotations

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from tests.meter import report_entry, set_water_sensor

KITCHEN = "sensor.kitchen_water_volume"


@pytest.mark.usefixtures("recorder_mock", "frozen_clock")
async def test_meter_report_diagnostics(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """The entry settings and each meter's statistic id and leak rules."""
    set_water_sensor(hass, KITCHEN, 120.0)
    entry = report_entry(meters=[KITCHEN], recipients=["notify.staff"])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    result = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert result["entry"]["title"] == "Kv Eken"
    assert result["entry"]["data"]["recipients"] == ["notify.staff"]
    [meter] = result["meters"]
    assert meter["entity_id"] == KITCHEN
    assert meter["statistic_id"] == KITCHEN
    assert meter["replacements"] == []
    # The scheduler notes the end of the last period it covered (no report missed).
    assert result["last_report_end"] == "2026-11-01T07:00:00+00:00"
    # The importer's counters (meter clocks refused, see tests/meter/test_meter_clock.py).
    assert result["statistics"] == {"imported_rows": 0, "clock_rejections": {}}
