"""Downlinks of a network-server connection: the route by transport and server, and the log.

Routes:

* MQTT, ChirpStack: publish ``<prefix>/device/<devEui>/command/down``.
* MQTT, The Things Stack: publish ``<prefix>/devices/<device id>/down/push``.
* Webhook, The Things Stack: POST to the device's ``X-Downlink-Push`` URL with the
  ``X-Downlink-Apikey`` key; both are remembered from TTS's own (authenticated) webhook
  calls, per device, in the store ``<entry id>.downlink`` (the key is redacted in
  diagnostics).
* Webhook, ChirpStack: POST ``<REST API URL>/api/devices/<devEui>/queue`` with the API
  token from the options (the ``chirpstack-rest-api`` gRPC gateway; docs/design/downlinks.md).

Each downlink sent, and each report of the server about one (sent, acknowledged, not
acknowledged, failed), fires :data:`EVENT_DOWNLINK` on the device; the logbook shows it
with the user who sent it (the action's context).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Final

import aiohttp
import probatio as vol
from homeassistant.core import Context, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.storage import Store
from homeassistant.util.hass_dict import HassKey
from homeassistant.util.json import json_loads

from ..const import DOMAIN, LOGGER
from ..lorawan import downlink as dl
from ..lorawan.messages import DownlinkReport, Join, Message, Server, Uplink
from ..lorawan.topics import valid_segment
from ..store import StoreSchema, async_load_validated, domain_store
from .const import CONF_SERVER, is_mqtt, topic_prefix
from .device import DeviceData
from .hub import LoRaWANConfigEntry

EVENT_DOWNLINK: Final = f"{DOMAIN}_downlink"
STATUS_QUEUED: Final = "queued"  # our own entry: handed to the network server

# Options of a ChirpStack webhook connection (redacted in diagnostics: the token).
CONF_CS_API_URL: Final = "chirpstack_api_url"
CONF_CS_API_TOKEN: Final = "chirpstack_api_token"  # noqa: S105 - a config key
# In the store and diagnostics.
TTS_API_KEY: Final = "tts_api_key"
PUSH_URLS: Final = "push_urls"

HTTP_TIMEOUT: Final = 10  # seconds for one POST to the network server
SENT_REMEMBERED: Final = 256  # ChirpStack queue item ids kept to name a report's payload
SAVE_DELAY: Final = 5
MAX_ANSWER: Final = 4096  # bytes of a server's answer read

HEADER_PUSH: Final = "X-Downlink-Push"
HEADER_KEY: Final = "X-Downlink-Apikey"
MAX_KEY_LENGTH: Final = 1024

_STATES: HassKey[dict[str, DownlinkState]] = HassKey(f"{DOMAIN}_downlinks")
_SCHEMA = StoreSchema(maps={PUSH_URLS: str}, values={TTS_API_KEY: vol.Any(None, str)})


def store_key(entry_id: str) -> str:
    """Return the storage key of an entry's downlink settings."""
    return f"{entry_id}.downlink"


@dataclass
class DownlinkState:
    """What one connection needs to send downlinks, and its counters."""

    store: Store[dict[str, Any]]
    push_urls: dict[str, str] = field(default_factory=dict)
    api_key: str | None = None
    sent: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    dirty: bool = False  # a change that the delayed save has not written yet
    # ChirpStack queue item id -> hex payload of the latest downlinks (memory only).
    payloads: OrderedDict[str, str] = field(default_factory=OrderedDict)

    def sent_payload(self, reference: str | None, payload: str) -> None:
        """Remember which payload a queue item id stands for (the oldest is forgotten)."""
        if reference:
            self.payloads[reference] = payload
            if len(self.payloads) > SENT_REMEMBERED:
                self.payloads.popitem(last=False)

    def as_stored(self) -> dict[str, Any]:
        """Return the data to save."""
        return {PUSH_URLS: dict(self.push_urls), TTS_API_KEY: self.api_key}

    def diagnostics(self) -> dict[str, Any]:
        """Return the counters; the key under a redacted name, the URLs only counted."""
        return {
            "sent": self.sent,
            "failures": dict(self.failures),
            "tts_push_devices": len(self.push_urls),
            TTS_API_KEY: self.api_key,
        }


