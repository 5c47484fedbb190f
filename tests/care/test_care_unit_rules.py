"""Unit rules through Home Assistant: the network-outage collapse and the test alarm.

The clock starts at 2026-11-26 10:15 UTC (11:15 in Stockholm). Staff phones are
mobile app notify actions, one of them a registered mobile_app phone of the
staff user; the night phone gets escalations.
"""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.components import persistent_notification
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import Context, Event, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
    async_mock_service,
)

from custom_components.municipal_iot import logbook
from custom_components.municipal_iot.care.export import csv_labels
from custom_components.municipal_iot.care.unit_push import UNIT_RULE_KINDS
from custom_components.municipal_iot.const import DOMAIN
from custom_components.municipal_iot.texts import async_get_texts
from tests.care import (
    NIGHT,
    STAFF,
    Phones,
    advance,
    apartment,
    care_entry,
    journal_kinds,
    sent,
    setup_care,
    state,
    unit_data,
)

pytestmark = pytest.mark.usefixtures("stockholm")

OUTAGE = "binary_sensor.solrosen_network_outage"
APARTMENTS = 20


def motion(number: int) -> str:
    return f"binary_sensor.lgh_{number}_motion"


def big_unit(**options: Any) -> MockConfigEntry:
    """Solrosen with 20 apartments, one motion sensor each."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id="solrosen_entry",
        title="Solrosen",
        unique_id="care_unit_solrosen",
        data=unit_data(),
        options=options,
        subentries_data=[
            apartment(f"apt{number:02d}", f"Lgh {number}", motion_sensors=[motion(number)])
            for number in range(1, APARTMENTS + 1)
        ],
    )


@pytest.fixture
def phone_a(hass: HomeAssistant, staff_user: MockUser) -> None:
    """Phone A is the staff user's registered mobile app."""
    MockConfigEntry(
        domain="mobile_app", data={"device_name": "Phone A", "user_id": staff_user.id}
    ).add_to_hass(hass)


@pytest.mark.usefixtures("phone_a")
async def test_network_outage_of_15_of_20_is_one_unit_fault(
    hass: HomeAssistant, clock: Any, phones: Phones
) -> None:
    """The network server drops 15 of 20 sensors: one unit push, none per apartment."""
    for number in range(1, APARTMENTS + 1):
        hass.states.async_set(motion(number), "off", {"device_class": "motion"})
    supervision = async_capture_events(hass, "municipal_iot_supervision")
    entry = await setup_care(hass, big_unit())
    assert state(hass, OUTAGE) == "off"
    for number in range(1, 16):
        hass.states.async_set(motion(number), "unavailable")
    await advance(hass, clock, 15)  # each has been unavailable for 15 minutes
    await advance(hass, clock, 11)  # every 10-minute hold of an apartment push has ended

    calls = sent(phones)
    for phone in STAFF:
        (push,) = calls[phone]
        assert push["title"] == "Technical fault: Solrosen"
        assert push["message"].startswith(
            "Sensors offline in 15 of 20 apartments: gateway or network server? Since 11:15."
        )
        assert "Not supervised: Lgh 1, Lgh 2, Lgh 3," in push["message"]
        assert "Lgh 14, Lgh 15. Supervise in person" in push["message"]
        assert push["data"]["tag"] == "municipal_iot_solrosen_entry_network_outage"
    assert calls[NIGHT] == []
    assert state(hass, OUTAGE) == "on"
    attributes = hass.states.get(OUTAGE).attributes
    assert len(attributes["apartments"]) == 15
    assert attributes["since"] == "2026-11-26T10:15:00+00:00"
    assert state(hass, "sensor.lgh_1_supervision_status") == "not_supervised"
    assert state(hass, "sensor.lgh_16_supervision_status") == "ok"
    journal = journal_kinds(entry)
    assert journal.count("sensor_problem") == 15
    assert journal.count("network_outage") == 1
    outage = next(
        item for item in entry.runtime_data.journal.entries if item.kind == "network_outage"
    )
    assert (outage.apartment_label, outage.data["count"], outage.data["of"]) == ("Solrosen", 15, 20)
    assert not persistent_notification._async_get_or_create_notifications(hass)

    # A restart during the outage neither repeats its push nor forgets it.
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await advance(hass, clock, 11)
    assert sent(phones) == {name: [] for name in phones}
    assert state(hass, OUTAGE) == "on"
    assert journal_kinds(entry).count("network_outage") == 1

    # The gateway is back: the outage ends with the last sensor; the push is taken away.
    for number in range(1, 16):
        hass.states.async_set(motion(number), "off", {"device_class": "motion"})
    await hass.async_block_till_done()
    assert state(hass, OUTAGE) == "off"
    calls = sent(phones)
    assert {"message": "clear_notification", "data": {"tag": push["data"]["tag"]}} in calls[
        STAFF[0]
    ]
    assert not [call for call in calls[STAFF[0]] if call.get("title")]
    ended = next(
        item for item in entry.runtime_data.journal.entries if item.kind == "network_outage_ended"
    )
    assert ended.data["apartments"] == 15
    assert ended.data["minutes"] == 37
    types = [event.data["type"] for event in supervision]
    assert types.count("network_outage") == 1
    assert types.count("network_outage_ended") == 1


