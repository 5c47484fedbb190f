"""Logbook texts of care events, in Home Assistant's language.

Each event carries ``type``; the message is the ``common.logbook_<type>`` text.
The logbook itself shows who acted (the event context's user).
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import Event, HomeAssistant, callback

from ..const import DOMAIN, LogbookDescriber
from ..supervision.events import EventKind
from ..supervision.journal import RESOLVED_WITHOUT_MOTION
from ..texts import logbook_entry
from .const import EVENT_ALARM, EVENT_SENSOR, EVENT_SUPERVISION


@callback
def async_describe_events(hass: HomeAssistant, async_describe_event: LogbookDescriber) -> None:
    """Describe the care events for the logbook."""

    @callback
    def describe(event: Event) -> dict[str, Any]:
        data = event.data
        kind = str(data.get("type", ""))
        if kind == EventKind.RESOLVED and data.get("motion_returned") is False:
            kind = RESOLVED_WITHOUT_MOTION
        return logbook_entry(
            hass,
            data.get("apartment"),
            f"logbook_{kind}",
            kind.replace("_", " "),
            data.get("sensor_id"),
        )

    for event_type in (EVENT_ALARM, EVENT_SENSOR, EVENT_SUPERVISION):
        async_describe_event(DOMAIN, event_type, describe)
