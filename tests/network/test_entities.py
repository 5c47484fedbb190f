"""Snapshot tests of every entity a motion sensor and a water meter create."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.municipal_iot import network
from tests.network import WEBHOOK_CS, Poster, chirpstack_up, network_entry, setup_entry

pytestmark = pytest.mark.usefixtures("frozen_clock", "entity_registry_enabled_by_default")


@pytest.mark.parametrize("platform", [Platform.SENSOR, Platform.BINARY_SENSOR])
async def test_motion_sensor_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    post: Poster,
    platform: Platform,
) -> None:
    """All entities of an Elsys ERS Eye after one uplink."""
    with patch.dict(network.PLATFORMS, {platform: network.PLATFORMS[platform]}, clear=True):
        entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
        body = chirpstack_up("0100e2022904002705061101070d62", name="lgh-3")
        assert (await post(WEBHOOK_CS, body, event="up")) == (200, "ok")
        await hass.async_block_till_done()
        await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)
