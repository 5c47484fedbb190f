"""A care unit whose saved supervision state cannot be read starts in a safe state.

Issue 10, defect 6: a damaged state file used to end an open alarm silently
(alarm -> ok). Now every apartment concerned shows ``sensor_problem`` with the
problem ``state_lost``, staff get one push saying every apartment must be
checked, the loss is journaled, the bad data is backed up and a repair issue is
raised until every apartment has been checked (closed).
"""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from custom_components.municipal_iot.care.unit import CareUnit
from tests.care import (
    APT,
    APT2,
    RESOLVE_BUTTON,
    STAFF,
    STATUS,
    Phones,
    advance,
    apartment,
    care_entry,
    setup_care,
    state,
)

pytestmark = pytest.mark.usefixtures("stockholm", "sensor_off")

STATE_LOST_PUSH = {
    "title": "Check every apartment: Solrosen",
    "message": "The supervision state could not be read after a restart. An alarm may have been "
    "open: visit each of the 2 apartments and close each one when checked.",
}


def _damaged(entry_id: str, stored: dict[str, Any], how: str) -> Any:
    """Return the stored state damaged in one of the ways the audit found."""
    match how:
        case "wrong_top_level":
            return ["not", "an", "object"]
        case "apartments_not_a_dict":
            return {"apartments": "x"}
        case "bad_episode":
            damaged = {key: dict(value) for key, value in stored["apartments"].items()}
            damaged[APT]["episode"] = {"episode_id": "x"}  # raised_at etc. missing
            damaged[APT2]["clock_start"] = "not a time"
            return {"apartments": damaged}
        case "apartment_not_a_dict":
            return {"apartments": dict.fromkeys(stored["apartments"], 7)}
        case "missing":
            return {"apartments": {}}
    raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    ["wrong_top_level", "apartments_not_a_dict", "bad_episode", "apartment_not_a_dict", "missing"],
)
async def test_unreadable_state_keeps_the_alarm_from_going_silent(
    hass: HomeAssistant,
    clock: Any,
    phones: Phones,
    hass_storage: dict[str, Any],
    how: str,
) -> None:
    """An open alarm and damaged state: sensor_problem/state_lost, one push, journal, issue."""
    second = apartment(APT2, "Lägenhet 7", motion_sensors=["binary_sensor.apt7_motion"])
    hass.states.async_set("binary_sensor.apt7_motion", "off", {"device_class": "motion"})
    entry = await setup_care(hass, care_entry(apartment(), second))
    await advance(hass, clock, 70)
    assert state(hass, STATUS) == "alarm"
    assert await hass.config_entries.async_unload(entry.entry_id)
    key = f"municipal_iot.care.{entry.entry_id}.state"
    original = hass_storage[key]["data"]
    hass_storage[key]["data"] = _damaged(entry.entry_id, original, how)
    for calls in phones.values():
        calls.clear()

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    unit: CareUnit = entry.runtime_data
    status = hass.states.get(STATUS)
    assert status is not None
    assert status.state == "sensor_problem"
    assert status.attributes["problem"] == "state_lost"
    assert all(a.supervisor.status.value == "sensor_problem" for a in unit.apartments.values())
    # One push per staff phone, for the whole unit, without personal data.
    for phone in STAFF:
        pushes = [call.data for call in phones[phone]]
        assert [{k: p[k] for k in ("title", "message")} for p in pushes] == [STATE_LOST_PUSH]
        assert pushes[0]["data"]["url"] == "/tillsyn"
    lost = [item for item in unit.journal.entries if item.kind == "state_lost"]
    assert sorted(item.apartment_id for item in lost) == [APT, APT2]
    notified = [item for item in unit.journal.entries if item.data.get("notification")]
    assert notified[-1].data["notification"] == "state_lost"
    issue = ir.async_get(hass).async_get_issue("municipal_iot", f"care_state_lost_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["count"] == "2"
    if how != "missing":
        assert hass_storage[f"{key}.unreadable"]["data"] == _damaged(entry.entry_id, original, how)

    # Staff check both apartments and close them; the notice and the issue go away.
    await hass.services.async_call("button", "press", {"entity_id": RESOLVE_BUTTON}, blocking=True)
    assert state(hass, STATUS) != "sensor_problem"
    assert ir.async_get(hass).async_get_issue("municipal_iot", f"care_state_lost_{entry.entry_id}")
    unit.resolve(APT2, outcome="visited_all_ok")
    await hass.async_block_till_done()
    assert unit.apartments[APT2].supervisor.state_lost_at is None
    assert (
        ir.async_get(hass).async_get_issue("municipal_iot", f"care_state_lost_{entry.entry_id}")
        is None
    )
    checked = [item for item in unit.journal.entries if item.kind == "state_checked"]
    assert [item.apartment_id for item in checked] == [APT, APT2]
    clears = [
        call.data for call in phones[STAFF[0]] if call.data["message"] == "clear_notification"
    ]
    assert clears[-1]["data"]["tag"] == "municipal_iot_solrosen_state_lost"


async def test_the_lost_mark_survives_a_restart(
    hass: HomeAssistant, clock: Any, phones: Phones, hass_storage: dict[str, Any]
) -> None:
    """Until staff have checked, a restart keeps the apartment marked (no second push)."""
    entry = await setup_care(hass, care_entry())
    await advance(hass, clock, 70)
    assert await hass.config_entries.async_unload(entry.entry_id)
    key = f"municipal_iot.care.{entry.entry_id}.state"
    hass_storage[key]["data"] = {"apartments": {APT: "garbage"}}
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, STATUS) == "sensor_problem"
    assert await hass.config_entries.async_unload(entry.entry_id)
    for calls in phones.values():
        calls.clear()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, STATUS) == "sensor_problem"
    assert all(not calls for calls in phones.values())


async def test_a_new_unit_starts_ok(hass: HomeAssistant, phones: Phones) -> None:
    """No saved state and no journal yet is a first start, not a loss."""
    entry = await setup_care(hass, care_entry())
    assert state(hass, STATUS) == "ok"
    assert all(not calls for calls in phones.values())
    assert (
        ir.async_get(hass).async_get_issue("municipal_iot", f"care_state_lost_{entry.entry_id}")
        is None
    )
