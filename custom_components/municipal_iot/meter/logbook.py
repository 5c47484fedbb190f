"""Logbook texts of leak events, in Home Assistant's language."""

from __future__ import annotations

from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant, callback

from ..const import DOMAIN, EVENT_LEAK, LogbookDescriber
from ..texts import cached_texts


@callback
def async_describe_events(hass: HomeAssistant, async_describe_event: LogbookDescriber) -> None:
    """Describe the leak events for the logbook."""

    @callback
    def describe(event: Event) -> dict[str, Any]:
        data = event.data
        state = "on" if data.get("active") else "off"
        key = f"logbook_leak_{data.get('type')}_{state}"
        texts = cached_texts(hass)
        entry: dict[str, Any] = {
            LOGBOOK_ENTRY_NAME: data.get("name") or DOMAIN,
            LOGBOOK_ENTRY_MESSAGE: texts.get(key)
            if texts.has(key)
            else f"{data.get('type')} {state}",
        }
        if isinstance(entity_id := data.get("entity_id"), str):
            entry[LOGBOOK_ENTRY_ENTITY_ID] = entity_id
        return entry

    async_describe_event(DOMAIN, EVENT_LEAK, describe)
