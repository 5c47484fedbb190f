"""Logbook texts of leak events, in Home Assistant's language."""

from __future__ import annotations

from typing import Any

from homeassistant.core import Event, HomeAssistant, callback

from ..const import DOMAIN, EVENT_LEAK, LogbookDescriber
from ..texts import logbook_entry


@callback
def async_describe_events(hass: HomeAssistant, async_describe_event: LogbookDescriber) -> None:
    """Describe the leak events for the logbook."""

    @callback
    def describe(event: Event) -> dict[str, Any]:
        data = event.data
        state = "on" if data.get("active") else "off"
        rule = data.get("type")
        return logbook_entry(
            hass,
            data.get("name"),
            f"logbook_leak_{rule}_{state}",
            f"{rule} {state}",
            data.get("entity_id"),
        )

    async_describe_event(DOMAIN, EVENT_LEAK, describe)
