"""Switches: supervision on or off, per apartment of a care unit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .care_entity import async_setup_care_switches

# Push updates; nothing to poll or parallelise.
PARALLEL_UPDATES = 0


if TYPE_CHECKING:
    from .care_unit import CareUnitConfigEntry


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CareUnitConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the supervision switches (only care units forward this platform)."""
    async_setup_care_switches(entry, async_add_entities)