async def test_a_lone_sensor_fault_is_pushed_after_the_hold(
    hass: HomeAssistant, clock: Any, phones: Phones
) -> None:
    """One sensor of 20: its own technical fault, 10 minutes after it was found."""
    for number in range(1, APARTMENTS + 1):
        hass.states.async_set(motion(number), "off", {"device_class": "motion"})
    await setup_care(hass, big_unit())
    hass.states.async_set(motion(4), "unavailable")
    await advance(hass, clock, 15)
    await advance(hass, clock, 9)
    assert sent(phones)[STAFF[0]] == []
    await advance(hass, clock, 1)
    (push,) = sent(phones)[STAFF[0]]
    assert push["title"] == "Technical fault: Lgh 4"
    assert state(hass, OUTAGE) == "off"


async def test_the_share_is_a_unit_option_and_a_held_push_survives_a_restart(
    hass: HomeAssistant, clock: Any, phones: Phones
) -> None:
    """The options flow sets the share; a push held over a restart still goes out."""
    for number in range(1, APARTMENTS + 1):
        hass.states.async_set(motion(number), "off", {"device_class": "motion"})
    entry = await setup_care(hass, big_unit())
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["care_unit_rules", "download_journal"]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"next_step_id": "care_unit_rules"}
    )
    assert result["step_id"] == "care_unit_rules"
    form = {
        "network_outage_percent": 100,
        "test_alarm": "off",
        "test_alarm_time": "10:00:00",
        "test_alarm_weekday": "0",
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], form)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert entry.options["network_outage_percent"] == 100
    assert entry.runtime_data.network.watch.share_percent == 100

    for number in range(1, 16):  # 15 of 20 is below 100 %: each apartment's own fault
        hass.states.async_set(motion(number), "unavailable")
    await advance(hass, clock, 16)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await advance(hass, clock, 5)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await advance(hass, clock, 5)  # the holds ended while it was down or just now
    titles = [call["title"] for call in sent(phones)[STAFF[0]]]
    assert "Supervision: Solrosen" in titles  # it was off 5 minutes (the outage record)
    faults = sorted(title for title in titles if title.startswith("Technical fault"))
    assert faults == sorted(f"Technical fault: Lgh {number}" for number in range(1, 16))
    assert state(hass, OUTAGE) == "off"


def alarm_test_options(**changes: Any) -> dict[str, Any]:
    return {
        "network_outage_percent": 50,
        "test_alarm": "daily",
        "test_alarm_time": "11:30",
        "test_alarm_weekday": 0,
    } | changes


