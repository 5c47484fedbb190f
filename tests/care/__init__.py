"""Helpers for the care unit Home Assistant tests (imported as a plain module)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigSubentryDataWithId
from homeassistant.core import HomeAssistant, ServiceCall
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)

from custom_components.municipal_iot.const import DOMAIN

APT = "apt3"  # subentry id of the first apartment
APT2 = "apt7"
MOTION = "binary_sensor.apt3_motion"
MOTION_2 = "binary_sensor.apt3_bedroom"
DOOR = "binary_sensor.apt3_door"
STATUS = "sensor.lagenhet_3_supervision_status"
LAST_MOTION = "sensor.lagenhet_3_last_motion"
NEXT_CHECK = "sensor.lagenhet_3_next_check"
ALARM = "binary_sensor.solrosen_alarm"  # the unit's "any apartment in alarm"
ALARM_SINCE = "sensor.lagenhet_3_in_alarm_since"
SWITCH = "switch.lagenhet_3_supervision"
ACK_BUTTON = "button.lagenhet_3_acknowledge_alarm"
RESOLVE_BUTTON = "button.lagenhet_3_close_alarm_all_well"
IN_ALARM = "sensor.solrosen_apartments_in_alarm"
STAFF = ["mobile_app_phone_a", "mobile_app_phone_b"]
NIGHT = "mobile_app_night"
ALL_PHONES = [*STAFF, NIGHT]

RULES: dict[str, Any] = {
    "bands": [],
    "windows": [],
    "continuous_minutes": 60,
    "grace_minutes": 10,
    "sensor_unavailable_minutes": 15,
    "sensor_interval_minutes": None,
}


def unit_data(**changes: Any) -> dict[str, Any]:
    """Care unit entry data with two staff phones and a night phone for escalation."""
    return {
        "entry_type": "care_unit",
        "staff_targets": list(STAFF),
        "escalation_targets": [NIGHT],
        "escalation_minutes": 10,
        "reminder_minutes": 5,
        "critical": False,
        "retention_months": 13,
        "rules": dict(RULES),
    } | changes


def apartment_data(**changes: Any) -> dict[str, Any]:
    """Apartment subentry data with one motion sensor and the unit's rules."""
    return {
        "motion_sensors": [MOTION],
        "door_sensors": [],
        "area_id": None,
        "action_plan": "Knacka två gånger.",
        "consent_date": "2026-01-15",
        "decision_reference": "",
        "rules_mode": "unit",
        "rules": None,
    } | changes


def apartment(
    subentry_id: str = APT, title: str = "Lägenhet 3", **changes: Any
) -> ConfigSubentryDataWithId:
    """An apartment subentry with a fixed id."""
    return ConfigSubentryDataWithId(
        subentry_id=subentry_id,
        subentry_type="apartment",
        title=title,
        data=apartment_data(**changes),
        unique_id=None,
    )


def care_entry(
    *apartments: ConfigSubentryDataWithId, entry_id: str | None = None, **changes: Any
) -> MockConfigEntry:
    """A care unit entry "Solrosen" (one apartment unless given)."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=entry_id,
        title="Solrosen",
        unique_id="care_unit_solrosen",
        data=unit_data(**changes),
        subentries_data=list(apartments) if apartments else [apartment()],
    )


def mock_phones(hass: HomeAssistant, *names: str) -> dict[str, list[ServiceCall]]:
    """Register mock notify actions; return their call lists by service name."""
    return {name: async_mock_service(hass, "notify", name) for name in names}


async def setup_care(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Add and set up a care unit entry."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def advance(hass: HomeAssistant, freezer: Any, minutes: float) -> None:
    """Move the clock and run what fell due."""
    freezer.tick(timedelta(minutes=minutes))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()


def state(hass: HomeAssistant, entity_id: str) -> str:
    """Return an entity's state (fails if the entity is missing)."""
    current = hass.states.get(entity_id)
    assert current is not None, entity_id
    return current.state
