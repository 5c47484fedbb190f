"""Diagnostics of a network-server entry and its devices (secrets and places redacted)."""

from __future__ import annotations

from typing import Any

from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from ..const import DOMAIN
from .backfill import backfill_diagnostics
from .const import CONF_METER_KEYS, CONF_STORAGE_KEY, CONF_TOKEN
from .device import DeviceData
from .downlink import CONF_CS_API_TOKEN, TTS_API_KEY, state_of
from .hub import LoRaWANConfigEntry

TO_REDACT = frozenset(
    {
        CONF_TOKEN,
        CONF_WEBHOOK_ID,
        CONF_METER_KEYS,
        CONF_STORAGE_KEY,
        CONF_CS_API_TOKEN,
        TTS_API_KEY,
        "location",
        "latitude",
        "longitude",
        "altitude",
    }
)


def _device(device: DeviceData) -> dict[str, Any]:
    return {
        **device.as_stored(),
        "manufacturer": device.manufacturer,
        "model": device.model,
        "available": device.available,
        "values": {key: str(value) for key, value in sorted(device.values.items())},
        "last_raw": {key: str(value) for key, value in device.last_raw.items()},
        "last_warnings": list(device.last_warnings),
        "last_error": device.last_error,
        "location": device.location,
    }


async def async_entry_diagnostics(hass: HomeAssistant, entry: LoRaWANConfigEntry) -> dict[str, Any]:
    """Return the counters and every device of a loaded entry."""
    hub = entry.runtime_data
    result: dict[str, Any] = {
        "outcomes": dict(hub.counters),
        "rejections": dict(hub.rejections.counts),
        "pending_unknown_devices": sorted(hub.pending_unknown),
        "device_count": len(hub.devices),
        "devices": [_device(device) for device in hub.devices.values()],
        "downlinks": state.diagnostics() if (state := state_of(hass, entry.entry_id)) else None,
    }
    if (backfill := backfill_diagnostics(hass, entry)) is not None:
        result["backfill"] = backfill
    return result


async def async_device_diagnostics(
    hass: HomeAssistant, entry: LoRaWANConfigEntry, device: dr.DeviceEntry
) -> dict[str, Any]:
    """Return what the hub knows about one device."""
    hub = entry.runtime_data
    dev_eui = next((ident for domain, ident in device.identifiers if domain == DOMAIN), "")
    data = hub.devices.get(dev_eui)
    return {"device": _device(data) if data else None}