@pytest.mark.usefixtures("phone_a", "sensor_off")
async def test_test_alarm_received_by_a_staff_phone(
    hass: HomeAssistant, clock: Any, phones: Phones, staff_user: MockUser
) -> None:
    """11:30 in Stockholm: the test push; a tap on Received closes it and names who."""
    entry = await setup_care(hass, care_entry(entry_id="solrosen_entry"))
    hass.config_entries.async_update_entry(entry, options=alarm_test_options())
    await hass.async_block_till_done()
    await advance(hass, clock, 15)
    calls = sent(phones)
    (push,) = calls[STAFF[0]]
    assert calls[STAFF[1]] == [push]
    assert calls[NIGHT] == []
    assert push["title"] == "Test alarm: Solrosen"
    assert push["message"] == "This is a test alarm. Tap Received to confirm that alarms reach you."
    assert push["data"]["actions"] == [
        {"action": "MIOT_TEST_test-20261126T103000Z", "title": "Received"}
    ]
    assert push["data"]["channel"] == "municipal_iot_alarm"  # the alarms' own path

    await advance(hass, clock, 4)
    hass.bus.async_fire(
        "mobile_app_notification_action",
        {"action": "MIOT_TEST_test-20261126T103000Z"},
        context=Context(user_id=staff_user.id),
    )
    await hass.async_block_till_done()
    received = entry.runtime_data.journal.entries[-1]
    assert received.kind == "test_alarm_received"
    assert received.user_id == staff_user.id
    assert received.data["seconds"] == 240
    assert received.data["late"] is False
    assert {"message": "clear_notification", "data": {"tag": push["data"]["tag"]}} in sent(phones)[
        STAFF[1]
    ]
    await advance(hass, clock, 40)
    assert sent(phones)[NIGHT] == []
    assert [kind for kind in journal_kinds(entry) if kind.startswith("test_alarm")] == [
        "test_alarm_sent",
        "test_alarm_received",
    ]


@pytest.mark.usefixtures("sensor_off")
async def test_unanswered_test_alarm_escalates_also_after_a_restart(
    hass: HomeAssistant, clock: Any, phones: Phones
) -> None:
    """Nobody taps within 30 min (Home Assistant restarted meanwhile): night phone + notice."""
    entry = await setup_care(hass, care_entry(entry_id="solrosen_entry"))
    hass.config_entries.async_update_entry(entry, options=alarm_test_options())
    await hass.async_block_till_done()
    await advance(hass, clock, 15)
    assert [call["title"] for call in sent(phones)[STAFF[0]]] == ["Test alarm: Solrosen"]
    assert await hass.config_entries.async_unload(entry.entry_id)
    await advance(hass, clock, 20)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert sent(phones)[NIGHT] == []  # 11:50: still within the 30 minutes
    await advance(hass, clock, 10)
    (escalation,) = sent(phones)[NIGHT]
    assert escalation["title"] == "Test alarm not answered: Solrosen"
    assert escalation["message"] == "Test alarm not answered: check the staff phones."
    shown = persistent_notification._async_get_or_create_notifications(hass)
    notice = shown["municipal_iot_solrosen_entry_test_alarm_unanswered"]
    assert notice["message"].startswith("Test alarm not answered: check the staff phones.")
    assert [kind for kind in journal_kinds(entry) if kind.startswith("test_alarm")] == [
        "test_alarm_sent",
        "test_alarm_unanswered",
    ]
    # The next day's test is at 11:30 again (no repeat of the missed one).
    await advance(hass, clock, 23 * 60 + 30)
    titles = [call["title"] for call in sent(phones)[STAFF[0]]]
    assert [title for title in titles if title.startswith("Test")] == ["Test alarm: Solrosen"]


@pytest.mark.usefixtures("sensor_off")
async def test_unreadable_unit_rule_stores_start_afresh(
    hass: HomeAssistant, clock: Any, hass_storage: dict[str, Any], caplog: Any
) -> None:
    """A broken network outage or test alarm store is logged; the unit runs."""
    for key, data in (
        ("network_outage", {"outage": {"since": "yesterday"}, "held": {}}),
        ("test_alarm", {"pending": "nonsense"}),
    ):
        hass_storage[f"municipal_iot.care.solrosen_entry.{key}"] = {
            "version": 1,
            "minor_version": 1,
            "key": f"municipal_iot.care.solrosen_entry.{key}",
            "data": data,
        }
    entry = await setup_care(hass, care_entry(entry_id="solrosen_entry"))
    assert entry.state is ConfigEntryState.LOADED
    assert "The network outage state is unreadable" in caplog.text
    assert "The test alarm state is unreadable" in caplog.text
    assert entry.runtime_data.network.outage is None
    assert entry.runtime_data.test_alarm.clock.pending is None


