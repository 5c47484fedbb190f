"""Device triggers of our water meters: a leak rule turned on (fired by the meter wing)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from ..const import DOMAIN, EVENT_LEAK, EventTrigger
from ..decoders.base import DeviceKind
from ..water.leak import ALL_RULES
from .hub import LoRaWANConfigEntry

TRIGGERS: Final = {
    f"leak_{rule}": EventTrigger(EVENT_LEAK, {"type": rule, "active": True}) for rule in ALL_RULES
}


def device_triggers(
    hass: HomeAssistant, entry: LoRaWANConfigEntry, device: dr.DeviceEntry
) -> Iterable[str]:
    """Return the leak triggers of a water meter's device (other devices have none)."""
    if entry.state is not ConfigEntryState.LOADED:
        return ()
    devices = entry.runtime_data.devices
    for domain, dev_eui in device.identifiers:
        if domain == DOMAIN and dev_eui in devices:
            return TRIGGERS if devices[dev_eui].kind is DeviceKind.WATER_METER else ()
    return ()