async def async_load_state(hass: HomeAssistant, entry: LoRaWANConfigEntry) -> None:
    """Load the entry's downlink settings; forget them from memory on unload."""
    store = domain_store(hass, store_key(entry.entry_id))
    stored = await async_load_validated(hass, store, _SCHEMA)
    states = hass.data.setdefault(_STATES, {})
    states[entry.entry_id] = DownlinkState(
        store, dict(stored.get(PUSH_URLS, {})), stored.get(TTS_API_KEY)
    )

    @callback
    def forget() -> None:  # also after a failed set-up; async_unload_state writes first
        states.pop(entry.entry_id, None)

    entry.async_on_unload(forget)


async def async_unload_state(hass: HomeAssistant, entry: LoRaWANConfigEntry) -> None:
    """Write a change not yet saved, so that a reload right after it keeps it."""
    state = state_of(hass, entry.entry_id)
    if state is not None and state.dirty:
        state.dirty = False
        await state.store.async_save(state.as_stored())


def state_of(hass: HomeAssistant, entry_id: str) -> DownlinkState | None:
    """Return the downlink state of a loaded entry."""
    return hass.data.get(_STATES, {}).get(entry_id)


@callback
def remember_push(
    hass: HomeAssistant, entry: LoRaWANConfigEntry, message: Message, headers: Mapping[str, str]
) -> None:
    """Keep the push URL and key TTS sends with each (authenticated) call about a device."""
    push, key = headers.get(HEADER_PUSH), headers.get(HEADER_KEY)
    if not push or not key or not isinstance(message, Uplink | Join | DownlinkReport):
        return
    state = state_of(hass, entry.entry_id)
    dev_eui = message.device.dev_eui
    if state is None or (state.push_urls.get(dev_eui) == push and state.api_key == key):
        return  # the usual case: TTS sends the same URL and key with every call
    if dev_eui not in entry.runtime_data.devices:
        return  # not added (auto-add off, or over the limit): nothing to send to
    if dl.valid_push_url(push) and len(key) <= MAX_KEY_LENGTH:
        state.push_urls[dev_eui] = push
        state.api_key = key
        state.dirty = True
        state.store.async_delay_save(state.as_stored, SAVE_DELAY)


# ----- sending ---------------------------------------------------------------------


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


class DownlinkSendError(HomeAssistantError):
    """The network server did not take the downlink (translated)."""

    def __init__(self, reason: str, **placeholders: str) -> None:
        """Name the translated reason; ``reason`` is also the diagnostics counter."""
        super().__init__(
            translation_domain=DOMAIN,
            translation_key=f"downlink_{reason}",
            translation_placeholders=placeholders,
        )
        self.reason = reason


async def async_send(
    hass: HomeAssistant,
    entry: LoRaWANConfigEntry,
    device: DeviceData,
    downlink: dl.Downlink,
    context: Context | None,
) -> None:
    """Send one downlink on the entry's route and log it; raise a translated error."""
    state = state_of(hass, entry.entry_id)
    if state is None:
        raise _invalid("downlink_not_loaded", name=entry.title)
    try:
        route, reference = await _async_route(hass, entry, state, device, downlink)
    except DownlinkSendError as err:
        state.failures[err.reason] = state.failures.get(err.reason, 0) + 1
        raise
    state.sent += 1
    LOGGER.info(
        "Downlink to %s (%s) on fPort %s sent via %s",
        device.name,
        device.dev_eui,
        downlink.f_port,
        route,
    )
    payload = downlink.payload.hex()
    state.sent_payload(reference, payload)
    fire(
        hass,
        entry,
        device.dev_eui,
        STATUS_QUEUED,
        f_port=downlink.f_port,
        context=context,
        payload=payload,
    )


