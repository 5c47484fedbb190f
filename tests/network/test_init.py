"""Entry lifecycle, restore after restart, availability and device removal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_component import DATA_INSTANCES
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    async_fire_time_changed,
    mock_restore_cache_with_extra_data,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.municipal_iot.const import DOMAIN
from tests.network import (
    WEBHOOK_CS,
    WEBHOOK_TTS,
    Poster,
    chirpstack_up,
    network_entry,
    setup_entry,
    tts_uplink,
)

pytestmark = pytest.mark.usefixtures("frozen_clock")
DEV_EUI = "a81758fffe0312ab"


async def test_setup_and_unload(hass: HomeAssistant, post: Poster) -> None:
    """Unloading keeps the webhook (503, never 200 and dropped) and the device list."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    assert entry.state is ConfigEntryState.LOADED
    await post(WEBHOOK_CS, chirpstack_up("0100e20503"), event="up")
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
    # The webhook stays registered: an unloaded entry answers 503 (the server may retry);
    # an unregistered webhook would get HA's 200 and the uplink would be lost.
    assert (await post(WEBHOOK_CS, chirpstack_up("0100f0", f_cnt=2), event="up")) == (
        503,
        "not ready: the connection is not_loaded, retry later",
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert DEV_EUI in entry.runtime_data.devices
    assert entry.runtime_data.devices[DEV_EUI].model_id == "elsys_ers"
    # The device page shows the vendor's model name, not our decoder's id.
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, DEV_EUI), entry.entry_id)
    assert device is not None
    assert (device.manufacturer, device.model, device.model_id) == (
        "Elsys",
        "ERS / EMS / ELT family",
        None,
    )


async def test_a_changed_device_is_updated_in_the_registry_at_set_up(
    hass: HomeAssistant, post: Poster
) -> None:
    """A device registered as an older version did (decoder id as model) is corrected."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    await post(WEBHOOK_CS, chirpstack_up("0100e20503"), event="up")
    registry = dr.async_get(hass)
    device = registry.async_get_device_by_identifier((DOMAIN, DEV_EUI), entry.entry_id)
    assert device is not None
    registry.async_update_device(device.id, model="elsys_ers", model_id="elsys_ers")
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    device = registry.async_get_device_by_identifier((DOMAIN, DEV_EUI), entry.entry_id)
    assert device is not None
    assert (device.model, device.model_id) == ("ERS / EMS / ELT family", None)
    # Unchanged at the next set-up: the same registry entry, not a new one.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert registry.async_get_device_by_identifier((DOMAIN, DEV_EUI), entry.entry_id) is device


async def test_restart_restores_values(hass: HomeAssistant, post: Poster) -> None:
    """After a restart the device, its entities and their last values come back."""
    entry = await setup_entry(hass, network_entry("tts", WEBHOOK_TTS))
    await post(WEBHOOK_TTS, tts_uplink("0100e2022904002705061101"))
    assert hass.states.get("sensor.apt_12_motion_temperature").state == "22.6"
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()

    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State("sensor.apt_12_motion_temperature", "22.6"),
                {"native_value": 22.6, "native_unit_of_measurement": "°C"},
            ),
            (
                State("sensor.apt_12_motion_last_motion", "2026-11-26T10:00:00+00:00"),
                {
                    "native_value": {
                        "__type": "<class 'datetime.datetime'>",
                        "isoformat": "2026-11-26T10:00:00+00:00",
                    },
                    "native_unit_of_measurement": None,
                },
            ),
            (State("binary_sensor.apt_12_motion_occupancy", "on"), {}),
        ],
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.apt_12_motion_temperature").state == "22.6"
    assert hass.states.get("sensor.apt_12_motion_last_motion").state == "2026-11-26T10:00:00+00:00"
    assert hass.states.get("binary_sensor.apt_12_motion_occupancy").state == "on"
    # A value never reported since the restart and not restorable stays unknown.
    assert hass.states.get("binary_sensor.apt_12_motion_motion").state == "unknown"


async def test_availability(
    hass: HomeAssistant, post: Poster, frozen_clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A device goes unavailable after missed intervals and back with its next uplink."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    body = chirpstack_up("0100e20503", time="2026-11-26T10:15:00+00:00")
    await post(WEBHOOK_CS, body, event="up")
    entity = "sensor.apt_12_motion_temperature"
    assert hass.states.get(entity).state == "22.6"

    # 60 min x 3 intervals: still available just before, unavailable after.
    frozen_clock.tick(timedelta(minutes=179))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(entity).state == "22.6"
    frozen_clock.tick(timedelta(minutes=2))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(entity).state == "unavailable"
    assert caplog.text.count("is unavailable: no uplink since") == 1

    frozen_clock.tick(timedelta(hours=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert caplog.text.count("is unavailable: no uplink since") == 1

    later = chirpstack_up("0100e30500", f_cnt=2, time="2026-11-26T18:20:00+00:00")
    await post(WEBHOOK_CS, later, event="up")
    assert hass.states.get(entity).state == "22.7"
    assert caplog.text.count("is reporting again") == 1


async def test_flapping_device_logs_each_way_once_per_interval(
    hass: HomeAssistant, post: Poster, frozen_clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Uplinks with old receive times flap a device; the log says so once per 10 minutes."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    frozen_clock.tick(timedelta(hours=8))  # 18:15; the uplinks below say 10:0x

    async def flap(minute: int) -> None:
        body = chirpstack_up("0100e2", f_cnt=minute, time=f"2026-11-26T10:{minute:02d}:00+00:00")
        await post(WEBHOOK_CS, body, event="up")
        async_fire_time_changed(hass)
        await hass.async_block_till_done()

    entity = "sensor.apt_12_motion_temperature"
    for minute in range(1, 6):
        await flap(minute)
        assert hass.states.get(entity).state == "unavailable"  # every flap still counts
    assert caplog.text.count("is unavailable: no uplink since") == 1
    assert caplog.text.count("is reporting again") == 1

    frozen_clock.tick(timedelta(minutes=11))
    await flap(6)
    assert caplog.text.count("is unavailable: no uplink since") == 2
    assert caplog.text.count("is reporting again") == 2


async def test_uplinks_keep_device_available(
    hass: HomeAssistant, post: Poster, frozen_clock: Any
) -> None:
    """Uplinks within the interval re-arm the expiry instead of letting it fire."""
    await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    for n in range(1, 6):
        body = chirpstack_up("0100e2", f_cnt=n)
        body.pop("time")  # no server time: the receive time is now
        await post(WEBHOOK_CS, body, event="up")
        frozen_clock.tick(timedelta(minutes=100))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        assert hass.states.get("sensor.apt_12_motion_temperature").state == "22.6"


async def test_restart_of_silent_device_is_unavailable(
    hass: HomeAssistant, post: Poster, frozen_clock: Any
) -> None:
    """A device silent across a long restart comes back unavailable."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    await post(WEBHOOK_CS, chirpstack_up("0100e2"), event="up")
    await hass.config_entries.async_unload(entry.entry_id)
    frozen_clock.tick(timedelta(hours=6))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.apt_12_motion_temperature").state == "unavailable"


