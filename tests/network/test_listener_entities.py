"""Entities listen to their device without a remover each, leave when removed, share a context."""

from __future__ import annotations

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.network import WEBHOOK_CS, Poster, chirpstack_up

DEV = "a81758fffe0312ab"
TEMPERATURE = "sensor.apt_12_motion_temperature"
HUMIDITY = "sensor.apt_12_motion_humidity"
# Elsys: temperature 22.8 °C (0x00E4) then 23.0 °C (0x00E6), humidity 41 % both times.
FIRST = "0100e4022904002705061101070d62"
SECOND = "0100e6022904002705061101070d62"


@pytest.mark.usefixtures("frozen_clock")
async def test_removed_entities_leave_their_device(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    post: Poster,
    init_integration: MockConfigEntry,
) -> None:
    """A disabled entity is no longer refreshed, the others are; unloading leaves none."""
    assert (await post(WEBHOOK_CS, chirpstack_up(FIRST, f_cnt=1), event="up")) == (200, "ok")
    await hass.async_block_till_done()
    hub = init_integration.runtime_data
    joined = len(hub.listeners._by_device[DEV])
    assert joined == len(
        [
            e
            for e in er.async_entries_for_config_entry(entity_registry, init_integration.entry_id)
            if e.disabled_by is None and DEV in (e.unique_id or "")
        ]
    )
    entity_registry.async_update_entity(HUMIDITY, disabled_by=er.RegistryEntryDisabler.USER)
    await hass.async_block_till_done()
    assert hass.states.get(HUMIDITY) is None
    assert len(hub.listeners._by_device[DEV]) == joined - 1

    assert (await post(WEBHOOK_CS, chirpstack_up(SECOND, f_cnt=2), event="up")) == (200, "ok")
    await hass.async_block_till_done()
    assert hass.states.get(TEMPERATURE).state == "23.0"  # type: ignore[union-attr]
    assert hass.states.get(HUMIDITY) is None

    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert hub.listeners._by_device == {}


@pytest.mark.usefixtures("frozen_clock")
async def test_entities_added_together_share_their_first_context(
    hass: HomeAssistant, post: Poster, init_integration: MockConfigEntry
) -> None:
    """At a reload the stored devices' entities are written once, all in one context."""
    assert (await post(WEBHOOK_CS, chirpstack_up(FIRST, f_cnt=1), event="up")) == (200, "ok")
    await hass.async_block_till_done()
    before = hass.states.get(TEMPERATURE).context  # type: ignore[union-attr]

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    temperature, humidity = hass.states.get(TEMPERATURE), hass.states.get(HUMIDITY)
    assert temperature is not None
    assert humidity is not None
    assert temperature.state == "22.8"  # restored
    assert temperature.context is humidity.context
    assert temperature.context.id != before.id

    # The next uplink is a change of its own, in a new context.
    assert (await post(WEBHOOK_CS, chirpstack_up(SECOND, f_cnt=2), event="up")) == (200, "ok")
    await hass.async_block_till_done()
    assert hass.states.get(TEMPERATURE).context.id != temperature.context.id  # type: ignore[union-attr]
