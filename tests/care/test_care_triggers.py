"""Device triggers and logbook entries for supervision events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.components.device_automation.exceptions import DeviceNotFound
from homeassistant.core import Context, Event, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockUser,
    async_get_device_automations,
    async_mock_service,
)

from custom_components.municipal_iot import device_trigger, logbook
from custom_components.municipal_iot.const import DOMAIN
from tests.care import APT, MOTION, advance, care_entry, setup_care
from tests.network import WEBHOOK_CS, network_entry, setup_entry

pytestmark = pytest.mark.usefixtures("stockholm", "sensor_off", "phones")

TRIGGER_TYPES = ["alarm_raised", "alarm_acknowledged", "alarm_resolved", "sensor_problem"]


def _device_id(hass: HomeAssistant, entry_id: str, key: str) -> str:
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, key), entry_id)
    assert device is not None
    return device.id


async def test_apartment_devices_offer_triggers(hass: HomeAssistant, clock: Any) -> None:
    """Apartments offer the supervision triggers; other devices of the integration do not."""
    entry = await setup_care(hass, care_entry())
    network = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    lorawan = dr.async_get(hass).async_get_or_create(
        config_entry_id=network.entry_id, identifiers={(DOMAIN, "a81758fffe0312ab")}
    )
    apartment = _device_id(hass, entry.entry_id, APT)
    every = await async_get_device_automations(hass, DeviceAutomationType.TRIGGER, apartment)
    triggers = [trigger for trigger in every if trigger["domain"] == DOMAIN]
    assert [trigger["type"] for trigger in triggers] == TRIGGER_TYPES
    assert all(
        trigger
        == {
            "platform": "device",
            "domain": DOMAIN,
            "device_id": apartment,
            "type": trigger["type"],
            "metadata": {},
        }
        for trigger in triggers
    )
    for other in (lorawan.id, entry.runtime_data.device_id):
        assert await device_trigger.async_get_triggers(hass, other) == []
    with pytest.raises(DeviceNotFound):
        await device_trigger.async_get_triggers(hass, "no-such-device")


async def test_triggers_fire_automations(
    hass: HomeAssistant, clock: Any, staff_user: MockUser
) -> None:
    """An automation on "alarm raised" and "alarm acknowledged" runs for that apartment."""
    entry = await setup_care(hass, care_entry())
    apartment = _device_id(hass, entry.entry_id, APT)
    calls = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": [
                {
                    "trigger": {
                        "platform": "device",
                        "domain": DOMAIN,
                        "device_id": apartment,
                        "type": trigger_type,
                    },
                    "action": {
                        "action": "test.automation",
                        "data": {
                            "type": trigger_type,
                            "episode": "{{ trigger.event.data.episode_id }}",
                        },
                    },
                }
                for trigger_type in ("alarm_raised", "alarm_acknowledged", "sensor_problem")
            ]
        },
    )
    await advance(hass, clock, 70)
    await hass.services.async_call(
        DOMAIN,
        "acknowledge_alarm",
        {"device_id": apartment},
        blocking=True,
        context=Context(user_id=staff_user.id),
    )
    await hass.async_block_till_done()
    episode = "apt3-20261126T112500Z"
    assert [call.data for call in calls] == [
        {"type": "alarm_raised", "episode": episode},
        {"type": "alarm_acknowledged", "episode": episode},
    ]


async def test_logbook_describes_events(hass: HomeAssistant, clock: Any) -> None:
    """Logbook entries name the apartment and say what happened, in HA's language."""
    described: dict[str, Callable[[Event], dict[str, Any]]] = {}

    def register(domain: str, event_type: str, describe: Callable[[Event], dict[str, Any]]) -> None:
        assert domain == DOMAIN
        described[event_type] = describe

    hass.config.language = "sv"
    await setup_care(hass, care_entry())  # loads the texts
    logbook.async_describe_events(hass, register)
    assert sorted(described) == [
        "municipal_iot_alarm",
        "municipal_iot_downlink",
        "municipal_iot_leak",
        "municipal_iot_sensor",
        "municipal_iot_supervision",
    ]
    alarm = Event("municipal_iot_alarm", {"type": "alarm_raised", "apartment": "Lägenhet 3"})
    assert described["municipal_iot_alarm"](alarm) == {
        "name": "Lägenhet 3",
        "message": "larm utlöst",
    }
    sensor = Event(
        "municipal_iot_sensor",
        {"type": "sensor_problem", "apartment": "Lägenhet 3", "sensor_id": MOTION},
    )
    assert described["municipal_iot_sensor"](sensor) == {
        "name": "Lägenhet 3",
        "message": "sensorfel",
        "entity_id": MOTION,
    }
    closed = {"type": "resolved", "apartment": "Lägenhet 3", "outcome": "visited_all_ok"}
    without = Event("municipal_iot_alarm", closed | {"motion_returned": False})
    assert described["municipal_iot_alarm"](without)["message"] == "larm avslutat utan rörelse"
    after_motion = Event("municipal_iot_alarm", closed | {"motion_returned": True})
    assert described["municipal_iot_alarm"](after_motion)["message"] == "larm avslutat"
    unknown = Event("municipal_iot_supervision", {"type": "something_new"})
    assert described["municipal_iot_supervision"](unknown) == {
        "name": DOMAIN,
        "message": "something new",
    }
