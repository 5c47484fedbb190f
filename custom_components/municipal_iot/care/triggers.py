"""Device triggers of apartments: alarm raised, acknowledged, resolved; sensor problem."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from ..const import EventTrigger
from ..supervision.events import EventKind
from .const import EVENT_ALARM, EVENT_SENSOR, SUBENTRY_APARTMENT
from .unit import CareUnitConfigEntry

TRIGGERS: Final = {
    "alarm_raised": EventTrigger(EVENT_ALARM, {"type": EventKind.ALARM_RAISED.value}),
    "alarm_acknowledged": EventTrigger(EVENT_ALARM, {"type": EventKind.ACKNOWLEDGED.value}),
    "alarm_resolved": EventTrigger(EVENT_ALARM, {"type": EventKind.RESOLVED.value}),
    "sensor_problem": EventTrigger(EVENT_SENSOR, {"type": EventKind.SENSOR_PROBLEM.value}),
}


def device_triggers(
    hass: HomeAssistant, entry: CareUnitConfigEntry, device: dr.DeviceEntry
) -> Iterable[str]:
    """Return the triggers of an apartment's device (the unit's own device has none)."""
    subentry = entry.subentries.get(device.config_subentry_id or "")
    if subentry is None or subentry.subentry_type != SUBENTRY_APARTMENT:
        return ()
    return TRIGGERS
