"""Snapshot tests of every entity a motion sensor and a water meter create."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

from custom_components.municipal_iot import network
from tests.network import (
    WEBHOOK_CS,
    WEBHOOK_TTS,
    Poster,
    chirpstack_up,
    load_json,
    setup_entry,
    tts_uplink,
)

pytestmark = pytest.mark.usefixtures("frozen_clock", "entity_registry_enabled_by_default")
PLATFORMS = pytest.mark.parametrize(
    "platforms", [[Platform.SENSOR], [Platform.BINARY_SENSOR]], ids=["sensor", "binary_sensor"]
)
VECTORS = {
    v["id"]: v for vendor in load_json("vectors_water.json")["lorawan"].values() for v in vendor
}


@PLATFORMS
async def test_motion_sensor_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    post: Poster,
    init_integration: MockConfigEntry,
) -> None:
    """All entities of an Elsys ERS Eye after one uplink."""
    body = chirpstack_up("0100e2022904002705061101070d62", name="lgh-3")
    assert (await post(WEBHOOK_CS, body, event="up")) == (200, "ok")
    await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


@PLATFORMS
async def test_kamstrup_meter_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    post: Poster,
    init_integration: MockConfigEntry,
) -> None:
    """All entities of a Kamstrup flowIQ 2200 after a plain frame with its alarm codes."""
    vector = VECTORS["kamstrup-oms-04"]
    body = chirpstack_up(
        vector["payload_hex"], f_port=vector["fPort"], name="vm-12", profile="Kamstrup flowIQ 2200"
    )
    assert (await post(WEBHOOK_CS, body, event="up")) == (200, "ok")
    await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, init_integration.entry_id)


@PLATFORMS
@pytest.mark.parametrize("server", ["tts"])
async def test_axioma_meter_entities(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    post: Poster,
    frozen_clock: Any,
    mock_config_entry: MockConfigEntry,
    platforms: list[Platform],
) -> None:
    """All entities of an Axioma Qalcosonic W1 after an hourly data frame (TTS)."""
    frozen_clock.move_to("2021-07-09T04:00:00+00:00")  # the frame's meter clock is 03:51:27
    entry = await setup_entry(hass, mock_config_entry, platforms, network)
    vector = VECTORS["axioma-w1-actility-1"]
    body = tts_uplink(
        vector["payload_hex"],
        f_port=100,
        device_id="vm-7",
        brand="axioma",
        model="qalcosonic-w1",
        received_at="2021-07-09T03:52:00Z",
    )
    assert (await post(WEBHOOK_TTS, body)) == (200, "ok")
    await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)
