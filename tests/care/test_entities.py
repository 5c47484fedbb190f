"""Snapshot tests of every entity of a care unit and its apartment."""

from __future__ import annotations

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion


@pytest.mark.usefixtures("stockholm", "phones", "sensor_off", "clock")
@pytest.mark.parametrize(
    "platforms",
    [[Platform.SENSOR], [Platform.BINARY_SENSOR], [Platform.SWITCH], [Platform.BUTTON]],
    ids=["sensor", "binary_sensor", "switch", "button"],
)
async def test_care_unit_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
) -> None:
    """The apartment's status, alarm, times, switch and buttons; the unit's alarm count."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)
