"""Actions ``send_downlink``, ``set_reporting_interval`` and ``reboot_device``; their log text."""

from __future__ import annotations

from typing import Any, Final

import probatio as vol
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Event, HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr

from ..const import CONF_ENTRY_TYPE, DOMAIN, ENTRY_NETWORK_SERVER, LogbookDescriber
from ..lorawan import downlink as dl
from ..texts import LOGBOOK_ENTRY_MESSAGE, LOGBOOK_ENTRY_NAME, cached_texts
from .device import DeviceData
from .downlink import EVENT_DOWNLINK, async_send
from .hub import LoRaWANConfigEntry

SERVICE_SEND_DOWNLINK: Final = "send_downlink"
SERVICE_SET_REPORTING_INTERVAL: Final = "set_reporting_interval"
SERVICE_REBOOT_DEVICE: Final = "reboot_device"
ATTR_DEVICE_ID: Final = "device_id"
ATTR_F_PORT: Final = "f_port"
ATTR_PAYLOAD: Final = "payload"
ATTR_CONFIRMED: Final = "confirmed"
ATTR_MINUTES: Final = "minutes"

# Ranges are checked by the encoders, with translated errors; the schema checks types.
_BASE = {
    vol.Required(ATTR_DEVICE_ID): cv.string,
    vol.Optional(ATTR_CONFIRMED, default=False): cv.boolean,
}
SEND_DOWNLINK_SCHEMA = vol.Schema(
    {**_BASE, vol.Required(ATTR_F_PORT): vol.Coerce(int), vol.Required(ATTR_PAYLOAD): cv.string}
)
SET_INTERVAL_SCHEMA = vol.Schema(
    {
        **_BASE,
        vol.Required(ATTR_MINUTES): vol.Coerce(int),
        vol.Optional(ATTR_F_PORT): vol.Coerce(int),
    }
)
REBOOT_SCHEMA = vol.Schema({**_BASE, vol.Optional(ATTR_F_PORT): vol.Coerce(int)})


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


def _target(hass: HomeAssistant, device_id: str) -> tuple[LoRaWANConfigEntry, DeviceData]:
    """Return the loaded connection of a LoRaWAN device and what its hub knows of it."""
    ha_device = dr.async_get(hass).async_get(device_id)
    identifiers = ha_device.identifiers if ha_device else set()
    dev_eui = next((ident for domain, ident in identifiers if domain == DOMAIN), None)
    if ha_device is None or dev_eui is None:
        raise _invalid("downlink_unknown_device", device_id=device_id)
    for entry_id in ha_device.config_entries:
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN:
            continue
        if entry.data.get(CONF_ENTRY_TYPE, ENTRY_NETWORK_SERVER) != ENTRY_NETWORK_SERVER:
            continue
        if entry.state is not ConfigEntryState.LOADED:
            raise _invalid("downlink_not_loaded", name=entry.title)
        if (device := entry.runtime_data.devices.get(dev_eui)) is not None:
            return entry, device
    raise _invalid("downlink_unknown_device", device_id=device_id)


def _build(call: ServiceCall, device: DeviceData) -> dl.Downlink:
    """Build the call's downlink; a value out of range becomes a translated error."""
    data = call.data
    try:
        if call.service == SERVICE_SEND_DOWNLINK:
            payload = dl.parse_hex(data[ATTR_PAYLOAD])
            return dl.Downlink(data[ATTR_F_PORT], payload, data[ATTR_CONFIRMED])
        commands = dl.COMMANDS.get(device.model_id)
        if commands is None:
            raise _invalid("downlink_unsupported_model", name=device.name, model=device.model)
        if call.service == SERVICE_SET_REPORTING_INTERVAL:
            payload = commands.reporting_interval(data[ATTR_MINUTES])
        else:
            payload = commands.reboot()
        f_port = data.get(ATTR_F_PORT, commands.f_port)
        return dl.Downlink(f_port, payload, data[ATTR_CONFIRMED])
    except dl.DownlinkValueError as err:
        raise _invalid(err.key, **err.placeholders) from None


@callback
def async_setup_actions(hass: HomeAssistant) -> None:
    """Register the downlink actions."""

    async def handle(call: ServiceCall) -> None:
        entry, device = _target(hass, call.data[ATTR_DEVICE_ID])
        await async_send(hass, entry, device, _build(call, device), call.context)

    for service, schema in (
        (SERVICE_SEND_DOWNLINK, SEND_DOWNLINK_SCHEMA),
        (SERVICE_SET_REPORTING_INTERVAL, SET_INTERVAL_SCHEMA),
        (SERVICE_REBOOT_DEVICE, REBOOT_SCHEMA),
    ):
        hass.services.async_register(DOMAIN, service, handle, schema=schema)


@callback
def async_describe_events(hass: HomeAssistant, async_describe_event: LogbookDescriber) -> None:
    """Describe downlink events: what was sent, or what the server reported."""

    @callback
    def describe(event: Event) -> dict[str, Any]:
        data = event.data
        texts = cached_texts(hass)
        key = f"logbook_downlink_{data.get('status')}"
        placeholders = {"port": data.get("f_port") or "?", "payload": data.get("payload", "")}
        # A report names its payload only when it is known: no double space without it.
        message = " ".join(texts.get(key, **placeholders).split()) if texts.has(key) else ""
        message = message or str(data.get("status"))
        return {LOGBOOK_ENTRY_NAME: data.get("name") or DOMAIN, LOGBOOK_ENTRY_MESSAGE: message}

    async_describe_event(DOMAIN, EVENT_DOWNLINK, describe)
