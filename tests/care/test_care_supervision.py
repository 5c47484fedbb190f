"""Supervision through Home Assistant: rules, alarms, acknowledgement, restarts, sensors.

The clock starts at 2026-11-26 10:15 UTC (11:15 in Stockholm). Unless a test
says otherwise the unit's rule is "no motion for 60 min", with a 10 min grace,
escalation after 10 min and reminders every 5 min.
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

from custom_components.municipal_iot.care.unit import CareUnit
from tests.care import (
    ACK_BUTTON,
    ALARM,
    ALARM_SINCE,
    APT,
    IN_ALARM,
    LAST_MOTION,
    MOTION,
    MOTION_2,
    NEXT_CHECK,
    NIGHT,
    RESOLVE_BUTTON,
    RULES,
    STAFF,
    STATUS,
    SWITCH,
    Phones,
    advance,
    apartment,
    care_entry,
    sent,
    setup_care,
    state,
)

pytestmark = pytest.mark.usefixtures("stockholm", "sensor_off")

EPISODE = "apt3-20261126T112500Z"
ALARM_DATA = {
    "tag": "municipal_iot_apt3_alarm",
    "group": "municipal_iot_solrosen",
    "visibility": "private",
    "url": "/tillsyn?apartment=apt3",
    "clickAction": "/tillsyn?apartment=apt3",
    "push": {"interruption-level": "time-sensitive"},
    "priority": "high",
    "ttl": 0,
    "channel": "municipal_iot_alarm",
    "importance": "high",
}
CLEAR = {"message": "clear_notification", "data": {"tag": "municipal_iot_apt3_alarm"}}


def alarm_push(title: str, still: str, episode: str = EPISODE) -> dict[str, Any]:
    """The actionable alarm notification for Lägenhet 3."""
    return {
        "title": title,
        "message": f"No motion for {still} (since 11:15).\nAction plan: Knacka två gånger.",
        "data": {
            **ALARM_DATA,
            "actions": [
                {"action": f"MIOT_ACK_{episode}", "title": "I'm on it"},
                {"action": f"MIOT_OK_{episode}", "title": "Checked, all OK"},
            ],
        },
    }


def journal(entry: MockConfigEntry) -> list[tuple[str, str | None]]:
    """Return (kind, user id) of every journal entry."""
    unit: CareUnit = entry.runtime_data
    return [(item.kind, item.user_id) for item in unit.journal.entries]


def motion(hass: HomeAssistant, value: str, entity_id: str = MOTION) -> None:
    """Write a motion sensor state."""
    hass.states.async_set(entity_id, value, {"device_class": "motion"})


async def _alarm(hass: HomeAssistant, clock: Any) -> MockConfigEntry:
    entry = await setup_care(hass, care_entry())
    await advance(hass, clock, 70)
    assert state(hass, STATUS) == "alarm"
    return entry


def _phone_of(hass: HomeAssistant, user: MockUser, device_name: str) -> None:
    """Register a mobile app phone of ``user`` (its notify action is mobile_app_<name>)."""
    MockConfigEntry(
        domain="mobile_app", data={"device_name": device_name, "user_id": user.id}
    ).add_to_hass(hass)


async def test_inactivity_grace_then_alarm(hass: HomeAssistant, clock: Any, phones: Phones) -> None:
    """No motion for the threshold starts grace; at its end staff phones get the alarm."""
    alarms = async_capture_events(hass, "municipal_iot_alarm")
    entry = await setup_care(hass, care_entry())
    assert state(hass, STATUS) == "ok"
    assert state(hass, NEXT_CHECK) == "2026-11-26T11:25:00+00:00"
    # The sensor's last change (the fixture's "off", now) is the last motion seen.
    assert state(hass, LAST_MOTION) == "2026-11-26T10:15:00+00:00"
    assert state(hass, ALARM) == "off"
    assert state(hass, IN_ALARM) == "0"

    await advance(hass, clock, 60)
    assert state(hass, STATUS) == "grace"
    assert state(hass, NEXT_CHECK) == "2026-11-26T11:25:00+00:00"
    assert sent(phones) == {name: [] for name in phones}

    await advance(hass, clock, 10)
    assert state(hass, STATUS) == "alarm"
    assert state(hass, ALARM) == "on"
    assert state(hass, IN_ALARM) == "1"
    # During the alarm "next check" gives way to "in alarm since".
    assert state(hass, NEXT_CHECK) == "unavailable"
    assert state(hass, ALARM_SINCE) == "2026-11-26T11:25:00+00:00"
    push = alarm_push("Alarm: Lägenhet 3", "1 h 10 min")
    assert sent(phones) == {STAFF[0]: [push], STAFF[1]: [push], NIGHT: []}
    device_id = entry.runtime_data.apartments[APT].device_id
    assert [event.data for event in alarms] == [
        {
            "episode_id": EPISODE,
            "reason": "inactivity",
            "still_since": "2026-11-26T10:15:00+00:00",
            "still_minutes": 70,
            "due_at": "2026-11-26T11:25:00+00:00",
            "grace_started_at": "2026-11-26T11:15:00+00:00",
            "threshold_minutes": 60,
            "device_id": device_id,
            "apartment": "Lägenhet 3",
            "type": "alarm_raised",
        }
    ]
    assert journal(entry) == [("grace_started", None), ("alarm_raised", None), ("notified", None)]
    notified = entry.runtime_data.journal.entries[-1].data
    assert notified == {
        "episode_id": EPISODE,
        "notification": "alarm",
        "targets": STAFF,
        "persistent": False,
    }


async def test_motion_cancels_grace(hass: HomeAssistant, clock: Any, phones: Phones) -> None:
    """Motion during grace cancels it; the still time restarts at the motion."""
    entry = await setup_care(hass, care_entry())
    await advance(hass, clock, 65)
    assert state(hass, STATUS) == "grace"
    motion(hass, "on")
    await hass.async_block_till_done()
    assert state(hass, STATUS) == "ok"
    assert state(hass, LAST_MOTION) == "2026-11-26T11:20:00+00:00"
    assert state(hass, NEXT_CHECK) == "2026-11-26T12:30:00+00:00"
    motion(hass, "off")
    await advance(hass, clock, 30)
    assert state(hass, STATUS) == "ok"
    assert state(hass, NEXT_CHECK) == "2026-11-26T12:30:00+00:00"
    assert journal(entry) == [("grace_started", None), ("grace_cancelled", None)]
    assert all(not calls for calls in phones.values())


async def test_acknowledge_and_resolve_from_the_phone(
    hass: HomeAssistant, clock: Any, phones: Phones, staff_user: MockUser
) -> None:
    """A tap on "I'm on it" acknowledges; the other phones are cleared; "Checked" resolves."""
    _phone_of(hass, staff_user, "Phone A")
    alarms = async_capture_events(hass, "municipal_iot_alarm")
    entry = await _alarm(hass, clock)
    sent(phones)

    context = Context(user_id=staff_user.id)
    hass.bus.async_fire(
        "mobile_app_notification_action", {"action": f"MIOT_ACK_{EPISODE}"}, context=context
    )
    await hass.async_block_till_done()
    assert state(hass, STATUS) == "acknowledged"
    assert state(hass, ALARM) == "on"
    prompt = {
        "title": "Lägenhet 3: you are on it",
        "message": "Mark the alarm as checked when you have been there.",
        "data": {
            "tag": "municipal_iot_apt3_alarm",
            "group": "municipal_iot_solrosen",
            "visibility": "private",
            "url": "/tillsyn?apartment=apt3",
            "clickAction": "/tillsyn?apartment=apt3",
            "actions": [{"action": f"MIOT_OK_{EPISODE}", "title": "Checked, all OK"}],
            "push": {"interruption-level": "active"},
            "channel": "municipal_iot_info",
        },
    }
    assert sent(phones) == {STAFF[0]: [prompt], STAFF[1]: [CLEAR], NIGHT: [CLEAR]}
    assert alarms[-1].data["type"] == "acknowledged"
    assert alarms[-1].context.user_id == staff_user.id

    await advance(hass, clock, 30)  # no reminders or escalation once acknowledged
    assert sent(phones) == {name: [] for name in phones}

    hass.bus.async_fire(
        "mobile_app_notification_action", {"action": f"MIOT_OK_{EPISODE}"}, context=context
    )
    await hass.async_block_till_done()
    assert state(hass, STATUS) == "ok"
    assert state(hass, ALARM) == "off"
    assert state(hass, IN_ALARM) == "0"
    assert sent(phones) == {name: [CLEAR] for name in phones}
    assert journal(entry)[-2:] == [("acknowledged", staff_user.id), ("resolved", staff_user.id)]
    # The phone's "Checked, all OK" records a visit with all well.
    assert entry.runtime_data.journal.entries[-1].data["outcome"] == "visited_all_ok"

    # A late tap on an old alarm and foreign actions change nothing.
    count = len(journal(entry))
    for action in (f"MIOT_ACK_{EPISODE}", "MIOT_ACK_", "OTHER_ACTION", None):
        hass.bus.async_fire("mobile_app_notification_action", {"action": action}, context=context)
    await hass.async_block_till_done()
    assert len(journal(entry)) == count
    assert state(hass, STATUS) == "ok"


async def test_escalation_and_reminders(hass: HomeAssistant, clock: Any, phones: Phones) -> None:
    """Unacknowledged: reminders every 5 min, the night phone after 10 min, then it too."""
    entry = await _alarm(hass, clock)
    sent(phones)
    await advance(hass, clock, 5)
    reminder = alarm_push("Reminder: Lägenhet 3", "1 h 15 min")
    assert sent(phones) == {STAFF[0]: [reminder], STAFF[1]: [reminder], NIGHT: []}

    await advance(hass, clock, 5)
    escalation = alarm_push("Not acknowledged: Lägenhet 3", "1 h 20 min")
    reminder = alarm_push("Reminder: Lägenhet 3", "1 h 20 min")
    assert sent(phones) == {STAFF[0]: [reminder], STAFF[1]: [reminder], NIGHT: [escalation]}

    await advance(hass, clock, 5)
    reminder = alarm_push("Reminder: Lägenhet 3", "1 h 25 min")
    assert sent(phones) == {name: [reminder] for name in phones}

    await hass.services.async_call("button", "press", {"entity_id": ACK_BUTTON}, blocking=True)
    await advance(hass, clock, 20)
    assert state(hass, STATUS) == "acknowledged"
    kinds = [kind for kind, _ in journal(entry)]
    assert kinds.count("remind") == 3
    assert kinds.count("escalate") == 1
    assert kinds[-1] == "acknowledged"
    assert sent(phones)[NIGHT] == [CLEAR]


async def test_motion_returned_clears_but_staff_resolve(
    hass: HomeAssistant, clock: Any, phones: Phones, staff_user: MockUser
) -> None:
    """Returning motion clears the pushes and stops reminders; the alarm waits for staff."""
    entry = await _alarm(hass, clock)
    sent(phones)
    motion(hass, "on")
    await hass.async_block_till_done()
    assert sent(phones) == {name: [CLEAR] for name in phones}
    assert state(hass, STATUS) == "alarm"
    await advance(hass, clock, 30)
    assert sent(phones) == {name: [] for name in phones}

    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": RESOLVE_BUTTON},
        blocking=True,
        context=Context(user_id=staff_user.id),
    )
    await hass.async_block_till_done()
    assert state(hass, STATUS) == "ok"
    assert journal(entry)[-2:] == [("motion_returned", None), ("resolved", staff_user.id)]
    resolved = entry.runtime_data.journal.entries[-1].data
    assert resolved["motion_returned"] is True
    assert resolved["acknowledged"] is False


async def test_restart_during_grace(hass: HomeAssistant, clock: Any, phones: Phones) -> None:
    """Grace ran out while Home Assistant was down: the alarm is raised at start."""
    entry = await setup_care(hass, care_entry())
    await advance(hass, clock, 62)
    assert state(hass, STATUS) == "grace"
    assert await hass.config_entries.async_unload(entry.entry_id)
    await advance(hass, clock, 28)  # down until 11:45 UTC; grace ended at 11:25
    assert all(not calls for calls in phones.values())

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, STATUS) == "alarm"
    episode = "apt3-20261126T114500Z"
    push = alarm_push("Alarm: Lägenhet 3", "1 h 30 min", episode)
    escalation = alarm_push("Not acknowledged: Lägenhet 3", "1 h 30 min", episode)
    # Staff first learn that supervision was off (the last heartbeat was at the unload).
    outage = {
        "title": "Supervision: Solrosen",
        "message": "Supervision was off 12:17-12:45 (28 min). Check the apartments whose "
        "planned supervision fell in that time.",
        "data": {
            "tag": f"municipal_iot_{entry.runtime_data.device_id}_outage",
            "url": "/tillsyn",
            "clickAction": "/tillsyn",
            "channel": "municipal_iot_alarm",
            "priority": "high",
            "push": {"interruption-level": "time-sensitive"},
        },
    }
    assert sent(phones) == {STAFF[0]: [outage, push], STAFF[1]: [outage, push], NIGHT: []}
    raised = next(
        item for item in entry.runtime_data.journal.entries if item.kind == "alarm_raised"
    )
    assert raised.data["due_at"] == "2026-11-26T11:25:00+00:00"
    assert raised.at.isoformat() == "2026-11-26T11:45:00+00:00"
    # Escalation counts from the actual raise.
    await advance(hass, clock, 10)
    assert sent(phones)[NIGHT] == [
        alarm_push("Not acknowledged: Lägenhet 3", "1 h 40 min", episode)
    ]
    assert escalation["title"] == "Not acknowledged: Lägenhet 3"


async def test_restart_during_alarm(
    hass: HomeAssistant, clock: Any, phones: Phones, staff_user: MockUser
) -> None:
    """An open alarm survives a restart: no second alarm, reminders continue, ack works."""
    entry = await _alarm(hass, clock)
    sent(phones)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await advance(hass, clock, 2)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, STATUS) == "alarm"
    assert state(hass, IN_ALARM) == "1"
    assert sent(phones) == {name: [] for name in phones}
    await advance(hass, clock, 3)
    assert sent(phones)[STAFF[0]] == [alarm_push("Reminder: Lägenhet 3", "1 h 15 min")]

    hass.bus.async_fire(
        "mobile_app_notification_action",
        {"action": f"MIOT_ACK_{EPISODE}"},
        context=Context(user_id=staff_user.id),
    )
    await hass.async_block_till_done()
    assert state(hass, STATUS) == "acknowledged"
    assert [kind for kind, _ in journal(entry)].count("alarm_raised") == 1


async def test_state_survives_unload_in_the_store(
    hass: HomeAssistant, clock: Any, hass_storage: dict[str, Any]
) -> None:
    """Unloading writes the supervision state and the journal."""
    entry = await setup_care(hass, care_entry())
    motion(hass, "on")
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)
    stored = hass_storage[f"municipal_iot.care.{entry.entry_id}.state"]["data"]
    assert stored["apartments"][APT]["last_motion"] == "2026-11-26T10:15:00+00:00"
    assert f"municipal_iot.care.{entry.entry_id}.journal" in hass_storage


async def test_sensor_unavailable_during_a_window(
    hass: HomeAssistant, clock: Any, phones: Phones
) -> None:
    """A dead only sensor is a technical fault, and the window is skipped, not passed."""
    window_rules = RULES | {
        "continuous_minutes": None,
        "windows": [{"start": "11:00", "end": "13:00", "weekdays": [0, 1, 2, 3, 4, 5, 6]}],
    }
    sensor_events = async_capture_events(hass, "municipal_iot_sensor")
    entry = await setup_care(hass, care_entry(rules=window_rules))
    assert state(hass, NEXT_CHECK) == "2026-11-26T12:10:00+00:00"  # window end + grace
    await advance(hass, clock, 15)
    hass.states.async_set(MOTION, "unavailable")
    await advance(hass, clock, 14)
    assert state(hass, STATUS) == "ok"
    await advance(hass, clock, 1)
    assert state(hass, STATUS) == "not_supervised"
    technical = {
        "title": "Technical fault: Lägenhet 3",
        "message": "A sensor has not reported since 11:30. Supervision cannot be trusted: "
        "make a physical visit.",
        "data": {**ALARM_DATA, "tag": "municipal_iot_apt3_sensor"},
    }
    assert sent(phones) == {STAFF[0]: [technical], STAFF[1]: [technical], NIGHT: []}
    assert [event.data["type"] for event in sensor_events] == ["sensor_problem"]
    assert sensor_events[0].data["sensor_id"] == MOTION

    await advance(hass, clock, 75)  # past the window end at 13:00 local
    assert state(hass, STATUS) == "not_supervised"
    assert [kind for kind, _ in journal(entry)] == ["sensor_problem", "check_skipped"]

    motion(hass, "off")
    await hass.async_block_till_done()
    assert state(hass, STATUS) == "ok"
    clear = {"message": "clear_notification", "data": {"tag": "municipal_iot_apt3_sensor"}}
    assert sent(phones) == {name: [clear] for name in phones}


async def test_two_sensors_either_counts(hass: HomeAssistant, clock: Any, phones: Phones) -> None:
    """Motion on either sensor counts; one dead sensor is a problem, the other supervises."""
    motion(hass, "off", MOTION_2)
    entry = await setup_care(hass, care_entry(apartment(motion_sensors=[MOTION, MOTION_2])))
    await advance(hass, clock, 50)
    motion(hass, "on", MOTION_2)
    await advance(hass, clock, 1)
    motion(hass, "off", MOTION_2)
    await advance(hass, clock, 50)
    motion(hass, "on", MOTION)
    await hass.async_block_till_done()
    assert state(hass, LAST_MOTION) == "2026-11-26T11:56:00+00:00"
    assert state(hass, STATUS) == "ok"

    hass.states.async_set(MOTION, "unavailable")
    await advance(hass, clock, 16)
    assert state(hass, STATUS) == "sensor_problem"
    assert sent(phones)[STAFF[0]][0]["title"] == "Technical fault: Lägenhet 3"
    assert state(hass, NEXT_CHECK) == "2026-11-26T13:06:00+00:00"
    await advance(hass, clock, 70)  # the working sensor sees nothing: alarm as usual
    assert state(hass, STATUS) == "alarm"
    assert [kind for kind, _ in journal(entry)][-3:] == [
        "grace_started",
        "alarm_raised",
        "notified",
    ]


async def test_unchanged_reports_keep_a_sensor_alive(
    hass: HomeAssistant, clock: Any, phones: Phones
) -> None:
    """A sensor that rewrites "off" is alive; silence beyond its interval is a problem."""
    rules = RULES | {"continuous_minutes": 600, "sensor_interval_minutes": 30}
    entry = await setup_care(hass, care_entry(rules=rules))
    for _ in range(4):
        await advance(hass, clock, 20)
        motion(hass, "off")  # unchanged: a state_reported event
        await hass.async_block_till_done()
    assert state(hass, STATUS) == "ok"
    assert journal(entry) == []
    await advance(hass, clock, 29)
    assert state(hass, STATUS) == "ok"
    await advance(hass, clock, 1)
    assert state(hass, STATUS) == "not_supervised"
    problem = entry.runtime_data.journal.entries[-1]
    assert (problem.kind, problem.data["problem"]) == ("sensor_problem", "stale")
    assert problem.data["since"] == "2026-11-26T11:35:00+00:00"


async def test_missing_sensor_at_start_is_a_problem(
    hass: HomeAssistant, clock: Any, phones: Phones
) -> None:
    """A sensor that does not exist when supervision starts becomes a technical fault."""
    await setup_care(hass, care_entry(apartment(motion_sensors=["binary_sensor.gone"])))
    await advance(hass, clock, 15)
    assert state(hass, STATUS) == "not_supervised"
    assert sent(phones)[STAFF[0]][0]["title"] == "Technical fault: Lägenhet 3"


async def test_low_battery_once_a_day(
    hass: HomeAssistant, clock: Any, phones: Phones, entity_registry: Any, device_registry: Any
) -> None:
    """The battery of the sensor's device is watched; low is told at most once a day."""
    hass.states.async_remove(MOTION)  # registered below under this entity id
    other = MockConfigEntry(domain="zha")
    other.add_to_hass(hass)
    device = device_registry.async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("zha", "pir-3")}
    )
    for domain, unique_id, object_id, device_class in (
        ("binary_sensor", "pir-3-motion", "apt3_motion", "motion"),
        ("sensor", "pir-3-battery", "apt3_battery", "battery"),
        ("binary_sensor", "pir-3-battery-low", "apt3_battery_low", "battery"),
        ("sensor", "pir-3-temperature", "apt3_temperature", "temperature"),
    ):
        entity_registry.async_get_or_create(
            domain,
            "zha",
            unique_id,
            device_id=device.id,
            suggested_object_id=object_id,
            original_device_class=device_class,
        )
    motion(hass, "off")
    hass.states.async_set("sensor.apt3_battery", "15")
    hass.states.async_set("binary_sensor.apt3_battery_low", "off")
    rules = RULES | {"continuous_minutes": None}
    entry = await setup_care(hass, care_entry(rules=rules))
    battery = {
        "title": "Low battery: Lägenhet 3",
        "message": "Replace the battery of a sensor in Lägenhet 3.",
        "data": {
            "tag": "municipal_iot_apt3_battery",
            "group": "municipal_iot_solrosen",
            "visibility": "private",
            "url": "/tillsyn?apartment=apt3",
            "clickAction": "/tillsyn?apartment=apt3",
            "push": {"interruption-level": "passive"},
            "channel": "municipal_iot_info",
        },
    }
    assert sent(phones) == {STAFF[0]: [battery], STAFF[1]: [battery], NIGHT: []}

    for value in ("14", "unknown", "n/a"):
        hass.states.async_set("sensor.apt3_battery", value)
        await hass.async_block_till_done()
    hass.states.async_set("binary_sensor.apt3_battery_low", "on")
    await hass.async_block_till_done()
    assert sent(phones) == {name: [] for name in phones}

    await advance(hass, clock, 24 * 60)
    hass.states.async_set("binary_sensor.apt3_battery_low", "off")
    hass.states.async_set("binary_sensor.apt3_battery_low", "on")
    await hass.async_block_till_done()
    assert sent(phones)[STAFF[0]] == [battery]
    low = [item for item in entry.runtime_data.journal.entries if item.kind == "low_battery"]
    assert [item.data["sensor_id"] for item in low] == [MOTION, MOTION]


