"""Diagnostics of a care unit and of its apartments' devices (no personal data in them).

Notify targets are named after the staff member's phone (``mobile_app_<first>_<last>``):
they are redacted wherever they occur (:data:`TO_REDACT`, applied by the root).
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .apartment import Apartment
from .const import CONF_ESCALATION_TARGETS, CONF_STAFF_TARGETS
from .unit import CareUnitConfigEntry

TO_REDACT = frozenset({CONF_STAFF_TARGETS, CONF_ESCALATION_TARGETS, "targets", "target"})


def _apartment(apartment: Apartment) -> dict[str, Any]:
    return {
        "label": apartment.config.label,
        "sensors": list(apartment.config.sensors),
        "status": apartment.supervisor.status.value,
        "engine": apartment.supervisor.to_dict(),
    }


async def async_entry_diagnostics(
    hass: HomeAssistant, entry: CareUnitConfigEntry
) -> dict[str, Any]:
    """Return every apartment's engine state and the journal size."""
    unit = entry.runtime_data
    return {
        "apartments": [_apartment(apartment) for apartment in unit.apartments.values()],
        "journal_entries": len(unit.journal),
        "staff_target_count": len(unit.config.staff_targets),
        "escalation_target_count": len(unit.config.escalation_targets),
        "apartments_state_lost": unit.state_lost_count,
        "network_outage": unit.network.watch.to_dict(),
        "test_alarm": {
            "frequency": unit.config.test_alarm.frequency,
            **unit.test_alarm.clock.to_dict(),
        },
    }


async def async_device_diagnostics(
    hass: HomeAssistant, entry: CareUnitConfigEntry, device: dr.DeviceEntry
) -> dict[str, Any]:
    """Return one apartment (its device), or the whole unit (the unit's own device)."""
    apartment = entry.runtime_data.apartment_by_device(device.id)
    if apartment is None:
        return await async_entry_diagnostics(hass, entry)
    return {"apartment": _apartment(apartment)}
