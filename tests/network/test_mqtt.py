"""MQTT transport against a real mosquitto: the config flow, uplinks, bad messages, unload."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.util import dt as dt_util

from custom_components.municipal_iot.const import DOMAIN
from custom_components.municipal_iot.lorawan.messages import Server
from custom_components.municipal_iot.network.hub import LoRaWANHub
from custom_components.municipal_iot.network.mqtt import parse_message
from custom_components.municipal_iot.network.receiver import Rejected
from tests.network import (
    CS_APPLICATION,
    chirpstack_up,
    load_json,
    mqtt_entry,
    setup_entry,
    tts_uplink,
    until,
    uplink_topic,
)
from tests.network.conftest import Publisher

# No frozen clock here: the broker is real I/O, so the bodies carry the real time.
DEV = "a81758fffe0312ab"


def _handled(hub: LoRaWANHub) -> int:
    return sum(hub.counters.values()) + sum(hub.rejections.counts.values())


async def _send(hass: HomeAssistant, publish: Publisher, entry: Any, topic: str, body: Any) -> None:
    """Publish through the broker and wait until the hub has handled the message."""
    hub: LoRaWANHub = entry.runtime_data
    client = hass.data["mqtt"].client
    # HA's client sends subscriptions after a cooldown; wait until the broker has them.
    await until(lambda: not client._pending_subscriptions, "subscriptions sent")
    await asyncio.sleep(0.3)  # the broker's SUBACK
    before = _handled(hub)
    await publish(topic, body)
    await until(lambda: _handled(hub) > before, f"the hub handles {topic}")
    await hass.async_block_till_done()


async def _flow_to_mqtt_form(hass: HomeAssistant, server: str) -> Any:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "network_server"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"name": "Ånge MQTT", "server": server}
    )
    assert result["type"] is FlowResultType.MENU
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "network_mqtt"}
    )


@pytest.mark.usefixtures("mqtt_connected")
async def test_chirpstack_connection_through_the_flow(
    hass: HomeAssistant, mqtt_publish: Publisher
) -> None:
    """The flow creates a ChirpStack MQTT connection; a publish becomes an entity state."""
    result = await _flow_to_mqtt_form(hass, "chirpstack")
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "network_mqtt_chirpstack"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"application_id": f" {CS_APPLICATION} "}
    )
    assert result["step_id"] == "mqtt_instructions"
    topic = f"`application/{CS_APPLICATION}/device/+/event/+`"
    assert result["description_placeholders"] == {"topics": topic}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        "entry_type": "network_server",
        "transport": "mqtt",
        "server": "chirpstack",
        "application_id": CS_APPLICATION,
        "topic_prefix": "",
    }
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED

    now = dt_util.utcnow().isoformat()
    body = chirpstack_up("0100e2022905000a", name="lgh-3", time=now)  # 22.6 °C
    await _send(hass, mqtt_publish, entry, uplink_topic("chirpstack", DEV), body)
    temperature = hass.states.get("sensor.lgh_3_temperature")
    assert temperature is not None
    assert temperature.state == "22.6"
    assert entry.runtime_data.counters["applied"] == 1


async def test_flow_aborts_without_mqtt(hass: HomeAssistant) -> None:
    """Without HA's MQTT integration the MQTT choice aborts with a translated reason."""
    result = await _flow_to_mqtt_form(hass, "chirpstack")
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "mqtt_not_set_up"


@pytest.mark.usefixtures("mqtt_connected")
async def test_tts_form_errors_then_custom_prefix(hass: HomeAssistant) -> None:
    """Ids with topic wildcards and bad prefixes are refused; TTS asks for the tenant."""
    result = await _flow_to_mqtt_form(hass, "tts")
    assert result["step_id"] == "network_mqtt_tts"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"application_id": "sol+rosen", "tenant_id": "a/b", "topic_prefix": "v3//x"},
    )
    assert result["errors"] == {
        "application_id": "invalid_topic_level",
        "tenant_id": "invalid_topic_level",
        "topic_prefix": "invalid_topic_prefix",
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"application_id": "solrosen", "tenant_id": "ange", "topic_prefix": "/site/v3/"},
    )
    events = ("up", "join", "down/ack", "down/nack", "down/sent", "down/failed")
    assert result["description_placeholders"] == {
        "topics": ", ".join(f"`site/v3/devices/+/{event}`" for event in events)
    }


