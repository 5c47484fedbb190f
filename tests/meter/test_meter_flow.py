"""Config flow, reconfigure and options of the meter report entry."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import AsyncMock, patch

import probatio as vol
import pytest
from homeassistant.config_entries import SOURCE_RECONFIGURE, SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, UnknownFlow
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_mock_service

from custom_components.municipal_iot.const import DOMAIN
from custom_components.municipal_iot.meter.journal import async_get_journal
from tests.meter import report_entry, set_water_sensor

pytestmark = pytest.mark.usefixtures("frozen_clock")

METERS = {"meters": ["sensor.flat_1"], "areas": [], "labels": []}
SCHEDULE = {"frequency": "monthly", "day": "last", "weekday": "0", "time": "07:30"}
OUTPUT = {
    "recipients": ["notify.mobile_app_staff"],
    "separator": "semicolon",
    "decimal_comma": True,
}
LEAK = {
    "rules": ["continuous_flow", "night_flow"],
    "night_start": "01:00",
    "night_end": "04:30",
    "night_threshold_litres": 20,
    "burst_flow_m3h": 0.8,
    "burst_minutes": 45.0,
    "continuous_hours": 12.0,
}


@pytest.fixture(autouse=True)
def meters(hass: HomeAssistant) -> None:
    """Two water meters, a thermometer and two notify actions."""
    set_water_sensor(hass, "sensor.flat_1", 10.0, friendly_name="Flat 1")
    set_water_sensor(hass, "sensor.flat_2", 20.0, friendly_name="Flat 2")
    hass.states.async_set("sensor.temp", "20", {"device_class": "water"})  # no state class
    async_mock_service(hass, "notify", "mobile_app_staff")
    async_mock_service(hass, "notify", "send_message")


@pytest.fixture
def mock_setup_entry() -> Generator[AsyncMock]:
    """Do not set up entries created by the flow."""
    with patch("custom_components.municipal_iot.async_setup_entry", return_value=True) as mock:
        yield mock


async def _start(hass: HomeAssistant) -> Any:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert "meter_report" in result["menu_options"]
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "meter_report"}
    )


async def test_create_meter_report(hass: HomeAssistant, mock_setup_entry: AsyncMock) -> None:
    """Meters, then schedule, then delivery: the entry holds everything."""
    result = await _start(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "meter_report"
    flow_id = result["flow_id"]

    result = await hass.config_entries.flow.async_configure(flow_id, {"name": " - "} | METERS)
    assert result["errors"] == {"name": "invalid_name"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"name": "Kv Eken", "meters": [], "areas": [], "labels": []}
    )
    assert result["errors"] == {"base": "no_meters"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"name": "Kv Eken", "meters": ["sensor.temp"]}
    )
    assert result["errors"] == {"meters": "not_a_water_meter"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"name": "Kv Eken", "meters": ["sensor.flat_1"], "areas": [], "labels": []}
    )
    assert result["step_id"] == "meter_report_schedule"
    assert list(result["data_schema"].schema) == ["frequency"]
    result = await hass.config_entries.flow.async_configure(flow_id, {"frequency": "monthly"})
    # Only the field that fits the frequency: a day of the month, and the time.
    assert result["step_id"] == "meter_report_when"
    assert list(result["data_schema"].schema) == ["day", "time"]
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"day": "last", "time": "07:30"}
    )
    assert result["step_id"] == "meter_report_output"
    recipients = result["data_schema"].schema["recipients"].config["options"]
    # Recipients by a readable name, the notify action in brackets.
    assert recipients == [
        {"value": "notify.mobile_app_staff", "label": "staff (notify.mobile_app_staff)"}
    ]
    result = await hass.config_entries.flow.async_configure(flow_id, OUTPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Kv Eken"
    assert result["data"] == {
        "entry_type": "meter_report",
        **METERS,
        **SCHEDULE,
        "time": "07:30:00",
        **OUTPUT,
    }
    assert result["result"].unique_id == "meter_report_kv_eken"
    assert len(mock_setup_entry.mock_calls) == 1

    again = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        again["flow_id"], {"name": "Kv  Eken"} | METERS
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reconfigure_meter_report(hass: HomeAssistant, mock_setup_entry: AsyncMock) -> None:
    """Reconfigure walks the same steps with the current values and updates the entry."""
    entry = report_entry("Kv Eken", meters=["sensor.flat_1"])
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    assert result["step_id"] == "meter_report_meters"
    assert result["description_placeholders"] == {"name": "Kv Eken"}
    flow_id = result["flow_id"]
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"meters": [], "areas": [], "labels": []}
    )
    assert result["errors"] == {"base": "no_meters"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"meters": ["sensor.flat_1", "sensor.flat_2"], "areas": [], "labels": []}
    )
    result = await hass.config_entries.flow.async_configure(flow_id, {"frequency": "weekly"})
    assert list(result["data_schema"].schema) == ["weekday", "time"]
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"weekday": "4", "time": "25:00"}
    )
    assert result["errors"] == {"time": "invalid_time"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"weekday": "4", "time": "08:00"}
    )
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"recipients": [], "separator": "tab", "decimal_comma": False}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "meter_report_updated"
    assert entry.title == "Kv Eken"
    assert entry.data["meters"] == ["sensor.flat_1", "sensor.flat_2"]
    assert (entry.data["frequency"], entry.data["weekday"]) == ("weekly", "4")
    assert entry.data["separator"] == "tab"
    assert entry.data["entry_type"] == "meter_report"
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(entry.entry_id)  # the reload set it up


async def _loaded(hass: HomeAssistant, meters: list[str]) -> MockConfigEntry:
    entry = report_entry("Kv Eken", meters=meters)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def _options(hass: HomeAssistant, entry: MockConfigEntry, step: str) -> Any:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == [
        "leak_defaults",
        "leak_meter",
        "replace_meter",
        "download_report",
    ]
    return await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": step}
    )


async def test_options_need_a_loaded_entry(hass: HomeAssistant) -> None:
    """The options refer to the resolved meters, so the entry must be loaded."""
    entry = report_entry("Kv Eken", meters=["sensor.flat_1"])
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_loaded"


async def test_leak_defaults(hass: HomeAssistant) -> None:
    """Default leak rules are validated, normalised and stored; the entry reloads."""
    entry = await _loaded(hass, ["sensor.flat_1"])
    result = await _options(hass, entry, "leak_defaults")
    assert result["step_id"] == "leak_defaults"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], LEAK | {"night_end": "01:00:00"}
    )
    assert result["errors"] == {"base": "invalid_night_window"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        LEAK | {"night_start": "kl 1"},  # a typed time that is not HH:MM
    )
    assert result["errors"] == {"base": "invalid_time"}
    result = await hass.config_entries.options.async_configure(result["flow_id"], LEAK)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options["leak"] == LEAK | {
        "night_start": "01:00:00",
        "night_end": "04:30:00",
        "burst_minutes": 45,
        "continuous_hours": 12,
    }
    monitor = entry.runtime_data.monitor  # reloaded with the new settings
    config = monitor.meters["sensor.flat_1"].config
    assert (config.continuous_hours, config.night_threshold_litres) == (12, 20)
    assert monitor.meters["sensor.flat_1"].rules == {"continuous_flow", "night_flow"}


async def test_leak_settings_of_one_meter(hass: HomeAssistant) -> None:
    """A meter gets its own rules, and can go back to the defaults."""
    entry = await _loaded(hass, ["sensor.flat_1", "sensor.flat_2"])
    result = await _options(hass, entry, "leak_meter")
    options = result["data_schema"].schema["meter"].config["options"]
    assert options[1] == {"value": "sensor.flat_2", "label": "Flat 2 (sensor.flat_2)"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"meter": "sensor.flat_2"}
    )
    assert result["step_id"] == "leak_meter_settings"
    assert result["description_placeholders"] == {"meter": "sensor.flat_2"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], LEAK | {"use_defaults": False, "night_start": "04:30"}
    )
    assert result["errors"] == {"base": "invalid_night_window"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], LEAK | {"use_defaults": False}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options["leak_meters"]["sensor.flat_2"]["night_threshold_litres"] == 20
    assert entry.runtime_data.monitor.meters["sensor.flat_2"].config.night_threshold_litres == 20
    assert entry.runtime_data.monitor.meters["sensor.flat_1"].config.night_threshold_litres == 10

    result = await _options(hass, entry, "leak_meter")
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"meter": "sensor.flat_2"}
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], LEAK | {"use_defaults": True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options["leak_meters"] == {}


@pytest.mark.parametrize("step", ["leak_meter", "replace_meter"])
async def test_meter_steps_need_meters(hass: HomeAssistant, step: str) -> None:
    """An entry whose areas hold no meters has nothing to choose."""
    entry = report_entry("Kv Tom", areas=["nowhere"])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    result = await _options(hass, entry, step)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_meters"


async def test_replace_meter_from_the_options(hass: HomeAssistant) -> None:
    """The UI step records a replacement like the action, with the same validation."""
    er.async_get(hass)  # registry loaded; the meters are plain states
    entry = await _loaded(hass, ["sensor.flat_1"])
    result = await _options(hass, entry, "replace_meter")
    assert result["step_id"] == "replace_meter"
    replacement = {
        "meter": "sensor.flat_1",
        "date": "2027-01-01 10:00:00",
        "old_final_m3": 512.5,
        "new_initial_m3": 0.02,
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], replacement)
    assert result["errors"] == {"base": "replacement_in_future"}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], replacement | {"date": "2026-11-20 10:00:00", "new_meter_id": "777"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "replacement_recorded"
    journal = await async_get_journal(hass)
    (record,) = journal.replacement_records("sensor.flat_1")
    assert record["at"] == "2026-11-20T18:00:00+00:00"  # local time of the test zone, UTC-8
    assert (record["old_final_m3"], record["new_initial_m3"]) == (512.5, 0.02)
    assert (record["old_meter_id"], record["new_meter_id"]) == (None, "777")


async def test_replacement_readings_have_no_default_and_zero_needs_confirming(
    hass: HomeAssistant,
) -> None:
    """Both readings must be entered; 0 and 0 is refused unless confirmed."""
    entry = await _loaded(hass, ["sensor.flat_1"])
    result = await _options(hass, entry, "replace_meter")
    fields = {str(key): key for key in result["data_schema"].schema}
    for reading in ("old_final_m3", "new_initial_m3"):  # optional: no 0 filled in for you
        assert not isinstance(fields[reading], vol.Required)
        assert fields[reading].default is vol.UNDEFINED
    base = {"meter": "sensor.flat_1", "date": "2026-11-20 10:00:00"}
    flow_id = result["flow_id"]
    result = await hass.config_entries.options.async_configure(
        flow_id, base | {"old_final_m3": 512.5}
    )
    assert result["errors"] == {"new_initial_m3": "reading_required"}
    zero = base | {"old_final_m3": 0, "new_initial_m3": 0}
    result = await hass.config_entries.options.async_configure(flow_id, zero)
    assert result["errors"] == {"base": "confirm_zero_readings"}
    result = await hass.config_entries.options.async_configure(
        flow_id, zero | {"confirm_zero": True}
    )
    assert result["reason"] == "replacement_recorded"


@pytest.mark.usefixtures("mock_setup_entry")
async def test_an_abandoned_flow_does_not_block_the_name(hass: HomeAssistant) -> None:
    """A browser closed on the last step leaves a flow open; the name can still be used."""
    abandoned = await _start(hass)
    await hass.config_entries.flow.async_configure(
        abandoned["flow_id"], {"name": "Kv Eken"} | METERS
    )
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "Kv Eken"} | METERS
    )
    assert result["step_id"] == "meter_report_schedule"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"frequency": "daily"}
    )
    assert list(result["data_schema"].schema) == ["time"]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"time": "06:00"})
    result = await hass.config_entries.flow.async_configure(result["flow_id"], OUTPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Home Assistant ends the abandoned flow once the name is taken.
    with pytest.raises(UnknownFlow):
        await hass.config_entries.flow.async_configure(abandoned["flow_id"], {"frequency": "daily"})
