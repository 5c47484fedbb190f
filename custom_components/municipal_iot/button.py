"""Buttons: acknowledge or resolve an apartment's alarm from a dashboard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .care_entity import async_setup_care_buttons

if TYPE_CHECKING:
    from .care_unit import CareUnitConfigEntry


PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CareUnitConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the alarm buttons (only care units forward this platform)."""
    async_setup_care_buttons(entry, async_add_entities)
