"""Care unit actions: pause, resume, acknowledge, resolve and the journal export."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError, Unauthorized
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry, MockUser

from custom_components.municipal_iot.const import DOMAIN
from tests.care import (
    APT,
    RESOLVE_BUTTON,
    STATUS,
    SWITCH,
    advance,
    care_entry,
    setup_care,
    state,
)
from tests.network import WEBHOOK_CS, network_entry, setup_entry

pytestmark = pytest.mark.usefixtures("stockholm", "sensor_off", "phones")

EPISODE = "apt3-20261126T112500Z"


def apartment_device(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    """Return the device id of Lägenhet 3."""
    device = dr.async_get(hass).async_get_device_by_identifier((DOMAIN, APT), entry.entry_id)
    assert device is not None
    return device.id


async def call(hass: HomeAssistant, service: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """Call one of the integration's actions and wait for it."""
    return await hass.services.async_call(DOMAIN, service, data, blocking=True, **kwargs)


async def test_pause_until_resumes_across_midnight(
    hass: HomeAssistant, clock: Any, staff_user: MockUser
) -> None:
    """A pause with an end time resumes by itself, also after midnight, and is journaled."""
    entry = await setup_care(hass, care_entry())
    device_id = apartment_device(hass, entry)
    await call(
        hass,
        "pause_supervision",
        {"device_id": device_id, "until": "2026-11-27 07:00:00", "reason": "guests"},
        context=Context(user_id=staff_user.id),
    )
    assert state(hass, STATUS) == "paused"
    assert state(hass, SWITCH) == "off"
    status = hass.states.get(STATUS)
    assert status is not None
    assert status.attributes == status.attributes | {
        "paused_until": "2026-11-27T06:00:00+00:00",
        "pause_reason": "guests",
    }
    await advance(hass, clock, 19 * 60 + 44)  # 06:59 UTC next day, nothing fired
    assert state(hass, STATUS) == "paused"
    await advance(hass, clock, 1)
    assert state(hass, STATUS) == "ok"
    unit = entry.runtime_data
    assert [(item.kind, item.user_id) for item in unit.journal.entries] == [
        ("paused", staff_user.id),
        ("resumed", None),
    ]
    assert unit.journal.entries[-1].data["automatic"] is True


async def test_resume_acknowledge_resolve(
    hass: HomeAssistant, clock: Any, staff_user: MockUser
) -> None:
    """Resume, acknowledge and resolve with an outcome, by action."""
    entry = await setup_care(hass, care_entry())
    device_id = apartment_device(hass, entry)
    context = Context(user_id=staff_user.id)
    await call(
        hass,
        "pause_supervision",
        {"device_id": device_id, "reason": "away", "until": "2026-11-26 18:00:00"},
    )
    await call(hass, "resume_supervision", {"device_id": device_id}, context=context)
    assert state(hass, STATUS) == "ok"
    await advance(hass, clock, 70)
    await call(hass, "acknowledge_alarm", {"device_id": device_id}, context=context)
    assert state(hass, STATUS) == "acknowledged"
    await call(
        hass,
        "resolve_alarm",
        {"device_id": device_id, "outcome": "visited_needed_help", "note": " Hjälp upp. "},
        context=context,
    )
    assert state(hass, STATUS) == "ok"
    resolved = entry.runtime_data.journal.entries[-1]
    assert (resolved.kind, resolved.user_id) == ("resolved", staff_user.id)
    # Closed without motion (staff were there), with the outcome and the note.
    assert resolved.data | {"episode_id": ""} == {
        "episode_id": "",
        "user_id": staff_user.id,
        "outcome": "visited_needed_help",
        "motion_returned": False,
        "acknowledged": True,
        "note": "Hjälp upp.",
    }
    # Automations written for the old outcomes still work: "ok" is a visit, all well.
    await advance(hass, clock, 70)
    await call(hass, "resolve_alarm", {"device_id": device_id, "outcome": "ok"})
    assert entry.runtime_data.journal.entries[-1].data["outcome"] == "visited_all_ok"


