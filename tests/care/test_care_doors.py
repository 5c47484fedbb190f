"""Door rules through Home Assistant: an outing (away, "not back") and the night exit.

The clock starts at 2026-11-26 10:15 UTC (11:15 in Stockholm); the apartment has a
motion sensor and a door sensor, and its own rules. Staff phones are mobile app
notify actions, one of them a registered mobile_app phone of the staff user.
"""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.core import Context, HomeAssistant
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
)

from tests.care import (
    DOOR,
    MOTION,
    NEXT_CHECK,
    NIGHT,
    RULES,
    STAFF,
    STATUS,
    Phones,
    advance,
    apartment,
    care_entry,
    journal_kinds,
    sent,
    setup_care,
    state,
)

pytestmark = pytest.mark.usefixtures("stockholm", "sensor_off")

NIGHT_EXIT = {"start": "22:00", "end": "06:00", "weekdays": list(range(7)), "return_minutes": 2}
NOT_BACK = {"start": "22:00", "end": "07:00", "minutes": 30, "weekdays": list(range(7))}


def door_entry(**rules: Any) -> MockConfigEntry:
    """The care unit whose apartment has a door sensor and its own rules."""
    return care_entry(
        apartment(door_sensors=[DOOR], rules_mode="custom", rules=dict(RULES) | rules)
    )


async def write(hass: HomeAssistant, entity_id: str, value: str, device_class: str) -> None:
    """Write a binary sensor state and let the care unit react."""
    hass.states.async_set(entity_id, value, {"device_class": device_class})
    await hass.async_block_till_done()


@pytest.fixture(autouse=True)
def door_closed(hass: HomeAssistant) -> None:
    """The apartment's door sensor exists and shows closed."""
    hass.states.async_set(DOOR, "off", {"device_class": "door"})


async def test_outing_is_away_without_alarm_then_back(
    hass: HomeAssistant, clock: Any, phones: Phones
) -> None:
    """Door opened and closed, no motion for 10 min: away; hours later no alarm; motion: ok."""
    entry = await setup_care(hass, door_entry(outing={"minutes": 10, "not_back": None}))
    await write(hass, DOOR, "on", "door")
    await write(hass, DOOR, "off", "door")
    await advance(hass, clock, 10)
    assert state(hass, STATUS) == "away"
    assert state(hass, NEXT_CHECK) == "unknown"  # nothing can fire while out
    await advance(hass, clock, 180)  # three hours out: the 60-minute rule stays quiet
    assert state(hass, STATUS) == "away"
    assert sent(phones) == {name: [] for name in phones}
    await write(hass, MOTION, "on", "motion")
    assert state(hass, STATUS) == "ok"
    assert journal_kinds(entry) == ["away_started", "away_ended"]
    ended = entry.runtime_data.journal.entries[-1].data
    assert ended == {"since": "2026-11-26T10:15:00+00:00", "minutes": 190, "reason": "motion"}


async def test_not_back_alarm_reaches_the_phones(
    hass: HomeAssistant, clock: Any, phones: Phones
) -> None:
    """Out at night longer than the band's minutes: a "not back" alarm to the staff phones."""
    entry = await setup_care(
        hass,
        door_entry(continuous_minutes=None, outing={"minutes": 10, "not_back": NOT_BACK}),
    )
    await write(hass, DOOR, "on", "door")
    await write(hass, DOOR, "off", "door")
    await advance(hass, clock, 10)
    assert state(hass, STATUS) == "away"
    await advance(hass, clock, 11 * 60 + 5)  # 22:00 + 30 min in Stockholm is 21:30 UTC
    assert state(hass, STATUS) == "alarm"
    calls = sent(phones)
    assert calls[NIGHT] == []
    (push,) = calls[STAFF[0]]
    assert push["title"] == "Alarm: Lägenhet 3"
    assert push["message"] == (
        "Not back: out since 11:15 (11 h 15 min).\nAction plan: Knacka två gånger."
    )
    raised = next(
        item for item in entry.runtime_data.journal.entries if item.kind == "alarm_raised"
    )
    assert raised.data["reason"] == "not_back"
    assert raised.data["away_since"] == "2026-11-26T10:15:00+00:00"


async def test_night_exit_alarm_returned_and_escalated(
    hass: HomeAssistant, clock: Any, phones: Phones, staff_user: MockUser
) -> None:
    """A door at night raises the door alarm at once; a return is journaled; it still escalates."""
    MockConfigEntry(
        domain="mobile_app", data={"device_name": "Phone A", "user_id": staff_user.id}
    ).add_to_hass(hass)
    alarms = async_capture_events(hass, "municipal_iot_alarm")
    entry = await setup_care(hass, door_entry(continuous_minutes=None, night_exit=NIGHT_EXIT))
    await write(hass, DOOR, "on", "door")  # 11:15: outside the band, only activity
    await write(hass, DOOR, "off", "door")
    assert state(hass, STATUS) == "ok"
    await advance(hass, clock, 11 * 60 + 57)  # 23:12 in Stockholm
    assert sent(phones) == {name: [] for name in phones}

    await write(hass, DOOR, "on", "door")
    assert state(hass, STATUS) == "alarm"
    calls = sent(phones)
    (push,) = calls[STAFF[0]]
    assert calls[STAFF[1]] == [push]
    assert push["title"] == "Alarm: Lägenhet 3"
    assert push["message"] == "Door opened at 23:12.\nAction plan: Knacka två gånger."
    assert [action["title"] for action in push["data"]["actions"]] == [
        "I'm on it",
        "Checked, all OK",
    ]
    assert alarms[-1].data["reason"] == "night_exit"
    assert alarms[-1].data["door_opened_at"] == "2026-11-26T22:12:00+00:00"

    await write(hass, DOOR, "off", "door")
    await advance(hass, clock, 1)
    await write(hass, MOTION, "on", "motion")  # back inside within 2 min: "returned"
    assert alarms[-1].data["type"] == "night_exit_returned"
    assert state(hass, STATUS) == "alarm"  # staff still decide
    assert sent(phones) == {name: [] for name in phones}  # no clearing of the pushes

    await advance(hass, clock, 9)  # not acknowledged in 10 min: the night phone
    assert [call["title"] for call in sent(phones)[NIGHT]] == ["Not acknowledged: Lägenhet 3"]
    hass.bus.async_fire(
        "mobile_app_notification_action",
        {"action": f"MIOT_OK_{alarms[-1].data['episode_id']}"},
        context=Context(user_id=staff_user.id),
    )
    await hass.async_block_till_done()
    assert state(hass, STATUS) == "ok"
    assert journal_kinds(entry) == [
        "alarm_raised",
        "notified",
        "night_exit_returned",
        "remind",  # the reminder (5 min) still goes out: a return is no all-clear
        "escalate",
        "notified",
        "notified",
        "resolved",
    ]
    resolved = entry.runtime_data.journal.entries[-1]
    assert resolved.user_id == staff_user.id
    assert resolved.data["motion_returned"] is True
