"""Diagnostics of a care-unit entry."""

from __future__ import annotations

import json
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
    get_diagnostics_for_device,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from tests.care import APT, MOTION, care_entry, mock_phones, setup_care


@pytest.mark.usefixtures("stockholm", "phones", "sensor_off")
async def test_care_unit_diagnostics(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """Apartments with status and engine state; settings; journal size."""
    entry = await setup_care(hass, care_entry())
    result = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert result["entry"]["title"] == "Solrosen"
    assert result["entry"]["data"]["staff_targets"] == "**REDACTED**"
    assert result["staff_target_count"] == 2
    assert result["escalation_target_count"] == 1
    assert result["apartments_state_lost"] == 0
    assert result["network_outage"] == {"outage": None, "held": {}}
    assert result["test_alarm"] == {
        "frequency": "off",
        "next_at": None,
        "pending": None,
        "last_unanswered": None,
    }
    [apartment] = result["apartments"]
    assert apartment["label"] == "Lägenhet 3"
    assert apartment["sensors"] == [MOTION]
    assert apartment["status"] == "ok"
    assert apartment["engine"]["apartment_id"] == APT
    assert isinstance(result["journal_entries"], int)


@pytest.mark.usefixtures("stockholm", "sensor_off")
async def test_diagnostics_do_not_name_staff(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """A notify target names its phone's owner: neither download contains it (defect 11)."""
    assert await async_setup_component(hass, "diagnostics", {})
    staff = ["mobile_app_anna_svensson", "mobile_app_erik_berg"]
    mock_phones(hass, *staff)
    entry = await setup_care(
        hass, care_entry(staff_targets=staff[:1], escalation_targets=staff[1:])
    )
    registry = dr.async_get(hass)
    downloads = [await get_diagnostics_for_config_entry(hass, hass_client, entry)]
    downloads += [
        await get_diagnostics_for_device(hass, hass_client, entry, device)
        for device in dr.async_entries_for_config_entry(registry, entry.entry_id)
    ]
    assert len(downloads) == 3  # the unit, its device and the apartment's device
    for download in downloads:
        text = json.dumps(download)
        assert "svensson" not in text
        assert "berg" not in text


@pytest.mark.usefixtures("stockholm", "phones", "sensor_off")
async def test_removing_care_unit_keeps_journal(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """Deleting a care unit deletes its runtime state but keeps the journal file."""
    entry = await setup_care(hass, care_entry())
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    state_key = f"municipal_iot.care.{entry.entry_id}.state"
    journal_key = f"municipal_iot.care.{entry.entry_id}.journal"
    hass_storage[journal_key] = {"version": 1, "data": {"entries": []}}
    assert state_key in hass_storage
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert state_key not in hass_storage
    assert journal_key in hass_storage


@pytest.mark.usefixtures("stockholm", "phones", "sensor_off")
async def test_device_diagnostics_of_apartment_and_unit(
    hass: HomeAssistant, hass_client: ClientSessionGenerator
) -> None:
    """An apartment's device and the unit's device both download (once HTTP 500)."""
    assert await async_setup_component(hass, "diagnostics", {})
    entry = await setup_care(hass, care_entry())
    registry = dr.async_get(hass)
    apartment = registry.async_get_device_by_identifier(("municipal_iot", APT), entry.entry_id)
    unit = registry.async_get_device_by_identifier(
        ("municipal_iot", entry.entry_id), entry.entry_id
    )
    assert apartment is not None
    assert unit is not None
    result = await get_diagnostics_for_device(hass, hass_client, entry, apartment)
    assert result["apartment"]["label"] == "Lägenhet 3"
    assert result["apartment"]["status"] == "ok"
    result = await get_diagnostics_for_device(hass, hass_client, entry, unit)
    assert [item["label"] for item in result["apartments"]] == ["Lägenhet 3"]
