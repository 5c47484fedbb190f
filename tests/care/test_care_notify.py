"""Notification details: critical alerts, Swedish texts, fallbacks and failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from homeassistant.components import persistent_notification
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import Context, CoreState, HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import MockUser, async_mock_service

from custom_components.municipal_iot.care.push import (
    Texts,
    format_duration,
    format_time,
    parse_action,
)
from custom_components.municipal_iot.care.unit import CareUnit
from tests.care import (
    ACK_BUTTON,
    MOTION,
    MOTION_2,
    NIGHT,
    RESOLVE_BUTTON,
    RULES,
    STAFF,
    STATUS,
    advance,
    apartment,
    care_entry,
    mock_phones,
    setup_care,
    state,
)

pytestmark = pytest.mark.usefixtures("stockholm", "sensor_off")

EPISODE = "apt3-20261126T112500Z"
ALARM_ID = "municipal_iot_apt3_alarm"


def notifications(hass: HomeAssistant) -> dict[str, Any]:
    """Return the persistent notifications by id."""
    return persistent_notification._async_get_or_create_notifications(hass)


async def test_critical_alerts(hass: HomeAssistant, clock: Any) -> None:
    """With the critical option, iPhones get a critical alert that bypasses silence."""
    phones = mock_phones(hass, *STAFF, NIGHT)
    await setup_care(hass, care_entry(critical=True))
    await advance(hass, clock, 70)
    push = phones[STAFF[0]][0].data["data"]["push"]
    assert push == {
        "interruption-level": "critical",
        "sound": {"name": "default", "critical": 1, "volume": 1.0},
    }


async def test_swedish_texts(hass: HomeAssistant, clock: Any) -> None:
    """Texts follow Home Assistant's language."""
    hass.config.language = "sv"
    phones = mock_phones(hass, *STAFF, NIGHT)
    await setup_care(hass, care_entry())
    await advance(hass, clock, 70)
    call = phones[STAFF[0]][0].data
    assert call["title"] == "Larm: Lägenhet 3"
    assert call["message"] == (
        "Ingen rörelse på 1 h 10 min (sedan 11:15).\nHandlingsplan: Knacka två gånger."
    )
    assert [action["title"] for action in call["data"]["actions"]] == [
        "Jag tar det",
        "Kontrollerat, allt OK",
    ]


async def test_missed_check_window_message(hass: HomeAssistant, clock: Any) -> None:
    """An alarm from a check window says which check was missed; no action plan, no line."""
    phones = mock_phones(hass, *STAFF, NIGHT)
    rules = RULES | {
        "continuous_minutes": None,
        "windows": [{"start": "11:00", "end": "12:00", "weekdays": [3]}],
        "grace_minutes": 0,
    }
    await setup_care(hass, care_entry(apartment(action_plan=""), rules=rules))
    await advance(hass, clock, 45)
    assert state(hass, STATUS) == "alarm"
    assert phones[STAFF[0]][0].data["message"] == (
        "No motion during the check 11:00-12:00.\nNo motion for 45 min (since 11:15)."
    )


