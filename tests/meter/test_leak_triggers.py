"""Leak device triggers on our LoRaWAN water meters, and their logbook text."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.components import automation
from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.core import Event, HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    async_get_device_automations,
    async_mock_service,
)

from custom_components.municipal_iot import logbook
from custom_components.municipal_iot.const import DOMAIN
from tests.network import WEBHOOK_CS, Poster, chirpstack_up, load_json, network_entry, setup_entry

pytestmark = pytest.mark.usefixtures("frozen_clock")
KAMSTRUP = next(
    v
    for v in load_json("vectors_water.json")["lorawan"]["kamstrup"]
    if v["id"] == "kamstrup-oms-04"
)


async def _meter_and_motion(hass: HomeAssistant, post: Poster) -> tuple[str, str]:
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    meter = chirpstack_up(
        KAMSTRUP["payload_hex"], dev_eui="0000000000000001", name="vm-1", profile="Kamstrup flowIQ"
    )
    motion = chirpstack_up("0100e20503", dev_eui="0000000000000002", name="pir-1")
    await post(WEBHOOK_CS, meter, event="up")
    await post(WEBHOOK_CS, motion, event="up")
    registry = dr.async_get(hass)
    meter_device = registry.async_get_device_by_identifier(
        (DOMAIN, "0000000000000001"), entry.entry_id
    )
    motion_device = registry.async_get_device_by_identifier(
        (DOMAIN, "0000000000000002"), entry.entry_id
    )
    assert meter_device is not None
    assert motion_device is not None
    return meter_device.id, motion_device.id


async def test_water_meter_offers_leak_triggers(hass: HomeAssistant, post: Poster) -> None:
    """A water meter offers one trigger per leak rule; a motion sensor offers none."""
    meter_id, motion_id = await _meter_and_motion(hass, post)
    triggers = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, meter_id)
    ours = sorted(t["type"] for t in triggers if t["domain"] == DOMAIN)
    assert ours == [
        "leak_burst",
        "leak_continuous_flow",
        "leak_meter_burst",
        "leak_meter_leak",
        "leak_night_flow",
    ]
    motion = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, motion_id)
    assert not [t for t in motion if t["domain"] == DOMAIN]


async def test_leak_trigger_fires_on_rule_start_only(hass: HomeAssistant, post: Poster) -> None:
    """The automation runs when the rule turns on for this meter, not when it clears."""
    meter_id, _ = await _meter_and_motion(hass, post)
    calls: list[ServiceCall] = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: {
                "trigger": {
                    "platform": "device",
                    "domain": DOMAIN,
                    "device_id": meter_id,
                    "type": "leak_night_flow",
                },
                "action": {
                    "service": "test.automation",
                    "data": {"rule": "{{ trigger.event.data.type }}"},
                },
            }
        },
    )
    base: dict[str, Any] = {
        "device_id": meter_id,
        "type": "night_flow",
        "entity_id": "sensor.vm_1_volume",
    }
    hass.bus.async_fire("municipal_iot_leak", {**base, "active": False})
    hass.bus.async_fire("municipal_iot_leak", {**base, "type": "burst", "active": True})
    hass.bus.async_fire("municipal_iot_leak", {**base, "device_id": "other", "active": True})
    await hass.async_block_till_done()
    assert calls == []
    hass.bus.async_fire("municipal_iot_leak", {**base, "active": True})
    await hass.async_block_till_done()
    assert [call.data for call in calls] == [{"rule": "night_flow"}]


async def test_leak_logbook_text(hass: HomeAssistant) -> None:
    """Leak events are described in the logbook in HA's language."""
    hass.config.language = "sv"
    assert await async_setup_component(hass, DOMAIN, {})  # caches the texts
    described: dict[str, Any] = {}

    def register(domain: str, event_type: str, describe: Any) -> None:
        assert domain == DOMAIN
        described[event_type] = describe

    logbook.async_describe_events(hass, register)
    data = {"type": "night_flow", "active": True, "name": "vm-1", "entity_id": "binary_sensor.x"}
    assert described["municipal_iot_leak"](Event("municipal_iot_leak", data)) == {
        "name": "vm-1",
        "message": "Läcka upptäckt: nattflöde över gränsen",
        "entity_id": "binary_sensor.x",
    }
    cleared = Event("municipal_iot_leak", {"type": "burst", "active": False})
    assert described["municipal_iot_leak"](cleared) == {
        "name": DOMAIN,
        "message": "Läcka upphört: rörbrott (högt flöde för länge)",
    }
