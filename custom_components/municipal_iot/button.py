"""Buttons: acknowledge or resolve an apartment's alarm from a dashboard."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .care_entity import async_setup_care_buttons

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: ConfigEntry[Any],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the alarm buttons (only care units forward this platform)."""
    async_setup_care_buttons(entry, async_add_entities)
