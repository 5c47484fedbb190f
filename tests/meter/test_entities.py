"""Snapshot tests of the leak sensors of a meter report, with and without a meter device."""

from __future__ import annotations

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from tests.meter import OURS


@pytest.mark.usefixtures("frozen_clock")
async def test_leak_sensor_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    init_integration: MockConfigEntry,
) -> None:
    """Four leak sensors per meter: on our meter's device, and named after a bare sensor."""
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)
    ours = er.async_get(hass).async_get(OURS)
    assert ours is not None
    on_device = [
        entry.entity_id
        for entry in er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
        if entry.device_id == ours.device_id
    ]
    assert len(on_device) == 4
