"""Leak detection per meter: meter alarm codes, continuous flow, night flow and burst."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
    async_mock_service,
)

from custom_components.municipal_iot.water.leak import ALL_RULES
from tests.meter import import_entity_statistics, report_entry, set_water_sensor, utc
from tests.network import WEBHOOK_TTS, Poster, load_json, network_entry, setup_entry, tts_uplink

pytestmark = pytest.mark.usefixtures("recorder_mock")

HOUR = timedelta(hours=1)
KITCHEN = "sensor.kitchen_water_volume"
NOW = "2026-11-26T10:15:00+00:00"

# The leak sensors; the names say where a leak comes from.
KITCHEN_WATER_ANY_LEAK = "binary_sensor.kitchen_water_leak_any_rule_or_meter_alarm"
KITCHEN_WATER_BURST = "binary_sensor.kitchen_water_leak_flow_rule_burst"
KITCHEN_WATER_CONTINUOUS_FLOW = "binary_sensor.kitchen_water_leak_flow_rule_continuous_flow"
KITCHEN_WATER_NIGHT_USE = "binary_sensor.kitchen_water_leak_flow_rule_night_use"
PLAIN_METER_ANY_LEAK = "binary_sensor.plain_meter_leak_any_rule_or_meter_alarm"
PLAIN_METER_BURST = "binary_sensor.plain_meter_leak_flow_rule_burst"
PLAIN_METER_CONTINUOUS_FLOW = "binary_sensor.plain_meter_leak_flow_rule_continuous_flow"
PLAIN_METER_NIGHT_USE = "binary_sensor.plain_meter_leak_flow_rule_night_use"
VM_7_ANY_LEAK = "binary_sensor.vm_7_leak_any_rule_or_meter_alarm"
VM_7_METER_LEAK = "binary_sensor.vm_7_leak_meter_alarm"


@pytest.fixture
async def kitchen(hass: HomeAssistant) -> str:
    """A water meter of another integration (as wmbusmeters over MQTT), with a device."""
    await hass.config.async_set_time_zone("Europe/Stockholm")
    other = MockConfigEntry(domain="mqtt", title="MQTT")
    other.add_to_hass(hass)
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id,
        identifiers={("mqtt", "wmbus-kitchen")},
        name="Kitchen water",
    )
    er.async_get(hass).async_get_or_create(
        "sensor",
        "mqtt",
        "wmbus-kitchen-total",
        suggested_object_id="kitchen_water_volume",
        device_id=device.id,
        original_device_class="water",
        capabilities={"state_class": "total_increasing"},
        unit_of_measurement="m³",
    )
    set_water_sensor(hass, KITCHEN, 120.0)
    return device.id


def _rows(first: str, litres_per_hour: list[float], start_state: float = 120.0) -> list[Any]:
    """Hourly rows (start, state, sum) from per-hour litres; the first row is the zero point."""
    base = utc(first)
    rows = [(base, start_state, 0.0)]
    total = 0.0
    for k, litres in enumerate(litres_per_hour, start=1):
        total += litres / 1000
        rows.append((base + HOUR * k, start_state + total, total))
    return rows


async def _setup_report(hass: HomeAssistant, **data: Any) -> MockConfigEntry:
    entry = report_entry(**({"meters": [KITCHEN], "recipients": ["notify.staff"]} | data))
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.mark.usefixtures("frozen_clock")
async def test_continuous_flow_raises_leak_event_and_notification(
    hass: HomeAssistant, kitchen: str
) -> None:
    """24 hours without a dry hour: sensor on, event with the meter's device, notification."""
    notify = async_mock_service(hass, "notify", "staff")
    events = async_capture_events(hass, "municipal_iot_leak")
    # Rows for the hours 08:00 yesterday ... 09:00 today (UTC), 2 L every hour.
    await import_entity_statistics(hass, KITCHEN, _rows("2026-11-25T07:00:00+00:00", [2.0] * 26))
    await _setup_report(hass)

    assert hass.states.get(KITCHEN_WATER_CONTINUOUS_FLOW).state == "on"
    assert hass.states.get(KITCHEN_WATER_ANY_LEAK).state == "on"
    assert hass.states.get(KITCHEN_WATER_NIGHT_USE).state == "off"
    assert hass.states.get(KITCHEN_WATER_BURST).state == "off"
    state = hass.states.get(KITCHEN_WATER_CONTINUOUS_FLOW)
    assert state.attributes["since"] == "2026-11-25T08:00:00+00:00"
    assert state.attributes["hours_without_consumption"] == 0
    assert state.attributes["device_class"] == "problem"
    leak = hass.states.get(KITCHEN_WATER_ANY_LEAK)
    assert leak.attributes["rules"] == ["continuous_flow"]

    assert len(events) == 1
    assert events[0].data == {
        "device_id": kitchen,
        "entity_id": KITCHEN,
        "name": "kitchen_water_volume",
        "type": "continuous_flow",
        "rule": "continuous_flow",
        "active": True,
        "since": "2026-11-25T08:00:00+00:00",
        "config_entry_id": hass.config_entries.async_entries("municipal_iot")[0].entry_id,
    }
    assert "continuous_flow" in ALL_RULES
    assert len(notify) == 1
    assert notify[0].data["title"] == "Water leak suspected: kitchen_water_volume"
    assert "every hour of the last 24 hours" in notify[0].data["message"]
    entity = er.async_get(hass).async_get(KITCHEN_WATER_CONTINUOUS_FLOW)
    assert entity is not None
    assert entity.device_id == kitchen


