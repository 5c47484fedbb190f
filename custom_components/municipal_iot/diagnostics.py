"""Diagnostics for network-server entries and their devices."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .care_unit import CareUnit
from .const import (
    CONF_METER_KEYS,
    CONF_TOKEN,
    DOMAIN,
    ENTRY_CARE_UNIT,
    ENTRY_METER_REPORT,
)
from .coordinator import DeviceData, LoRaWANConfigEntry
from .entry_types import (
    MunicipalIoTConfigEntry,
    as_care_unit,
    as_meter_report,
    as_network_server,
    entry_kind,
)
from .meter_entry import meter_report_diagnostics
from .meter_journal import async_get_journal

TO_REDACT = {
    CONF_TOKEN,
    CONF_WEBHOOK_ID,
    CONF_METER_KEYS,
    "location",
    "latitude",
    "longitude",
    "altitude",
}


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


def _care_unit(unit: CareUnit) -> dict[str, Any]:
    return {
        "apartments": [
            {
                "label": apartment.config.label,
                "sensors": list(apartment.config.sensors),
                "status": apartment.supervisor.status.value,
                "engine": apartment.supervisor.to_dict(),
            }
            for apartment in unit.apartments.values()
        ],
        "journal_entries": len(unit.journal),
    }


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, any_entry: MunicipalIoTConfigEntry
) -> dict[str, Any]:
    """Return diagnostics for an entry of any kind."""
    kind = entry_kind(any_entry)
    if kind == ENTRY_METER_REPORT:
        journal = await async_get_journal(hass)
        report = meter_report_diagnostics(as_meter_report(any_entry), journal)
        return async_redact_data(report, TO_REDACT)
    if kind == ENTRY_CARE_UNIT:
        care = as_care_unit(any_entry)
        settings = {"title": care.title, "data": dict(care.data), "options": dict(care.options)}
        return async_redact_data({"entry": settings, **_care_unit(care.runtime_data)}, TO_REDACT)
    entry = as_network_server(any_entry)
    hub = entry.runtime_data
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "outcomes": dict(hub.counters),
            "rejections": dict(hub.rejections.counts),
            "pending_unknown_devices": sorted(hub.pending_unknown),
            "device_count": len(hub.devices),
            "devices": [_device(device) for device in hub.devices.values()],
        },
        TO_REDACT,
    )


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: LoRaWANConfigEntry, device: dr.DeviceEntry
) -> dict[str, Any]:
    """Return diagnostics for one device."""
    hub = entry.runtime_data
    dev_eui = next(ident for domain, ident in device.identifiers if domain == DOMAIN)
    data = hub.devices.get(dev_eui)
    return async_redact_data(
        {"device": _device(data) if data else None, "entry_title": entry.title}, TO_REDACT
    )
