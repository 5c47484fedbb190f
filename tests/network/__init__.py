"""Helpers shared by the Home Assistant tests (imported as a plain module)."""

from __future__ import annotations

import asyncio
import base64
import copy
import json
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.municipal_iot.const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_NETWORK_SERVER
from custom_components.municipal_iot.network.const import (
    CONF_AUTO_ADD,
    CONF_DECODERS,
    CONF_INTERVAL_MOTION,
    CONF_INTERVAL_WATER,
    CONF_MISSED_INTERVALS,
    CONF_SERVER,
    CONF_TOKEN,
)

FIXTURES = Path(__file__).parent.parent / "fixtures"
TOKEN = "test-token-0123456789"
WEBHOOK_CS = "cs-webhook-id"
WEBHOOK_TTS = "tts-webhook-id"

type Poster = Callable[..., Awaitable[tuple[int, str]]]


def load_json(name: str) -> Any:
    """Load a fixture file."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def network_entry(server: str, webhook_id: str, **options: Any) -> MockConfigEntry:
    """Build a network-server config entry."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"{server} test",
        unique_id=f"{ENTRY_NETWORK_SERVER}_{server}_test",
        data={
            CONF_ENTRY_TYPE: ENTRY_NETWORK_SERVER,
            CONF_SERVER: server,
            "webhook_id": webhook_id,
            CONF_TOKEN: TOKEN,
        },
        options={
            CONF_AUTO_ADD: True,
            CONF_INTERVAL_MOTION: 60,
            CONF_INTERVAL_WATER: 1440,
            CONF_MISSED_INTERVALS: 3,
            CONF_DECODERS: {},
        }
        | options,
    )


CS_APPLICATION = "17c82e96-be03-4f38-aef3-f83d48582d97"
TTS_APPLICATION = "solrosen"


def mqtt_entry(server: str, **data: Any) -> MockConfigEntry:
    """Build a network-server config entry whose uplinks arrive over MQTT."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"{server} mqtt",
        unique_id=f"{ENTRY_NETWORK_SERVER}_{server}_mqtt",
        data={
            CONF_ENTRY_TYPE: ENTRY_NETWORK_SERVER,
            CONF_SERVER: server,
            "transport": "mqtt",
            "application_id": CS_APPLICATION if server == "chirpstack" else TTS_APPLICATION,
            **({"tenant_id": "ttn"} if server == "tts" else {}),
        }
        | data,
        options=dict(network_entry(server, "").options),
    )


def uplink_topic(server: str, device: str, event: str = "up") -> str:
    """The topic the network server publishes a device's event to (default prefixes)."""
    if server == "chirpstack":
        return f"application/{CS_APPLICATION}/device/{device}/event/{event}"
    return f"v3/{TTS_APPLICATION}@ttn/devices/{device}/{event}"


async def setup_entry(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    platforms: Iterable[Platform] | None = None,
    wing: Any = None,
) -> MockConfigEntry:
    """Add and set up an entry; with ``platforms``, only those of the ``wing`` module."""
    entry.add_to_hass(hass)
    if platforms is None:
        assert await hass.config_entries.async_setup(entry.entry_id)
    else:
        only = {platform: wing.PLATFORMS[platform] for platform in platforms}
        with patch.dict(wing.PLATFORMS, only, clear=True):
            assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def chirpstack_up(
    payload_hex: str,
    *,
    dev_eui: str = "a81758fffe0312ab",
    f_port: int | None = 1,
    f_cnt: int = 1,
    name: str = "apt-12-motion",
    profile: str = "Elsys ERS",
    time: str = "2026-11-26T10:00:00.123456789+00:00",
    dedup: str | None = None,
    obj: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Wrap a payload in the ChirpStack docs' `up` sample."""
    body = copy.deepcopy(load_json("network/chirpstack_up.json"))
    body["deviceInfo"].update(devEui=dev_eui, deviceName=name, deviceProfileName=profile)
    body["deduplicationId"] = dedup or f"dedup-{dev_eui}-{f_cnt}-{payload_hex}"
    body["time"] = time
    body["fCnt"] = f_cnt
    body["data"] = base64.b64encode(bytes.fromhex(payload_hex)).decode()
    if f_port is None:
        body.pop("fPort")
    else:
        body["fPort"] = f_port
    if obj is not None:
        body["object"] = obj
    return body


def tts_uplink(
    payload_hex: str,
    *,
    dev_eui: str = "A81758FFFE0312AB",
    f_port: int = 1,
    f_cnt: int | None = 1,
    device_id: str = "apt-12-motion",
    brand: str | None = "elsys",
    model: str | None = "ers",
    received_at: str = "2026-11-26T10:00:00.381960868Z",
    decoded: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Wrap a payload in the captured TTS uplink sample."""
    body = copy.deepcopy(load_json("network/tts_uplink.json"))
    body["end_device_ids"].update(dev_eui=dev_eui, device_id=device_id)
    body["received_at"] = received_at
    up = body["uplink_message"]
    up["f_port"] = f_port
    if f_cnt is None:
        up.pop("f_cnt")
    else:
        up["f_cnt"] = f_cnt
    up["frm_payload"] = base64.b64encode(bytes.fromhex(payload_hex)).decode()
    if decoded is None:
        up.pop("decoded_payload")
        up.pop("decoded_payload_warnings")
    else:
        up["decoded_payload"] = decoded
    if brand is not None:
        up["version_ids"] = {"brand_id": brand, "model_id": model, "band_id": "EU_863_870"}
    return body


async def until(predicate: Callable[[], bool], what: str) -> None:
    """Wait up to 10 s of real I/O (the broker) until ``predicate`` holds."""
    for _ in range(500):
        if predicate():
            return
        await asyncio.sleep(0.02)
    pytest.fail(f"timed out waiting for: {what}")