@pytest.mark.usefixtures("mqtt_connected")
async def test_reconfigure_mqtt_entry(hass: HomeAssistant) -> None:
    """Reconfigure of an MQTT connection edits its topics and reloads it."""
    entry = await setup_entry(hass, mqtt_entry("tts"))
    assert entry.state is ConfigEntryState.LOADED
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "network_mqtt_tts"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"application_id": "solrosen", "tenant_id": "ange"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "mqtt_updated"
    await hass.async_block_till_done()
    assert entry.data["tenant_id"] == "ange"
    assert entry.state is ConfigEntryState.LOADED


async def test_entry_waits_for_mqtt(hass: HomeAssistant) -> None:
    """An MQTT connection without HA's MQTT integration is retried, not failed."""
    entry = mqtt_entry("chirpstack")
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY


@pytest.mark.parametrize(
    ("topic", "payload", "counter"),
    [
        ("elsewhere/x", b"{}", "topic"),
        (uplink_topic("chirpstack", DEV), b"\x0a\x02", "not_json"),
        (uplink_topic("chirpstack", DEV), b" " * 70_000, "too_large"),
        (uplink_topic("chirpstack", DEV), b"[]", "schema"),
        (uplink_topic("chirpstack", "0000000000000001"), None, "topic_mismatch"),
    ],
)
def test_bad_messages_are_rejected(topic: str, payload: bytes | None, counter: str) -> None:
    """Each bad message is refused with the webhook's reason counters."""
    body = payload if payload is not None else json.dumps(chirpstack_up("0100e2")).encode()
    with pytest.raises(Rejected) as err:
        parse_message(Server.CHIRPSTACK, f"application/{CS_APPLICATION}", topic, body)
    assert err.value.counter == counter


def test_tts_topic_names_the_device_id() -> None:
    """A TTS uplink is accepted on its device's topic and refused on another's."""
    prefix = "v3/solrosen@ttn"
    body = json.dumps(tts_uplink("0100e2", device_id="lgh-3")).encode()
    message = parse_message(Server.TTS, prefix, f"{prefix}/devices/lgh-3/up", body)
    assert message.device.name == "lgh-3"  # type: ignore[union-attr]
    with pytest.raises(Rejected):
        parse_message(Server.TTS, prefix, f"{prefix}/devices/lgh-4/up", body)
    join = json.dumps(load_json("network/tts_join_accept.json")).encode()
    device_id = load_json("network/tts_join_accept.json")["end_device_ids"]["device_id"]
    assert parse_message(Server.TTS, prefix, f"{prefix}/devices/{device_id}/join", join)
    log = json.dumps(load_json("network/chirpstack_log.json")).encode()
    ignored = parse_message(
        Server.CHIRPSTACK,
        "application/a",
        "application/a/device/0101010101010101/event/log",
        log,
    )
    assert ignored.kind == "log"  # type: ignore[union-attr]


@pytest.mark.usefixtures("mqtt_connected")
async def test_bad_message_counted_and_logged_once(
    hass: HomeAssistant, mqtt_publish: Publisher, caplog: pytest.LogCaptureFixture
) -> None:
    """Bad messages over the broker are counted; the log line is rate-limited."""
    entry = await setup_entry(hass, mqtt_entry("chirpstack"))
    for _ in range(2):
        await _send(hass, mqtt_publish, entry, uplink_topic("chirpstack", DEV), b"not json")
    assert entry.runtime_data.rejections.counts["not_json"] == 2
    assert caplog.text.count("Rejected an MQTT message") == 1
    assert await hass.config_entries.async_unload(entry.entry_id)


@pytest.mark.usefixtures("mqtt_connected")
async def test_unexpected_error_is_contained(
    hass: HomeAssistant, mqtt_publish: Publisher, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug while handling a message is counted and logged, never raised into HA's client."""
    entry = await setup_entry(hass, mqtt_entry("chirpstack"))
    body = chirpstack_up("0100e2", time=dt_util.utcnow().isoformat())
    with patch.object(entry.runtime_data, "async_handle", side_effect=RuntimeError("bug")):
        await _send(hass, mqtt_publish, entry, uplink_topic("chirpstack", DEV), body)
    assert entry.runtime_data.rejections.counts["internal_error"] == 1
    assert "Unexpected error while handling an uplink" in caplog.text