async def test_device_rename_follows_network_server(hass: HomeAssistant, post: Poster) -> None:
    """A new device name on the network server renames the HA device."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    await post(WEBHOOK_CS, chirpstack_up("0100e2", name="old"), event="up")
    later = chirpstack_up("0100e2", name="lgh-4", f_cnt=2, time="2026-11-26T10:05:00+00:00")
    await post(WEBHOOK_CS, later, event="up")
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, DEV_EUI), entry.entry_id)
    assert device is not None
    assert device.name == "lgh-4"


async def test_remove_stale_device(
    hass: HomeAssistant, post: Poster, hass_ws_client: WebSocketGenerator
) -> None:
    """A stale device can be removed from the UI and is forgotten by the hub."""
    assert await async_setup_component(hass, "config", {})
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    client = await hass_ws_client(hass)  # before the HTTP router is frozen by the first post
    await post(WEBHOOK_CS, chirpstack_up("0100e2"), event="up")
    device_registry = dr.async_get(hass)
    device = device_registry.async_get_device_by_identifier((DOMAIN, DEV_EUI), entry.entry_id)
    assert device is not None
    response = await client.remove_device(device.id)
    assert response["success"]
    await hass.async_block_till_done()
    assert DEV_EUI not in entry.runtime_data.devices
    assert device_registry.async_get(device.id) is None
    assert not er.async_entries_for_device(er.async_get(hass), device.id)


async def test_removing_entry_deletes_device_store(
    hass: HomeAssistant, post: Poster, hass_storage: dict[str, Any]
) -> None:
    """Deleting a network-server entry deletes its device list."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    await post(WEBHOOK_CS, chirpstack_up("0100e2"), event="up")
    await hass.config_entries.async_unload(entry.entry_id)
    key = f"{DOMAIN}.{entry.entry_id}.devices"
    assert key in hass_storage
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage


async def test_disabled_entities_are_built_only_when_enabled(
    hass: HomeAssistant, post: Poster
) -> None:
    """A disabled entity costs nothing at start; enabling it builds it after the reload."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    await post(WEBHOOK_CS, chirpstack_up("0100e20503"), event="up")
    registry = er.async_get(hass)
    last_seen = registry.async_get("sensor.apt_12_motion_last_seen")
    assert last_seen is not None
    assert last_seen.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    sensors = hass.data[DATA_INSTANCES]["sensor"]

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert sensors.get_entity("sensor.apt_12_motion_temperature") is not None
    assert sensors.get_entity("sensor.apt_12_motion_last_seen") is None
    # One registry lookup per device, not per entity: the device is still complete.
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, DEV_EUI), entry.entry_id)
    assert device is not None
    assert (device.manufacturer, device.serial_number) == ("Elsys", DEV_EUI.upper())

    registry.async_update_entity(last_seen.entity_id, disabled_by=None)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert sensors.get_entity("sensor.apt_12_motion_last_seen") is not None
    await post(WEBHOOK_CS, chirpstack_up("0100e20503", f_cnt=2), event="up")
    assert hass.states.get("sensor.apt_12_motion_last_seen").state != "unknown"
