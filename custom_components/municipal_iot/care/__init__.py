"""The care wing: care units (digital supervision) and their apartments."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant

from ..store import domain_store
from .entities import (
    async_setup_binary_sensors,
    async_setup_buttons,
    async_setup_sensors,
    async_setup_switches,
    remove_apartment_alarm_entities,
)
from .panel import async_care_units_changed, async_setup_frontend
from .services import async_setup_care_services
from .store import state_store_key
from .unit import CareUnit, CareUnitConfigEntry

__all__ = [
    "PLATFORMS",
    "CareUnitConfigEntry",
    "async_remove_entry",
    "async_setup",
    "async_setup_entry",
    "async_unload_entry",
]

PLATFORMS = {
    Platform.BINARY_SENSOR: async_setup_binary_sensors,
    Platform.BUTTON: async_setup_buttons,
    Platform.SENSOR: async_setup_sensors,
    Platform.SWITCH: async_setup_switches,
}


async def async_setup(hass: HomeAssistant) -> None:
    """Register the care actions, the panel's bundle and commands (once)."""
    async_setup_care_services(hass)
    await async_setup_frontend(hass)


async def async_setup_entry(hass: HomeAssistant, entry: CareUnitConfigEntry) -> None:
    """Start the care unit, then add its entities."""
    unit = CareUnit(hass, entry)
    entry.runtime_data = unit
    await unit.async_start()
    remove_apartment_alarm_entities(hass, unit)
    await hass.config_entries.async_forward_entry_setups(entry, list(PLATFORMS))
    entry.async_on_unload(entry.add_update_listener(_async_entry_updated))
    await async_care_units_changed(hass, unit, running=True)


async def _async_entry_updated(hass: HomeAssistant, entry: CareUnitConfigEntry) -> None:
    if not entry.runtime_data.async_apply_config():
        hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: CareUnitConfigEntry) -> bool:
    """Remove the entities, then stop the unit and write its stores."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, list(PLATFORMS))
    if unloaded:
        await entry.runtime_data.async_stop()
        await async_care_units_changed(hass, entry.runtime_data, running=False)
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: CareUnitConfigEntry) -> None:
    """Delete the unit's supervision state.

    The journal is kept on purpose: it is the supervision record the
    municipality must be able to show; export it before deleting the file by hand.
    """
    await domain_store(hass, state_store_key(entry.entry_id)).async_remove()