async def _async_route(
    hass: HomeAssistant,
    entry: LoRaWANConfigEntry,
    state: DownlinkState,
    device: DeviceData,
    downlink: dl.Downlink,
) -> tuple[str, str | None]:
    """Send on the entry's route; return its name and ChirpStack's queue item id."""
    server = Server(entry.data[CONF_SERVER])
    dev_eui = device.dev_eui
    if is_mqtt(entry.data):
        from .mqtt_publish import async_publish_json  # noqa: PLC0415 - MQTT entries only

        prefix = topic_prefix(entry.data)
        if server is Server.CHIRPSTACK:
            topic = dl.chirpstack_command_topic(prefix, dev_eui)
            command_id = str(uuid.uuid4())
            command = dl.chirpstack_command(dev_eui, downlink, command_id)
            await async_publish_json(hass, topic, command)
            return "ChirpStack MQTT", command_id
        # TTS names devices by their device id: the name TTS reported (end_device_ids).
        if not valid_segment(device.name):
            raise _invalid("downlink_no_device_id", name=device.name)
        topic = dl.tts_push_topic(prefix, device.name)
        await async_publish_json(hass, topic, dl.tts_push(downlink))
        return "The Things Stack MQTT", None
    if server is Server.TTS:
        url = state.push_urls.get(dev_eui)
        if url is None or state.api_key is None:
            raise _invalid("downlink_no_route_tts", name=device.name)
        await _async_post(hass, url, state.api_key, dl.tts_push(downlink))
        return "The Things Stack push URL", None
    base = str(entry.options.get(CONF_CS_API_URL) or "").rstrip("/")
    token = entry.options.get(CONF_CS_API_TOKEN)
    if not base or not token:
        raise _invalid("downlink_no_route_chirpstack", name=device.name)
    url = f"{base}/api/devices/{dev_eui}/queue"
    answer = await _async_post(hass, url, str(token), dl.chirpstack_queue_item(downlink))
    queue_id = answer.get("id") if isinstance(answer, dict) else None
    return "ChirpStack REST API", queue_id if isinstance(queue_id, str) else None


async def _async_post(hass: HomeAssistant, url: str, token: str, body: dict[str, Any]) -> Any:
    """POST JSON with a bearer token; return the JSON answer (None if it has none).

    Each failure becomes a translated error.
    """
    session = async_get_clientsession(hass)
    headers = {"Authorization": f"Bearer {token}"}
    try:
        async with (
            asyncio.timeout(HTTP_TIMEOUT),
            session.post(url, json=body, headers=headers) as response,
        ):
            text = (await response.content.read(MAX_ANSWER)).decode(errors="replace")
            if response.status < HTTPStatus.MULTIPLE_CHOICES:
                return _json_or_none(text)
            text = text[:200]
    except TimeoutError:
        raise DownlinkSendError("timeout", seconds=str(HTTP_TIMEOUT)) from None
    except aiohttp.ClientError as err:
        raise DownlinkSendError("connection", error=str(err)[:200] or type(err).__name__) from None
    status = response.status
    LOGGER.warning("The network server refused a downlink (%s): %s", status, text)
    if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
        raise DownlinkSendError("unauthorized", status=str(status))
    if status == HTTPStatus.NOT_FOUND:
        raise DownlinkSendError("not_found", status=str(status))
    raise DownlinkSendError("http_error", status=str(status), text=text)


def _json_or_none(text: str) -> Any:
    try:
        return json_loads(text)
    except ValueError:
        return None


# ----- the log ---------------------------------------------------------------------


@callback
def fire(  # noqa: PLR0913 - the fields of one log entry
    hass: HomeAssistant,
    entry: LoRaWANConfigEntry,
    dev_eui: str,
    status: str,
    *,
    f_port: int | None,
    context: Context | None,
    payload: str | None = None,
) -> None:
    """Fire the downlink event on the device (the logbook describes it)."""
    registry = dr.async_get(hass)
    ha_device = registry.async_get_device_by_identifier((DOMAIN, dev_eui), entry.entry_id)
    hub_device = entry.runtime_data.devices.get(dev_eui)
    data: dict[str, Any] = {
        "device_id": ha_device.id if ha_device else None,
        "dev_eui": dev_eui,
        "name": (ha_device and ha_device.name_by_user) or (hub_device and hub_device.name),
        "status": status,
        "f_port": f_port,
        "config_entry_id": entry.entry_id,
    }
    if payload is not None:
        data["payload"] = payload
    hass.bus.async_fire(EVENT_DOWNLINK, data, context=context)


@callback
def report(hass: HomeAssistant, entry: LoRaWANConfigEntry, message: Message) -> None:
    """Log what the server reports about a downlink of one of the entry's devices."""
    if isinstance(message, DownlinkReport) and message.device.dev_eui in entry.runtime_data.devices:
        state = state_of(hass, entry.entry_id)
        known = state.payloads if state else {}
        payload = known.get(message.reference) if message.reference else None
        dev_eui, status = message.device.dev_eui, message.status
        fire(hass, entry, dev_eui, status, f_port=message.f_port, context=None, payload=payload)
