"""Logbook texts of this integration's events, from each kind's wing (see kinds.py)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback

from .const import LogbookDescriber
from .kinds import KINDS


@callback
def async_describe_events(hass: HomeAssistant, async_describe_event: LogbookDescriber) -> None:
    """Describe every kind's events for the logbook."""
    for kind in KINDS.values():
        if kind.describe_events is not None:
            kind.describe_events(hass, async_describe_event)