async def test_pause_needs_an_end_unless_an_admin_asks(
    hass: HomeAssistant, clock: Any, staff_user: MockUser, hass_admin_user: MockUser
) -> None:
    """Nothing turns supervision off indefinitely, except an administrator on purpose."""
    entry = await setup_care(hass, care_entry())
    device_id = apartment_device(hass, entry)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "pause_supervision", {"device_id": device_id, "reason": "away"})
    assert err.value.translation_key == "pause_needs_end"
    forever = {"device_id": device_id, "reason": "other", "indefinite": True}
    with pytest.raises(Unauthorized):
        await call(hass, "pause_supervision", forever, context=Context(user_id=staff_user.id))
    assert state(hass, STATUS) == "ok"
    await call(hass, "pause_supervision", forever, context=Context(user_id=hass_admin_user.id))
    assert state(hass, STATUS) == "paused"
    status = hass.states.get(STATUS)
    assert status is not None
    assert status.attributes["paused_until"] is None
    assert status.attributes["paused_by"] == hass_admin_user.name


async def test_action_validation_errors(hass: HomeAssistant, clock: Any) -> None:
    """Bad input gives translated validation errors."""
    network = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    other = dr.async_get(hass).async_get_or_create(
        config_entry_id=network.entry_id, identifiers={(DOMAIN, "a81758fffe0312ab")}
    )
    entry = await setup_care(hass, care_entry())
    device_id = apartment_device(hass, entry)
    unit_device = entry.runtime_data.device_id

    for bad in ("no-such-device", other.id, unit_device):
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, "resume_supervision", {"device_id": bad})
        assert err.value.translation_key == "not_an_apartment"

    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "pause_supervision",
            {"device_id": device_id, "until": "2026-11-26 11:00:00", "reason": "away"},
        )
    assert err.value.translation_key == "pause_in_past"

    for service in ("acknowledge_alarm", "resolve_alarm"):
        with pytest.raises(ServiceValidationError) as err:
            await call(hass, service, {"device_id": device_id})
        assert err.value.translation_key == "no_open_alarm"
        assert err.value.translation_placeholders == {"apartment": "Lägenhet 3"}
    # The alarm buttons are unavailable without an alarm: nobody presses them in vain.
    assert state(hass, "button.lagenhet_3_acknowledge_alarm") == "unavailable"
    assert state(hass, RESOLVE_BUTTON) == "unavailable"

    await hass.config_entries.async_unload(entry.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "resume_supervision", {"device_id": device_id})
    assert err.value.translation_key == "not_an_apartment"


async def _episode(hass: HomeAssistant, clock: Any, user: MockUser) -> MockConfigEntry:
    """Run one alarm episode: raised, notified, acknowledged, resolved."""
    entry = await setup_care(hass, care_entry())
    device_id = apartment_device(hass, entry)
    await advance(hass, clock, 60)
    await advance(hass, clock, 10)
    await advance(hass, clock, 4)
    context = Context(user_id=user.id)
    await call(hass, "acknowledge_alarm", {"device_id": device_id}, context=context)
    await advance(hass, clock, 6)
    await call(hass, "resolve_alarm", {"device_id": device_id}, context=context)
    return entry


async def test_export_journal_entries(
    hass: HomeAssistant, clock: Any, staff_user: MockUser, hass_admin_user: MockUser
) -> None:
    """The export lists the whole episode in a semicolon CSV under the config folder."""
    entry = await _episode(hass, clock, staff_user)
    response = await call(
        hass,
        "export_journal",
        {"config_entry_id": entry.entry_id, "start": "2026-11-26", "end": "2026-11-26"},
        context=Context(user_id=hass_admin_user.id),
        return_response=True,
    )
    path = Path(
        hass.config.path("municipal_iot", "journal", "solrosen_entries_2026-11-26_2026-11-26.csv")
    )
    assert response["file"] == str(path)
    assert response["rows"] == 5
    assert response["episodes"] == [
        {
            "episode_id": EPISODE,
            "apartment": "Lägenhet 3",
            "reason": "inactivity",
            "raised_at": "2026-11-26T11:25:00+00:00",
            "notified_at": "2026-11-26T11:25:00+00:00",
            "escalated_at": None,
            "reminders": 0,
            "acknowledged_at": "2026-11-26T11:29:00+00:00",
            "acknowledged_by": staff_user.id,
            "motion_returned_at": None,
            "resolved_at": "2026-11-26T11:35:00+00:00",
            "resolved_by": staff_user.id,
            "outcome": "visited_all_ok",
            "closed_without_motion": True,
            "note": "",
            "response_minutes": 4.0,
        }
    ]
    text = await hass.async_add_executor_job(path.read_text, "utf-8")
    lines = text.splitlines()
    assert lines[0] == (
        "Entry;Time;Apartment id;Apartment;Event;User;Outcome;Note;Alarm id;Details"
    )
    rows = [line.split(";") for line in lines[1:]]
    # People's names, not user ids; events and outcomes in words.
    assert [(row[1], row[4], row[5], row[6], row[8]) for row in rows] == [
        ("2026-11-26T12:15:00+01:00", "No motion, grace period started", "", "", ""),
        ("2026-11-26T12:25:00+01:00", "Alarm raised", "", "", EPISODE),
        ("2026-11-26T12:25:00+01:00", "Staff notified", "", "", EPISODE),
        ("2026-11-26T12:29:00+01:00", "Alarm acknowledged", "Staff", "", EPISODE),
        (
            "2026-11-26T12:35:00+01:00",
            "Alarm closed without motion",
            "Staff",
            "Visited, all well",
            EPISODE,
        ),
    ]
    assert all(row[3] == "Lägenhet 3" for row in rows)