@pytest.mark.usefixtures("frozen_clock")
async def test_night_flow_in_litres_meter(hass: HomeAssistant, kitchen: str) -> None:
    """Night window 02-05 local (01-04 UTC in winter) above 10 L; statistics in litres."""
    events = async_capture_events(hass, "municipal_iot_leak")
    litres = [0.0] * 26
    for utc_hour in (1, 2, 3):  # rows starting 01:00-03:00 UTC on the 26th
        litres[utc_hour + 24 - 8] = 4.0
    rows = [
        (start, state * 1000, total * 1000)
        for start, state, total in _rows("2026-11-25T07:00:00+00:00", litres)
    ]
    await import_entity_statistics(hass, KITCHEN, rows, unit="L")
    await _setup_report(hass)
    night = hass.states.get(KITCHEN_WATER_NIGHT_USE)
    assert night.state == "on"
    assert night.attributes["litres"] == pytest.approx(12.0)
    assert night.attributes["since"] == "2026-11-26T01:00:00+00:00"
    assert hass.states.get(KITCHEN_WATER_CONTINUOUS_FLOW).state == "off"
    assert [(event.data["type"], event.data["active"]) for event in events] == [
        ("night_flow", True)
    ]


@pytest.mark.usefixtures("frozen_clock")
async def test_rules_follow_per_meter_settings(hass: HomeAssistant, kitchen: str) -> None:
    """A meter's own settings: night rule off; a higher continuous threshold is not reached."""
    litres = [0.0] * 26
    for index in (19, 20, 21):
        litres[index] = 4.0
    await import_entity_statistics(hass, KITCHEN, _rows("2026-11-25T07:00:00+00:00", litres))
    entry = report_entry(meters=[KITCHEN])
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry,
        options={
            "leak": {"night_threshold_litres": 5.0},
            "leak_meters": {KITCHEN: {"rules": ["continuous_flow", "burst"]}},
        },
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(KITCHEN_WATER_NIGHT_USE)
    assert state.state == "off"  # 12 L > 5 L, but the rule is off for this meter
    assert hass.states.get(KITCHEN_WATER_ANY_LEAK).state == "off"


@pytest.mark.usefixtures("frozen_clock")
async def test_burst_from_live_readings_turns_on_and_off(
    hass: HomeAssistant, kitchen: str, frozen_clock: Any
) -> None:
    """Readings every 5 min at 1.2 m³/h for 30 min raise a burst; a still meter ends it."""
    events = async_capture_events(hass, "municipal_iot_leak")
    await _setup_report(hass)
    assert hass.states.get(KITCHEN_WATER_BURST).state == "off"
    value = 120.0
    for _ in range(6):
        frozen_clock.tick(timedelta(minutes=5))
        value += 0.1
        set_water_sensor(hass, KITCHEN, round(value, 3))
        await hass.async_block_till_done()
    assert hass.states.get(KITCHEN_WATER_BURST).state == "off"  # 25 min
    frozen_clock.tick(timedelta(minutes=5))
    set_water_sensor(hass, KITCHEN, round(value + 0.1, 3))
    await hass.async_block_till_done()
    burst = hass.states.get(KITCHEN_WATER_BURST)
    assert burst.state == "on"
    assert burst.attributes["run_minutes"] == 30
    assert burst.attributes["max_flow_m3h"] == pytest.approx(1.2)
    frozen_clock.tick(timedelta(minutes=5))
    set_water_sensor(hass, KITCHEN, "unavailable")
    set_water_sensor(hass, KITCHEN, round(value + 0.1, 3))
    await hass.async_block_till_done()
    assert hass.states.get(KITCHEN_WATER_BURST).state == "off"
    assert [(event.data["type"], event.data["active"]) for event in events] == [
        ("burst", True),
        ("burst", False),
    ]


