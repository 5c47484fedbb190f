"""Switches: supervision on or off, per apartment of a care unit."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .care_entity import async_setup_care_switches

# Push updates; nothing to poll or parallelise.
PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry[Any],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the supervision switches (only care units forward this platform)."""
    async_setup_care_switches(entry, async_add_entities)