async def test_outage_push_not_delivered_is_persistent_and_a_stale_hold_is_dropped(
    hass: HomeAssistant, clock: Any, hass_storage: dict[str, Any]
) -> None:
    """No phone takes the outage push: a persistent notification; a hold of a removed
    apartment is dropped; foreign taps are ignored."""
    phones = {name: async_mock_service(hass, "notify", name) for name in (STAFF[0], NIGHT)}
    phone_b = async_mock_service(
        hass, "notify", STAFF[1], raise_exception=HomeAssistantError("push rejected")
    )
    hass_storage["municipal_iot.care.solrosen_entry.network_outage"] = {
        "version": 1,
        "minor_version": 1,
        "key": "municipal_iot.care.solrosen_entry.network_outage",
        "data": {
            "outage": None,
            "held": {
                "gone s": {
                    "sensor": "binary_sensor.gone",
                    "fault": {"apartment": "gone", "at": "2026-11-26T10:00:00+00:00", "data": {}},
                    "until": "2026-11-26T10:10:00+00:00",
                }
            },
        },
    }
    for number in range(1, APARTMENTS + 1):
        hass.states.async_set(motion(number), "off", {"device_class": "motion"})
    entry = await setup_care(hass, big_unit())
    assert entry.runtime_data.network.watch.held == {}  # released at start: no such apartment
    hass.bus.async_fire("mobile_app_notification_action", {"action": "MIOT_TEST_unknown"})
    hass.bus.async_fire("mobile_app_notification_action", {"action": 7})
    await hass.async_block_till_done()
    for number in range(1, 11):
        hass.states.async_set(motion(number), "unavailable")
    await advance(hass, clock, 15)
    assert [call.data["title"] for call in phones[STAFF[0]]] == ["Technical fault: Solrosen"]
    shown = persistent_notification._async_get_or_create_notifications(hass)
    notice = shown["municipal_iot_solrosen_entry_network_outage"]
    assert notice["title"] == "Technical fault: Solrosen"
    assert "Sensors offline in 10 of 20 apartments" in notice["message"]
    notified = [item.data for item in entry.runtime_data.journal.entries if item.kind == "notified"]
    assert notified == [
        {"notification": "network_outage", "targets": [STAFF[0]], "persistent": True}
    ]
    # Phone B is retried after 30 s and 2 min; then the night phone gets it at once.
    assert len(phone_b) == 1
    await advance(hass, clock, 0.5)
    assert len(phone_b) == 2
    assert phones[NIGHT] == []
    await advance(hass, clock, 1.5)
    assert len(phone_b) == 3
    assert [call.data["title"] for call in phones[NIGHT]] == ["Technical fault: Solrosen"]
    gave_up = [i.data for i in entry.runtime_data.journal.entries if i.kind == "delivery_gave_up"]
    assert gave_up == [
        {"target": [STAFF[1]], "notification": "network_outage", "escalated_to": [NIGHT]}
    ]
    await advance(hass, clock, 5)
    assert len(phones[NIGHT]) == 1  # nothing more
    assert not [item for item in entry.runtime_data.journal.entries if "test_alarm" in item.kind]


async def test_logbook_and_export_name_the_unit_rules(hass: HomeAssistant, clock: Any) -> None:
    """The logbook and the CSV export have Swedish texts for the unit rules' entries."""
    described: dict[str, Any] = {}
    hass.config.language = "sv"
    await setup_care(hass, care_entry())  # loads the texts
    logbook.async_describe_events(
        hass, lambda _domain, event_type, describe: described.__setitem__(event_type, describe)
    )
    describe = described["municipal_iot_supervision"]
    messages = {
        kind: describe(Event("municipal_iot_supervision", {"type": kind, "apartment": "Solrosen"}))
        for kind in UNIT_RULE_KINDS
    }
    assert messages["network_outage"] == {
        "name": "Solrosen",
        "message": "teknikfel: sensorer offline i många lägenheter (nätverksfel)",
    }
    assert messages["test_alarm_unanswered"]["message"] == "provlarm inte besvarat"
    labels = csv_labels(await async_get_texts(hass, "sv"), {})
    assert labels.values["event.test_alarm_received"] == "Provlarm mottaget"
    assert labels.values["event.network_outage_ended"] == "Nätverksfelet är över"