async def test_meter_alarm_from_our_axioma_meter(
    hass: HomeAssistant, post: Poster, freezer: Any
) -> None:
    """An Axioma leakage status raises the meter_leak rule on the meter's own device."""
    # Night 02-05 Stockholm is 00-03 UTC, when this meter used no water.
    await hass.config.async_set_time_zone("Europe/Stockholm")
    freezer.move_to("2026-09-02T23:15:00+00:00")
    await setup_entry(hass, network_entry("tts", WEBHOOK_TTS))
    vector = load_json("vectors_water.json")["lorawan"]["axioma"][0]
    body = tts_uplink(
        vector["payload_hex"],
        f_port=100,
        device_id="vm-7",
        brand="axioma",
        model="qalcosonic-w1",
        received_at="2026-09-02T23:10:00Z",
    )
    assert await post(WEBHOOK_TTS, body) == (200, "ok")
    entry = await _setup_report(hass, meters=["sensor.vm_7_volume"], recipients=[])
    events = async_capture_events(hass, "municipal_iot_leak")
    assert hass.states.get(VM_7_ANY_LEAK).state == "off"

    freezer.move_to("2026-09-02T23:25:00+00:00")
    alarm = tts_uplink(
        "20af986a30",  # 2026-09-02T23:20:00Z, status 0x30: temporary error, cause leakage
        f_port=103,
        f_cnt=2,
        device_id="vm-7",
        brand="axioma",
        model="qalcosonic-w1",
        received_at="2026-09-02T23:20:00Z",
    )
    assert await post(WEBHOOK_TTS, alarm) == (200, "ok")
    await hass.async_block_till_done()
    assert hass.states.get(VM_7_METER_LEAK).state == "on"  # the LoRaWAN alarm sensor
    leak = hass.states.get(VM_7_ANY_LEAK)
    assert leak.state == "on"
    assert leak.attributes["rules"] == ["meter_leak"]
    assert "leak" in leak.attributes["meter_alarms"]
    device = dr.async_get(hass).async_get_device_by_identifier(
        ("municipal_iot", "a81758fffe0312ab"),
        hass.config_entries.async_entries("municipal_iot")[0].entry_id,
    )
    assert device is not None
    assert [(e.data["type"], e.data["device_id"]) for e in events] == [("meter_leak", device.id)]

    # A restart restores the rule state: no second event.
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(VM_7_ANY_LEAK).state == "on"
    assert len(events) == 1


@pytest.mark.usefixtures("frozen_clock")
async def test_hourly_refresh_reads_new_statistics(
    hass: HomeAssistant, kitchen: str, frozen_clock: Any
) -> None:
    """Statistics compiled after setup are read at the hourly refresh (minute 5)."""
    await _setup_report(hass)
    assert hass.states.get(KITCHEN_WATER_CONTINUOUS_FLOW).state == "off"
    await import_entity_statistics(hass, KITCHEN, _rows("2026-11-25T08:00:00+00:00", [1.0] * 26))
    frozen_clock.move_to("2026-11-26T11:05:00+00:00")
    async_fire_time_changed(hass)
    # Time-pattern listeners run as background tasks.
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(KITCHEN_WATER_CONTINUOUS_FLOW).state == "on"


@pytest.mark.usefixtures("frozen_clock")
async def test_meter_without_device_gets_named_sensors(hass: HomeAssistant) -> None:
    """A meter with no device (only a state) gets sensors named after the meter."""
    set_water_sensor(hass, "sensor.plain_meter", 5.0, friendly_name="Plain meter")
    entry = report_entry(meters=["sensor.plain_meter"])
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    state = hass.states.get(PLAIN_METER_CONTINUOUS_FLOW)
    assert state is not None
    # The name says where the leak comes from; the attributes give the rule's threshold.
    assert state.name == "Plain meter leak (flow rule: continuous flow)"
    assert state.state == "off"
    assert state.attributes["known"] is False  # no statistics yet: not known, not a leak
    assert state.attributes["rule_enabled"] is True
    assert state.attributes["threshold_hours"] == 24
    night = hass.states.get(PLAIN_METER_NIGHT_USE)
    assert night is not None
    assert (night.attributes["night_start"], night.attributes["night_end"]) == ("02:00", "05:00")
    assert "threshold_litres" in night.attributes
    burst = hass.states.get(PLAIN_METER_BURST)
    assert burst is not None
    assert {"threshold_flow_m3h", "threshold_minutes"} <= set(burst.attributes)
    assert hass.states.get(PLAIN_METER_ANY_LEAK).attributes["rules"] == []
    assert await hass.config_entries.async_unload(entry.entry_id)