async def test_supervision_switch_pauses(
    hass: HomeAssistant, clock: Any, phones: Phones, staff_user: MockUser
) -> None:
    """The switch pauses for an hour (reason "manual"), tells the other phones, resumes itself."""
    _phone_of(hass, staff_user, "phone_a")
    entry = await setup_care(hass, care_entry())
    context = Context(user_id=staff_user.id)
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": SWITCH}, blocking=True, context=context
    )
    await hass.async_block_till_done()
    assert state(hass, SWITCH) == "off"
    assert state(hass, STATUS) == "paused"
    status = hass.states.get(STATUS)
    assert status is not None
    assert status.attributes["pause_reason"] == "manual"
    assert status.attributes["paused_until"] == "2026-11-26T11:15:00+00:00"
    assert status.attributes["paused_by"] == "Staff"
    notice = {
        "title": "Lägenhet 3: supervision paused",
        "message": "Paused until 12:15 by Staff. Reason: Paused by hand.",
        "data": {
            "tag": "municipal_iot_apt3_pause",
            "group": "municipal_iot_solrosen",
            "visibility": "private",
            "url": "/tillsyn?apartment=apt3",
            "clickAction": "/tillsyn?apartment=apt3",
            "push": {"interruption-level": "active"},
            "channel": "municipal_iot_info",
        },
    }
    # The one who paused is not told; the unit's other staff phone is.
    assert sent(phones) == {STAFF[0]: [], STAFF[1]: [notice], NIGHT: []}
    await advance(hass, clock, 60)
    assert state(hass, STATUS) == "ok"  # resumed by itself: nothing is off without an end
    assert state(hass, SWITCH) == "on"
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": SWITCH}, blocking=True, context=context
    )
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": SWITCH}, blocking=True, context=context
    )
    assert state(hass, STATUS) == "ok"
    assert state(hass, NEXT_CHECK) == "2026-11-26T12:25:00+00:00"
    assert journal(entry) == [
        ("paused", staff_user.id),
        ("resumed", None),
        ("paused", staff_user.id),
        ("resumed", staff_user.id),
    ]


