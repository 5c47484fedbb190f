"""Logbook texts of care events, in Home Assistant's language.

Each event carries ``type``; the message is the ``common.logbook_<type>`` text.
The logbook itself shows who acted (the event context's user).
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant, callback

from ..const import DOMAIN, LogbookDescriber
from ..texts import cached_texts
from .const import EVENT_ALARM, EVENT_SENSOR, EVENT_SUPERVISION


@callback
def async_describe_events(hass: HomeAssistant, async_describe_event: LogbookDescriber) -> None:
    """Describe the care events for the logbook."""

    @callback
    def describe(event: Event) -> dict[str, Any]:
        data = event.data
        kind = str(data.get("type", ""))
        texts = cached_texts(hass)
        key = f"logbook_{kind}"
        entry: dict[str, Any] = {
            LOGBOOK_ENTRY_NAME: data.get("apartment") or DOMAIN,
            LOGBOOK_ENTRY_MESSAGE: texts.get(key) if texts.has(key) else kind.replace("_", " "),
        }
        if isinstance(sensor := data.get("sensor_id"), str):
            entry[LOGBOOK_ENTRY_ENTITY_ID] = sensor
        return entry

    for event_type in (EVENT_ALARM, EVENT_SENSOR, EVENT_SUPERVISION):
        async_describe_event(DOMAIN, event_type, describe)