async def test_export_episodes_for_swedish_excel(
    hass: HomeAssistant, clock: Any, staff_user: MockUser
) -> None:
    """One row per alarm, with BOM, local times and a decimal comma; whole episodes only."""
    entry = await _episode(hass, clock, staff_user)
    response = await call(
        hass,
        "export_journal",
        {
            "config_entry_id": entry.entry_id,
            "start": "2026-11-26",
            "end": "2026-11-30",
            "excel_sv": True,
            "content": "episodes",
        },
        return_response=True,
    )
    raw = await hass.async_add_executor_job(Path(response["file"]).read_bytes)
    text = raw.decode("utf-8")
    assert response["file"].endswith("solrosen_episodes_2026-11-26_2026-11-30.csv")
    # Swedish Excel: Swedish headers and values, and the staff member's name.
    assert text.startswith("\ufeffLarm-id;Lägenhets-id;Lägenhet;Orsak;Larm;Aviserat;")
    row = text.splitlines()[1].split(";")
    assert row[:5] == [EPISODE, APT, "Lägenhet 3", "Ingen rörelse", "2026-11-26 12:25:00"]
    assert row[9] == row[12] == "Staff"
    assert row[13:] == ["Besök gjort \u2013 allt väl", "ja", "", "4,0"]
    assert raw.count(b"\r\n") == 2

    empty = await call(
        hass,
        "export_journal",
        {"config_entry_id": entry.entry_id, "start": "2026-11-27", "end": "2026-11-27"},
        return_response=True,
    )
    assert (empty["rows"], empty["episodes"]) == (0, [])


async def test_export_validation(hass: HomeAssistant, clock: Any, staff_user: MockUser) -> None:
    """Only administrators export; the period and the entry are checked; write errors raise."""
    network = await setup_entry(hass, network_entry("chirpstack", WEBHOOK_CS))
    entry = await setup_care(hass, care_entry())
    data = {"config_entry_id": entry.entry_id, "start": "2026-11-26", "end": "2026-11-26"}
    with pytest.raises(Unauthorized):
        await call(hass, "export_journal", data, context=Context(user_id=staff_user.id))
    with pytest.raises(Unauthorized):
        await call(hass, "export_journal", data, context=Context(user_id="no-such-user"))
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "export_journal", data | {"start": "2026-11-27"})
    assert err.value.translation_key == "invalid_journal_period"
    with pytest.raises(ServiceValidationError) as err:
        await call(hass, "export_journal", data | {"config_entry_id": network.entry_id})
    assert err.value.translation_key == "not_a_care_unit"
    assert err.value.translation_placeholders == {"entry": network.title}  # its title, not its id
    with (
        patch("pathlib.Path.write_text", side_effect=OSError("disk full")),
        pytest.raises(HomeAssistantError) as failed,
    ):
        await call(hass, "export_journal", data)
    assert failed.value.translation_key == "export_failed"
    assert failed.value.translation_placeholders == {"error": "disk full"}


async def test_resolve_note_refuses_a_personal_number(hass: HomeAssistant, clock: Any) -> None:
    """A closing note is journaled in clear: a personnummer in it is refused, translated."""
    entry = await setup_care(hass, care_entry())
    device_id = apartment_device(hass, entry)
    await advance(hass, clock, 70)
    with pytest.raises(ServiceValidationError) as err:
        await call(
            hass,
            "resolve_alarm",
            {"device_id": device_id, "note": "Boende 19811218-9876 hjälpt upp."},
        )
    assert err.value.translation_key == "personal_number_in_text"
    assert err.value.translation_placeholders == {"field": "note"}
    assert state(hass, STATUS) == "alarm"  # not closed
    assert all("9876" not in str(item.data) for item in entry.runtime_data.journal.entries)
