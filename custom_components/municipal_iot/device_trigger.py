"""Device triggers, table-driven: each trigger type is an event of this integration.

A trigger type maps to the Home Assistant event fired for it, the event data it
must carry besides ``device_id``, and which devices offer it. Add a row to
:data:`TRIGGERS` (and its name under ``device_automation.trigger_type`` in the
translations) to offer a new trigger.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import probatio as vol
from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.device_automation.exceptions import DeviceNotFound
from homeassistant.components.homeassistant.triggers import event as event_trigger
from homeassistant.const import (
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_EVENT,
    CONF_EVENT_DATA,
    CONF_PLATFORM,
    CONF_TYPE,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType

from .care_const import EVENT_ALARM, EVENT_SENSOR, SUBENTRY_APARTMENT
from .const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_CARE_UNIT, ENTRY_NETWORK_SERVER
from .decoders.base import DeviceKind
from .meter_const import EVENT_LEAK
from .meter_leak import LEAK_TRIGGER_TYPES
from .supervision.events import EventKind


def is_apartment(hass: HomeAssistant, device: dr.DeviceEntry) -> bool:
    """Return True for the device of a care unit's apartment."""
    entry = hass.config_entries.async_get_entry(device.config_entry_id)
    if entry is None or entry.data.get(CONF_ENTRY_TYPE) != ENTRY_CARE_UNIT:
        return False
    subentry = entry.subentries.get(device.config_subentry_id or "")
    return subentry is not None and subentry.subentry_type == SUBENTRY_APARTMENT


def is_water_meter(hass: HomeAssistant, device: dr.DeviceEntry) -> bool:
    """Return True for one of our LoRaWAN water meters (leak rules fire on its device)."""
    entry = hass.config_entries.async_get_entry(device.config_entry_id)
    if entry is None or entry.data.get(CONF_ENTRY_TYPE, ENTRY_NETWORK_SERVER) != (
        ENTRY_NETWORK_SERVER
    ):
        return False
    hub = getattr(entry, "runtime_data", None)
    devices = getattr(hub, "devices", {})
    return any(
        domain == DOMAIN and ident in devices and devices[ident].kind is DeviceKind.WATER_METER
        for domain, ident in device.identifiers
    )


@dataclass(frozen=True, slots=True)
class TriggerKind:
    """One trigger type: the event it listens for and the devices that offer it."""

    event_type: str
    event_data: Mapping[str, Any]  # must match, besides the device id
    applies: Callable[[HomeAssistant, dr.DeviceEntry], bool] = field(default=is_apartment)


TRIGGERS: dict[str, TriggerKind] = {
    "alarm_raised": TriggerKind(EVENT_ALARM, {"type": EventKind.ALARM_RAISED.value}),
    "alarm_acknowledged": TriggerKind(EVENT_ALARM, {"type": EventKind.ACKNOWLEDGED.value}),
    "alarm_resolved": TriggerKind(EVENT_ALARM, {"type": EventKind.RESOLVED.value}),
    "sensor_problem": TriggerKind(EVENT_SENSOR, {"type": EventKind.SENSOR_PROBLEM.value}),
    # Water leak rules: the trigger fires when a rule turns on.
    **{
        f"leak_{rule}": TriggerKind(EVENT_LEAK, {"type": rule, "active": True}, is_water_meter)
        for rule in LEAK_TRIGGER_TYPES
    },
}

TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {
        vol.Required(CONF_DOMAIN): DOMAIN,
        vol.Required(CONF_DEVICE_ID): str,
        vol.Required(CONF_TYPE): vol.In(TRIGGERS),
    }
)


async def async_get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, str]]:
    """List the triggers a device offers."""
    device = dr.async_get(hass).async_get(device_id, include_child_devices=False)
    if device is None:
        raise DeviceNotFound(f"Device ID {device_id} is not valid")
    return [
        {
            CONF_PLATFORM: "device",
            CONF_DOMAIN: DOMAIN,
            CONF_DEVICE_ID: device_id,
            CONF_TYPE: trigger_type,
        }
        for trigger_type, kind in TRIGGERS.items()
        if kind.applies(hass, device)
    ]


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Listen for the trigger's event from this device."""
    kind = TRIGGERS[config[CONF_TYPE]]
    event_config = event_trigger.TRIGGER_SCHEMA(
        {
            CONF_PLATFORM: CONF_EVENT,
            event_trigger.CONF_EVENT_TYPE: kind.event_type,
            CONF_EVENT_DATA: {
                **kind.event_data,
                CONF_DEVICE_ID: config[CONF_DEVICE_ID],
            },
        }
    )
    return await event_trigger.async_attach_trigger(
        hass, event_config, action, trigger_info, platform_type="device"
    )
