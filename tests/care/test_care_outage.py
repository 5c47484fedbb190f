"""The heartbeat and the "supervision was off" report after a restart with the clock moved."""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant, ServiceCall
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
)

from tests.care import STAFF, advance, care_entry, setup_care

pytestmark = pytest.mark.usefixtures("stockholm", "sensor_off")

HEARTBEAT = "municipal_iot.care.solrosen_entry.heartbeat"


async def test_outage_push_journal_and_logbook_after_a_restart(
    hass: HomeAssistant,
    clock: Any,
    phones: dict[str, list[ServiceCall]],
    staff_user: MockUser,
    hass_storage: dict[str, Any],
) -> None:
    """Down 35 min: one unit push to the staff phones, a journal and a logbook entry."""
    MockConfigEntry(
        domain="mobile_app", data={"device_name": "Phone A", "user_id": staff_user.id}
    ).add_to_hass(hass)
    entry = await setup_care(hass, care_entry(entry_id="solrosen_entry"))
    await advance(hass, clock, 1.5)  # the minute's heartbeat is written (at 10:16:30)
    assert hass_storage[HEARTBEAT]["data"] == {"at": "2026-11-26T10:16:30+00:00"}
    assert await hass.config_entries.async_unload(entry.entry_id)
    events = async_capture_events(hass, "municipal_iot_supervision")
    await advance(hass, clock, 35)  # Home Assistant is down until 10:51:30 UTC

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    for phone in STAFF:
        (push,) = [call.data for call in phones[phone]]
        assert push["title"] == "Supervision: Solrosen"
        assert push["message"].startswith("Supervision was off 11:16-11:51 (35 min).")
    outage = [item for item in entry.runtime_data.journal.entries if item.kind != "notified"]
    assert [(item.kind, item.apartment_label, item.data) for item in outage] == [
        (
            "supervision_outage",
            "Solrosen",
            {
                "since": "2026-11-26T10:16:30+00:00",
                "until": "2026-11-26T10:51:30+00:00",
                "minutes": 35,
            },
        )
    ]
    assert [event.data["type"] for event in events] == ["supervision_outage"]
    assert events[0].data["apartment"] == "Solrosen"


async def test_a_quick_restart_is_no_outage_and_no_phone_means_persistent(
    hass: HomeAssistant, clock: Any
) -> None:
    """A restart within 2 min reports nothing; with no phone the report is persistent."""
    entry = await setup_care(hass, care_entry(staff_targets=[]))
    assert await hass.config_entries.async_unload(entry.entry_id)
    await advance(hass, clock, 2)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert not persistent_notification._async_get_or_create_notifications(hass)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await advance(hass, clock, 10)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    (shown,) = persistent_notification._async_get_or_create_notifications(hass).values()
    assert shown["title"] == "Supervision: Solrosen"
