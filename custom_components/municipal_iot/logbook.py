"""Logbook entries for this integration's events, in Home Assistant's language.

Each event carries ``type``; the message is the ``common.logbook_<type>`` text.
The logbook itself shows who acted (the event context's user).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.translation import async_get_cached_translations

from .care_const import EVENT_ALARM, EVENT_SENSOR, EVENT_SUPERVISION
from .const import DOMAIN
from .meter_const import EVENT_LEAK

DESCRIBED_EVENTS = (EVENT_ALARM, EVENT_SENSOR, EVENT_SUPERVISION)


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, Any]]], None],
) -> None:
    """Describe the integration's events for the logbook."""

    @callback
    def describe(event: Event) -> dict[str, Any]:
        data = event.data
        kind = str(data.get("type", ""))
        texts = async_get_cached_translations(hass, hass.config.language, "common", DOMAIN)
        message = texts.get(f"component.{DOMAIN}.common.logbook_{kind}", kind.replace("_", " "))
        entry: dict[str, Any] = {
            LOGBOOK_ENTRY_NAME: data.get("apartment") or DOMAIN,
            LOGBOOK_ENTRY_MESSAGE: message,
        }
        if isinstance(sensor := data.get("sensor_id"), str):
            entry[LOGBOOK_ENTRY_ENTITY_ID] = sensor
        return entry

    @callback
    def describe_leak(event: Event) -> dict[str, Any]:
        data = event.data
        state = "on" if data.get("active") else "off"
        texts = async_get_cached_translations(hass, hass.config.language, "common", DOMAIN)
        key = f"component.{DOMAIN}.common.logbook_leak_{data.get('type')}_{state}"
        entry: dict[str, Any] = {
            LOGBOOK_ENTRY_NAME: data.get("name") or DOMAIN,
            LOGBOOK_ENTRY_MESSAGE: texts.get(key, f"{data.get('type')} {state}"),
        }
        if isinstance(entity_id := data.get("entity_id"), str):
            entry[LOGBOOK_ENTRY_ENTITY_ID] = entity_id
        return entry

    for event_type in DESCRIBED_EVENTS:
        async_describe_event(DOMAIN, event_type, describe)
    async_describe_event(DOMAIN, EVENT_LEAK, describe_leak)