async def test_time_bands_cross_midnight(hass: HomeAssistant, clock: Any, phones: Phones) -> None:
    """Still time counts only inside the day band: the night is off, no wake-up alarm."""
    bands = [
        {"start": "07:00", "end": "22:00", "minutes": 120, "weekdays": [0, 1, 2, 3, 4, 5, 6]},
        {"start": "22:00", "end": "07:00", "minutes": None, "weekdays": [0, 1, 2, 3, 4, 5, 6]},
    ]
    entry = await setup_care(
        hass, care_entry(rules=RULES | {"continuous_minutes": None, "bands": bands})
    )
    for minutes in (100, 100, 100, 100, 100, 85):  # motion now and then until 21:00 local
        await advance(hass, clock, minutes)
        motion(hass, "on")
        await hass.async_block_till_done()
        motion(hass, "off")
        await hass.async_block_till_done()
    assert state(hass, STATUS) == "ok"
    # 2 h from 21:00 would end after the band: the next day counts from 07:00.
    assert state(hass, NEXT_CHECK) == "2026-11-27T08:10:00+00:00"
    await advance(hass, clock, 10 * 60 + 59)  # 07:59 local, Friday
    assert state(hass, STATUS) == "ok"
    await advance(hass, clock, 61)  # 09:00 local: grace
    assert state(hass, STATUS) == "grace"
    await advance(hass, clock, 10)
    assert state(hass, STATUS) == "alarm"
    raised = next(
        item for item in entry.runtime_data.journal.entries if item.kind == "alarm_raised"
    )
    assert raised.data["band"] == "07:00-22:00"
    assert raised.data["still_since"] == "2026-11-26T20:00:00+00:00"
    assert sent(phones)[STAFF[0]][0]["message"].startswith(
        "No motion for 12 h 10 min (since 2026-11-26 21:00)."
    )


async def test_alarms_are_logged_at_info(
    hass: HomeAssistant,
    clock: Any,
    phones: Phones,
    staff_user: MockUser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Raised, escalated, acknowledged and closed: each is one INFO line in the HA log."""
    caplog.set_level("INFO", logger="custom_components.municipal_iot")
    await setup_care(hass, care_entry())
    await advance(hass, clock, 70)
    await advance(hass, clock, 10)  # escalation
    context = Context(user_id=staff_user.id)
    await hass.services.async_call(
        "button", "press", {"entity_id": ACK_BUTTON}, blocking=True, context=context
    )
    await hass.services.async_call(
        "button", "press", {"entity_id": RESOLVE_BUTTON}, blocking=True, context=context
    )
    lines = [
        record.getMessage()
        for record in caplog.records
        if record.levelname == "INFO" and "Alarm" in record.getMessage()
    ]
    assert lines == [
        "Alarm raised in Lägenhet 3 (inactivity)",
        f"Alarm in Lägenhet 3 escalated ({EPISODE})",
        "Alarm in Lägenhet 3 acknowledged (Staff)",
        "Alarm in Lägenhet 3 closed (visited_all_ok, Staff)",
    ]
