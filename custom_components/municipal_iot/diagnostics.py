"""Diagnostics of any entry and its devices, from the entry's wing (see kinds.py)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .kinds import MunicipalIoTConfigEntry, kind_of


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: MunicipalIoTConfigEntry
) -> dict[str, Any]:
    """Return the entry's settings, and its wing's diagnostics while it is loaded."""
    kind = kind_of(entry)
    result: dict[str, Any] = {
        "entry": {"title": entry.title, "data": dict(entry.data), "options": dict(entry.options)}
    }
    if entry.state is not ConfigEntryState.LOADED:
        result["state"] = entry.state.value
    elif kind.diagnostics is not None:
        result |= await kind.diagnostics(hass, entry)
    return async_redact_data(result, kind.redact)


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: MunicipalIoTConfigEntry, device: dr.DeviceEntry
) -> dict[str, Any]:
    """Return what the entry's wing knows about one device while the entry is loaded."""
    kind = kind_of(entry)
    result: dict[str, Any] = {"entry_title": entry.title}
    if entry.state is not ConfigEntryState.LOADED:
        result["state"] = entry.state.value
    elif kind.device_diagnostics is not None:
        result |= await kind.device_diagnostics(hass, entry, device)
    return async_redact_data(result, kind.redact)
