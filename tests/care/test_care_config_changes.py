"""Configuration changes reach a running care unit: live rules, apartments added and removed."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from custom_components.municipal_iot import async_remove_config_entry_device
from custom_components.municipal_iot.care.unit import CareUnit
from custom_components.municipal_iot.const import DOMAIN
from tests.care import (
    APT,
    MOTION,
    MOTION_2,
    NEXT_CHECK,
    RULES,
    STATUS,
    advance,
    apartment_data,
    care_entry,
    setup_care,
    state,
    unit_data,
)

pytestmark = pytest.mark.usefixtures("stockholm", "sensor_off", "phones")


def _device(hass: HomeAssistant, entry_id: str, key: str) -> dr.DeviceEntry:
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, key), entry_id)
    assert device is not None
    return device


async def test_rule_changes_apply_without_reload(hass: HomeAssistant, clock: Any) -> None:
    """A shorter threshold applies to the current still time; grace runs from now."""
    entry = await setup_care(hass, care_entry())
    unit = entry.runtime_data
    await advance(hass, clock, 40)
    hass.config_entries.async_update_subentry(
        entry,
        entry.subentries[APT],
        data=apartment_data(rules_mode="custom", rules=RULES | {"continuous_minutes": 30}),
    )
    await hass.async_block_till_done()
    assert entry.runtime_data is unit  # not reloaded
    assert state(hass, STATUS) == "grace"  # 40 min still > 30: grace starts now
    assert state(hass, NEXT_CHECK) == "2026-11-26T11:05:00+00:00"

    # Unit-level changes (policy, default rules) reach apartments using the unit's rules.
    hass.config_entries.async_update_subentry(entry, entry.subentries[APT], data=apartment_data())
    hass.config_entries.async_update_entry(
        entry, data=unit_data(rules=RULES | {"continuous_minutes": 120})
    )
    await hass.async_block_till_done()
    assert entry.runtime_data is unit
    assert unit.apartments[APT].supervisor.rules.continuous_minutes == 120
    assert state(hass, STATUS) == "grace"  # a running grace is kept


async def test_label_area_and_sensor_changes(hass: HomeAssistant, clock: Any) -> None:
    """A new label renames the device, a new area moves it, new sensors are followed."""
    area = ar.async_get(hass).async_create("Lägenhet 3")
    motion_2_off = {"device_class": "motion"}
    hass.states.async_set(MOTION_2, "off", motion_2_off)
    entry = await setup_care(hass, care_entry())
    unit: CareUnit = entry.runtime_data
    device = _device(hass, entry.entry_id, APT)
    assert device.area_id is None
    assert _device(hass, entry.entry_id, entry.entry_id).name == "Solrosen"

    hass.config_entries.async_update_subentry(
        entry,
        entry.subentries[APT],
        title="Lägenhet 3A",
        data=apartment_data(motion_sensors=[MOTION_2], area_id=area.id),
    )
    hass.config_entries.async_update_entry(entry, title="Solrosen Nord")
    await hass.async_block_till_done()
    assert entry.runtime_data is unit
    device = _device(hass, entry.entry_id, APT)
    assert (device.name, device.area_id) == ("Lägenhet 3A", area.id)
    assert _device(hass, entry.entry_id, entry.entry_id).name == "Solrosen Nord"

    supervisor = unit.apartments[APT].supervisor
    seen = supervisor.last_motion  # the new sensor's last change, shown from the start
    clock.tick(1)
    hass.states.async_set(MOTION, "on", {"device_class": "motion"})  # no longer assigned
    await hass.async_block_till_done()
    assert supervisor.last_motion == seen
    hass.states.async_set(MOTION_2, "on", motion_2_off)
    await hass.async_block_till_done()
    assert supervisor.last_motion is not None
    assert seen is None or supervisor.last_motion > seen


async def test_area_set_when_the_device_is_created(hass: HomeAssistant, clock: Any) -> None:
    """A configured area is given to the new apartment device."""
    area = ar.async_get(hass).async_create("Lägenhet 3")
    entry = care_entry()
    entry.add_to_hass(hass)
    hass.config_entries.async_update_subentry(
        entry, entry.subentries[APT], data=apartment_data(area_id=area.id)
    )
    await setup_care(hass, entry)
    assert _device(hass, entry.entry_id, APT).area_id == area.id


async def test_apartments_added_and_removed(hass: HomeAssistant, clock: Any) -> None:
    """Adding an apartment reloads the unit with its entities; removing one deletes them."""
    entry = await setup_care(hass, care_entry())
    unit = entry.runtime_data
    hass.config_entries.async_add_subentry(
        entry,
        ConfigSubentry(
            data=MappingProxyType(apartment_data(motion_sensors=["binary_sensor.apt7_motion"])),
            subentry_type="apartment",
            title="Lägenhet 7",
            unique_id=None,
        ),
    )
    await hass.async_block_till_done()
    assert entry.runtime_data is not unit
    assert state(hass, "sensor.lagenhet_7_supervision_status") == "ok"
    assert state(hass, STATUS) == "ok"

    old_device = _device(hass, entry.entry_id, APT)
    hass.config_entries.async_remove_subentry(entry, APT)
    await hass.async_block_till_done()
    assert dr.async_get(hass).async_get(old_device.id) is None
    assert er.async_get(hass).async_get(STATUS) is None
    assert hass.states.get(STATUS) is None
    assert list(entry.runtime_data.apartments) == [
        sub.subentry_id for sub in entry.subentries.values()
    ]


async def test_unreadable_store_data(
    hass: HomeAssistant, clock: Any, hass_storage: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """Unreadable saved data never stops supervision; it is kept aside, never silently ok."""
    entry = care_entry()
    key = f"municipal_iot.care.{entry.entry_id}"
    journal = {"version": 99, "entries": []}
    hass_storage[f"{key}.state"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{key}.state",
        "data": {"apartments": {APT: {"version": 99}}},
    }
    hass_storage[f"{key}.journal"] = {
        "version": 1,
        "minor_version": 1,
        "key": f"{key}.journal",
        "data": journal,
    }
    await setup_care(hass, entry)
    assert state(hass, STATUS) == "sensor_problem"  # state lost: staff must check
    assert "Supervision state of care unit Solrosen is unreadable" in caplog.text
    assert "The supervision journal is unreadable" in caplog.text
    assert hass_storage[f"{key}.journal.unreadable"]["data"] == journal
    assert hass_storage[f"{key}.state.unreadable"]["data"] == {"apartments": {APT: {"version": 99}}}


async def test_state_written_when_home_assistant_stops(
    hass: HomeAssistant, clock: Any, hass_storage: dict[str, Any]
) -> None:
    """Coalesced saves are written within a second, pending ones when Home Assistant stops."""
    entry = await setup_care(hass, care_entry())
    key = f"municipal_iot.care.{entry.entry_id}.state"

    def last_motion() -> str | None:
        return hass_storage[key]["data"]["apartments"][APT]["last_motion"]

    hass.states.async_set(MOTION, "on", {"device_class": "motion"})
    await hass.async_block_till_done()
    assert key not in hass_storage  # not yet: saves of plain motion are coalesced
    await advance(hass, clock, 0.05)  # the coalescing delay (1 s) passes ...
    await advance(hass, clock, 0)  # ... and the Store's own write timer runs
    assert last_motion() == "2026-11-26T10:15:00+00:00"

    hass.states.async_set(MOTION, "off", {"device_class": "motion"})
    await hass.async_block_till_done()
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STOP)
    await advance(hass, clock, 0)
    assert last_motion() == "2026-11-26T10:15:03+00:00"  # the motion lasted until "off"


async def test_journal_retention(hass: HomeAssistant, clock: Any) -> None:
    """Whole months older than the retention are removed in the nightly clean-up."""
    rules = RULES | {"continuous_minutes": None}
    entry = await setup_care(hass, care_entry(rules=rules, retention_months=1))
    unit: CareUnit = entry.runtime_data
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": "switch.lagenhet_3_supervision"}, blocking=True
    )
    assert [item.kind for item in unit.journal.entries] == ["paused"]
    await advance(hass, clock, 60)  # the switch pauses for an hour
    await advance(hass, clock, 29 * 24 * 60 - 60)
    assert [item.kind for item in unit.journal.entries] == ["paused", "resumed"]
    await advance(hass, clock, 2 * 24 * 60)  # 27 Dec: 31 days, but November is not over by 30
    assert [item.kind for item in unit.journal.entries] == ["paused", "resumed"]
    await advance(hass, clock, 5 * 24 * 60)  # 1 Jan: the clean-up removes November
    assert unit.journal.entries == []
    assert unit.journal.months() == []


async def test_failed_platform_unload_keeps_the_unit(hass: HomeAssistant, clock: Any) -> None:
    """If the platforms refuse to unload, the unit keeps running."""
    entry = await setup_care(hass, care_entry())
    with patch.object(hass.config_entries, "async_unload_platforms", return_value=False):
        assert not await hass.config_entries.async_unload(entry.entry_id)
    hass.states.async_set(MOTION, "on", {"device_class": "motion"})
    await hass.async_block_till_done()
    assert entry.runtime_data.apartments[APT].supervisor.last_motion is not None
    await entry.runtime_data.async_stop()  # an entry that failed to unload stays failed


async def test_apartment_device_cannot_be_deleted_directly(hass: HomeAssistant, clock: Any) -> None:
    """Apartment devices go away with their subentry, not from the device page."""
    entry = await setup_care(hass, care_entry())
    device = _device(hass, entry.entry_id, APT)
    assert await async_remove_config_entry_device(hass, entry, device) is False
    assert dr.async_get(hass).async_get(device.id) is not None
