"""Issue 10 regressions: stores that never fail silently, no uplink dropped for our reasons."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.municipal_iot.const import DOMAIN
from custom_components.municipal_iot.network.hub import LoRaWANHub
from custom_components.municipal_iot.store import async_load_once, store_issue_id
from tests.network import WEBHOOK_CS, Poster, chirpstack_up, network_entry, setup_entry

DEV_EUI = "a81758fffe0312ab"


def _devices_key(entry_id: str) -> str:
    return f"{DOMAIN}.{entry_id}.devices"


def _stored(data: Any) -> dict[str, Any]:
    return {"version": 1, "minor_version": 1, "key": "x", "data": data}


async def test_device_without_dev_eui_is_dropped_not_fatal(
    hass: HomeAssistant, hass_storage: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """Defect 6: one bad stored device is dropped with a warning; the entry and the rest load."""
    entry = network_entry("chirpstack", WEBHOOK_CS)
    good = {"dev_eui": DEV_EUI, "name": "lgh 1", "model_id": "elsys_ers"}
    hass_storage[_devices_key(entry.entry_id)] = _stored(
        {"devices": [{"name": "no eui", "model_id": "elsys_ers"}, good]}
    )
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert list(entry.runtime_data.devices) == [DEV_EUI]
    assert "Dropped an invalid item from storage" in caplog.text
    assert "devices[0]" in caplog.text


async def test_wrong_top_level_shape_raises_a_repair_issue(
    hass: HomeAssistant, hass_storage: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """Defect 6: a wrong top-level type is never a silent reset: an issue and a backup."""
    entry = network_entry("chirpstack", WEBHOOK_CS)
    key = _devices_key(entry.entry_id)
    hass_storage[key] = _stored([1, 2])
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    issue = ir.async_get(hass).async_get_issue(DOMAIN, store_issue_id(key))
    assert issue is not None
    assert issue.translation_key == "store_unreadable"
    assert ".invalid." in issue.translation_placeholders["backup"]
    assert "cannot be read" in caplog.text


async def test_bad_statistics_start_does_not_block_network_entries(
    hass: HomeAssistant, hass_storage: dict[str, Any], post: Poster
) -> None:
    """Defect 6: a bad ``start`` in the statistics store costs that meter's row only."""
    hass_storage[f"{DOMAIN}.meter_statistics"] = _stored(
        {"meters": {"x": {"last": {"start": "not a time", "state": 1, "sum": 1}}}}
    )
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    assert entry.state is ConfigEntryState.LOADED
    assert (await post(WEBHOOK_CS, chirpstack_up("0100e20503"), event="up")) == (200, "ok")


async def test_failed_load_is_not_cached(hass: HomeAssistant) -> None:
    """Defect 6: a load that failed is tried again by the next caller."""
    key: HassKey[asyncio.Task[int]] = HassKey("test_load")
    calls = []

    async def load(_hass: HomeAssistant) -> int:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk")
        return 7

    with pytest.raises(OSError, match="disk"):
        await async_load_once(hass, key, load)
    assert await async_load_once(hass, key, load) == 7


async def test_uplink_during_options_reload_is_applied(
    hass: HomeAssistant, post: Poster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defect 7: the webhook stays registered while the entry reloads; the uplink waits."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    load = LoRaWANHub.async_load

    async def slow_load(self: LoRaWANHub) -> None:
        await asyncio.sleep(0.3)  # a reload that takes a while
        await load(self)

    monkeypatch.setattr(LoRaWANHub, "async_load", slow_load)
    reload = hass.async_create_task(hass.config_entries.async_reload(entry.entry_id))
    await asyncio.sleep(0.1)
    assert entry.state is not ConfigEntryState.LOADED
    answer = await post(WEBHOOK_CS, chirpstack_up("0100e20503"), event="up")
    await reload
    assert answer == (200, "ok")
    assert DEV_EUI in entry.runtime_data.devices


async def test_auto_added_device_is_saved_within_a_second(
    hass: HomeAssistant, hass_storage: dict[str, Any], post: Poster
) -> None:
    """Defect 10: an auto-added device is written at once, not on a delayed save."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    await post(WEBHOOK_CS, chirpstack_up("0100e20503"), event="up")
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=1))
    await asyncio.sleep(0.6)
    await hass.async_block_till_done()
    devices = hass_storage[_devices_key(entry.entry_id)]["data"]["devices"]
    assert [item["dev_eui"] for item in devices] == [DEV_EUI]


async def test_creation_limit_survives_a_reload(
    hass: HomeAssistant, post: Poster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defect 9: a spent creation limit stays spent after an options reload."""
    monkeypatch.setattr("custom_components.municipal_iot.network.hub.AUTO_ADD_BURST", 2)
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    for n in range(2):
        await post(WEBHOOK_CS, chirpstack_up("0100e2", dev_eui=f"{n:016x}"), event="up")
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    code, _ = await post(WEBHOOK_CS, chirpstack_up("0100e2", dev_eui=f"{9:016x}"), event="up")
    assert code == 429


async def test_ignored_unknown_devices_leave_the_queue(hass: HomeAssistant, post: Poster) -> None:
    """Defect 8: once 25 issues are ignored, a new device still gets its repair issue."""
    entry = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS, auto_add=False))
    for n in range(25):
        await post(WEBHOOK_CS, chirpstack_up("0100e2", dev_eui=f"{n:016x}"), event="up")
    registry = ir.async_get(hass)
    for n in range(25):
        registry.async_ignore(DOMAIN, f"unknown_device_{entry.entry_id}_{n:016x}", True)
    await hass.async_block_till_done()
    await post(WEBHOOK_CS, chirpstack_up("0100e2", dev_eui=f"{99:016x}"), event="up")
    new = registry.async_get_issue(DOMAIN, f"unknown_device_{entry.entry_id}_{99:016x}")
    assert new is not None
    assert new.dismissed_version is None
    # The queue is stored: it comes back after a reload, without the ignored devices.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert list(entry.runtime_data.pending_unknown) == [f"{99:016x}"]
