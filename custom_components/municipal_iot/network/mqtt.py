"""MQTT transport: an entry's uplinks through Home Assistant's own MQTT connection.

The entry subscribes with ``mqtt.async_subscribe`` to its network server's event
topics. Each message is bounded, parsed by the same parsers as the webhook and
handed to the same hub; bad messages are counted and logged like rejected webhook
requests (at most once per reason per ten minutes). HA's ``mqtt`` integration is
imported here only, so an installation without MQTT never loads it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from http import HTTPStatus

from homeassistant.components import mqtt
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.util import dt as dt_util
from homeassistant.util.json import json_loads

from ..const import DOMAIN, LOGGER
from ..lorawan import chirpstack, topics, tts
from ..lorawan.messages import Ignored, Message, SchemaError, Server
from .const import CONF_SERVER, MAX_BODY_BYTES, topic_prefix
from .downlink import report
from .hub import LoRaWANConfigEntry
from .receiver import Rejected

# At least once from the broker; the hub drops the repeats.
QOS = 1


async def async_require_mqtt(hass: HomeAssistant) -> None:
    """Wait for HA's MQTT client; an entry is retried while MQTT is not set up."""
    if not await mqtt.async_wait_for_mqtt_client(hass):
        raise ConfigEntryNotReady(translation_domain=DOMAIN, translation_key="mqtt_not_ready")


async def async_subscribe_entry(hass: HomeAssistant, entry: LoRaWANConfigEntry) -> CALLBACK_TYPE:
    """Subscribe the entry to its topics; return the unsubscribe callback."""
    server = Server(entry.data[CONF_SERVER])
    prefix = topic_prefix(entry.data)
    handler = make_handler(entry, server, prefix)
    unsubscribes = [
        await mqtt.async_subscribe(hass, topic, handler, qos=QOS, encoding=None)
        for topic in topics.subscriptions(server, prefix)
    ]

    @callback
    def unsubscribe() -> None:
        for cancel in unsubscribes:
            cancel()

    return unsubscribe


def make_handler(
    entry: LoRaWANConfigEntry, server: Server, prefix: str
) -> Callable[[mqtt.ReceiveMessage], None]:
    """Return the message callback of an entry (it never raises into HA's MQTT client)."""

    @callback
    def handle(msg: mqtt.ReceiveMessage) -> None:
        hub = entry.runtime_data
        try:
            message = parse_message(server, prefix, msg.topic, msg.payload)
            hub.async_handle(message)
            report(hub.hass, entry, message)
        except Rejected as err:
            if hub.rejections.record(err.counter, time.monotonic()):
                LOGGER.warning(
                    "Rejected an MQTT message for %s on %s: %s. This is logged at most once "
                    "per 10 minutes per reason; the diagnostics count all of them",
                    entry.title,
                    msg.topic[:200],
                    err.reason,
                )
        except Exception:  # noqa: BLE001 - a callback must never raise into HA's MQTT client
            if hub.rejections.record("internal_error", time.monotonic()):
                LOGGER.exception("Unexpected error while handling an uplink for %s", entry.title)

    return handle


def _reject(reason: str, counter: str) -> Rejected:
    return Rejected(HTTPStatus.BAD_REQUEST, reason, counter)


def parse_message(
    server: Server, prefix: str, topic: str, payload: bytes | bytearray | str
) -> Message:
    """Bound, parse and validate one MQTT message."""
    named = topics.topic_event(server, prefix, topic)
    if named is None:
        raise _reject("topic does not match the connection's topics", "topic")
    if len(payload) > MAX_BODY_BYTES:
        raise _reject("payload over 64 KiB", "too_large")
    try:
        data = json_loads(payload)  # the webhook's parser: strict, no NaN or lone surrogates
    except ValueError:
        raise _reject(
            "payload is not JSON: set the network server's MQTT integration to JSON", "not_json"
        ) from None
    now = dt_util.utcnow()
    try:
        if server is Server.CHIRPSTACK:
            message = chirpstack.parse(named.event, data, now)
        else:
            message = tts.parse(data, now)
    except SchemaError as err:
        raise _reject(f"invalid payload: {err}", "schema") from None
    if not isinstance(message, Ignored):
        # The topic names the device too: a body for another device is refused.
        ident = message.device
        named_as = ident.dev_eui if server is Server.CHIRPSTACK else ident.name
        if named_as != (named.device.lower() if server is Server.CHIRPSTACK else named.device):
            raise _reject("the topic and the payload name different devices", "topic_mismatch")
    return message
