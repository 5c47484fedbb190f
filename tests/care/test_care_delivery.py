"""Push delivery: a failing phone is retried after 30 s and 2 min, then escalation follows.

The clock starts at 2026-11-26 10:15 UTC; the unit's rule raises the alarm at
11:25 UTC (no motion for 60 min, grace 10 min); escalation after 10 min.
"""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.components import persistent_notification
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import async_mock_service

from tests.care import NIGHT, STAFF, advance, care_entry, setup_care, state

pytestmark = pytest.mark.usefixtures("stockholm", "sensor_off")

FAILING = "binary_sensor.solrosen_alarm_delivery_failing"
ALARM_ID = "municipal_iot_apt3_alarm"


async def test_retries_then_escalation_at_once_and_the_problem_sensor(
    hass: HomeAssistant, clock: Any
) -> None:
    """Phone B fails: retried twice, then the night phone gets the alarm without waiting."""
    phone_a = async_mock_service(hass, "notify", STAFF[0])
    phone_b = async_mock_service(
        hass, "notify", STAFF[1], raise_exception=HomeAssistantError("push rejected")
    )
    night = async_mock_service(hass, "notify", NIGHT)
    entry = await setup_care(hass, care_entry())
    assert state(hass, FAILING) == "off"
    await advance(hass, clock, 70)
    assert [call.data["title"] for call in phone_a] == ["Alarm: Lägenhet 3"]
    assert len(phone_b) == 1
    assert state(hass, FAILING) == "on"
    attributes = hass.states.get(FAILING).attributes
    assert attributes["targets"] == [STAFF[1]]
    assert attributes["since"] == "2026-11-26T11:25:00+00:00"
    assert ALARM_ID in persistent_notification._async_get_or_create_notifications(hass)

    await advance(hass, clock, 0.5)  # first retry
    assert len(phone_b) == 2
    assert night == []
    await advance(hass, clock, 1.5)  # second retry, 2 min after the failure: give up
    assert len(phone_b) == 3
    assert [call.data["title"] for call in night] == ["Alarm not delivered: Lägenhet 3"]
    assert [action["title"] for action in night[0].data["data"]["actions"]] == [
        "I'm on it",
        "Checked, all OK",
    ]
    journal = entry.runtime_data.journal.entries
    gave_up = [item.data for item in journal if item.kind == "delivery_gave_up"]
    assert gave_up == [
        {
            "target": STAFF[1],
            "notification": "alarm",
            "escalated_to": [NIGHT],
            "episode_id": "apt3-20261126T112500Z",
        }
    ]
    assert sum(item.kind == "notify_failed" for item in journal) == 3
    shown = persistent_notification._async_get_or_create_notifications(hass)[ALARM_ID]
    assert shown["title"] == "Alarm not delivered: Lägenhet 3"
    await advance(hass, clock, 1)  # 11:28: nothing more is retried
    assert len(phone_b) == 3
    assert state(hass, FAILING) == "on"

    # Phone B works again: the 11:30 reminder reaches it and the problem clears.
    phone_b_ok = async_mock_service(hass, "notify", STAFF[1])
    await advance(hass, clock, 2)
    assert [call.data["title"] for call in phone_b_ok] == ["Reminder: Lägenhet 3"]
    assert state(hass, FAILING) == "off"


async def test_a_closed_alarm_is_not_retried(hass: HomeAssistant, clock: Any) -> None:
    """Closing the alarm withdraws its retries."""
    async_mock_service(hass, "notify", STAFF[0])
    phone_b = async_mock_service(
        hass, "notify", STAFF[1], raise_exception=HomeAssistantError("push rejected")
    )
    night = async_mock_service(hass, "notify", NIGHT)
    await setup_care(hass, care_entry())
    await advance(hass, clock, 70)
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.lagenhet_3_close_alarm_all_well"}, blocking=True
    )
    await hass.async_block_till_done()
    calls = len(phone_b)  # the clear_notification tried phone B too
    await advance(hass, clock, 3)
    assert len(phone_b) == calls
    assert [call.data["message"] for call in night] == ["clear_notification"]