async def test_failed_push_falls_back(
    hass: HomeAssistant, clock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A failing phone is logged and journaled, and the alarm shows in Home Assistant."""
    working = async_mock_service(hass, "notify", STAFF[0])
    async_mock_service(
        hass, "notify", STAFF[1], raise_exception=HomeAssistantError("push rejected")
    )
    entry = await setup_care(hass, care_entry(escalation_targets=[]))
    await advance(hass, clock, 70)
    assert len(working) == 1
    assert "Notification to notify.mobile_app_phone_b failed: push rejected" in caplog.text
    unit: CareUnit = entry.runtime_data
    failed = [item for item in unit.journal.entries if item.kind == "notify_failed"]
    assert [item.data for item in failed] == [
        {"target": STAFF[1], "error": "HomeAssistantError", "episode_id": EPISODE}
    ]
    notified = [item for item in unit.journal.entries if item.kind == "notified"]
    assert notified[-1].data["targets"] == [STAFF[0]]
    assert notified[-1].data["persistent"] is True
    shown = notifications(hass)[ALARM_ID]
    assert shown["title"] == "Alarm: Lägenhet 3"
    assert shown["message"].startswith("No motion for 1 h 10 min (since 11:15).")

    # The clock steps through the retries (30 s and 2 min after the failure): they fail too.
    await advance(hass, clock, 0.5)
    await advance(hass, clock, 1.5)
    gave_up = [item for item in unit.journal.entries if item.kind == "delivery_gave_up"]
    assert [item.data["target"] for item in gave_up] == [STAFF[1]]
    # No escalation target: the escalation shows in Home Assistant as well.
    await advance(hass, clock, 8)
    assert notifications(hass)[ALARM_ID]["title"] == "Not acknowledged: Lägenhet 3"


async def test_without_phones_alarms_are_persistent_notifications(
    hass: HomeAssistant, clock: Any, staff_user: MockUser
) -> None:
    """With no phone configured the alarm is a persistent notification, gone when resolved."""
    await setup_care(hass, care_entry(staff_targets=[], escalation_targets=[]))
    await advance(hass, clock, 70)
    shown = notifications(hass)[ALARM_ID]
    assert shown["title"] == "Alarm: Lägenhet 3"
    # Not a dead end: it links to the panel at the apartment.
    assert shown["message"].endswith("[Open the Supervision panel](/tillsyn?apartment=apt3)")
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": ACK_BUTTON},
        blocking=True,
        context=Context(user_id=staff_user.id),
    )
    await hass.async_block_till_done()
    # Updated on acknowledgement: everyone sees who is on it.
    shown = notifications(hass)[ALARM_ID]
    assert shown["message"].startswith("Staff is on it (12:25).\n\nNo motion for 1 h 10 min")
    assert shown["message"].endswith("(/tillsyn?apartment=apt3)")
    await hass.services.async_call("button", "press", {"entity_id": RESOLVE_BUTTON}, blocking=True)
    await hass.async_block_till_done()
    assert ALARM_ID not in notifications(hass)  # removed on close


async def test_an_unknown_phone_is_a_failure(hass: HomeAssistant, clock: Any) -> None:
    """A notify action that no longer exists is journaled as a failure too."""
    entry = await setup_care(hass, care_entry(staff_targets=["mobile_app_gone"]))
    await advance(hass, clock, 70)
    failed = [item for item in entry.runtime_data.journal.entries if item.kind == "notify_failed"]
    assert failed[0].data["target"] == "mobile_app_gone"
    assert failed[0].data["error"] == "ServiceNotFound"
    assert ALARM_ID in notifications(hass)


async def test_notifications_wait_until_started(hass: HomeAssistant, clock: Any) -> None:
    """During startup the mobile app may not be ready: pushes wait until HA has started."""
    phones = mock_phones(hass, *STAFF, NIGHT)
    hass.set_state(CoreState.not_running)
    await setup_care(hass, care_entry())
    await advance(hass, clock, 70)
    assert state(hass, STATUS) == "alarm"
    await advance(hass, clock, 5)
    assert phones[STAFF[0]] == []
    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    assert [call.data["title"] for call in phones[STAFF[0]]] == [
        "Alarm: Lägenhet 3",
        "Reminder: Lägenhet 3",
    ]


async def test_waiting_notifications_dropped_on_unload(hass: HomeAssistant, clock: Any) -> None:
    """Notifications waiting for the start are dropped when the unit unloads."""
    phones = mock_phones(hass, *STAFF, NIGHT)
    hass.set_state(CoreState.not_running)
    entry = await setup_care(hass, care_entry())
    await advance(hass, clock, 70)
    assert await hass.config_entries.async_unload(entry.entry_id)
    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    assert phones[STAFF[0]] == []


async def test_waiting_notifications_survive_a_reload(hass: HomeAssistant, clock: Any) -> None:
    """An alarm raised during startup still goes out when the unit reloads before the start."""
    phones = mock_phones(hass, *STAFF, NIGHT)
    hass.set_state(CoreState.not_running)
    entry = await setup_care(hass, care_entry())
    await advance(hass, clock, 70)
    assert state(hass, STATUS) == "alarm"
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, STATUS) == "alarm"  # restored, so not raised again
    assert phones[STAFF[0]] == []
    hass.set_state(CoreState.running)
    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()
    assert [call.data["title"] for call in phones[STAFF[0]]] == ["Alarm: Lägenhet 3"]
    unit: CareUnit = entry.runtime_data
    assert [item.kind for item in unit.journal.entries].count("notified") == 1


async def test_sensor_alerts_and_their_failures(hass: HomeAssistant, clock: Any) -> None:
    """A sensor fault notice that fails is journaled; the all-clear waits for every sensor."""
    phones = mock_phones(hass, STAFF[0], NIGHT)
    async_mock_service(hass, "notify", STAFF[1], raise_exception=HomeAssistantError("gone"))
    hass.states.async_set(MOTION_2, "off", {"device_class": "motion"})
    entry = await setup_care(hass, care_entry(apartment(motion_sensors=[MOTION, MOTION_2])))
    hass.states.async_set(MOTION, "unavailable")
    hass.states.async_set(MOTION_2, "unavailable")
    await advance(hass, clock, 15)
    unit: CareUnit = entry.runtime_data
    failed = [item.data for item in unit.journal.entries if item.kind == "notify_failed"]
    assert failed == [{"target": STAFF[1], "error": "HomeAssistantError"}] * 2
    assert "municipal_iot_apt3_sensor" in notifications(hass)
    phones[STAFF[0]].clear()

    hass.states.async_set(MOTION, "off", {"device_class": "motion"})
    await hass.async_block_till_done()
    assert phones[STAFF[0]] == []  # the other sensor still has a problem
    hass.states.async_set(MOTION_2, "off", {"device_class": "motion"})
    await hass.async_block_till_done()
    assert [call.data["message"] for call in phones[STAFF[0]]] == ["clear_notification"]
    assert "municipal_iot_apt3_sensor" not in notifications(hass)


def test_text_helpers() -> None:
    """Durations, times and action ids are formatted and parsed as shown to staff."""
    texts = Texts(
        {"duration_minutes": "{minutes} min", "duration_hours": "{hours} h {minutes} min"}
    )
    assert format_duration(texts, timedelta(minutes=59, seconds=59)) == "59 min"
    assert format_duration(texts, timedelta(hours=3, minutes=5)) == "3 h 5 min"
    assert format_duration(texts, timedelta(seconds=-5)) == "0 min"
    assert texts.get("missing_key") == "missing_key"
    tz = ZoneInfo("Europe/Stockholm")
    now = datetime(2026, 11, 26, 10, 15, tzinfo=UTC)
    assert format_time(datetime(2026, 11, 26, 7, 0, tzinfo=UTC), now, tz) == "08:00"
    assert format_time(datetime(2026, 11, 25, 22, 30, tzinfo=UTC), now, tz) == "2026-11-25 23:30"
    assert parse_action(f"MIOT_ACK_{EPISODE}") == ("acknowledge", EPISODE)
    assert parse_action(f"MIOT_OK_{EPISODE}") == ("resolve", EPISODE)
    assert parse_action("MIOT_OK_") is None
    assert parse_action(42) is None
